package seccomp

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const native = "SCMP_ARCH_X86_64"

func learnedPolicy(t *testing.T, o *Observed, opts LearnOptions) *Policy {
	t.Helper()
	opts.Native = native
	out, err := Learned(o, opts)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy(out, "learned.json")
	if err != nil {
		t.Fatalf("the learned policy does not parse: %v\n%s", err, out)
	}
	return p
}

// allowedNames are the names of the policy's ALLOW rules, by comment
// prefix: "learned", "fixed" (baseline, bwrap, loader) or "other".
func allowedNames(p *Policy) map[string][]string {
	m := map[string][]string{}
	for _, s := range p.Syscalls {
		if s.Action != "SCMP_ACT_ALLOW" {
			continue
		}
		group := "other"
		switch {
		case strings.HasPrefix(s.Comment, learnedComment):
			group = "learned"
		case strings.HasPrefix(s.Comment, "baseline"), strings.HasPrefix(s.Comment, "bwrap"), strings.HasPrefix(s.Comment, "the dynamic loader"):
			group = "fixed"
		}
		m[group] = append(m[group], s.names()...)
	}
	return m
}

func TestLearned(t *testing.T) {
	o := NewObserved()
	for _, c := range []struct {
		pid  int
		arch string
		name string
		a0   uint64
	}{
		{2, native, "getdents64", 0}, {2, native, "getdents64", 0}, {2, native, "fstat", 0}, {3, native, "clone", 0x1200011},
		{3, native, "socket", 1}, {3, native, "socket", 0xffffffff00000002}, {4, "SCMP_ARCH_X86", "getpid", 0}, {2, native, "clone3", 0},
		{2, native, "read", 0},
	} {
		o.Add(c.pid, c.arch, c.name, [6]uint64{c.a0})
	}
	p := learnedPolicy(t, o, LearnOptions{Command: []string{"ls", "-l"}})
	if p.DefaultAction != "SCMP_ACT_ERRNO" || p.DefaultErrnoRet == nil || *p.DefaultErrnoRet != 38 {
		t.Errorf("default %s %v, want ERRNO(ENOSYS)", p.DefaultAction, p.DefaultErrnoRet)
	}
	if !slices.Equal(p.Architectures, []string{native, "SCMP_ARCH_X86"}) {
		t.Errorf("architectures %v", p.Architectures)
	}
	g := allowedNames(p)
	if want := []string{"fstat", "getdents64", "getpid"}; !slices.Equal(g["learned"], want) {
		t.Errorf("learned %v, want %v (clone3 gets the default ENOSYS; read is in the loader's group)", g["learned"], want)
	}
	for _, n := range []string{"rt_sigreturn", "restart_syscall", "exit", "exit_group", "wait4", "execve", "write", "read", "openat"} {
		if !slices.Contains(g["fixed"], n) {
			t.Errorf("%s is not in the fixed groups: %v", n, g["fixed"])
		}
	}
	var families []uint64
	var clone *Syscall
	for i, s := range p.Syscalls {
		switch s.names()[0] {
		case "socket":
			families = append(families, s.Args[0].ValueTwo)
		case "clone":
			clone = &p.Syscalls[i]
		}
	}
	if !slices.Equal(families, []uint64{1, 2}) {
		t.Errorf("socket families %v, want [1 2] (the low 32 bits)", families)
	}
	if clone == nil || len(clone.Args) != 1 || clone.Args[0].Value != nsFlags {
		t.Errorf("clone rule %+v, want one without namespace flags", clone)
	}
	// clone with CLONE_NEWUSER seen: allowed whole.
	o.Add(5, native, "clone", [6]uint64{unix.CLONE_NEWUSER})
	p = learnedPolicy(t, o, LearnOptions{})
	for _, s := range p.Syscalls {
		if s.names()[0] == "clone" && len(s.Args) != 0 {
			t.Errorf("clone with namespace flags seen, but the rule has conditions: %+v", s)
		}
	}
}

func TestLearnedWithinBase(t *testing.T) {
	base := &Filter{
		Default: Action{Kind: Errno, Data: 1},
		Arches:  []string{native},
		Rules: []Rule{
			{Names: []string{"ioctl"}, Action: Action{Kind: Errno, Data: 1}, Args: []Arg{{Index: 1, Value: 0xffffffff, ValueTwo: 0x5412, Op: "SCMP_CMP_MASKED_EQ"}}, Pointer: "/syscalls/3"},
			{Names: []string{"ioctl"}, Action: Action{Kind: Allow}, Args: []Arg{{Index: 0, Value: 0, Op: "SCMP_CMP_GE"}}, Pointer: "/syscalls/4"},
			{Names: []string{"getdents64", "mount"}, Action: Action{Kind: Allow}, Pointer: "/syscalls/5"},
		},
	}
	o := NewObserved()
	o.Add(2, native, "ioctl", [6]uint64{1, 0x5401})
	o.Add(2, native, "getdents64", [6]uint64{})
	p := learnedPolicy(t, o, LearnOptions{Base: base, BaseName: "base.json"})
	g := allowedNames(p)
	if slices.Contains(g["learned"], "ioctl") || slices.Contains(g["learned"], "getdents64") {
		t.Errorf("calls the base names are in the learned group: %v", g["learned"])
	}
	var fromBase []string
	for _, s := range p.Syscalls {
		if strings.HasPrefix(s.Comment, "from the base base.json") {
			fromBase = append(fromBase, s.Comment[len("from the base base.json "):]+" "+strings.Join(s.names(), ","))
		}
	}
	// mount was not seen: the base's rule keeps only getdents64.
	if want := []string{"/syscalls/3 ioctl", "/syscalls/4 ioctl", "/syscalls/5 getdents64"}; !slices.Equal(fromBase, want) {
		t.Errorf("base rules %v, want %v", fromBase, want)
	}
}

func TestLearnedMerge(t *testing.T) {
	o := NewObserved()
	o.Add(2, native, "getdents64", [6]uint64{})
	o.Add(2, native, "socket", [6]uint64{1})
	first := learnedPolicy(t, o, LearnOptions{})
	o2 := NewObserved()
	o2.Add(7, native, "mkdir", [6]uint64{})
	o2.Add(7, native, "socket", [6]uint64{10})
	merged := learnedPolicy(t, o2, LearnOptions{Previous: first})
	g := allowedNames(merged)
	if want := []string{"getdents64", "mkdir"}; !slices.Equal(g["learned"], want) {
		t.Errorf("merged learned %v, want %v", g["learned"], want)
	}
	n := 0
	for _, s := range merged.Syscalls {
		if s.names()[0] == "socket" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d socket rules after the merge, want 2 (families 1 and 10)", n)
	}
}

func TestPrologue(t *testing.T) {
	// The base: ALLOW by default, mkdir denied, ioctl denied with args.
	base := testProgram(t, retAllow, testRule{name: "mkdir", ret: retErrno | 13}, testRule{name: "ioctl", arg0: u32(1), ret: eperm})
	baseFilter := &Filter{Default: Action{Kind: Allow}, Arches: []string{native}, Rules: []Rule{
		{Names: []string{"mkdir"}, Action: Action{Kind: Errno, Data: 13}},
		{Names: []string{"ioctl"}, Action: Action{Kind: Errno, Data: 1}, Args: []Arg{{Index: 0, Value: 1, Op: "SCMP_CMP_EQ"}}},
	}}
	prev := &Policy{Syscalls: []Syscall{
		{Names: []string{"read", "getpid", "mkdir", "ioctl"}, Action: "SCMP_ACT_ALLOW", Comment: "learned: "},
		{Names: []string{"clone"}, Action: "SCMP_ACT_ALLOW", Args: []Arg{{Index: 0, Value: nsFlags, Op: "SCMP_CMP_MASKED_EQ"}}},
	}}
	known := KnownCalls(prev, baseFilter, []string{native})
	var names []string
	for _, nr := range known[native] {
		names = append(names, SyscallName(nr, native))
	}
	if want := []string{"read", "getpid"}; !slices.Equal(names, want) {
		t.Errorf("known %v, want %v (mkdir and ioctl are the base's to decide; clone has conditions)", names, want)
	}
	if k := KnownCalls(prev, &Filter{Default: Action{Kind: Errno, Data: 1}, Arches: []string{native}}, []string{native}); len(k[native]) != 0 {
		t.Errorf("a base denying by default naming none of them: known %v, want none", k)
	}
	in, err := Instrument(base, Everything)
	if err != nil {
		t.Fatal(err)
	}
	withPro, err := WithPrologue(in.Program, known)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(withPro)
	if err != nil {
		t.Fatal(err)
	}
	ip, _ := Decode(in.Program)
	for _, c := range []struct {
		name string
		a0   uint64
		arch uint32
		want string // "same": as the instrumented program
	}{
		{"read", 0, unix.AUDIT_ARCH_X86_64, "ALLOW"},
		{"getpid", 0, unix.AUDIT_ARCH_X86_64, "ALLOW"},
		{"mkdir", 0, unix.AUDIT_ARCH_X86_64, "same"},
		{"ioctl", 1, unix.AUDIT_ARCH_X86_64, "same"},
		{"openat", 0, unix.AUDIT_ARCH_X86_64, "same"},
		{"read", 0, unix.AUDIT_ARCH_I386, "same"}, // nr 0 on x86 is restart_syscall: not known there
	} {
		nr, _ := SyscallNumber(c.name, native)
		call := Call{Nr: nr, Arch: c.arch, Args: [6]uint64{c.a0}}
		got, _ := p.Run(call)
		want, _ := ip.Run(call)
		if c.want == "ALLOW" {
			want = retAllow
		}
		if got != want {
			t.Errorf("%s(%d) arch %#x: %s, want %s", c.name, c.a0, c.arch, ActionFromRet(got), ActionFromRet(want))
		}
	}
}

func TestLearnedWithinAPermissiveBase(t *testing.T) {
	// Docker-like the other way round: ALLOW by default, ioctl TIOCSTI
	// denied, mkdir denied whole.
	base := &Filter{
		Default: Action{Kind: Allow},
		Arches:  []string{native},
		Rules: []Rule{
			{Names: []string{"ioctl"}, Action: Action{Kind: Errno, Data: 1}, Args: []Arg{{Index: 1, Value: 0xffffffff, ValueTwo: 0x5412, Op: "SCMP_CMP_MASKED_EQ"}}, Pointer: "/syscalls/0"},
			{Names: []string{"mkdir"}, Action: Action{Kind: Errno, Data: 13}, Pointer: "/syscalls/1"},
		},
	}
	o := NewObserved()
	o.Add(2, native, "ioctl", [6]uint64{1, 0x5401})
	o.Denied["mkdir"] = true
	p := learnedPolicy(t, o, LearnOptions{Base: base, BaseName: "base.json"})
	var ioctl []Syscall
	var mkdir []Syscall
	for _, s := range p.Syscalls {
		switch s.names()[0] {
		case "ioctl":
			ioctl = append(ioctl, s)
		case "mkdir":
			mkdir = append(mkdir, s)
		}
	}
	// The base's denial, and an allow with an always-true condition on
	// another argument: TCGETS runs, TIOCSTI stays denied.
	if len(ioctl) != 2 || ioctl[0].Action != "SCMP_ACT_ERRNO" || ioctl[1].Action != "SCMP_ACT_ALLOW" ||
		len(ioctl[1].Args) != 1 || ioctl[1].Args[0].Index != 0 || ioctl[1].Args[0].Op != "SCMP_CMP_GE" {
		t.Errorf("ioctl rules %+v", ioctl)
	}
	// mkdir, denied by the base, keeps its EACCES; nothing allows it.
	if len(mkdir) != 1 || mkdir[0].Action != "SCMP_ACT_ERRNO" || *mkdir[0].ErrnoRet != 13 {
		t.Errorf("mkdir rules %+v", mkdir)
	}
	// The result resolves without conflicts (compiling is libseccomp's).
	if _, err := p.Resolve(hostX8664); err != nil {
		t.Errorf("the learned policy does not resolve: %v", err)
	}
}

func TestVerify(t *testing.T) {
	o := NewObserved()
	o.Add(2, native, "read", [6]uint64{3})
	o.Add(2, native, "getpid", [6]uint64{})
	mk, _ := SyscallNumber("mkdir", native)
	o.AddDenied(Call{Nr: mk, Arch: unix.AUDIT_ARCH_X86_64}, native, "mkdir", Action{Kind: Errno, Data: 13})
	for i := 0; i < 10; i++ {
		o.Add(2, native, "write", [6]uint64{1, uint64(i)})
	}
	if n := o.sampled[sampleKey{native, "write", false}]; n != maxSamples {
		t.Errorf("%d write samples kept, want %d", n, maxSamples)
	}
	for _, tc := range []struct {
		name               string
		prog               *Program
		loosened, stricter int
	}{
		{"as learned", testProgram(t, retErrno|38, append(allowing("read", "getpid", "write"), testRule{name: "mkdir", ret: retErrno | 13})...), 0, 0},
		{"getpid lost", testProgram(t, retErrno|38, allowing("read", "write")...), 0, 1},
		{"mkdir allowed", testProgram(t, retAllow), 1, 0},
	} {
		loosened, stricter, err := o.Verify(tc.prog)
		if err != nil || len(loosened) != tc.loosened || len(stricter) != tc.stricter {
			t.Errorf("%s: loosened %q, stricter %q, %v; want %d and %d", tc.name, loosened, stricter, err, tc.loosened, tc.stricter)
		}
	}
}
