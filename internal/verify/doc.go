// Package verify proves that a profile's sandbox works and holds on this
// host: it runs a probe inside the sandbox and judges what the probe saw.
//
// # Stages
//
// Run builds the profile's sandbox (pkg/sandbox, under its seccomp
// filter, as the given Config says), hands shannot's own executable to
// bwrap as a descriptor and runs it inside as the hidden command
// ProbeCommand, with a canary variable in bwrap's environment. Inside,
// Probe tries to write to every read-only bind whose source exists and
// to every tmpfs, makes the calls Run chose (CallFlag), and reads the
// network interfaces, the capability sets and seccomp state of
// /proc/self/status, the environment, the owner of /proc, and what it
// may write under /proc (outside the processes' own directories) and
// /sys. It prints these Facts as JSON; Run reads them back.
//
// # Under a seccomp filter
//
// The probe is a Go program, and must run under any filter under which
// commands run. It gets GODEBUG=asyncpreemptoff=1, so that the runtime
// preempts no goroutine with a signal (a filter without rt_sigreturn
// kills a process whose handler returns), and it checks writability by
// opening files, not with faccessat2, which filters deny without a
// fallback. Run simulates its calls under the filter first (seccomp's
// Program.Run): PlanVerdicts picks the harmless calls of probeCalls
// whose verdict the probe can see, and a probe that dies anyway is one
// line naming what the filter denies that the Go runtime needs.
//
// Evaluate turns the Facts into Checks, one line each of `shannot
// verify`'s table:
//
//	command runs       the probe ran (else the only check, with its stderr)
//	read-only TARGET   the write was refused: EROFS, or EACCES/EPERM
//	tmpfs PATH         the write was accepted
//	network            only lo, unless network_isolation is false
//	capabilities       every set is empty
//	host identity      /proc is not owned by the probe's own uid
//	kernel settings    nothing writable under /proc or /sys
//	environment        exactly the profile's variables and the probe's
//	                   GODEBUG (ProbeGODEBUG); no canary
//	seccomp            no filter, or the profile's in force (Seccomp: 2,
//	                   one filter more than shannot's own) and the
//	                   simulator's verdicts seen for real (PlanVerdicts)
//
// Evaluate is pure and table-tested; Probe and Run touch the machine
// and are exercised by the integration suite (verify of every shipped
// profile, as root and unprivileged).
//
// # Host identity
//
// /proc's root directory belongs to host root. Inside the sandbox it
// shows as the probe's own uid exactly when the probe is host root, and
// as the overflow uid otherwise; /proc/self/uid_map cannot tell, since
// bwrap nests a second user namespace. Root without capabilities still
// writes sysctls and reads root's files, so that is a failure.
//
// # The probe's command line
//
// ProbeCommand takes WriteFlag once per path. Paths are never split at
// commas: the CLI sets urfave/cli's DisableSliceFlagSeparator.
package verify
