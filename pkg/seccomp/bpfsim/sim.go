package bpfsim

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/net/bpf"

	"github.com/shannot-project/shannot/internal/bug"
)

// Program is a classic-BPF seccomp program, decoded and ready to run.
type Program struct {
	Raw          []bpf.RawInstruction
	Instructions []bpf.Instruction
}

// Decode decodes a program as bwrap reads it on a little-endian host
// (x86_64, the hosts shannot supports): 8-byte struct sock_filter
// entries, little-endian. A big-endian host's program would decode
// wrongly; its architecture is not modelled (see auditArches). It accepts exactly the programs the kernel
// accepts as a seccomp filter (see kernelCheck): any other program would
// make bwrap fail with EINVAL, and one the simulator could get wrong
// never reaches it.
func Decode(program []byte) (*Program, error) {
	if err := CheckBPF(program); err != nil {
		return nil, err
	}
	raw := make([]bpf.RawInstruction, len(program)/InstructionSize)
	for i := range raw {
		b := program[i*InstructionSize:]
		raw[i] = bpf.RawInstruction{
			Op: binary.LittleEndian.Uint16(b[0:]),
			Jt: b[2],
			Jf: b[3],
			K:  binary.LittleEndian.Uint32(b[4:]),
		}
	}
	if err := kernelCheck(raw); err != nil {
		return nil, fmt.Errorf("the kernel refuses this filter: %w", err)
	}
	insns := make([]bpf.Instruction, len(raw))
	for i, r := range raw {
		insns[i] = instruction(r)
	}
	return &Program{Raw: raw, Instructions: insns}, nil
}

// Encode is Decode's inverse: the program as bwrap reads it, 8-byte
// little-endian struct sock_filter entries.
func Encode(raw []bpf.RawInstruction) []byte {
	b := make([]byte, 0, len(raw)*InstructionSize)
	for _, r := range raw {
		b = binary.LittleEndian.AppendUint16(b, r.Op)
		b = append(b, r.Jt, r.Jf)
		b = binary.LittleEndian.AppendUint32(b, r.K)
	}
	return b
}

// Call is one system call as the kernel hands it to a filter.
type Call struct {
	Nr   int32     // system call number (x32 calls carry 0x40000000)
	Arch uint32    // AUDIT_ARCH_* value
	IP   uint64    // instruction pointer
	Args [6]uint64 // arguments
}

// Word is the 32-bit word of struct seccomp_data {u32 nr; u32 arch;
// u64 ip; u64 args[6]} at off (aligned, below 64), as a little-endian
// host's kernel loads it: the low half of each 64-bit field first.
func (c Call) Word(off uint32) uint32 {
	switch i := off / 4; {
	case i == 0:
		return uint32(c.Nr)
	case i == 1:
		return c.Arch
	case i == 2:
		return uint32(c.IP)
	case i == 3:
		return uint32(c.IP >> 32)
	case i%2 == 0:
		return uint32(c.Args[(i-4)/2])
	default:
		return uint32(c.Args[(i-4)/2] >> 32)
	}
}

// Run returns the action the program returns for c (a SECCOMP_RET_*
// value with its data).
func (p *Program) Run(c Call) (uint32, error) {
	ret, _, err := p.Trace(c)
	return ret, err
}

// Trace runs the program on c as the kernel does and also counts the
// instructions executed. The semantics are the kernel's, not
// golang.org/x/net/bpf's VM: A and X start at 0; arithmetic is 32-bit;
// a shift by X uses the low 5 bits of X; a division by an X of 0 ends
// the program, which returns 0 (SECCOMP_RET_KILL_THREAD); "len" is 64,
// the size of struct seccomp_data. Decode has refused every program the
// kernel would not run, so an error here is a bug.
func (p *Program) Trace(c Call) (ret uint32, steps int, err error) {
	var a, x uint32
	var mem [memWords]uint32
	for pc := 0; pc < len(p.Instructions); pc++ {
		steps++
		switch in := p.Instructions[pc].(type) {
		case bpf.LoadAbsolute:
			if in.Size != 4 || in.Off >= seccompDataSize || in.Off%4 != 0 {
				return 0, steps, badInstruction(pc, in)
			}
			a = c.Word(in.Off)
		case loadLen:
			if in.Dst == bpf.RegA {
				a = seccompDataSize
			} else {
				x = seccompDataSize
			}
		case bpf.LoadConstant:
			if in.Dst == bpf.RegA {
				a = in.Val
			} else {
				x = in.Val
			}
		case bpf.LoadScratch:
			if in.Dst == bpf.RegA {
				a = mem[in.N]
			} else {
				x = mem[in.N]
			}
		case bpf.StoreScratch:
			if in.Src == bpf.RegA {
				mem[in.N] = a
			} else {
				mem[in.N] = x
			}
		case bpf.ALUOpConstant:
			if in.Op == bpf.ALUOpMod || in.Op == bpf.ALUOpDiv && in.Val == 0 {
				return 0, steps, badInstruction(pc, in)
			}
			a = alu(in.Op, a, in.Val)
		case bpf.ALUOpX:
			if in.Op == bpf.ALUOpMod {
				return 0, steps, badInstruction(pc, in)
			}
			if in.Op == bpf.ALUOpDiv && x == 0 {
				return 0, steps, nil
			}
			a = alu(in.Op, a, x)
		case bpf.NegateA:
			a = -a
		case bpf.TAX:
			x = a
		case bpf.TXA:
			a = x
		case bpf.Jump:
			pc += int(in.Skip)
		case bpf.JumpIf:
			if jumpTrue(in.Cond, a, in.Val) {
				pc += int(in.SkipTrue)
			} else {
				pc += int(in.SkipFalse)
			}
		case bpf.JumpIfX:
			if jumpTrue(in.Cond, a, x) {
				pc += int(in.SkipTrue)
			} else {
				pc += int(in.SkipFalse)
			}
		case bpf.RetConstant:
			return in.Val, steps, nil
		case bpf.RetA:
			return a, steps, nil
		default:
			return 0, steps, badInstruction(pc, in)
		}
	}
	return 0, steps, bug.Errorf("the program ran off its end, which Decode should have refused")
}

// badInstruction reports an instruction that Decode should have refused.
func badInstruction(pc int, in bpf.Instruction) error {
	return bug.Errorf("instruction %d (%v) is not one the kernel runs in a seccomp filter, and Decode let it through", pc, in)
}

// alu is the kernel's 32-bit arithmetic; Trace has dealt with division
// by zero (the kernel refuses a constant 0; an X of 0 ends the program).
func alu(op bpf.ALUOp, a, v uint32) uint32 {
	switch op {
	case bpf.ALUOpAdd:
		return a + v
	case bpf.ALUOpSub:
		return a - v
	case bpf.ALUOpMul:
		return a * v
	case bpf.ALUOpDiv:
		return a / v
	case bpf.ALUOpOr:
		return a | v
	case bpf.ALUOpAnd:
		return a & v
	case bpf.ALUOpShiftLeft:
		return a << (v & 31)
	case bpf.ALUOpShiftRight:
		return a >> (v & 31)
	case bpf.ALUOpXor:
		return a ^ v
	}
	return a
}

func jumpTrue(c bpf.JumpTest, a, v uint32) bool {
	switch c {
	case bpf.JumpEqual:
		return a == v
	case bpf.JumpNotEqual:
		return a != v
	case bpf.JumpGreaterThan:
		return a > v
	case bpf.JumpLessThan:
		return a < v
	case bpf.JumpGreaterOrEqual:
		return a >= v
	case bpf.JumpLessOrEqual:
		return a <= v
	case bpf.JumpBitsSet:
		return a&v != 0
	case bpf.JumpBitsNotSet:
		return a&v == 0
	}
	return false
}
