//go:build linux

package systrace

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// The traced child is this test binary again: it installs a filter in
// which getppid is handed to the tracer (data 7), uname traps (data 5)
// and getpgrp kills the process, then makes the calls its mode asks for
// and prints what they returned.
const childEnv = "SYSTRACE_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode))
	}
	os.Exit(m.Run())
}

func child(mode string) int {
	if err := installFilter(); err != nil {
		fmt.Println("filter:", err)
		return 3
	}
	switch mode {
	case "getppid":
		fmt.Println(getppid())
	case "threads":
		// Four threads, each locked, each calling getppid: the calls come
		// from threads the tracer was never told of but by clone events.
		var wg sync.WaitGroup
		out := make([]string, 4)
		for i := range out {
			wg.Add(1)
			go func() {
				defer wg.Done()
				runtime.LockOSThread()
				out[i] = getppid()
			}()
		}
		wg.Wait()
		fmt.Println(strings.Join(out, " "))
	case "trap":
		// Go's runtime dies of the SIGSYS: the tracer must have seen it.
		fmt.Println("before")
		unix.RawSyscall(unix.SYS_UNAME, 0, 0, 0)
		fmt.Println("after")
	case "kill":
		fmt.Println("before")
		unix.RawSyscall(unix.SYS_GETPGRP, 0, 0, 0)
		fmt.Println("after")
	}
	return 0
}

func getppid() string {
	r, _, e := unix.RawSyscall(unix.SYS_GETPPID, 11, 22, 33)
	if e != 0 {
		return "errno=" + e.Error()
	}
	if int(r) > 0 {
		return "ran"
	}
	return fmt.Sprint("ret=", r)
}

func installFilter() error {
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AUDIT_ARCH_X86_64, SkipTrue: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_KILL_PROCESS},
		bpf.LoadAbsolute{Off: 0, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_GETPPID, SkipFalse: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_TRACE | 7},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_GETPGRP, SkipFalse: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_KILL_PROCESS},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_UNAME, SkipFalse: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_TRAP | 5},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
	})
	if err != nil {
		return err
	}
	filters := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filters[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filters)), Filter: &filters[0]}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return err
	}
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		return e
	}
	return nil
}

// trace runs the child in mode under tr and returns its output and status.
func trace(t *testing.T, tr *Tracer, mode string) (string, syscall.WaitStatus) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	attr := &syscall.ProcAttr{
		Env:   []string{childEnv + "=" + mode},
		Files: []uintptr{0, w.Fd(), devNull(t)},
	}
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&out, r); close(copied) }()
	res, err := tr.Run(exe, []string{exe}, attr)
	w.Close()
	<-copied
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return strings.TrimSpace(out.String()), res.Status
}

func TestTracedCalls(t *testing.T) {
	tests := []struct {
		name    string
		mode    string
		verdict *Verdict // nil: no Traced callback
		want    string
		calls   int
	}{
		{"fails with the tracer's errno", "getppid", &Verdict{Errno: syscall.EPERM}, "errno=" + syscall.EPERM.Error(), 1},
		{"runs when the tracer says so", "getppid", &Verdict{Run: true}, "ran", 1},
		{"errno 0 is ENOSYS", "getppid", &Verdict{}, "errno=" + syscall.ENOSYS.Error(), 1},
		{"no callback is ENOSYS", "getppid", nil, "errno=" + syscall.ENOSYS.Error(), 0},
		{"every thread is traced", "threads", &Verdict{Errno: syscall.EACCES}, strings.Repeat("errno="+syscall.EACCES.Error()+" ", 3) + "errno=" + syscall.EACCES.Error(), 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls []Call
			tr := &Tracer{}
			if tc.verdict != nil {
				tr.Traced = func(c Call) Verdict { calls = append(calls, c); return *tc.verdict }
			}
			out, st := trace(t, tr, tc.mode)
			if out != tc.want || !st.Exited() || st.ExitStatus() != 0 {
				t.Fatalf("child printed %q, status %v; want %q, exit 0", out, st, tc.want)
			}
			if len(calls) != tc.calls {
				t.Fatalf("%d traced calls, want %d: %+v", len(calls), tc.calls, calls)
			}
			pids := map[int]bool{}
			for _, c := range calls {
				if c.Nr != unix.SYS_GETPPID || c.Arch != unix.AUDIT_ARCH_X86_64 || c.Data != 7 || c.Args[0] != 11 || c.Args[2] != 33 {
					t.Errorf("traced call %+v; want getppid(11, 22, 33), x86_64, data 7", c)
				}
				pids[c.PID] = true
			}
			if tc.mode == "threads" && len(pids) < 2 {
				t.Errorf("calls came from %d threads, want several: %+v", len(pids), calls)
			}
		})
	}
}

func TestKilledCall(t *testing.T) {
	var killed []Call
	tr := &Tracer{Killed: func(c Call) { killed = append(killed, c) }}
	out, st := trace(t, tr, "kill")
	if out != "before" || !st.Signaled() || st.Signal() != syscall.SIGSYS {
		t.Fatalf("child printed %q, status %v; want \"before\" and death by SIGSYS", out, st)
	}
	if len(killed) != 1 || killed[0].Nr != unix.SYS_GETPGRP || killed[0].Arch != unix.AUDIT_ARCH_X86_64 {
		t.Fatalf("killed calls %+v; want one getpgrp on x86_64", killed)
	}
}

func TestTrappedCall(t *testing.T) {
	var trapped, killed []Call
	tr := &Tracer{Trapped: func(c Call) { trapped = append(trapped, c) }, Killed: func(c Call) { killed = append(killed, c) }}
	out, st := trace(t, tr, "trap")
	if out != "before" || st.Exited() && st.ExitStatus() == 0 {
		t.Fatalf("child printed %q, status %v; want \"before\" and a failure", out, st)
	}
	if len(trapped) != 1 || trapped[0].Nr != unix.SYS_UNAME || trapped[0].Arch != unix.AUDIT_ARCH_X86_64 || trapped[0].Data != 5 {
		t.Fatalf("trapped calls %+v; want one uname on x86_64 with data 5", trapped)
	}
	if len(killed) != 0 {
		t.Fatalf("a trap was also reported as a kill: %+v", killed)
	}
}

func TestStartedAndExitStatus(t *testing.T) {
	var started int
	tr := &Tracer{Started: func(pid int) { started = pid }}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A child that fails before installing anything: its status comes back.
	res, err := tr.Run(exe, []string{exe, "-test.run=^$", "-test.badflag"}, &syscall.ProcAttr{Files: []uintptr{0, devNull(t), devNull(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if started <= 0 || !res.Status.Exited() || res.Status.ExitStatus() == 0 {
		t.Fatalf("started pid %d, status %v; want a pid and a non-zero exit", started, res.Status)
	}
}

func devNull(t *testing.T) uintptr {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f.Fd()
}
