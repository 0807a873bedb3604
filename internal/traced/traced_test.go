package traced

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/systrace"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
)

// explainerWith is an Explainer that has recorded ds, in this order.
func explainerWith(ds ...Denial) *Explainer {
	e := &Explainer{byKey: map[string]*Denial{}}
	for i := range ds {
		k := string(rune('a' + i))
		e.byKey[k] = &ds[i]
		e.order = append(e.order, k)
	}
	return e
}

func TestReport(t *testing.T) {
	ioctl := Denial{Process: "ls", Call: "ioctl", Nr: 16, Arch: "x86_64", Args: [6]uint64{1, 0x5401}, Action: "ERRNO(EPERM)", Errno: "operation not permitted", Rule: "/defaultAction", Count: 1}
	socket := Denial{Process: "ls", Call: "socket", Nr: 41, Arch: "x86_64", Args: [6]uint64{1, 1}, Action: "ERRNO(EACCES)", Errno: "permission denied", Rule: "/syscalls/3", Count: 3}
	for _, tc := range []struct {
		name string
		e    *Explainer
		mode string
		want string
	}{
		{"nothing", explainerWith(), "text", "shannot: seccomp filter p.json denied, trapped and killed nothing\n"},
		{"nothing, json", explainerWith(), "json", `{"denials":[],"seccomp_filter":"p.json"}` + "\n"},
		{"most frequent first", explainerWith(ioctl, socket), "text", "shannot: seccomp filter p.json stopped 4 call(s):\n" +
			"  3× socket(0x1, 0x1, 0x0, ...) on x86_64 by \"ls\" -> ERRNO(EACCES): permission denied, decided by /syscalls/3\n" +
			"  1× ioctl(0x1, 0x5401, 0x0, ...) on x86_64 by \"ls\" -> ERRNO(EPERM): operation not permitted, decided by /defaultAction\n"},
		{"json keeps < and >", explainerWith(Denial{Process: "<a>", Call: "kill", Action: "KILL_PROCESS", Rule: "(the program; a BPF file names no rules)", Count: 1}), "json",
			`{"denials":[{"process":"<a>","call":"kill","nr":0,"arch":"","args":[0,0,0,0,0,0],"action":"KILL_PROCESS","rule":"(the program; a BPF file names no rules)","count":1}],"seccomp_filter":"p.json"}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			tc.e.Report(&b, tc.mode, "p.json")
			if diff := cmp.Diff(b.String(), tc.want); diff != "" {
				t.Errorf("(-got +want)\n%s", diff)
			}
		})
	}
}

func TestLearnSummary(t *testing.T) {
	obs := func() *seccomp.Observed {
		o := seccomp.NewObserved()
		o.Add(10, "SCMP_ARCH_X86_64", "read", [6]uint64{})
		o.Add(10, "SCMP_ARCH_X86_64", "write", [6]uint64{})
		o.Add(11, "SCMP_ARCH_X86", "read", [6]uint64{})
		return o
	}
	previous := &seccomp.Policy{Syscalls: []seccomp.Syscall{{Names: []string{"read"}}}}
	for _, tc := range []struct {
		name     string
		l        *learner
		out      string
		previous *seccomp.Policy
		want     string
	}{
		{"fresh, to a file", &learner{obs: obs()}, "p.json", nil,
			"shannot: traced 2 system calls on x86, x86_64 in 2 threads and processes, 2 of them new; wrote p.json"},
		{"merged, prologue, denials", &learner{obs: obs(), prologue: true, denied: 4, killed: 1}, "-", previous,
			"shannot: traced 2 system calls (beyond those standard output held, which ran untraced) on x86, x86_64 in 2 threads and processes, 1 of them new; wrote standard output; the base denied 4 calls and ended 1 threads, which stay denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.l.summary(tc.out, tc.previous); got != tc.want {
				t.Errorf("summary:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestAllowAll(t *testing.T) {
	f, err := AllowAll()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prog, err := seccomp.Decode(f.Program)
	if err != nil {
		t.Fatal(err)
	}
	ret, err := prog.Run(seccomp.Call{Nr: 59})
	if err != nil || !seccomp.ActionFromRet(ret).Permits() || f.Source != NoBase {
		t.Errorf("AllowAll: ret %#x, %v, source %q; want ALLOW and %q", ret, err, f.Source, NoBase)
	}
	if !strings.HasPrefix(f.File.Name(), "shannot-no-base") {
		t.Errorf("memfd named %q", f.File.Name())
	}
}

// A base that denies socket() with EPERM and allows the rest, decoded.
func socketDenyingBase(t *testing.T) *bpfsim.Program {
	t.Helper()
	ret := func(a seccomp.Action) []byte {
		k := a.Ret()
		return []byte{0x06, 0, 0, 0, byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
	}
	var b []byte
	b = append(b, 0x20, 0, 0, 0, 0, 0, 0, 0)                     // ld [0] (nr)
	b = append(b, 0x15, 0, 0, 1, byte(unix.SYS_SOCKET), 0, 0, 0) // jeq socket, jt 0, jf 1
	b = append(b, ret(seccomp.Action{Kind: seccomp.Errno, Data: uint16(unix.EPERM)})...)
	b = append(b, ret(seccomp.Action{Kind: seccomp.Allow})...)
	p, err := bpfsim.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The command can stack a filter whose TRACE data names the slot of an
// ALLOW return (a hostile review ran a denied socket() under learn so):
// the verdict is the base's own on the call, whatever the data says.
func TestTracedVerdictIgnoresTheData(t *testing.T) {
	base := socketDenyingBase(t)
	in, err := bpfsim.Instrument(base, bpfsim.Everything)
	if err != nil {
		t.Fatal(err)
	}
	const allowSlot = 3 // the index of "ret ALLOW" above
	if a, ok := in.Original(allowSlot); !ok || !a.Permits() {
		t.Fatalf("slot %d is %v %v, want the ALLOW the test forges", allowSlot, a, ok)
	}
	socket := systrace.Call{PID: 1, Arch: unix.AUDIT_ARCH_X86_64, Nr: unix.SYS_SOCKET, Args: [6]uint64{2, 1}, Data: allowSlot}
	getpid := systrace.Call{PID: 1, Arch: unix.AUDIT_ARCH_X86_64, Nr: unix.SYS_GETPID, Data: 2}
	l := &learner{prog: base, obs: seccomp.NewObserved()}
	e := &Explainer{prog: base, in: in, byKey: map[string]*Denial{}}
	for _, tc := range []struct {
		name string
		tr   *systrace.Tracer
		c    systrace.Call
		want systrace.Verdict
	}{
		{"learn: a forged ALLOW for a denied call", l.tracer(), socket, systrace.Verdict{Errno: unix.EPERM}},
		{"learn: a forged denial for an allowed call", l.tracer(), getpid, systrace.Verdict{Run: true}},
		{"explain: a forged ALLOW for a denied call", e.tracer(), socket, systrace.Verdict{Errno: unix.EPERM}},
		{"explain: a stop the base did not ask for", e.tracer(), getpid, systrace.Verdict{Errno: unix.ENOSYS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.tr.Traced(tc.c); got != tc.want {
				t.Errorf("verdict %+v, want %+v", got, tc.want)
			}
		})
	}
	if ds := e.Denials(); len(ds) != 1 || ds[0].Call != "socket" {
		t.Errorf("explain recorded %+v, want the one denied socket", ds)
	}
}

// A report holds MaxDenials kinds; the rest are counted, not kept.
func TestReportIsBounded(t *testing.T) {
	e := &Explainer{prog: socketDenyingBase(t), byKey: map[string]*Denial{}}
	for i := range MaxDenials + 5 {
		e.record(systrace.Call{PID: 1, Arch: unix.AUDIT_ARCH_X86_64, Nr: int32(1000 + i)}, seccomp.Action{Kind: seccomp.Errno, Data: 1})
	}
	var b bytes.Buffer
	e.Report(&b, "text", "p.json")
	if n := len(e.Denials()); n != MaxDenials || !strings.HasSuffix(b.String(), "and 5 more call(s) of other kinds, not shown (a report holds 1000 kinds)\n") {
		t.Errorf("%d kinds kept; report ends %q", n, b.String()[max(0, b.Len()-120):])
	}
}
