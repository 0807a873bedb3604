// Package systrace runs a process tree under ptrace and hands the tracer
// the system calls a seccomp filter sent to it.
//
// It is the mechanism under `seccomp learn` and `run --explain-denials`
// (issue 13): the filter bwrap installs is instrumented so that the
// actions worth knowing about become SECCOMP_RET_TRACE, and a Tracer
// decides, call by call, whether the call runs (learning) or fails with
// the errno the original policy asked for (explaining). Calls the filter
// allows never stop the tracer, which is why this costs little next to
// strace, which stops at every call.
//
// Why ptrace and not the alternatives (measured on this kind of machine,
// see ../shared/reference/lessons.md): SECCOMP_RET_LOG needs auditd and
// is rate-limited to a handful of records; a user-notification listener
// would have to live inside the sandbox, cannot see bwrap's own calls and
// is itself denied seccomp(2) by the shipped policies; eBPF needs root.
// ptrace from the host follows bwrap through its user, pid and mount
// namespaces and its capability drop, as root and unprivileged, and
// PTRACE_GET_SYSCALL_INFO names the ABI of each call (x86_64, i386, x32).
//
// Safety: a traced call only ever runs when the filter itself would let
// a traced call run. Without a tracer a SECCOMP_RET_TRACE action makes
// the call fail with ENOSYS, and every tracee is started with
// PTRACE_O_EXITKILL, so a tracer that dies loosens nothing. When the
// tracer cannot set a call's result, it kills the tracee rather than let
// the call through.
//
// The group-stop of a traced process (SIGSTOP, SIGTSTP...) cannot be told
// apart from its signal with PTRACE_TRACEME and is resumed at once: job
// control inside a traced run does not stop anything.
package systrace
