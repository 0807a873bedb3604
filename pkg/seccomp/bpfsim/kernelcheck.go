package bpfsim

import (
	"fmt"

	"golang.org/x/net/bpf"
)

// Classic-BPF opcodes (linux/bpf_common.h, linux/filter.h) that the
// kernel accepts in a seccomp filter.
const (
	opLdImm  = 0x00 // BPF_LD|BPF_IMM
	opLdxImm = 0x01 // BPF_LDX|BPF_IMM
	opSt     = 0x02 // BPF_ST
	opStx    = 0x03 // BPF_STX
	opJa     = 0x05 // BPF_JMP|BPF_JA
	opRetK   = 0x06 // BPF_RET|BPF_K
	opTax    = 0x07 // BPF_MISC|BPF_TAX
	opRetA   = 0x16 // BPF_RET|BPF_A
	opLdWAbs = 0x20 // BPF_LD|BPF_W|BPF_ABS
	opLdMem  = 0x60 // BPF_LD|BPF_MEM
	opLdxMem = 0x61 // BPF_LDX|BPF_MEM
	opLdWLen = 0x80 // BPF_LD|BPF_W|BPF_LEN
	opLdxLen = 0x81 // BPF_LDX|BPF_W|BPF_LEN
	opNeg    = 0x84 // BPF_ALU|BPF_NEG
	opTxa    = 0x87 // BPF_MISC|BPF_TXA

	opClsALU = 0x04
	opClsJmp = 0x05
	opSrcX   = 0x08
	opDivK   = 0x34 // BPF_ALU|BPF_DIV|BPF_K
	opLshK   = 0x64 // BPF_ALU|BPF_LSH|BPF_K
	opRshK   = 0x74 // BPF_ALU|BPF_RSH|BPF_K
	opModK   = 0x94 // BPF_ALU|BPF_MOD|BPF_K (classic BPF has it; seccomp refuses it)

	// seccompDataSize is sizeof(struct seccomp_data).
	seccompDataSize = 64
	// memWords is BPF_MEMWORDS, the scratch slots.
	memWords = 16
)

// seccompOps are the opcodes seccomp_check_filter (kernel/seccomp.c)
// lets through, once bpf_check_classic (net/core/filter.c) has accepted
// the program. Every other opcode, stray bits included, is EINVAL.
// A switch, not a map built at start-up.
func seccompOp(op uint16) bool {
	switch op {
	case opLdWAbs, opLdWLen, opLdxLen, opRetK, opRetA, opNeg,
		opLdImm, opLdxImm, opTax, opTxa, opLdMem, opLdxMem, opSt, opStx, opJa:
		return true
	}
	switch op &^ opSrcX {
	// add sub mul div or and lsh rsh xor; BPF_K and BPF_X
	case opClsALU, opClsALU | 0x10, opClsALU | 0x20, opClsALU | 0x30, opClsALU | 0x40,
		opClsALU | 0x50, opClsALU | 0x60, opClsALU | 0x70, opClsALU | 0xa0:
		return true
	// jeq jgt jge jset; BPF_K and BPF_X
	case opClsJmp | 0x10, opClsJmp | 0x20, opClsJmp | 0x30, opClsJmp | 0x40:
		return true
	}
	return false
}

// isCondJump reports whether op is one of the conditional jumps.
func isCondJump(op uint16) bool {
	return op&0x07 == opClsJmp && op != opJa && op < 0x100
}

// kernelCheck refuses what the kernel refuses when the filter is
// installed (seccomp(2) or prctl(PR_SET_SECCOMP) fail with EINVAL): it
// follows bpf_check_classic, its check_load_and_stores, and
// seccomp_check_filter, so that whatever Decode accepts is exactly what
// the kernel would run. raw is non-empty and at most MaxInstructions
// long (CheckBPF).
func kernelCheck(raw []bpf.RawInstruction) error {
	n := len(raw)
	for pc, in := range raw {
		switch {
		case !seccompOp(in.Op):
			return fmt.Errorf("instruction %d: opcode %#x is not allowed in a seccomp filter%s", pc, in.Op, opHint(in.Op))
		case in.Op == opLdWAbs && in.K >= seccompDataSize:
			return fmt.Errorf("instruction %d: ld [%d] reads past struct seccomp_data (%d bytes)", pc, in.K, seccompDataSize)
		case in.Op == opLdWAbs && in.K%4 != 0:
			return fmt.Errorf("instruction %d: ld [%d] is not a 4-byte aligned word of struct seccomp_data", pc, in.K)
		case in.Op == opDivK && in.K == 0:
			return fmt.Errorf("instruction %d: division by the constant 0", pc)
		case (in.Op == opLshK || in.Op == opRshK) && in.K >= 32:
			return fmt.Errorf("instruction %d: a constant shift by %d; the kernel refuses shifts of 32 or more", pc, in.K)
		case (in.Op == opLdMem || in.Op == opLdxMem || in.Op == opSt || in.Op == opStx) && in.K >= memWords:
			return fmt.Errorf("instruction %d: scratch slot %d does not exist (there are %d, 0 to %d)", pc, in.K, memWords, memWords-1)
		case in.Op == opJa && in.K >= uint32(n-pc-1):
			return fmt.Errorf("instruction %d: ja +%d jumps past the last instruction (%d)", pc, in.K, n-1)
		case isCondJump(in.Op) && (pc+int(in.Jt)+1 >= n || pc+int(in.Jf)+1 >= n):
			return fmt.Errorf("instruction %d: a conditional jump (+%d, +%d) past the last instruction (%d)", pc, in.Jt, in.Jf, n-1)
		}
	}
	if last := raw[n-1].Op; last != opRetK && last != opRetA {
		return fmt.Errorf("the last instruction (%d) is not a return, so the program could run off its end", n-1)
	}
	return checkScratch(raw)
}

// opHint explains the classic-BPF opcodes seccomp refuses.
func opHint(op uint16) string {
	switch {
	case op == opModK || op == opModK|opSrcX:
		return " (mod: classic BPF has it, seccomp filters do not)"
	case op < 0x100 && op&0x07 <= 0x01:
		return " (seccomp filters load only aligned 32-bit words of struct seccomp_data: ld [k])"
	}
	return ""
}

// checkScratch is the kernel's check_load_and_stores: a scratch slot
// may be read only where every path into the read has stored it. It
// keeps the kernel's bookkeeping exactly (an instruction after a return
// inherits the slots stored before that return).
func checkScratch(raw []bpf.RawInstruction) error {
	masks := make([]uint16, len(raw))
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, in := range raw {
		valid &= masks[pc]
		switch {
		case in.Op == opSt || in.Op == opStx:
			valid |= 1 << in.K
		case in.Op == opLdMem || in.Op == opLdxMem:
			if valid&(1<<in.K) == 0 {
				return fmt.Errorf("instruction %d: reads scratch slot %d, which not every path into it has stored", pc, in.K)
			}
		case in.Op == opJa:
			masks[pc+1+int(in.K)] &= valid
			valid = 0xffff
		case isCondJump(in.Op):
			masks[pc+1+int(in.Jt)] &= valid
			masks[pc+1+int(in.Jf)] &= valid
			valid = 0xffff
		}
	}
	return nil
}

// loadLen is BPF_LD|BPF_W|BPF_LEN or BPF_LDX|BPF_W|BPF_LEN: in a
// seccomp filter, the size of struct seccomp_data (64).
type loadLen struct {
	Dst bpf.Register
}

// Assemble implements bpf.Instruction.
func (l loadLen) Assemble() (bpf.RawInstruction, error) {
	if l.Dst == bpf.RegX {
		return bpf.RawInstruction{Op: opLdxLen}, nil
	}
	return bpf.RawInstruction{Op: opLdWLen}, nil
}

func (l loadLen) String() string {
	if l.Dst == bpf.RegX {
		return "ldx len"
	}
	return "ld len"
}

// instruction turns an instruction kernelCheck accepted into its
// golang.org/x/net/bpf form (loadLen for the two length loads).
func instruction(r bpf.RawInstruction) bpf.Instruction {
	switch r.Op {
	case opLdWLen:
		return loadLen{Dst: bpf.RegA}
	case opLdxLen:
		return loadLen{Dst: bpf.RegX}
	}
	return r.Disassemble()
}
