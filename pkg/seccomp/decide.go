package seccomp

import (
	"slices"

	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
)

// Pointers that name what decided a call when no rule did.
const (
	DefaultPointer = "/defaultAction"
	// ArchPointer is the architecture check: a call from an architecture
	// the filter does not cover.
	ArchPointer = "/architectures"
)

// Decided says which part of the resolved policy decided a call that got
// verdict (the simulator's answer, which is ground truth): the JSON
// pointer of the rule whose names and argument conditions match the call
// and whose action is the verdict, else DefaultPointer when the verdict
// is the default action, else ArchPointer for a call from an
// architecture the filter does not cover; "" when none fits (a filter
// compiled from another policy).
func (f *Filter) Decided(c Call, verdict Action) string {
	arch, nr := bpfsim.CallArchNr(c)
	if arch == "" || !slices.Contains(f.Arches, arch) {
		return ArchPointer
	}
	name := SyscallName(nr, arch)
	for _, r := range f.Rules {
		if r.Action == verdict && slices.Contains(r.Names, name) && argsMatch(r.Args, c.Args) {
			return r.Pointer
		}
	}
	if verdict == f.Default {
		return DefaultPointer
	}
	return ""
}

// argsMatch reports whether every condition holds, as libseccomp
// compares: 64-bit values; SCMP_CMP_MASKED_EQ's value is the mask and
// valueTwo the datum.
func argsMatch(conds []Arg, args [6]uint64) bool {
	for _, a := range conds {
		if a.Index > 5 {
			return false
		}
		v := args[a.Index]
		var ok bool
		switch a.Op {
		case "SCMP_CMP_NE":
			ok = v != a.Value
		case "SCMP_CMP_LT":
			ok = v < a.Value
		case "SCMP_CMP_LE":
			ok = v <= a.Value
		case "SCMP_CMP_EQ":
			ok = v == a.Value
		case "SCMP_CMP_GE":
			ok = v >= a.Value
		case "SCMP_CMP_GT":
			ok = v > a.Value
		case "SCMP_CMP_MASKED_EQ":
			ok = v&a.Value == a.ValueTwo
		}
		if !ok {
			return false
		}
	}
	return true
}
