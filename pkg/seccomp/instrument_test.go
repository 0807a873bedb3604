package seccomp

import (
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

func TestInstrument(t *testing.T) {
	p := testProgram(t, eperm,
		testRule{name: "read", ret: retAllow},
		testRule{name: "getpid", ret: retLog},
		testRule{name: "mkdir", ret: retErrno | 13},
		testRule{name: "write", arg0: u32(1), ret: retAllow},
		testRule{name: "write", ret: retErrno | 9},
		testRule{name: "ptrace", ret: retKillProcess},
		testRule{name: "kill", ret: retKillThread},
		testRule{name: "mount", ret: retTrap},
		testRule{name: "bpf", ret: retTrace | 7},
		testRule{name: "ioctl", ret: retUserNotif},
		testRule{name: "chdir", ret: retErrno}, // errno 0: left alone
	)
	calls := []struct {
		name string
		args [6]uint64
	}{
		{"read", [6]uint64{}}, {"getpid", [6]uint64{}}, {"mkdir", [6]uint64{}}, {"write", [6]uint64{1}}, {"write", [6]uint64{7}},
		{"ptrace", [6]uint64{}}, {"kill", [6]uint64{}}, {"mount", [6]uint64{}}, {"bpf", [6]uint64{}}, {"ioctl", [6]uint64{}},
		{"chdir", [6]uint64{}}, {"openat", [6]uint64{}}, // the default
	}
	for _, mode := range []Mode{Denials, Everything} {
		in, err := Instrument(p, mode)
		if err != nil {
			t.Fatal(err)
		}
		ip, err := Decode(in.Program)
		if err != nil {
			t.Fatalf("the instrumented program does not decode: %v", err)
		}
		if len(ip.Raw) != len(p.Raw) {
			t.Fatalf("%d instructions, want %d", len(ip.Raw), len(p.Raw))
		}
		for _, c := range calls {
			nr, _ := SyscallNumber(c.name, "SCMP_ARCH_X86_64")
			call := Call{Nr: nr, Arch: unix.AUDIT_ARCH_X86_64, Args: c.args}
			orig, _ := p.Run(call)
			got, _ := ip.Run(call)
			o, g := ActionFromRet(orig), ActionFromRet(got)
			traced := o.Kind == Errno && o.Data != 0 || o.Kind == Trace || o.Kind == Notify ||
				mode == Everything && o.Permits()
			if !traced {
				if got != orig {
					t.Errorf("mode %d: %s%v: %s, want it unchanged (%s)", mode, c.name, c.args[:1], g, o)
				}
				continue
			}
			if g.Kind != Trace {
				t.Errorf("mode %d: %s%v: %s, want TRACE for the original %s", mode, c.name, c.args[:1], g, o)
				continue
			}
			back, ok := in.Original(g.Data)
			if !ok || back != o {
				t.Errorf("mode %d: %s%v: Original(%d) = %s %v, want %s", mode, c.name, c.args[:1], g.Data, back, ok, o)
			}
		}
		if _, ok := in.Original(0xffff); ok {
			t.Errorf("Original of data never put there is ok")
		}
	}
	// A program returning the accumulator is refused.
	raw, _ := bpf.Assemble([]bpf.Instruction{bpf.LoadConstant{Dst: bpf.RegA, Val: retAllow}, bpf.RetA{}})
	pa := &Program{Raw: raw}
	if _, err := Instrument(pa, Denials); err == nil {
		t.Errorf("RET A instrumented")
	}
}

func TestDecided(t *testing.T) {
	f := &Filter{
		Default: Action{Kind: Errno, Data: 1},
		Arches:  []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X32"},
		Rules: []Rule{
			{Names: []string{"read", "write"}, Action: Action{Kind: Allow}, Pointer: "/syscalls/0"},
			{Names: []string{"mkdir"}, Action: Action{Kind: Errno, Data: 13}, Pointer: "/syscalls/1"},
			{Names: []string{"socket"}, Action: Action{Kind: Errno, Data: 97}, Args: []Arg{{Index: 0, Value: 40, Op: "SCMP_CMP_EQ"}}, Pointer: "/syscalls/2"},
			{Names: []string{"clone"}, Action: Action{Kind: Allow}, Args: []Arg{{Index: 0, Value: 0x7E020000, ValueTwo: 0, Op: "SCMP_CMP_MASKED_EQ"}}, Pointer: "/syscalls/3"},
		},
	}
	x64 := func(name string, args ...uint64) Call {
		nr, err := SyscallNumber(name, "SCMP_ARCH_X86_64")
		if err != nil {
			t.Fatal(err)
		}
		c := Call{Nr: nr, Arch: unix.AUDIT_ARCH_X86_64}
		copy(c.Args[:], args)
		return c
	}
	for _, tc := range []struct {
		call    Call
		verdict Action
		want    string
	}{
		{x64("write", 1), Action{Kind: Allow}, "/syscalls/0"},
		{x64("mkdir"), Action{Kind: Errno, Data: 13}, "/syscalls/1"},
		{x64("socket", 40), Action{Kind: Errno, Data: 97}, "/syscalls/2"},
		{x64("socket", 2), Action{Kind: Errno, Data: 1}, DefaultPointer},
		{x64("clone", 0x11), Action{Kind: Allow}, "/syscalls/3"},
		{x64("clone", 0x10000000), Action{Kind: Errno, Data: 1}, DefaultPointer},
		{x64("openat"), Action{Kind: Errno, Data: 1}, DefaultPointer},
		{Call{Nr: 3, Arch: unix.AUDIT_ARCH_I386}, Action{Kind: KillProcess}, ArchPointer},
		{Call{Nr: 0 | x32Bit, Arch: unix.AUDIT_ARCH_X86_64}, Action{Kind: Allow}, "/syscalls/0"},
		{x64("getpid"), Action{Kind: Trap}, ""},
	} {
		if got := f.Decided(tc.call, tc.verdict); got != tc.want {
			t.Errorf("Decided(%d%v, %s) = %q, want %q", tc.call.Nr, tc.call.Args[:1], tc.verdict, got, tc.want)
		}
	}
}
