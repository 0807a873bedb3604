package bpfsim

import (
	"errors"
	"fmt"
)

// InstructionSize is the size of one struct sock_filter.
const InstructionSize = 8

// MaxInstructions is the kernel's limit on a filter's length (BPF_MAXINSNS).
const MaxInstructions = 4096

// CheckBPF checks that program is a plausible classic-BPF program for
// bwrap: non-empty, a whole number of instructions, at most
// MaxInstructions long.
func CheckBPF(program []byte) error {
	switch {
	case len(program) == 0:
		return errors.New("is empty; compile a policy into it first")
	case len(program)%InstructionSize != 0:
		return fmt.Errorf("is %d bytes, not a whole number of %d-byte BPF instructions; is it a compiled BPF program?", len(program), InstructionSize)
	case len(program)/InstructionSize > MaxInstructions:
		return fmt.Errorf("has %d instructions, more than the kernel's limit of %d", len(program)/InstructionSize, MaxInstructions)
	}
	return nil
}
