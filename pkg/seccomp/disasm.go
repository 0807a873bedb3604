package seccomp

import (
	"encoding/binary"
	"fmt"
	"strings"

	"golang.org/x/net/bpf"
)

// Instruction is one decoded instruction, for listings.
type Instruction struct {
	Index   int    `json:"index"`
	Op      uint16 `json:"op"`
	Jt      uint8  `json:"jt"`
	Jf      uint8  `json:"jf"`
	K       uint32 `json:"k"`
	Text    string `json:"text"`
	Comment string `json:"comment,omitempty"`
}

// seccompDataField names the field of struct seccomp_data at off.
func seccompDataField(off uint32) string {
	switch {
	case off == 0:
		return "syscall number"
	case off == 4:
		return "arch"
	case off == 8:
		return "instruction pointer (low)"
	case off == 12:
		return "instruction pointer (high)"
	case off >= 16 && off < 64:
		half := "low"
		// On little-endian hosts the low word of each 64-bit argument comes first.
		if (off-16)%8 == 4 {
			half = "high"
		}
		return fmt.Sprintf("arg%d (%s)", (off-16)/8, half)
	}
	return fmt.Sprintf("offset %d", off)
}

// Disassemble lists the program with comments: which seccomp_data field
// a load reads, which architecture or call a comparison tests (name
// resolves call numbers; nil leaves them as numbers), and what each
// return does.
func (p *Program) Disassemble(name func(nr int32, arch string) string) []Instruction {
	out := make([]Instruction, len(p.Instructions))
	var loaded uint32 = 0xffffffff // offset of the last absolute load
	arch := ""
	for i, ins := range p.Instructions {
		raw := p.Raw[i]
		line := Instruction{Index: i, Op: raw.Op, Jt: raw.Jt, Jf: raw.Jf, K: raw.K}
		switch in := ins.(type) {
		case bpf.LoadAbsolute:
			loaded = in.Off
			line.Text = fmt.Sprintf("ld [%d]", in.Off)
			line.Comment = seccompDataField(in.Off)
		case bpf.JumpIf:
			line.Text = fmt.Sprintf("%s #%#x, %d, %d", jumpName(in.Cond), in.Val, i+1+int(in.SkipTrue), i+1+int(in.SkipFalse))
			switch loaded {
			case 4:
				a := archOfToken(in.Val)
				line.Comment = ShortArch(a)
				arch = a
			case 0:
				nr := int32(in.Val)
				if arch == "SCMP_ARCH_X86_64" && nr&x32Bit != 0 {
					line.Comment = "x32 calls"
				} else if name != nil && arch != "" && in.Cond != bpf.JumpGreaterThan && in.Cond != bpf.JumpGreaterOrEqual {
					line.Comment = name(nr, arch)
				}
			}
		case bpf.Jump:
			line.Text = fmt.Sprintf("ja %d", i+1+int(in.Skip))
		case bpf.RetConstant:
			line.Text = fmt.Sprintf("ret #%#x", in.Val)
			line.Comment = ActionFromRet(in.Val).String()
		default:
			line.Text = fmt.Sprint(ins)
		}
		out[i] = line
	}
	return out
}

func jumpName(c bpf.JumpTest) string {
	switch c {
	case bpf.JumpEqual:
		return "jeq"
	case bpf.JumpNotEqual:
		return "jne"
	case bpf.JumpGreaterThan:
		return "jgt"
	case bpf.JumpLessThan:
		return "jlt"
	case bpf.JumpGreaterOrEqual:
		return "jge"
	case bpf.JumpLessOrEqual:
		return "jle"
	case bpf.JumpBitsSet:
		return "jset"
	case bpf.JumpBitsNotSet:
		return "jnset"
	}
	return "j?"
}

// Listing renders a disassembly as text, one instruction a line.
func Listing(insns []Instruction) string {
	var b strings.Builder
	for _, in := range insns {
		line := fmt.Sprintf("%4d: %s", in.Index, in.Text)
		if in.Comment != "" {
			line = fmt.Sprintf("%-40s ; %s", line, in.Comment)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// Architectures lists the architectures the program checks for, in order.
func (p *Program) Architectures() []string {
	var out []string
	var loaded uint32 = 0xffffffff
	for _, ins := range p.Instructions {
		switch in := ins.(type) {
		case bpf.LoadAbsolute:
			loaded = in.Off
		case bpf.JumpIf:
			if loaded == 4 && in.Cond == bpf.JumpEqual {
				a := archOfToken(in.Val)
				if !contains(out, a) {
					out = append(out, a)
				}
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Trace runs the program on c like Run and also counts the
// instructions executed, which Run's VM does not report. It interprets
// the instructions libseccomp emits; tests check it against Run.
func (p *Program) Trace(c Call) (ret uint32, steps int, err error) {
	data := c.data()
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(p.Instructions); pc++ {
		steps++
		switch in := p.Instructions[pc].(type) {
		case bpf.LoadAbsolute:
			if in.Size != 4 || int(in.Off)+4 > len(data) {
				return 0, steps, fmt.Errorf("instruction %d: unsupported load", pc)
			}
			a = binary.BigEndian.Uint32(data[in.Off:])
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
			a = alu(in.Op, a, in.Val)
		case bpf.ALUOpX:
			a = alu(in.Op, a, x)
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
			return 0, steps, fmt.Errorf("instruction %d: %T is not used by seccomp programs", pc, in)
		}
	}
	return 0, steps, fmt.Errorf("program ran off its end")
}

func alu(op bpf.ALUOp, a, v uint32) uint32 {
	switch op {
	case bpf.ALUOpAdd:
		return a + v
	case bpf.ALUOpSub:
		return a - v
	case bpf.ALUOpMul:
		return a * v
	case bpf.ALUOpDiv:
		if v == 0 {
			return 0
		}
		return a / v
	case bpf.ALUOpOr:
		return a | v
	case bpf.ALUOpAnd:
		return a & v
	case bpf.ALUOpShiftLeft:
		return a << v
	case bpf.ALUOpShiftRight:
		return a >> v
	case bpf.ALUOpMod:
		if v == 0 {
			return 0
		}
		return a % v
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
