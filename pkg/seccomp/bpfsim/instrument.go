package bpfsim

import "fmt"

// Instrumenting a program (issue 13): `run --explain-denials` and
// `seccomp learn` have bwrap install, in place of the original filter, the
// same program with some of its return instructions rewritten to return
// SECCOMP_RET_TRACE, so that a tracer (internal/systrace) stops on those
// calls only. The data of each rewritten return is the index of the
// instruction, so the tracer knows which return the original program took
// and what it returned. Everything else stays as it was, byte for byte:
// the jumps, the architecture check, the comparisons.
//
// Tracing never loosens the filter: without a tracer a TRACE action makes
// the call fail with ENOSYS, and a tracer that cannot set a call's result
// kills the process (see internal/systrace).

// Mode is what an instrumented program hands to the tracer.
type Mode int

const (
	// Denials traces what the original fails with an errno (ERRNO, and
	// TRACE and USER_NOTIF, which under bwrap give ENOSYS). TRAP and KILL
	// stay as they are: the tracer sees their signal and their exit.
	Denials Mode = iota
	// Everything also traces what the original allows (ALLOW, LOG), for
	// learning a policy.
	Everything
)

// Instrumented is a program rewritten for a tracer.
type Instrumented struct {
	// Program is the rewritten program, as bwrap reads it.
	Program []byte
	// rets are the original return values, by instruction index, of the
	// rewritten returns.
	rets map[uint16]uint32
}

// Instrument rewrites p for mode. It refuses a program that returns the
// accumulator (RET A), whose verdict cannot be rewritten, and an ERRNO
// whose errno is 0 (the call is skipped and returns 0, which a tracer
// cannot reproduce) is left as it is.
func Instrument(p *Program, mode Mode) (*Instrumented, error) {
	const (
		retK = 0x06 // BPF_RET | BPF_K
		retA = 0x16 // BPF_RET | BPF_A
	)
	in := &Instrumented{rets: map[uint16]uint32{}}
	raw := append(p.Raw[:0:0], p.Raw...)
	for i, r := range raw {
		switch r.Op {
		case retA:
			return nil, fmt.Errorf("instruction %d returns the accumulator, whose verdict cannot be traced", i)
		case retK:
		default:
			continue
		}
		a := ActionFromRet(r.K)
		switch a.Kind {
		case Errno:
			if a.Data == 0 {
				continue
			}
		case Trace, Notify:
		case Allow, Log:
			if mode != Everything {
				continue
			}
		default:
			continue
		}
		in.rets[uint16(i)] = r.K
		raw[i].K = retTrace | uint32(i)
	}
	in.Program = Encode(raw)
	return in, nil
}

// Original is the action the original program took for a call the
// instrumented one traced with data; ok is false for data it never put
// there (a tracer must then fail the call).
func (in *Instrumented) Original(data uint16) (a Action, ok bool) {
	ret, ok := in.rets[data]
	if !ok {
		return Action{}, false
	}
	return ActionFromRet(ret), true
}
