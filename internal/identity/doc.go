// Package identity chooses who a root-run sandbox is on the host.
//
// bwrap started by root maps the sandbox's uid 0 to host uid 0, and root
// without capabilities is still root: it writes most sysctls on the owner
// bits alone, reads every root-owned file with an owner-read bit, and
// bwrap itself resolves bind sources and creates mount points as root
// through symlinks a caller may control. So when shannot runs as root it
// never starts bwrap as root: it starts it as an unprivileged system user
// (DefaultUser, created by make install, the .deb and the test set-up),
// with only the supplementary groups the administrator grants for read
// access (DefaultGroups: adm for /var/log, systemd-journal for the
// journal). Inside the sandbox that user is an ordinary uid of the host.
//
// Groups that would give back what root was taken away for (root, shadow,
// disk, kmem, sudo, docker, ...) are refused, whoever configures them.
//
// # A uid per run
//
// A sandbox that shares the host's PID namespace (a profile's host_view
// "processes") must not share a uid with anything else: kill(2) compares
// uids only, whatever the user namespaces. Pool leases such a sandbox a
// uid of its own, and the gid of the same number, from a Range nobody
// uses (DefaultRange, or sandbox_uids in /etc/shannot/config.json), as
// systemd's DynamicUser does: Allocate takes a lock per uid for the run
// and skips a uid that an account, a group or a running process has;
// Lease.Release kills whatever still runs as it and gives it back.
package identity
