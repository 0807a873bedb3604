package cli

import (
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/atomicfile"
	"github.com/shannot-project/shannot/internal/audit"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/traced"
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
	if !c.Bool(flagNoBase) && sb.Filter != nil && sb.Filter.Source != traced.NoBase {
		baseName, baseFilter = sb.Filter.Source, traced.PolicyFilter(who.Opener(), sb.Filter)
		rec.Filter, rec.FilterSHA256 = sb.Filter.Source, sb.Filter.SHA256
	}
	if who.Privileged() {
		start := rec
		start.Event = audit.EventStart
		writeAudit(c, start)
	}

	stdout := c.App.Writer
	if out == "-" {
		stdout = c.App.ErrWriter
	}
	limits := launch.Limits{Timeout: durationOf(c, flagTimeout)}
	learned, err := traced.Learn(sb, sandbox.Streams{Stdin: c.App.Reader, Stdout: stdout, Stderr: c.App.ErrWriter}, limits,
		traced.LearnOptions{Base: baseFilter, BaseName: baseName, Previous: previous, Out: out, Seccomp: who.SeccompOptions()})
	if err != nil {
		return err
	}
	for _, w := range learned.Warnings {
		fmt.Fprintf(c.App.ErrWriter, "shannot: warning: %s\n", w)
	}
	policy, status := learned.Policy, learned.Status
	if out == "-" {
		if _, err := c.App.Writer.Write(policy); err != nil {
			return err
		}
	} else if err := seccomp.WriteFile(out, policy); err != nil {
		return outError(out, err)
	}
	fmt.Fprintln(c.App.ErrWriter, learned.Summary)
	if status.TimedOut {
		return &statusError{code: status.ExitCode, err: fmt.Errorf("timed out after %s; the sandbox was killed (the policy has what ran until then)", limits.Timeout)}
	}
	return &statusError{code: status.ExitCode}
}

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
	return traced.AllowAll()
}

// sameFile reports whether two paths name the same file.
func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
