package cli

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/atomicfile"
	"github.com/shannot-project/shannot/internal/audit"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/systrace"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

func seccompLearnCommand() *cli.Command {
	return &cli.Command{
		Name:      "learn",
		Usage:     "run a command in the profile's sandbox and write the minimal policy under which it runs again",
		ArgsUsage: "-o FILE [--merge] [--base POLICY | --no-base] -- COMMAND [ARG...]",
		Description: `Runs COMMAND as "shannot run" does, tracing every system call the base policy
lets through (the profile's seccomp_profile unless --base or --no-base), and
writes an OCI JSON allow-list: the calls of the command, its children and
threads, per architecture seen; what bwrap itself does once the filter is in
place; and the baseline every program needs. Its default is ERRNO(ENOSYS), so
libc's fallbacks keep working. What the base denies stays denied: calls it
names keep its rules. --merge adds this run to FILE's earlier ones, for other
inputs and failure paths. Exits with the command's status; a summary goes to
standard error. With -o -, the policy goes to standard output and the
command's standard output to standard error.

As root for another user (sudo): only -o -, no --merge, --base or --no-base,
and every run is audit-logged.

Examples:
   shannot --profile ./p.json seccomp learn -o learned.json -- ls -l /usr/share/doc
   shannot --profile ./p.json seccomp learn -o learned.json --merge -- sh -c 'ls /nonexistent'
   shannot --profile ./p.json seccomp learn --no-base -o all.json -- make`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flagOutput, Aliases: []string{aliasOutput}, Usage: "write the policy to `FILE` (- for standard output)"},
			&cli.BoolFlag{Name: flagMerge, Usage: "add this run's calls to those FILE holds already"},
			&cli.StringFlag{Name: flagBase, Usage: "learn within `POLICY` (JSON, BPF or a shipped name) instead of the profile's"},
			&cli.BoolFlag{Name: flagNoBase, Usage: "learn with no base policy: every call is allowed while learning"},
			durationFlag(flagTimeout, 0, "kill the whole sandbox after `DURATION`"),
			profileFlag(),
		},
		Action: seccompLearn,
	}
}

// learnPrivileged refuses what a caller of a root-run shannot may not
// do: write files, learn without or outside the profile's policy.
func learnPrivileged(c *cli.Context) error {
	switch {
	case c.String(flagOutput) != "-":
		return refused("seccomp learn -o FILE (use -o - for standard output)")
	case c.Bool(flagMerge):
		return refused("seccomp learn --merge")
	case c.Bool(flagNoBase):
		return refused("seccomp learn --no-base")
	case c.String(flagBase) != "":
		return refused("seccomp learn --base")
	}
	return nil
}

func seccompLearn(c *cli.Context) (err error) {
	who := callerOf(c)
	argv := c.Args().Slice()
	out := c.String(flagOutput)
	switch {
	case len(argv) == 0:
		return &usageError{msg: "seccomp learn needs a command, e.g. shannot seccomp learn -o learned.json -- ls /"}
	case out == "":
		return &usageError{msg: "seccomp learn needs -o FILE (or -o - for standard output)"}
	case c.Bool(flagNoBase) && c.String(flagBase) != "":
		return &usageError{msg: "give --base POLICY or --no-base, not both"}
	case c.Bool(flagMerge) && out == "-":
		return &usageError{msg: "--merge adds to -o FILE; it needs a file, not -"}
	}
	rec := audit.Record{Time: time.Now(), Argv: append([]string{"seccomp", "learn", "-" + aliasOutput, out, "--"}, argv...)}
	rec.User, rec.UID = who.User()
	if who.Privileged() {
		if err := learnPrivileged(c); err != nil {
			return err
		}
		signal.Notify(make(chan os.Signal, 1), unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGPIPE)
		defer func() { logRun(c, rec, err) }()
	}
	if out != "-" {
		if err := atomicfile.Check(out); err != nil {
			return outError(out, err)
		}
	}
	var previous *seccomp.Policy
	if c.Bool(flagMerge) {
		data, err := readPolicy(who, out)
		if err != nil {
			return &seccomp.Error{File: out, Msg: err.Error()}
		}
		if previous, err = seccomp.ParsePolicy(data, out); err != nil {
			return err
		}
	}
	p, err := loadProfile(c)
	if err != nil {
		return err
	}
	rec.Profile, rec.ProfileSHA256 = p.Origin.String(), p.SHA256
	if err := sandbox.CheckCommand(p, argv); err != nil {
		return err
	}
	cfg, err := sandboxConfig(c, false)
	if err != nil {
		return err
	}
	base, err := learnBase(c, who, p.SeccompProfile != nil)
	if err != nil {
		return err
	}
	if base != nil {
		cfg.Filter = base
	}
	sb, err := sandbox.New(p, cfg)
	if err != nil {
		return err
	}
	defer sb.Close()
	sb.Argv = argv
	if c.Bool(flagMerge) && sb.Filter != nil && sameFile(sb.Filter.Source, out) {
		return &usageError{msg: fmt.Sprintf("the base policy is %s itself, which denies whatever it has not learned: give --base with the policy it was learned within, or --no-base", out)}
	}
	baseName, baseFilter := "", (*seccomp.Filter)(nil)
	if !c.Bool(flagNoBase) && sb.Filter != nil && sb.Filter.Source != noBase {
		baseName, baseFilter = sb.Filter.Source, policyFilter(who, sb.Filter)
		rec.Filter, rec.FilterSHA256 = sb.Filter.Source, sb.Filter.SHA256
	}
	if who.Privileged() {
		start := rec
		start.Event = audit.EventStart
		writeAudit(c, start)
	}

	prog, err := seccomp.Decode(sb.Filter.Program)
	if err != nil {
		return &seccomp.Error{File: sb.Filter.Source, Err: err}
	}
	in, err := seccomp.Instrument(prog, seccomp.Everything)
	if err != nil {
		return &seccomp.Error{File: sb.Filter.Source, Err: fmt.Errorf("seccomp learn: %w", err)}
	}
	program := in.Program
	var known map[string][]int32
	if previous != nil && (baseFilter != nil || baseName == "") {
		arches := prog.Architectures()
		if len(arches) == 0 { // no base: a lone "ret ALLOW"
			arches = []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}
		}
		known = seccomp.KnownCalls(previous, baseFilter, arches)
		if program, err = seccomp.WithPrologue(program, known); err != nil {
			return err
		}
	}
	mem, err := seccomp.MemFile("shannot-learn.bpf", program)
	if err != nil {
		return err
	}
	defer mem.Close()

	l := newLearner(in)
	l.prologue = len(known["SCMP_ARCH_X86_64"])+len(known["SCMP_ARCH_X86"]) > 0
	stdout := c.App.Writer
	if out == "-" {
		stdout = c.App.ErrWriter
	}
	limits := launch.Limits{Timeout: durationOf(c, flagTimeout)}
	run := sb.Launch(sandbox.Streams{Stdin: c.App.Reader, Stdout: stdout, Stderr: c.App.ErrWriter}, limits)
	if len(run.Files) == 0 || run.Files[sandbox.FilterFD-launch.FirstFD] != sb.Filter.File {
		return fmt.Errorf("seccomp learn: the filter is not on descriptor %d", sandbox.FilterFD)
	}
	run.Files[sandbox.FilterFD-launch.FirstFD] = mem
	run.ForwardSignals = true
	run.Tracer = l.tracer()
	status, err := run.Run(context.Background())
	if err != nil {
		return err
	}

	policy, err := seccomp.Learned(l.obs, seccomp.LearnOptions{Base: baseFilter, BaseName: baseName, Native: seccomp.ThisHost().Arch, Command: argv, Previous: previous})
	if err != nil {
		return err
	}
	if err := verifyLearned(c, who, out, policy, l.obs); err != nil {
		return err
	}
	if out == "-" {
		if _, err := c.App.Writer.Write(policy); err != nil {
			return err
		}
	} else if err := seccomp.WriteFile(out, policy); err != nil {
		return outError(out, err)
	}
	fmt.Fprintln(c.App.ErrWriter, l.summary(out, previous))
	if status.TimedOut {
		return &statusError{code: status.ExitCode, err: fmt.Errorf("timed out after %s; the sandbox was killed (the policy has what ran until then)", limits.Timeout)}
	}
	return &statusError{code: status.ExitCode}
}

// noBase is the Source of the filter a run without a base gets.
const noBase = "(no base policy)"

// learnBase is the filter to learn within when it is not the profile's:
// --base POLICY, or with --no-base (or a profile without a filter) a
// program that allows everything, so that bwrap installs a filter for the
// tracer to instrument. nil: the profile's own.
func learnBase(c *cli.Context, who invoker.Caller, profileHasFilter bool) (*seccomp.Loaded, error) {
	if ref := c.String(flagBase); ref != "" {
		return loadFilter(ref, who.SeccompOptions())
	}
	if !c.Bool(flagNoBase) && profileHasFilter {
		return nil, nil
	}
	allowAll := seccomp.Action{Kind: seccomp.Allow}.Ret()
	program := []byte{0x06, 0, 0, 0, byte(allowAll), byte(allowAll >> 8), byte(allowAll >> 16), byte(allowAll >> 24)} // ret ALLOW
	f, err := seccomp.MemFile("shannot-no-base.bpf", program)
	if err != nil {
		return nil, err
	}
	return &seccomp.Loaded{File: f, Program: program, Source: noBase}, nil
}

// learner records what a traced run did.
type learner struct {
	in     *seccomp.Instrumented
	mu     sync.Mutex
	obs    *seccomp.Observed
	denied int // calls the base denied
	// prologue: the calls --merge found in FILE ran untraced.
	prologue bool
	killed   int // threads a kill or trap of the base ended
}

func newLearner(in *seccomp.Instrumented) *learner {
	return &learner{in: in, obs: seccomp.NewObserved()}
}

func (l *learner) tracer() *systrace.Tracer {
	return &systrace.Tracer{
		Traced: func(c systrace.Call) systrace.Verdict {
			orig, ok := l.in.Original(c.Data)
			if !ok {
				return systrace.Verdict{Errno: syscall.ENOSYS}
			}
			call := seccomp.Call{Nr: c.Nr, Arch: c.Arch, Args: c.Args}
			arch := seccomp.CallArch(call)
			name := ""
			if arch != "" {
				name = seccomp.SyscallName(c.Nr, arch)
			}
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

// sameFile reports whether two paths name the same file.
func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// verifyLearned compiles the learned policy and runs what was seen
// through it before anything is written: a policy that would allow a
// call the base denied is a bug and is not written; one that denies a
// call that ran, or under which no command starts, is written with a
// warning, and so is one that cannot be compiled here.
func verifyLearned(c *cli.Context, who invoker.Caller, out string, policy []byte, obs *seccomp.Observed) error {
	f, err := seccomp.FromBytes(out, policy, who.SeccompOptions())
	if err != nil {
		// No compiler here (shannot-seccomp missing), or a bug: the
		// policy is written unchecked, and the run that uses it will say.
		fmt.Fprintf(c.App.ErrWriter, "shannot: warning: the learned policy could not be checked: %v\n", err)
		return nil
	}
	defer f.Close()
	prog, err := seccomp.Decode(f.Program)
	if err != nil {
		return err
	}
	loosened, stricter, err := obs.Verify(prog)
	if err != nil {
		return err
	}
	if len(loosened) > 0 {
		return fmt.Errorf("seccomp learn: the learned policy would allow what the base denied, so it was not written (a bug in shannot, please report it): %s", strings.Join(loosened, "; "))
	}
	for _, s := range stricter {
		fmt.Fprintf(c.App.ErrWriter, "shannot: warning: the learned policy cannot say what the base did: %s\n", s)
	}
	if err := seccomp.CheckStart(prog, seccomp.ThisHost(), seccomp.SyscallNumber); err != nil {
		fmt.Fprintf(c.App.ErrWriter, "shannot: warning: the learned policy fails the start check: %v\n", err)
	}
	return nil
}
