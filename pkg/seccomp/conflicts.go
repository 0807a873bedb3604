package seccomp

import (
	"fmt"
	"slices"
	"strings"
)

// checkConflicts finds rules that libseccomp would accept but not honour
// as written. Two rules for the same call with the same conditions and
// different actions: libseccomp keeps one silently. An unconditional rule
// and a conditional one with another action: the unconditional one wins
// and the conditional rule never applies. Both are refused, naming the
// two rules.
func (f *Filter) checkConflicts() error {
	type seen struct {
		rule *Rule
		key  string
	}
	byName := map[string][]seen{}
	for i := range f.Rules {
		r := &f.Rules[i]
		key := argsKey(r.Args)
		for _, n := range r.Names {
			for _, s := range byName[n] {
				if s.rule.Action == r.Action {
					continue
				}
				switch {
				case s.key == key:
					return fmt.Errorf("%s conflicts with %s: both give %s%s, one %s and the other %s; keep one",
						r.Pointer, s.rule.Pointer, n, describeArgs(r.Args), s.rule.Action, r.Action)
				case s.key == "" || key == "":
					uncond, cond := s.rule, r
					if key == "" {
						uncond, cond = r, s.rule
					}
					return fmt.Errorf("%s (%s %s, unconditional) would override %s (%s%s %s): libseccomp lets an unconditional rule win over conditional ones; give %s a condition that is always true (such as {\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_GE\"}) or remove one",
						uncond.Pointer, n, uncond.Action, cond.Pointer, n, describeArgs(cond.Args), cond.Action, uncond.Pointer)
				}
			}
			byName[n] = append(byName[n], seen{rule: r, key: key})
		}
	}
	return nil
}

// argsKey is the same for two condition lists that match the same calls.
func argsKey(args []Arg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = fmt.Sprintf("%d %s %#x %#x", a.Index, a.Op, a.Value, a.ValueTwo)
	}
	slices.Sort(parts)
	return strings.Join(parts, ";")
}

// describeArgs words conditions as a person reads them:
// "(arg1 & 0xffffffff == 0x5412)".
func describeArgs(args []Arg) string {
	if len(args) == 0 {
		return ""
	}
	ops := map[string]string{"SCMP_CMP_NE": "!=", "SCMP_CMP_LT": "<", "SCMP_CMP_LE": "<=", "SCMP_CMP_EQ": "==",
		"SCMP_CMP_GE": ">=", "SCMP_CMP_GT": ">"}
	parts := make([]string, len(args))
	for i, a := range args {
		if a.Op == "SCMP_CMP_MASKED_EQ" {
			parts[i] = fmt.Sprintf("arg%d & %#x == %#x", a.Index, a.Value, a.ValueTwo)
		} else {
			parts[i] = fmt.Sprintf("arg%d %s %#x", a.Index, ops[a.Op], a.Value)
		}
	}
	return " when " + strings.Join(parts, " && ")
}
