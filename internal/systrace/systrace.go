//go:build linux

package systrace

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Call is one system call of a traced process: one the filter handed to
// the tracer, one it trapped, or the one a seccomp kill action ended.
type Call struct {
	PID  int    // the thread, in the tracer's pid namespace
	Arch uint32 // unix.AUDIT_ARCH_X86_64 or AUDIT_ARCH_I386; an x32 call is X86_64 with bit 30 of Nr set
	Nr   int32
	Args [6]uint64
	IP   uint64 // the instruction pointer, as seccomp_data has it (traced calls only)
	// Data is SECCOMP_RET_DATA of the action that decided: for a traced
	// call what the filter put there, for a trapped call the trap's errno
	// field; zero for a kill. The traced process can stack filters of its
	// own (the kernel then reports the newest one's data): Data is a
	// claim of the process's, never a verdict to trust.
	Data uint16
}

// Verdict says what a traced call does next.
type Verdict struct {
	Run   bool          // the call runs as if the filter had allowed it
	Errno syscall.Errno // otherwise it fails with this errno; 0 means ENOSYS
}

// Tracer runs one process tree. Its callbacks are called on the tracing
// thread, one at a time, while the thread they describe is stopped: they
// must not block.
type Tracer struct {
	// Traced decides each call the filter handed over with
	// SECCOMP_RET_TRACE. Nil: every such call fails with ENOSYS, as it
	// would without a tracer.
	Traced func(Call) Verdict
	// Trapped is told of each SIGSYS a SECCOMP_RET_TRAP action raised,
	// with the call's arguments; the signal is then delivered as usual.
	Trapped func(Call)
	// Killed is told of each thread a seccomp kill action ended.
	Killed func(Call)
	// Started is told the pid of the root process once it runs traced.
	Started func(pid int)
}

// Result is how the root process ended.
type Result struct {
	Status syscall.WaitStatus
	Rusage syscall.Rusage
}

// Options set on every tracee. EXITKILL: a tracer that dies takes the
// tree with it, so a TRACE action never meets a missing tracer while the
// tree runs on. TRACEEXIT: a thread ended by a seccomp kill can still be
// read at its exit stop.
const traceOptions = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEFORK |
	unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACESECCOMP |
	unix.PTRACE_O_TRACEEXIT | unix.PTRACE_O_EXITKILL

// Run starts path with argv and attr, traced from its exec on, and
// services the whole tree until the root process ends. Tracees still
// alive then are killed, as bwrap's pid 1 kills its sandbox when it ends.
//
// While Run runs, it reaps every child of this process (wait4 on -1):
// start no other child meanwhile.
func (t *Tracer) Run(path string, argv []string, attr *syscall.ProcAttr) (*Result, error) {
	type outcome struct {
		res *Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		// ptrace requests must come from the thread that is the tracer;
		// the thread is never unlocked, so it ends with the goroutine
		// instead of going back to the scheduler with tracees attached.
		runtime.LockOSThread()
		res, err := t.run(path, argv, attr)
		done <- outcome{res, err}
	}()
	o := <-done
	return o.res, o.err
}

func (t *Tracer) run(path string, argv []string, attr *syscall.ProcAttr) (*Result, error) {
	a := syscall.ProcAttr{}
	if attr != nil {
		a = *attr
	}
	sys := syscall.SysProcAttr{}
	if a.Sys != nil {
		sys = *a.Sys
	}
	sys.Ptrace = true
	a.Sys = &sys
	root, err := syscall.ForkExec(path, argv, &a)
	if err != nil {
		return nil, err
	}
	// The child stops with SIGTRAP after its exec (PTRACE_TRACEME).
	var ws syscall.WaitStatus
	if _, err := wait4(root, &ws, unix.WALL); err != nil {
		return nil, fmt.Errorf("waiting for the traced process to start: %w", err)
	}
	if !ws.Stopped() {
		// It ended before its exec completed (the exec failed late).
		return &Result{Status: ws}, nil
	}
	if err := unix.PtraceSetOptions(root, traceOptions); err != nil {
		_ = syscall.Kill(root, syscall.SIGKILL)
		_, _ = wait4(root, &ws, unix.WALL)
		return nil, fmt.Errorf("setting ptrace options: %w", err)
	}
	if t.Started != nil {
		t.Started(root)
	}
	s := &session{t: t, root: root, live: map[int]bool{root: true}, trapped: map[int]bool{}}
	if err := unix.PtraceCont(root, 0); err != nil {
		return nil, fmt.Errorf("resuming the traced process: %w", err)
	}
	return s.loop()
}

// session is the state of one Run, on the tracing thread.
type session struct {
	t       *Tracer
	root    int
	live    map[int]bool // tracees not yet reaped
	trapped map[int]bool // threads whose last SIGSYS was a seccomp trap
	result  *Result
}

func (s *session) loop() (*Result, error) {
	for len(s.live) > 0 {
		var ws syscall.WaitStatus
		var ru syscall.Rusage
		pid, err := syscall.Wait4(-1, &ws, unix.WALL, &ru)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.ECHILD) {
			break
		}
		if err != nil {
			s.killAll()
			return nil, fmt.Errorf("waiting for traced processes: %w", err)
		}
		switch {
		case ws.Exited() || ws.Signaled():
			delete(s.live, pid)
			delete(s.trapped, pid)
			if pid == s.root {
				s.result = &Result{Status: ws, Rusage: ru}
				s.killAll()
			}
		case ws.Stopped():
			s.live[pid] = true // a new tracee may report before its parent's event
			s.stopped(pid, ws)
		}
	}
	if s.result == nil {
		return nil, errors.New("the traced process vanished without an exit status")
	}
	return s.result, nil
}

// stopped handles one ptrace stop and resumes the thread.
func (s *session) stopped(pid int, ws syscall.WaitStatus) {
	sig := ws.StopSignal()
	if sig == syscall.SIGTRAP && ws.TrapCause() > 0 {
		switch ws.TrapCause() {
		case unix.PTRACE_EVENT_SECCOMP:
			s.seccompStop(pid)
			return
		case unix.PTRACE_EVENT_EXIT:
			s.exitStop(pid)
		}
		// Clone, fork, vfork and exec events need nothing: new tracees
		// are attached by the kernel and report their own first stop.
		s.resume(pid, 0)
		return
	}
	if sig == syscall.SIGTRAP|0x80 {
		// A syscall stop: not asked for (no PTRACE_SYSCALL); go on.
		s.resume(pid, 0)
		return
	}
	info, err := getSiginfo(pid)
	if err != nil {
		// No siginfo: a group-stop (or a new tracee's first SIGSTOP,
		// which has one but is ours to swallow). Resume it.
		s.resume(pid, 0)
		return
	}
	if info.Signo == int32(syscall.SIGSTOP) && info.Code == 0 /* SI_USER */ && info.pid() == 0 {
		// The kernel's SIGSTOP to a newly attached tracee.
		s.resume(pid, 0)
		return
	}
	if sig == syscall.SIGSYS && info.Code == 1 /* SYS_SECCOMP */ {
		s.trapped[pid] = true
		if s.t.Trapped != nil {
			s.t.Trapped(Call{PID: pid, Arch: info.sysArch(), Nr: info.sysNr(), Args: trappedArgs(pid, info.sysArch()), Data: uint16(info.Errno)})
		}
	}
	s.resume(pid, int(sig))
}

// seccompStop decides a call the filter handed over.
func (s *session) seccompStop(pid int) {
	info, err := getSyscallInfo(pid)
	if err != nil || info.Op != unix.PTRACE_SYSCALL_INFO_SECCOMP {
		// A call we cannot read is a call we cannot judge: fail it.
		s.fail(pid, syscall.ENOSYS)
		return
	}
	v := Verdict{Errno: syscall.ENOSYS}
	if s.t.Traced != nil {
		v = s.t.Traced(Call{PID: pid, Arch: info.Arch, Nr: int32(info.Nr), Args: info.Args, IP: info.IP, Data: uint16(info.RetData)})
	}
	if v.Run {
		s.resume(pid, 0)
		return
	}
	if v.Errno == 0 {
		v.Errno = syscall.ENOSYS
	}
	s.fail(pid, v.Errno)
}

// fail makes the stopped call fail with errno, or kills the tracee: a
// call whose result cannot be set must not run.
func (s *session) fail(pid int, errno syscall.Errno) {
	if err := skipWithErrno(pid, errno); err != nil {
		_ = unix.Tgkill(-1, pid, syscall.SIGKILL)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		return
	}
	s.resume(pid, 0)
}

// exitStop reports a thread that a seccomp kill action ended: it exits
// by SIGSYS from inside a system call's entry, where the call was never
// run (its return register still holds the entry's -ENOSYS). A thread
// that dies of a trapped SIGSYS was reported as trapped already.
func (s *session) exitStop(pid int) {
	msg, err := unix.PtraceGetEventMsg(pid)
	if err != nil || s.t.Killed == nil {
		return
	}
	st := syscall.WaitStatus(msg)
	if !st.Signaled() || st.Signal() != syscall.SIGSYS || s.trapped[pid] {
		return
	}
	c, ok := killedCall(pid)
	if ok {
		s.t.Killed(c)
	}
}

func (s *session) resume(pid, sig int) {
	// ESRCH: the tracee died meanwhile (SIGKILL); its exit is reaped later.
	_ = unix.PtraceCont(pid, sig)
}

// killAll ends every tracee left once the root is gone.
func (s *session) killAll() {
	for pid := range s.live {
		if pid != s.root {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func wait4(pid int, ws *syscall.WaitStatus, options int) (int, error) {
	for {
		p, err := syscall.Wait4(pid, ws, options, nil)
		if !errors.Is(err, syscall.EINTR) {
			return p, err
		}
	}
}

// syscallInfo is struct ptrace_syscall_info with its seccomp member.
type syscallInfo struct {
	Op      uint8
	_       [3]uint8
	Arch    uint32
	IP      uint64
	SP      uint64
	Nr      uint64
	Args    [6]uint64
	RetData uint32
	_       uint32
}

func getSyscallInfo(pid int) (*syscallInfo, error) {
	var info syscallInfo
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(pid),
		unsafe.Sizeof(info), uintptr(unsafe.Pointer(&info)), 0, 0)
	if e != 0 {
		return nil, e
	}
	return &info, nil
}

// siginfo is siginfo_t with the members read here: si_pid for SI_USER,
// and _sigsys's call address, syscall and arch for SYS_SECCOMP.
type siginfo struct {
	Signo int32
	Errno int32
	Code  int32
	_     int32
	rest  [112]byte
}

func (i *siginfo) pid() int32      { return *(*int32)(unsafe.Pointer(&i.rest[0])) }
func (i *siginfo) sysNr() int32    { return *(*int32)(unsafe.Pointer(&i.rest[8])) }
func (i *siginfo) sysArch() uint32 { return *(*uint32)(unsafe.Pointer(&i.rest[12])) }

func getSiginfo(pid int) (*siginfo, error) {
	var info siginfo
	_, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_GETSIGINFO, uintptr(pid), 0,
		uintptr(unsafe.Pointer(&info)), 0, 0)
	if e != 0 {
		return nil, e
	}
	return &info, nil
}
