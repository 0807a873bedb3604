package seccomp

import (
	"encoding/binary"
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// testRule is one rule of a hand-assembled x86_64 program: calls numbered
// nr get ret; with arg0 set, only when the low half of the first
// argument equals *arg0.
type testRule struct {
	name string
	arg0 *uint32
	ret  uint32
}

func u32(v uint32) *uint32 { return &v }

// testProgram assembles a program for x86_64 without a compiler: the
// architecture check (anything else is killed), then each rule in turn,
// then def. It lets the pure parts be tested in a build without cgo.
func testProgram(t testing.TB, def uint32, rules ...testRule) *Program {
	t.Helper()
	insns := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: unix.AUDIT_ARCH_X86_64, SkipTrue: 1},
		bpf.RetConstant{Val: retKillProcess},
	}
	for _, r := range rules {
		nr, err := SyscallNumber(r.name, "SCMP_ARCH_X86_64")
		if err != nil {
			t.Fatal(err)
		}
		insns = append(insns, bpf.LoadAbsolute{Off: 0, Size: 4})
		if r.arg0 == nil {
			insns = append(insns, bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(nr), SkipTrue: 1}, bpf.RetConstant{Val: r.ret})
			continue
		}
		insns = append(insns,
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(nr), SkipTrue: 3},
			bpf.LoadAbsolute{Off: 16, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: *r.arg0, SkipTrue: 1},
			bpf.RetConstant{Val: r.ret})
	}
	insns = append(insns, bpf.RetConstant{Val: def})
	raw, err := bpf.Assemble(insns)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 0, len(raw)*InstructionSize)
	for _, r := range raw {
		b = binary.LittleEndian.AppendUint16(b, r.Op)
		b = append(b, r.Jt, r.Jf)
		b = binary.LittleEndian.AppendUint32(b, r.K)
	}
	p, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// allowing is a testRule list allowing each name.
func allowing(names ...string) []testRule {
	rs := make([]testRule, len(names))
	for i, n := range names {
		rs[i] = testRule{name: n, ret: retAllow}
	}
	return rs
}

var hostX8664 = Host{Arch: "SCMP_ARCH_X86_64", GoArch: "amd64", Kernel: [2]int{6, 1}}
