package verify

import (
	"encoding/binary"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

func needAmd64(t *testing.T) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skipf("the probe's calls are checked against x86_64's table; this is %s", runtime.GOARCH)
	}
}

// program assembles a filter for x86_64 that returns, for each call
// number in rets, its value; every other call is allowed. uname's first
// argument (a pointer) decides its verdict.
func program(t *testing.T, rets map[uintptr]uint32) *seccomp.Program {
	t.Helper()
	allow := uint32(0x7fff0000)
	insns := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AUDIT_ARCH_X86_64, SkipTrue: 1},
		bpf.RetConstant{Val: 0}, // kill
		bpf.LoadAbsolute{Off: 0, Size: 4},
	}
	for nr, ret := range rets {
		insns = append(insns, bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(nr), SkipFalse: 1}, bpf.RetConstant{Val: ret})
	}
	insns = append(insns,
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.SYS_UNAME, SkipFalse: 3},
		bpf.LoadAbsolute{Off: 16, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipFalse: 1},
		bpf.RetConstant{Val: 0x00050000 | uint32(unix.EACCES)},
		bpf.RetConstant{Val: allow})
	raw, err := bpf.Assemble(insns)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 0, 8*len(raw))
	for _, r := range raw {
		b = binary.LittleEndian.AppendUint16(b, r.Op)
		b = append(b, r.Jt, r.Jf)
		b = binary.LittleEndian.AppendUint32(b, r.K)
	}
	p, err := seccomp.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlanVerdicts(t *testing.T) {
	needAmd64(t)
	prog := program(t, map[uintptr]uint32{
		unix.SYS_FACCESSAT2: 0x00050000 | uint32(unix.EPERM), // ERRNO(EPERM)
		unix.SYS_OPENAT2:    0x7ff00000,                      // TRACE: ENOSYS without a tracer
		unix.SYS_PIDFD_OPEN: 0x7fc00000,                      // USER_NOTIF: ENOSYS without a listener
		unix.SYS_GETPID:     0x80000000,                      // KILL_PROCESS: not made
		unix.SYS_GETPPID:    0x00030000,                      // TRAP: not made
		unix.SYS_GETTID:     0x00050000,                      // ERRNO(0): looks like success
		unix.SYS_GETUID:     0x7ffc0000,                      // LOG: allowed
		unix.SYS_GETGID:     0x00050000 | 4000,               // an errno without a name
	})
	got, err := PlanVerdicts(prog, seccomp.Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64"})
	if err != nil {
		t.Fatal(err)
	}
	byCall := map[string]string{}
	for _, v := range got {
		byCall[v.Call] = v.Want
	}
	want := map[string]string{}
	for _, c := range probeCalls() {
		want[c.label] = "ok"
	}
	delete(want, "getpid")
	delete(want, "getppid")
	delete(want, "uname") // its verdict depends on a pointer
	want["faccessat2"], want["openat2"], want["pidfd_open"], want["getgid"] = "EPERM", "ENOSYS", "ENOSYS", "errno 4000"
	if diff := cmp.Diff(byCall, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	// In the probe's order.
	for i := 1; i < len(got); i++ {
		if indexOf(got[i-1].Call) >= indexOf(got[i].Call) {
			t.Errorf("verdicts out of the probe's order: %v", got)
		}
	}
	// On x86 the numbers are not this build's, and the filter kills
	// the architecture: nothing is checked.
	if got, err := PlanVerdicts(prog, seccomp.Host{Arch: "SCMP_ARCH_X86", GoArch: "386"}); err != nil || len(got) != 0 {
		t.Errorf("x86 plan: %v, %v; want none", got, err)
	}
}

func indexOf(label string) int {
	for i, c := range probeCalls() {
		if c.label == label {
			return i
		}
	}
	return -1
}

// Every probe call is known to the simulator's table under the number
// this build makes it with, its label is unique, and unfiltered each one
// succeeds: an errno under a filter can only be the filter's.
func TestProbeCallsSucceedUnfiltered(t *testing.T) {
	needAmd64(t)
	if st, err := readStatus("/proc/self/status"); err != nil || st["Seccomp"] != "0" {
		t.Skipf("the test runs under a seccomp filter (Seccomp: %q, %v): calls may be denied", st["Seccomp"], err)
	}
	var labels []string
	seen := map[string]bool{}
	for _, c := range probeCalls() {
		if seen[c.label] {
			t.Errorf("label %q twice", c.label)
		}
		seen[c.label] = true
		labels = append(labels, c.label)
		nr, err := seccomp.SyscallNumber(c.call(), "SCMP_ARCH_X86_64")
		if err != nil || uintptr(nr) != c.nr {
			t.Errorf("%s: the table gives %d (%v), the probe makes %d", c.label, nr, err, c.nr)
		}
	}
	f, err := Probe(nil, append(labels, "no_such_call"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"no_such_call": "unknown call"}
	for _, l := range labels {
		want[l] = "ok"
	}
	if diff := cmp.Diff(f.Calls, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	if f.Seccomp != 0 || f.SeccompFilters != 0 {
		t.Errorf("Seccomp %d, Seccomp_filters %d; want 0, 0", f.Seccomp, f.SeccompFilters)
	}
}

func TestProbeDied(t *testing.T) {
	rtSigreturn := seccomp.Hazard{Call: "rt_sigreturn", Action: seccomp.Action{Kind: seccomp.Errno, Data: 1}, Arch: "SCMP_ARCH_X86_64"}
	clone3 := seccomp.Hazard{Call: "clone3", Action: seccomp.Action{Kind: seccomp.Errno, Data: 1}, Arch: "SCMP_ARCH_X86_64"}
	dump := "runtime/cgo: pthread_create failed: Operation not permitted\nSIGABRT: abort\nPC=0x7f5fee2a2eec m=0\n\ngoroutine 0 [idle]:\n"
	for _, tc := range []struct {
		name    string
		code    int
		stderr  string
		runtime []string
		hazards []seccomp.Hazard
		want    string
	}{
		{"a Go dump: one line of it, and the call", 2, dump, nil, []seccomp.Hazard{rtSigreturn, clone3},
			"probe exited 2: runtime/cgo: pthread_create failed: Operation not permitted (4 more lines left out); the filter gives clone3 ERRNO(EPERM) on x86_64, which it may need"},
		{"other deaths name every hazard", 133, "SIGTRAP: trace trap\nPC=0x1\n", nil, []seccomp.Hazard{rtSigreturn, clone3},
			"probe exited 133: SIGTRAP: trace trap (1 more lines left out); the filter gives rt_sigreturn ERRNO(EPERM), clone3 ERRNO(EPERM) on x86_64, which it may need"},
		{"pthread_create, but no thread hazard", 2, dump, nil, []seccomp.Hazard{rtSigreturn},
			"probe exited 2: runtime/cgo: pthread_create failed: Operation not permitted (4 more lines left out); the filter gives rt_sigreturn ERRNO(EPERM) on x86_64, which it may need"},
		{"one line, no filter", 1, "shannot: listing network interfaces: boom\n", nil, nil,
			"probe exited 1: shannot: listing network interfaces: boom"},
		{"silent", 0, "", nil, nil, "probe exited 0"},
		{"the runtime's calls denied", 2, "fatal error: sigaction failed\n\ngoroutine 1 gp=0x1 m=0 [running]:\n", []string{"rt_sigaction ERRNO(EPERM)"}, nil,
			"probe exited 2: fatal error: sigaction failed (2 more lines left out); the filter denies what the Go runtime needs: rt_sigaction ERRNO(EPERM)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := probeDied(tc.code, tc.stderr, tc.runtime, tc.hazards)
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("more than one line: %q", got)
			}
		})
	}
}

func TestRuntimeDenials(t *testing.T) {
	needAmd64(t)
	prog := program(t, map[uintptr]uint32{
		unix.SYS_RT_SIGACTION: 0x00050000 | uint32(unix.EPERM),
		unix.SYS_SIGALTSTACK:  0x80000000,
		unix.SYS_GETPID:       0x00050000 | uint32(unix.EPERM), // not the runtime's
	})
	got, err := RuntimeDenials(prog, seccomp.Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64"})
	want := []string{"rt_sigaction ERRNO(EPERM)", "sigaltstack KILL_PROCESS"}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

func TestWithSetenv(t *testing.T) {
	got, err := withSetenv([]string{"--clearenv", "--setenv", "PATH", "/usr/bin", "--"}, "GODEBUG", "asyncpreemptoff=1")
	want := []string{"--clearenv", "--setenv", "PATH", "/usr/bin", "--setenv", "GODEBUG", "asyncpreemptoff=1", "--"}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := withSetenv([]string{"--clearenv"}, "GODEBUG", "x"); err == nil {
		t.Error("options without -- accepted")
	}
}

func TestProbeGODEBUG(t *testing.T) {
	for env, want := range map[string]string{"": "asyncpreemptoff=1", "madvdontneed=1": "madvdontneed=1,asyncpreemptoff=1"} {
		p := &profile.Profile{Environment: map[string]string{}}
		if env != "" {
			p.Environment["GODEBUG"] = env
		}
		if got := ProbeGODEBUG(p); got != want {
			t.Errorf("profile GODEBUG %q: got %q, want %q", env, got, want)
		}
	}
}

// The probe reads its seccomp state as the kernel shows it.
func TestStatusInt(t *testing.T) {
	lines := map[string]string{"Seccomp": "2", "Seccomp_filters": "3", "Bad": "x"}
	for k, want := range map[string]int{"Seccomp": 2, "Seccomp_filters": 3, "Bad": -1, "Missing": -1} {
		if got := statusInt(lines, k); got != want {
			t.Errorf("%s: %d, want %d", k, got, want)
		}
	}
	if _, err := os.Stat("/proc/self/status"); err == nil {
		st, err := readStatus("/proc/self/status")
		if err != nil || statusInt(st, "Seccomp") < 0 {
			t.Errorf("readStatus: %v, Seccomp %q", err, st["Seccomp"])
		}
	}
}
