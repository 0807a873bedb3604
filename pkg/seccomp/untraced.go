package seccomp

import (
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// cloneUntraced is CLONE_UNTRACED: a child its parent's tracer is not
// attached to.
const cloneUntraced = 0x00800000

// WithoutUntraced prepends to an instrumented program (see
// bpfsim.Instrument) a refusal, with EPERM, of clone(2) with
// CLONE_UNTRACED on x86_64: a child made so leaves the tracer, and its
// traced calls then fail with ENOSYS, not the policy's errno, and are
// missing from the report (a hostile review hid its denials from
// --explain-denials that way). Nothing else changes: the original
// program starts after the prologue with A = 0, as the kernel starts it.
// Programs never ask for CLONE_UNTRACED but to escape a tracer; i386 and
// x32 are not covered (their callers of clone are rarer still).
func WithoutUntraced(program []byte) ([]byte, error) {
	// Each jump out of the guard skips to its end: the original program.
	return prepend([]bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // arch
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: unix.AUDIT_ARCH_X86_64, SkipTrue: 5},
		bpf.LoadAbsolute{Off: 0, Size: 4}, // nr
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: unix.SYS_CLONE, SkipTrue: 3},
		bpf.LoadAbsolute{Off: 16, Size: 4}, // the low half of args[0], the flags
		bpf.JumpIf{Cond: bpf.JumpBitsNotSet, Val: cloneUntraced, SkipTrue: 1},
		bpf.RetConstant{Val: Action{Kind: Errno, Data: uint16(unix.EPERM)}.Ret()},
	}, program, "CLONE_UNTRACED guard")
}
