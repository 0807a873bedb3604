package bpfsim

import (
	"strings"
	"testing"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

func TestCheckBPF(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		want string // "" for valid
	}{
		{"empty", 0, "is empty"},
		{"one instruction", 8, ""},
		{"partial instruction", 12, "not a whole number of 8-byte BPF instructions"},
		{"at the kernel limit", 4096 * 8, ""},
		{"over the kernel limit", 4097 * 8, "has 4097 instructions, more than the kernel's limit of 4096"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBPF(make([]byte, tc.size))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("CheckBPF(%d bytes) = %v", tc.size, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CheckBPF(%d bytes) = %v, want %q", tc.size, err, tc.want)
			}
		})
	}
}

// raw assembles instructions as bwrap reads them.
func raw(insns ...bpf.RawInstruction) []byte { return Encode(insns) }

func TestDecodeRefusesWhatTheKernelRefuses(t *testing.T) {
	ret := bpf.RawInstruction{Op: opRetK, K: retAllow}
	for _, tc := range []struct {
		name string
		prog []byte
		want string // "" accepted
	}{
		{"ret allow", raw(ret), ""},
		{"every word of seccomp_data", raw(bpf.RawInstruction{Op: opLdWAbs, K: 60}, bpf.RawInstruction{Op: opLdWAbs, K: 8}, ret), ""},
		{"length loads", raw(bpf.RawInstruction{Op: opLdWLen}, bpf.RawInstruction{Op: opLdxLen}, ret), ""},
		{"constant shift by 31", raw(bpf.RawInstruction{Op: opLshK, K: 31}, ret), ""},
		{"load past seccomp_data", raw(bpf.RawInstruction{Op: opLdWAbs, K: 64}, ret), "instruction 0: ld [64] reads past struct seccomp_data (64 bytes)"},
		{"unaligned load", raw(bpf.RawInstruction{Op: opLdWAbs, K: 2}, ret), "instruction 0: ld [2] is not a 4-byte aligned word"},
		{"half-word load", raw(bpf.RawInstruction{Op: 0x28, K: 0}, ret), "opcode 0x28 is not allowed in a seccomp filter (seccomp filters load only aligned 32-bit words"},
		{"indirect load", raw(bpf.RawInstruction{Op: 0x40, K: 0}, ret), "opcode 0x40 is not allowed"},
		{"ancillary load", raw(bpf.RawInstruction{Op: opLdWAbs, K: 0xfffff004}, ret), "reads past struct seccomp_data"},
		{"mod", raw(bpf.RawInstruction{Op: opModK, K: 3}, ret), "opcode 0x94 is not allowed in a seccomp filter (mod"},
		{"ret x", raw(bpf.RawInstruction{Op: 0x0e}), "opcode 0xe is not allowed"},
		{"stray high bits", raw(bpf.RawInstruction{Op: 0x0106, K: retAllow}), "opcode 0x106 is not allowed"},
		{"constant shift by 32", raw(bpf.RawInstruction{Op: opLshK, K: 32}, ret), "instruction 0: a constant shift by 32; the kernel refuses shifts of 32 or more"},
		{"constant right shift by 40", raw(bpf.RawInstruction{Op: opRshK, K: 40}, ret), "a constant shift by 40"},
		{"division by constant 0", raw(bpf.RawInstruction{Op: opDivK, K: 0}, ret), "instruction 0: division by the constant 0"},
		{"scratch slot 16", raw(bpf.RawInstruction{Op: opSt, K: 16}, ret), "scratch slot 16 does not exist"},
		{"ja past the end", raw(bpf.RawInstruction{Op: opJa, K: 1}, ret), "instruction 0: ja +1 jumps past the last instruction (1)"},
		{"jeq past the end", raw(bpf.RawInstruction{Op: 0x15, Jt: 0, Jf: 1}, ret), "instruction 0: a conditional jump (+0, +1) past the last instruction"},
		{"last is not a return", raw(ret, bpf.RawInstruction{Op: opLdImm}), "the last instruction (1) is not a return"},
		{"scratch read before store", raw(bpf.RawInstruction{Op: opLdMem, K: 3}, ret), "instruction 0: reads scratch slot 3, which not every path into it has stored"},
		{"scratch stored on one path only", raw(
			bpf.RawInstruction{Op: 0x15, Jt: 0, Jf: 1}, // jeq #0, +0, +1
			bpf.RawInstruction{Op: opSt, K: 2},
			bpf.RawInstruction{Op: opLdMem, K: 2},
			ret), "instruction 2: reads scratch slot 2"},
		{"scratch stored on every path", raw(bpf.RawInstruction{Op: opSt, K: 2}, bpf.RawInstruction{Op: 0x15, Jt: 0, Jf: 0}, bpf.RawInstruction{Op: opLdMem, K: 2}, ret), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.prog)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Decode = %v, want accepted", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "the kernel refuses this filter: ") {
				t.Fatalf("Decode = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestKernelSemantics pins what golang.org/x/net/bpf's VM gets wrong.
func TestKernelSemantics(t *testing.T) {
	mkdir := Call{Nr: unix.SYS_MKDIR, Arch: unix.AUDIT_ARCH_X86_64}
	for _, tc := range []struct {
		name string
		prog []bpf.RawInstruction
		want string
	}{
		// "explain" used to say KILL_THREAD: the VM shifts a 32-bit value by 32 to 0.
		{"lsh x by 32 keeps A", shiftProgram(opClsALU | 0x60 | opSrcX), "ALLOW"},
		{"rsh x by 32 keeps A", shiftProgram(opClsALU | 0x70 | opSrcX), "ALLOW"},
		{"rsh x by 33 shifts by 1", []bpf.RawInstruction{{Op: opLdImm, K: 0x000a0002}, {Op: opLdxImm, K: 33}, {Op: opClsALU | 0x70 | opSrcX}, {Op: opRetA}}, "ERRNO(EPERM)"},
		{"division by X = 0 returns 0", []bpf.RawInstruction{{Op: opLdImm, K: 7}, {Op: opClsALU | 0x30 | opSrcX}, {Op: opRetK, K: retAllow}}, "KILL_THREAD"},
		{"len is 64", []bpf.RawInstruction{{Op: opLdWLen}, {Op: opClsALU | 0x40, K: retErrno}, {Op: opRetA}}, "ERRNO(ENONET)"},
		{"neg", []bpf.RawInstruction{{Op: opLdImm, K: 0xfffaffff}, {Op: opNeg}, {Op: opRetA}}, "ERRNO(EPERM)"}, // -0xfffaffff = 0x00050001
		{"user notification", []bpf.RawInstruction{{Op: opRetK, K: retUserNotif}}, "NOTIFY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Decode(Encode(tc.prog))
			if err != nil {
				t.Fatal(err)
			}
			ret, err := p.Run(mkdir)
			if err != nil {
				t.Fatal(err)
			}
			if got := ActionFromRet(ret).String(); got != tc.want {
				t.Errorf("mkdir -> %s (%#x), want %s", got, ret, tc.want)
			}
		})
	}
}
