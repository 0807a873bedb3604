package seccomp

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/net/bpf"
)

// Program is a classic-BPF seccomp program, decoded and ready to run.
type Program struct {
	Raw          []bpf.RawInstruction
	Instructions []bpf.Instruction
	vm           *bpf.VM
}

// Decode decodes a program as bwrap reads it: host-endian 8-byte
// struct sock_filter entries.
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
	// Instructions without a decoding stay RawInstruction, which NewVM rejects.
	insns, _ := bpf.Disassemble(raw)
	vm, err := bpf.NewVM(insns)
	if err != nil {
		return nil, fmt.Errorf("not a valid BPF program: %w", err)
	}
	return &Program{Raw: raw, Instructions: insns, vm: vm}, nil
}

// Call is one system call as the kernel hands it to a filter.
type Call struct {
	Nr   int32     // system call number (x32 calls carry 0x40000000)
	Arch uint32    // AUDIT_ARCH_* value
	IP   uint64    // instruction pointer
	Args [6]uint64 // arguments
}

// data encodes c as struct seccomp_data for golang.org/x/net/bpf's VM.
// The kernel loads words in host (little-endian) order; the VM loads
// them big-endian, so each 32-bit word is byte-swapped.
func (c Call) data() []byte {
	b := make([]byte, 64)
	binary.LittleEndian.PutUint32(b[0:], uint32(c.Nr))
	binary.LittleEndian.PutUint32(b[4:], c.Arch)
	binary.LittleEndian.PutUint64(b[8:], c.IP)
	for i, a := range c.Args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	for i := 0; i < len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return b
}

// Run returns the action the program returns for c (a SECCOMP_RET_*
// value with its data).
func (p *Program) Run(c Call) (uint32, error) {
	ret, err := p.vm.Run(c.data())
	if err != nil {
		return 0, err
	}
	return uint32(ret), nil
}
