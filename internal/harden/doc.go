// Package harden undoes what a hostile caller passes, through sudo, to
// the root process it starts: everything about a process that the kernel
// enforces by killing, freezing or starving it, so that the caller cannot
// end a run between its start and its audit record.
//
// sudo clears the environment but keeps the rest of the process: resource
// limits (ulimit), the OOM score adjustment, the scheduling policy, nice
// value, I/O priority and CPU affinity, and the cgroup. A cgroup that is
// delegated to the caller (systemd's user@UID.service) lets them
// SIGKILL every process in it with cgroup.kill, root's included, or freeze
// it. Process lifts the limits, resets the rest to what a root login gets,
// and moves the process out of any cgroup its caller can write into one
// of root's; where it cannot, it says why and the run is refused.
package harden
