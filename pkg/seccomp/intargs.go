package seccomp

import (
	"fmt"
	"slices"

	"github.com/shannot-project/shannot/internal/jsonerr"
)

// intArgs are arguments the kernel reads as a 32-bit int (or unsigned
// int), by call and argument index. A filter sees the whole 64-bit
// register, whose upper half the caller may fill with anything: a rule
// comparing all 64 bits of such an argument (SCMP_CMP_EQ, NE, GT, GE,
// LT, LE, or MASKED_EQ with a mask above 32 bits) can be slipped past by
// setting them, as CVE-2019-10063 did to flatpak's TIOCSTI filter. The
// table is small on purpose: the arguments policies compare in practice.
// A table of constants, not a map: nothing is built at start-up.
var intArgs = [...]struct {
	call  string
	index uint
	name  string
}{
	{"ioctl", 1, "request"},
	{"fcntl", 1, "cmd"},
	{"socket", 0, "domain"}, {"socket", 1, "type"}, {"socket", 2, "protocol"},
	{"socketpair", 0, "domain"}, {"socketpair", 1, "type"}, {"socketpair", 2, "protocol"},
	{"setsockopt", 1, "level"}, {"setsockopt", 2, "optname"},
	{"getsockopt", 1, "level"}, {"getsockopt", 2, "optname"},
	{"personality", 0, "persona"},
	{"prctl", 0, "option"},
	{"kill", 1, "signal"},
	{"tkill", 1, "signal"},
	{"tgkill", 2, "signal"},
}

// intArg names argument index of call when the kernel reads it as a
// 32-bit int.
func intArg(call string, index uint) (string, bool) {
	for _, a := range intArgs {
		if a.call == call && a.index == index {
			return a.name, true
		}
	}
	return "", false
}

const low32 = 0xffffffff

// intArgWarnings names the conditions of r that compare all 64 bits of
// a 32-bit argument, one line each starting with the JSON pointer of the
// condition.
func intArgWarnings(r Rule) []string {
	var out []string
	for j, a := range r.Args {
		if alwaysSame(a) || a.Op == "SCMP_CMP_MASKED_EQ" && a.Value&^low32 == 0 {
			continue
		}
		var calls []string
		var arg string
		for _, n := range r.Names {
			if name, ok := intArg(n, a.Index); ok && !slices.Contains(calls, n) {
				calls = append(calls, n)
				arg = name
			}
		}
		if len(calls) == 0 {
			continue
		}
		what := fmt.Sprintf("%s compares all 64 bits of %s's %s (argument %d)", a.Op, calls[0], arg, a.Index)
		if a.Op == "SCMP_CMP_MASKED_EQ" {
			what = fmt.Sprintf("SCMP_CMP_MASKED_EQ with mask %#x compares the upper 32 bits of %s's %s (argument %d)", a.Value, calls[0], arg, a.Index)
		}
		var fix string
		switch a.Op {
		case "SCMP_CMP_EQ":
			fix = maskedFix(a.Index, a.Value)
		case "SCMP_CMP_MASKED_EQ":
			fix = maskedFix(a.Index, a.ValueTwo)
		default:
			fix = fmt.Sprintf(`libseccomp has no 32-bit %s: list the values, each as {"index": %d, "value": %d, "valueTwo": VALUE, "op": "SCMP_CMP_MASKED_EQ"}`, a.Op, a.Index, uint64(low32))
		}
		out = append(out, fmt.Sprintf("%s%s: %s, which the kernel reads as 32 bits: a caller who sets the upper half slips past the rule (CVE-2019-10063); %s",
			r.Pointer, jsonerr.Pointer("args", fmt.Sprint(j)), what, fix))
	}
	return out
}

func maskedFix(index uint, datum uint64) string {
	return fmt.Sprintf(`compare the low 32 bits: {"index": %d, "value": %d, "valueTwo": %d, "op": "SCMP_CMP_MASKED_EQ"}`, index, uint64(low32), datum&low32)
}

// alwaysSame reports a comparison whose outcome no argument changes
// (arg >= 0, arg <= 2^64-1, and their negations), such as the always-true
// condition that keeps a rule conditional.
func alwaysSame(a Arg) bool {
	switch a.Op {
	case "SCMP_CMP_GE", "SCMP_CMP_LT":
		return a.Value == 0
	case "SCMP_CMP_LE", "SCMP_CMP_GT":
		return a.Value == ^uint64(0)
	}
	return false
}
