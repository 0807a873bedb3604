package traced

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/shannot-project/shannot/internal/systrace"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
)

// NoBase is the Source of the filter a run without a base gets.
const NoBase = "(no base policy)"

// AllowAll is the filter to learn within with no base policy: a program
// that allows everything, so that bwrap installs a filter for the tracer
// to instrument.
func AllowAll() (*seccomp.Loaded, error) {
	allowAll := seccomp.Action{Kind: seccomp.Allow}.Ret()
	program := []byte{0x06, 0, 0, 0, byte(allowAll), byte(allowAll >> 8), byte(allowAll >> 16), byte(allowAll >> 24)} // ret ALLOW
	f, err := seccomp.MemFile("shannot-no-base.bpf", program)
	if err != nil {
		return nil, err
	}
	return &seccomp.Loaded{File: f, Program: program, Source: NoBase}, nil
}

// LearnOptions say what Learn learns within and adds to.
type LearnOptions struct {
	// Base and BaseName are the policy learned within (the sandbox's
	// filter resolved, see PolicyFilter) and its name; nil and "" with no
	// base.
	Base     *seccomp.Filter
	BaseName string
	// Previous is what --merge adds to, nil for a fresh policy; Out names
	// where the policy goes ("-": standard output), for the summary.
	Previous *seccomp.Policy
	Out      string
	// Seccomp are the options the learned policy is compiled with, to
	// check it before it is written.
	Seccomp seccomp.Options
}

// Learned is what a learning run found.
type Learned struct {
	Policy   []byte        // the OCI JSON policy
	Warnings []string      // about the policy, checked before it is written
	Summary  string        // the line for standard error once it is written
	Status   launch.Status // the command's
}

// Learn runs sb's command (its filter the base) with every call the base
// lets through traced, and returns the policy under which it runs again.
// A policy that would allow what the base denied is an error: a bug.
func Learn(sb *sandbox.Sandbox, s sandbox.Streams, limits launch.Limits, opts LearnOptions) (*Learned, error) {
	prog, err := bpfsim.Decode(sb.Filter.Program)
	if err != nil {
		return nil, &seccomp.Error{File: sb.Filter.Source, Err: err}
	}
	in, err := bpfsim.Instrument(prog, bpfsim.Everything)
	if err != nil {
		return nil, &seccomp.Error{File: sb.Filter.Source, Err: fmt.Errorf("seccomp learn: %w", err)}
	}
	program := in.Program
	var known map[string][]int32
	if opts.Previous != nil && (opts.Base != nil || opts.BaseName == "") {
		arches := prog.Architectures()
		if len(arches) == 0 { // no base: a lone "ret ALLOW"
			arches = []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}
		}
		known = seccomp.KnownCalls(opts.Previous, opts.Base, arches)
		if program, err = seccomp.WithPrologue(program, known); err != nil {
			return nil, err
		}
	}
	l := &learner{prog: prog, obs: seccomp.NewObserved()}
	l.prologue = len(known["SCMP_ARCH_X86_64"])+len(known["SCMP_ARCH_X86"]) > 0
	status, err := runInstead(sb, s, limits, program, "shannot-learn.bpf", "seccomp learn", l.tracer())
	if err != nil {
		return nil, err
	}
	policy, err := seccomp.Learned(l.obs, seccomp.LearnOptions{Base: opts.Base, BaseName: opts.BaseName, Native: seccomp.ThisHost().Arch, Command: sb.Argv, Previous: opts.Previous})
	if err != nil {
		return nil, err
	}
	warnings, err := verify(opts.Out, policy, l.obs, opts.Seccomp)
	if err != nil {
		return nil, err
	}
	return &Learned{Policy: policy, Warnings: warnings, Summary: l.summary(opts.Out, opts.Previous), Status: status}, nil
}

// learner records what a traced run did.
type learner struct {
	prog   *bpfsim.Program // the base, before instrumenting
	mu     sync.Mutex
	obs    *seccomp.Observed
	denied int // calls the base denied
	// prologue: the calls --merge found in FILE ran untraced.
	prologue bool
	killed   int // threads a kill or trap of the base ended
}

func (l *learner) tracer() *systrace.Tracer {
	return &systrace.Tracer{
		Traced: func(c systrace.Call) systrace.Verdict {
			// The base's own verdict on the call, never c.Data: a call
			// runs only when the base allows it (see original).
			orig := original(l.prog, c)
			call, arch, name := callName(c)
			l.mu.Lock()
			defer l.mu.Unlock()
			switch {
			case !orig.Permits():
				l.denied++
				if name != "" {
					l.obs.AddDenied(call, arch, name, orig)
				}
				if orig.Kind == seccomp.Errno {
					return systrace.Verdict{Errno: syscall.Errno(orig.Data)}
				}
				return systrace.Verdict{Errno: syscall.ENOSYS}
			case name == "clone3":
				// ENOSYS, so that libc falls back to clone, which the
				// learned policy allows without namespace flags.
				return systrace.Verdict{Errno: syscall.ENOSYS}
			case name == "":
				// A call no table names cannot be written into a policy:
				// it runs (the base allowed it) and is not learned.
				return systrace.Verdict{Run: true}
			}
			l.obs.Add(c.PID, arch, name, c.Args)
			return systrace.Verdict{Run: true}
		},
		Trapped: func(systrace.Call) { l.mu.Lock(); l.killed++; l.mu.Unlock() },
		Killed:  func(systrace.Call) { l.mu.Lock(); l.killed++; l.mu.Unlock() },
	}
}

// summary is the line on stderr after learning.
func (l *learner) summary(out string, previous *seccomp.Policy) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := map[string]bool{}
	var arches []string
	for arch, calls := range l.obs.Calls {
		arches = append(arches, seccomp.ShortArch(arch))
		for n := range calls {
			names[n] = true
		}
	}
	slices.Sort(arches)
	fresh := len(names)
	if previous != nil {
		for _, s := range previous.Syscalls {
			for _, n := range append([]string{s.Name}, s.Names...) {
				if names[n] {
					delete(names, n)
				}
			}
		}
		fresh = len(names)
	}
	where := out
	if out == "-" {
		where = "standard output"
	}
	held := ""
	if l.prologue {
		held = fmt.Sprintf(" (beyond those %s held, which ran untraced)", where)
	}
	msg := fmt.Sprintf("shannot: traced %d system calls%s on %s in %d threads and processes, %d of them new; wrote %s",
		countNames(l.obs), held, strings.Join(arches, ", "), len(l.obs.Processes), fresh, where)
	if l.denied > 0 || l.killed > 0 {
		msg += fmt.Sprintf("; the base denied %d calls and ended %d threads, which stay denied", l.denied, l.killed)
	}
	return msg
}

func countNames(o *seccomp.Observed) int {
	all := map[string]bool{}
	for _, calls := range o.Calls {
		for n := range maps.Keys(calls) {
			all[n] = true
		}
	}
	return len(all)
}

// verify compiles the learned policy and runs what was seen through it
// before anything is written: a policy that would allow a call the base
// denied is a bug and is not written; one that denies a call that ran,
// or under which no command starts, is written with a warning, and so is
// one that cannot be compiled here.
func verify(out string, policy []byte, obs *seccomp.Observed, opts seccomp.Options) ([]string, error) {
	f, err := seccomp.FromBytes(out, policy, opts)
	if err != nil {
		// No compiler here (shannot-seccomp missing), or a bug: the
		// policy is written unchecked, and the run that uses it will say.
		return []string{fmt.Sprintf("the learned policy could not be checked: %v", err)}, nil
	}
	defer f.Close()
	prog, err := bpfsim.Decode(f.Program)
	if err != nil {
		return nil, err
	}
	loosened, stricter, err := obs.Verify(prog)
	if err != nil {
		return nil, err
	}
	if len(loosened) > 0 {
		return nil, fmt.Errorf("seccomp learn: the learned policy would allow what the base denied, so it was not written (a bug in shannot, please report it): %s", strings.Join(loosened, "; "))
	}
	var warnings []string
	for _, s := range stricter {
		warnings = append(warnings, "the learned policy cannot say what the base did: "+s)
	}
	if err := seccomp.CheckStart(prog, seccomp.ThisHost(), seccomp.SyscallNumber); err != nil {
		warnings = append(warnings, fmt.Sprintf("the learned policy fails the start check: %v", err))
	}
	return warnings, nil
}
