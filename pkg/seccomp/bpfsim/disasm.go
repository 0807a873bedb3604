package bpfsim

import (
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

// flowState is what the accumulator holds on entry to an instruction:
// the seccomp_data offset it was loaded from (-1 unknown), and the
// architecture the path has checked for ("" unknown).
type flowState struct {
	load int64
	arch string
	set  bool
}

// flow follows the program's jumps (always forward in classic BPF) and
// returns, for each instruction, what every path into it agrees on.
func (p *Program) flow() []flowState {
	st := make([]flowState, len(p.Instructions)+1)
	st[0] = flowState{load: -1, set: true}
	merge := func(to int, s flowState) {
		if to >= len(st) {
			return
		}
		if !st[to].set {
			st[to] = s
			return
		}
		if st[to].load != s.load {
			st[to].load = -1
		}
		if st[to].arch != s.arch {
			st[to].arch = ""
		}
	}
	for i, ins := range p.Instructions {
		s := st[i]
		if !s.set {
			continue // unreachable
		}
		out := s
		switch in := ins.(type) {
		case bpf.LoadAbsolute:
			out.load = int64(in.Off)
		case bpf.ALUOpConstant, bpf.ALUOpX, bpf.NegateA, bpf.TXA:
			out.load = -1
		case bpf.LoadConstant:
			if in.Dst == bpf.RegA {
				out.load = -1
			}
		case bpf.LoadScratch:
			if in.Dst == bpf.RegA {
				out.load = -1
			}
		case loadLen:
			if in.Dst == bpf.RegA {
				out.load = -1
			}
		case bpf.RetConstant, bpf.RetA:
			continue
		case bpf.Jump:
			merge(i+1+int(in.Skip), out)
			continue
		case bpf.JumpIf:
			taken, notTaken := out, out
			if s.load == 4 && in.Cond == bpf.JumpEqual {
				taken.arch = archOfToken(in.Val)
			}
			if s.load == 4 && in.Cond == bpf.JumpNotEqual {
				notTaken.arch = archOfToken(in.Val)
			}
			merge(i+1+int(in.SkipTrue), taken)
			merge(i+1+int(in.SkipFalse), notTaken)
			continue
		case bpf.JumpIfX:
			merge(i+1+int(in.SkipTrue), out)
			merge(i+1+int(in.SkipFalse), out)
			continue
		}
		merge(i+1, out)
	}
	return st[:len(p.Instructions)]
}

// Disassemble lists the program with comments: which seccomp_data field
// a load reads, which architecture or call a comparison tests (name
// resolves call numbers; nil leaves them as numbers), and what each
// return does.
func (p *Program) Disassemble(name func(nr int32, arch string) string) []Instruction {
	out := make([]Instruction, len(p.Instructions))
	flow := p.flow()
	for i, ins := range p.Instructions {
		raw := p.Raw[i]
		line := Instruction{Index: i, Op: raw.Op, Jt: raw.Jt, Jf: raw.Jf, K: raw.K}
		switch in := ins.(type) {
		case bpf.LoadAbsolute:
			line.Text = fmt.Sprintf("ld [%d]", in.Off)
			line.Comment = seccompDataField(in.Off)
		case bpf.JumpIf:
			line.Text = fmt.Sprintf("%s #%#x, %d, %d", jumpName(in.Cond), in.Val, i+1+int(in.SkipTrue), i+1+int(in.SkipFalse))
			line.Comment = p.jumpComment(in, flow[i], name)
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

// jumpComment names what a comparison tests: an architecture, or a
// system call of the architecture the path has checked for.
func (p *Program) jumpComment(in bpf.JumpIf, s flowState, name func(nr int32, arch string) string) string {
	switch s.load {
	case 4:
		return ShortArch(archOfToken(in.Val))
	case 0:
		if s.arch == "" || name == nil {
			return ""
		}
		arch, nr := s.arch, int32(in.Val)
		if arch == "SCMP_ARCH_X86_64" && nr&x32Bit != 0 {
			arch = "SCMP_ARCH_X32"
		}
		if in.Cond != bpf.JumpEqual && in.Cond != bpf.JumpNotEqual {
			if arch == "SCMP_ARCH_X32" {
				return "x32 calls"
			}
			return ""
		}
		if n := name(nr, arch); n != "" {
			return n
		}
	}
	return ""
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

// Architectures lists the architectures the program checks for, in
// order; x32 is listed when x86_64's section tests for its numbers.
func (p *Program) Architectures() []string {
	var out []string
	add := func(a string) {
		if !contains(out, a) {
			out = append(out, a)
		}
	}
	flow := p.flow()
	for i, ins := range p.Instructions {
		in, ok := ins.(bpf.JumpIf)
		if !ok {
			continue
		}
		switch flow[i].load {
		case 4:
			if in.Cond == bpf.JumpEqual || in.Cond == bpf.JumpNotEqual {
				add(archOfToken(in.Val))
			}
		case 0:
			if flow[i].arch == "SCMP_ARCH_X86_64" && in.Val&x32Bit != 0 && in.Val < 2*x32Bit {
				add("SCMP_ARCH_X32")
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
