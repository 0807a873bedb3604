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
	"github.com/shannot-project/shannot/internal/traced"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/sandbox"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

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
