package seccomp

import "github.com/shannot-project/shannot/pkg/seccomp/bpfsim"

// The simulator's types and functions, which live in pkg/seccomp/bpfsim
// (pure Go, no libseccomp), under the names this package's API has
// always used: a policy's actions, calls and programs are the
// simulator's.
type (
	Program      = bpfsim.Program
	Call         = bpfsim.Call
	Instruction  = bpfsim.Instruction
	PathStats    = bpfsim.PathStats
	Action       = bpfsim.Action
	ActionKind   = bpfsim.ActionKind
	Hazard       = bpfsim.Hazard
	StartError   = bpfsim.StartError
	Instrumented = bpfsim.Instrumented
	Mode         = bpfsim.Mode
)

// The actions a filter can take, in the kernel's order of precedence.
const (
	KillProcess = bpfsim.KillProcess
	KillThread  = bpfsim.KillThread
	Trap        = bpfsim.Trap
	Errno       = bpfsim.Errno
	Notify      = bpfsim.Notify
	Trace       = bpfsim.Trace
	Log         = bpfsim.Log
	Allow       = bpfsim.Allow
)

// What Instrument makes the tracer see.
const (
	Denials    = bpfsim.Denials
	Everything = bpfsim.Everything
)

// InstructionSize and MaxInstructions: see bpfsim.
const (
	InstructionSize = bpfsim.InstructionSize
	MaxInstructions = bpfsim.MaxInstructions
)

const x32Bit = bpfsim.X32Bit

// Decode is bpfsim.Decode.
func Decode(program []byte) (*Program, error) { return bpfsim.Decode(program) }

// CheckBPF is bpfsim.CheckBPF.
func CheckBPF(program []byte) error { return bpfsim.CheckBPF(program) }

// ActionFromRet is bpfsim.ActionFromRet.
func ActionFromRet(ret uint32) Action { return bpfsim.ActionFromRet(ret) }

// Listing is bpfsim.Listing.
func Listing(insns []Instruction) string { return bpfsim.Listing(insns) }

// Instrument is bpfsim.Instrument.
func Instrument(p *Program, mode Mode) (*Instrumented, error) { return bpfsim.Instrument(p, mode) }

// ArchName is bpfsim.ArchName.
func ArchName(s string) (string, error) { return bpfsim.ArchName(s) }

// ShortArch is bpfsim.ShortArch.
func ShortArch(oci string) string { return bpfsim.ShortArch(oci) }

// CallArch is bpfsim.CallArch.
func CallArch(c Call) string { return bpfsim.CallArch(c) }

// CheckStart is bpfsim.CheckStart on host's architecture.
func CheckStart(p *Program, host Host, number func(name, arch string) (int32, error)) error {
	return bpfsim.CheckStart(p, host.Arch, number)
}

// Hazards is bpfsim.Hazards on host's architecture.
func Hazards(p *Program, host Host, number func(name, arch string) (int32, error)) ([]Hazard, error) {
	return bpfsim.Hazards(p, host.Arch, number)
}

// DeniesStatusWrite is bpfsim.DeniesStatusWrite on host's architecture.
func DeniesStatusWrite(p *Program, host Host, extra int, number func(name, arch string) (int32, error)) (bool, error) {
	return bpfsim.DeniesStatusWrite(p, host.Arch, extra, number)
}
