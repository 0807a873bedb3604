package seccomp

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"golang.org/x/net/bpf"

	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
)

// Learning a policy (issue 13, `shannot seccomp learn`): the command runs
// under its base policy instrumented with Everything, a tracer records
// each call the base lets through (and lets it run), and Learned turns the
// records into a minimal OCI allow-list under which what ran runs again.

// Observed is what a traced run did.
type Observed struct {
	// Calls counts, per architecture (OCI name) and call name, the calls
	// the base let through.
	Calls map[string]map[string]int
	// CloneFlags are the flags (first argument) of every clone seen;
	// SocketFamilies the domains of every socket seen.
	CloneFlags     map[uint64]bool
	SocketFamilies map[uint64]bool
	// Processes are the threads and processes seen, by pid.
	Processes map[int]bool
	// Denied are the names of calls the base denied: their base rules
	// are kept, so that they fail as they failed (EACCES stays EACCES).
	Denied map[string]bool
	// samples are a few calls of each kind as they ran (or were
	// denied, with the base's action), for Verify.
	samples []sample
	sampled map[sampleKey]int
	kept    map[sampleID]bool
}

// sample is one call seen while learning and what the base did with it.
type sample struct {
	call   Call
	arch   string
	name   string
	action Action
}

type sampleKey struct {
	arch, name string
	denied     bool
}

type sampleID struct {
	sampleKey
	args [6]uint64
}

// maxSamples is how many calls of each name and architecture Verify
// checks.
const maxSamples = 4

// sample keeps c when fewer than maxSamples of its kind are kept.
func (o *Observed) sample(c Call, arch, name string, a Action) {
	k := sampleKey{arch, name, !a.Permits()}
	if o.sampled[k] >= maxSamples {
		return
	}
	id := sampleID{k, c.Args}
	if o.kept[id] {
		return
	}
	o.kept[id] = true
	o.sampled[k]++
	o.samples = append(o.samples, sample{c, arch, name, a})
}

// AddDenied records a call the base did not let through.
func (o *Observed) AddDenied(c Call, arch, name string, a Action) {
	o.Denied[name] = true
	o.sample(c, arch, name, a)
}

// Verify runs the samples through the program compiled from the learned
// policy: loosened are calls it allows that the base denied (which must
// never happen), stricter are calls that ran while learning and that it
// denies (a policy that cannot express what the base did).
func (o *Observed) Verify(p *Program) (loosened, stricter []string, err error) {
	for _, s := range o.samples {
		ret, err := p.Run(s.call)
		if err != nil {
			return nil, nil, err
		}
		got := ActionFromRet(ret)
		what := fmt.Sprintf("%s(%#x, %#x, %#x, ...) on %s", s.name, s.call.Args[0], s.call.Args[1], s.call.Args[2], ShortArch(s.arch))
		switch {
		case !s.action.Permits() && got.Permits():
			loosened = append(loosened, fmt.Sprintf("%s gets %s where the base gave %s", what, got, s.action))
		case s.action.Permits() && !got.Permits():
			stricter = append(stricter, fmt.Sprintf("%s gets %s but ran while learning", what, got))
		}
	}
	return loosened, stricter, nil
}

// NewObserved is an empty record.
func NewObserved() *Observed {
	return &Observed{Calls: map[string]map[string]int{}, CloneFlags: map[uint64]bool{}, SocketFamilies: map[uint64]bool{}, Processes: map[int]bool{}, Denied: map[string]bool{}, sampled: map[sampleKey]int{}, kept: map[sampleID]bool{}}
}

// Add records one call that ran.
func (o *Observed) Add(pid int, arch, name string, args [6]uint64) {
	if o.Calls[arch] == nil {
		o.Calls[arch] = map[string]int{}
	}
	o.Calls[arch][name]++
	o.Processes[pid] = true
	if token, ok := bpfsim.AuditArch(arch); ok && o.sampled[sampleKey{arch, name, false}] < maxSamples {
		nr, err := SyscallNumber(name, arch)
		if err == nil {
			o.sample(Call{Nr: nr, Arch: token, Args: args}, arch, name, Action{Kind: Allow})
		}
	}
	switch name {
	case "clone":
		o.CloneFlags[args[0]] = true
	case "socket":
		o.SocketFamilies[args[0]&0xffffffff] = true
	}
}

// Groups of calls every learned policy allows, whether seen or not.
var (
	// baselineCalls are what every program may need at any moment.
	baselineCalls = []string{"exit", "exit_group", "restart_syscall", "rt_sigreturn"}
	// bwrapCalls are what bwrap itself does once the filter is in place:
	// its process 1 waits for the command (wait4) and writes its status
	// to an eventfd; its child writes its status-pipe byte and executes
	// the command.
	bwrapCalls = []string{"execve", "wait4", "write"}
	// loaderCalls are the dynamic loader's start-up calls, which the
	// start check requires (see startCalls).
	loaderCalls = []string{"arch_prctl", "brk", "close", "mmap", "mprotect", "munmap", "newfstatat", "openat", "pread64", "read"}
)

// Comments that mark the groups of a learned policy; Merge finds the
// learned ones by them.
const (
	learnedComment = "learned: "
	familyComment  = "learned socket family "
)

// nsFlags are clone's namespace flags (CLONE_NEWNS, NEWCGROUP, NEWUTS,
// NEWIPC, NEWUSER, NEWPID, NEWNET), masked as Docker's profile does.
const nsFlags = 0x7E020000

// LearnOptions say what a learned policy is learned within.
type LearnOptions struct {
	// Base is the resolved policy the command ran under, nil for none
	// (or a BPF file, whose rules are not known). Calls it names keep
	// its rules, argument conditions and denials included: what the base
	// denies stays denied.
	Base *Filter
	// BaseName names the base in comments.
	BaseName string
	// Native is the host's architecture (OCI name), always listed.
	Native string
	// Command is what ran, for the policy's comment.
	Command []string
	// Previous is the policy learned before (--merge), or nil.
	Previous *Policy
}

// Learned is the OCI JSON policy for what o saw (and what
// opts.Previous had learned), with defaultAction ERRNO(ENOSYS) so that
// libc's fallbacks (clone3 to clone, statx, faccessat2, openat2) keep
// working.
func Learned(o *Observed, opts LearnOptions) ([]byte, error) {
	arches := map[string]bool{opts.Native: true}
	seen := map[string]int{} // name -> count, all architectures
	byArch := map[string][]string{}
	for arch, calls := range o.Calls {
		arches[arch] = true
		for name, n := range calls {
			seen[name] += n
			byArch[name] = append(byArch[name], ShortArch(arch))
		}
	}
	families := maps.Clone(o.SocketFamilies)
	if p := opts.Previous; p != nil {
		for _, a := range p.Architectures {
			arches[a] = true
		}
		for _, s := range p.Syscalls {
			switch {
			case strings.HasPrefix(s.Comment, learnedComment):
				for _, n := range s.names() {
					if _, ok := seen[n]; !ok {
						seen[n] = 0
					}
				}
			case strings.HasPrefix(s.Comment, familyComment) && len(s.Args) == 1:
				families[s.Args[0].ValueTwo] = true
				if _, ok := seen["socket"]; !ok {
					seen["socket"] = 0
				}
			case strings.HasPrefix(s.Comment, "learned clone"):
				if _, ok := seen["clone"]; !ok {
					seen["clone"] = 0
				}
			}
		}
	}
	delete(seen, "clone3") // learning gave it ENOSYS; the default does too
	fixed := map[string]bool{}
	for _, n := range slices.Concat(baselineCalls, bwrapCalls, loaderCalls) {
		fixed[n] = true
	}
	// Calls the base names keep the base's rules.
	baseNamed := map[string]bool{}
	if opts.Base != nil {
		for _, r := range opts.Base.Rules {
			for _, n := range r.Names {
				baseNamed[n] = true
			}
		}
	}

	pol := Policy{
		Comment: fmt.Sprintf("learned by shannot seccomp learn from %s; within %s. Regenerate or --merge rather than edit the learned groups.",
			quoteArgv(opts.Command), baseDescription(opts)),
		DefaultAction: "SCMP_ACT_ERRNO",
	}
	enosys := uint(38)
	pol.DefaultErrnoRet = &enosys
	pol.Architectures = sortedArches(arches, opts.Native)
	allow := func(names []string, comment string) {
		names = slices.DeleteFunc(slices.Clone(names), func(n string) bool { return baseNamed[n] })
		if len(names) > 0 {
			sort.Strings(names)
			pol.Syscalls = append(pol.Syscalls, Syscall{Names: names, Action: "SCMP_ACT_ALLOW", Comment: comment})
		}
	}
	allow(baselineCalls, "baseline: every program may need these at any moment (returning from a signal handler, resuming an interrupted call, ending)")
	allow(bwrapCalls, "bwrap after the filter is in place: its process 1 waits for the command and writes its status; its child writes its status-pipe byte and executes the command")
	allow(loaderCalls, "the dynamic loader's start-up calls, which the start check requires")

	var learned, counts []string
	for _, n := range slices.Sorted(maps.Keys(seen)) {
		if fixed[n] || n == "clone" || n == "socket" {
			continue
		}
		learned = append(learned, n)
		if seen[n] > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", n, seen[n]))
		}
	}
	if len(learned) > 0 {
		procs := ""
		if len(o.Processes) > 0 {
			procs = fmt.Sprintf(" in %d threads and processes", len(o.Processes))
		}
		earlier := ""
		if n := len(learned) - len(counts); n > 0 {
			earlier = fmt.Sprintf("; %d more from earlier runs", n)
		}
		allow(learned, fmt.Sprintf("%scalls seen by the last run%s: %s%s", learnedComment, procs, strings.Join(counts, ", "), earlier))
	}
	// clone: only without namespace flags, when no clone seen had them.
	if _, ok := seen["clone"]; ok && !baseNamed["clone"] {
		s := Syscall{Names: []string{"clone"}, Action: "SCMP_ACT_ALLOW",
			Comment: "learned clone without namespace flags"}
		flagged := false
		for f := range o.CloneFlags {
			flagged = flagged || f&nsFlags != 0
		}
		if flagged {
			s.Comment = "learned clone (namespace flags were seen, so clone is allowed whole)"
		} else {
			s.Args = []Arg{{Index: 0, Value: nsFlags, ValueTwo: 0, Op: "SCMP_CMP_MASKED_EQ"}}
		}
		pol.Syscalls = append(pol.Syscalls, s)
	}
	// socket: the families seen, each a rule, comparing the low 32 bits.
	if _, ok := seen["socket"]; ok && !baseNamed["socket"] {
		for _, f := range slices.Sorted(maps.Keys(families)) {
			pol.Syscalls = append(pol.Syscalls, Syscall{Names: []string{"socket"}, Action: "SCMP_ACT_ALLOW",
				Args:    []Arg{{Index: 0, Value: 0xffffffff, ValueTwo: f, Op: "SCMP_CMP_MASKED_EQ"}},
				Comment: fmt.Sprintf("%s%d", familyComment, f)})
		}
	}
	// What the base names: its rules, restricted to the calls that ran.
	if b := opts.Base; b != nil {
		needed := map[string]bool{}
		for n := range seen {
			needed[n] = true
		}
		for n := range fixed {
			needed[n] = true
		}
		for n := range o.Denied {
			needed[n] = true
		}
		for _, r := range b.Rules {
			var names []string
			for _, n := range r.Names {
				if needed[n] {
					names = append(names, n)
				}
			}
			if len(names) == 0 || r.Action == (Action{Kind: Errno, Data: 38}) && len(r.Args) == 0 {
				continue
			}
			s := Syscall{Names: names, Action: ociName(r.Action.Kind), Args: r.Args,
				Comment: fmt.Sprintf("from the base %s %s", opts.BaseName, r.Pointer)}
			if r.Action.Kind == Errno || r.Action.Kind == Trace {
				e := uint(r.Action.Data)
				s.ErrnoRet = &e
			}
			pol.Syscalls = append(pol.Syscalls, s)
		}
		// A base that permits by default and names a call only to deny
		// some of its uses: the learned policy, whose default denies,
		// must allow the rest. An unconditional allow would override the
		// base's conditional denials (libseccomp lets it win), so the
		// allow gets an always-true condition on an argument the denials
		// do not test, as the shipped readonly policy does for ioctl.
		if b.Default.Permits() {
			pol.Syscalls = append(pol.Syscalls, baseRemainders(b, seen, fixed, opts.BaseName)...)
		}
	}
	out, err := json.MarshalIndent(pol, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func baseDescription(opts LearnOptions) string {
	if opts.BaseName == "" {
		return "no base policy"
	}
	return "the base policy " + opts.BaseName + " (what it denies stays denied)"
}

func quoteArgv(argv []string) string {
	b, _ := json.Marshal(argv)
	return string(b)
}

// sortedArches puts the native architecture first.
func sortedArches(arches map[string]bool, native string) []string {
	var rest []string
	for a := range arches {
		if a != native {
			rest = append(rest, a)
		}
	}
	sort.Strings(rest)
	return append([]string{native}, rest...)
}

// ociName is the OCI name of an action kind.
func ociName(k ActionKind) string {
	for _, a := range ociActions {
		if a.kind == k && a.name != "SCMP_ACT_KILL" {
			return a.name
		}
	}
	return "SCMP_ACT_KILL_PROCESS"
}

// KnownCalls are the calls a previously learned policy allows with no
// argument condition, per architecture, that the base also lets through
// whatever their arguments: a --merge run need not trace them again (see
// WithPrologue). base is the resolved base policy, nil for none at all
// (--no-base); a BPF base, whose rules are unknown, has no known calls.
// A name is known only when the base permits it whatever its arguments:
// by a rule without conditions (and no other rule naming it), or by a
// permitting default that no rule overrides. Allowing anything else
// before the base would loosen it.
func KnownCalls(p *Policy, base *Filter, arches []string) map[string][]int32 {
	known := map[string][]int32{}
	// whole: names the base allows by a rule without conditions and names
	// in no other rule; named: names in any rule.
	named, conditional := map[string]bool{}, map[string]bool{}
	if base != nil {
		for _, r := range base.Rules {
			for _, n := range r.Names {
				named[n] = true
				if len(r.Args) > 0 || !r.Action.Permits() {
					conditional[n] = true
				}
			}
		}
	}
	safe := func(n string) bool {
		switch {
		case base == nil:
			return true
		case named[n]:
			return !conditional[n]
		}
		return base.Default.Permits()
	}
	for _, s := range p.Syscalls {
		if s.Action != "SCMP_ACT_ALLOW" || len(s.Args) > 0 {
			continue
		}
		for _, arch := range arches {
			if base != nil && !slices.Contains(base.Arches, arch) {
				continue
			}
			for _, n := range s.names() {
				if !safe(n) {
					continue
				}
				if nr, err := SyscallNumber(n, arch); err == nil && nr >= 0 {
					known[arch] = append(known[arch], nr)
				}
			}
		}
	}
	return known
}

// WithPrologue prepends to an instrumented program a check that allows
// the given calls at once, before the program runs: for the calls of an
// earlier learning run that the base lets through whatever their
// arguments. Only x86_64 (not x32) and x86 calls are listed; the rest go
// to the program as before. The program's own jumps are relative and
// unchanged.
func WithPrologue(program []byte, known map[string][]int32) ([]byte, error) {
	var pro []bpf.Instruction
	for _, arch := range []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"} {
		nrs := slices.Compact(slices.Sorted(slices.Values(known[arch])))
		if len(nrs) == 0 {
			continue
		}
		// ld arch; jne token -> past this block; ld nr; (jeq nr -> allow)...
		block := []bpf.Instruction{bpf.LoadAbsolute{Off: 0, Size: 4}}
		for _, nr := range nrs {
			block = append(block, bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(nr), SkipFalse: 1}, bpf.RetConstant{Val: Action{Kind: Allow}.Ret()})
		}
		if len(block) > 255 {
			return nil, fmt.Errorf("too many known calls for a prologue (%d)", len(nrs))
		}
		token, _ := bpfsim.AuditArch(arch) // both are modelled
		pro = append(pro, bpf.LoadAbsolute{Off: 4, Size: 4},
			bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: token, SkipTrue: uint8(len(block))})
		pro = append(pro, block...)
	}
	if len(pro) == 0 {
		return program, nil
	}
	return prepend(pro, program, "prologue")
}

// prepend puts pro before program, which then starts as the kernel
// starts a program: A = 0 (X and the scratch memory are untouched). pro
// jumps to the program by skipping to its end. what names pro in the
// error for a program the kernel would find too long.
func prepend(pro []bpf.Instruction, program []byte, what string) ([]byte, error) {
	raw, err := bpf.Assemble(append(pro, bpf.LoadConstant{Dst: bpf.RegA, Val: 0}))
	if err != nil {
		return nil, err
	}
	if n := len(raw) + len(program)/InstructionSize; n > MaxInstructions {
		return nil, fmt.Errorf("the program with its %s has %d instructions, above %d", what, n, MaxInstructions)
	}
	return append(bpfsim.Encode(raw), program...), nil
}

// baseRemainders are the allow rules for the calls that ran which a
// base permitting by default names only in rules that do not permit.
func baseRemainders(b *Filter, seen map[string]int, fixed map[string]bool, baseName string) []Syscall {
	permitted, used := map[string]bool{}, map[string][6]bool{}
	for _, r := range b.Rules {
		for _, n := range r.Names {
			if r.Action.Permits() {
				permitted[n] = true
			}
			u := used[n]
			for _, a := range r.Args {
				if a.Index <= 5 {
					u[a.Index] = true
				}
			}
			used[n] = u
		}
	}
	var out []Syscall
	names := slices.Sorted(maps.Keys(used))
	for _, n := range names {
		_, ran := seen[n]
		if permitted[n] || !ran && !fixed[n] {
			continue
		}
		u := used[n]
		free := slices.Index(u[:], false)
		if free < 0 {
			continue // every argument is tested: nothing is left to allow safely
		}
		out = append(out, Syscall{Names: []string{n}, Action: "SCMP_ACT_ALLOW",
			Args:    []Arg{{Index: uint(free), Value: 0, Op: "SCMP_CMP_GE"}},
			Comment: fmt.Sprintf("what the base %s permits of %s: always true, so that the base's conditional denials keep applying", baseName, n)})
	}
	return out
}
