// Package doctor checks that this host can run shannot's sandboxes, and
// says how to fix what it cannot: the engine of `shannot doctor`.
//
// # Findings
//
// Diagnose returns one Finding per check, in this order, each ok, warn
// (shannot works, the host could be safer) or fail (sandboxes cannot
// run as they should), with the command that fixes it where there is
// one:
//
//	bwrap                                 found, its --version, setuid or not
//	kernel.unprivileged_userns_clone      fails when 0 (reported only then)
//	user.max_user_namespaces              fails when 0
//	kernel.apparmor_restrict_unprivileged_userns
//	                                      when 1: warns unless an AppArmor
//	                                      profile for bwrap is installed
//	sandbox user                          as root: the user root-run
//	                                      sandboxes start as exists
//	user namespace                        a real bwrap run creates one, as
//	                                      that user when root
//	seccomp                               the kernel reports it
//	libseccomp                            warns when shannot-seccomp is missing
//	dev.tty.legacy_tiocsti                warns when not 0
//
// A sysctl the kernel does not have is not reported; a missing bwrap
// skips the user namespace run.
//
// # The host
//
// Diagnose reads and runs nothing itself: everything goes through a
// Host, so that it is tested against fakes (a file tree for /proc/sys,
// /proc/self/status and /etc/apparmor.d, and canned answers for bwrap,
// libseccomp and the sandbox user). System is the real one; which bwrap
// may be used and who a root-run sandbox is depend on who called
// shannot, so the CLI hands it those two functions.
package doctor
