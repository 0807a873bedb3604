package cli

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/traced"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// explainValue is --explain-denials[=json]: a flag that takes a value only
// when written with "=" (flag's boolFlag interface), so that
// "run --explain-denials ls" still runs ls.
type explainValue struct{ mode string }

func (v *explainValue) String() string   { return v.mode }
func (v *explainValue) IsBoolFlag() bool { return true }
func (v *explainValue) Set(s string) error {
	switch s {
	case "true", "text":
		v.mode = "text"
	case "json":
		v.mode = "json"
	case "false":
		v.mode = ""
	default:
		return fmt.Errorf("--explain-denials takes no value or =json, not %q", s)
	}
	return nil
}

func explainFlag() cli.Flag {
	return &cli.GenericFlag{Name: flagExplainDenials, Value: &explainValue{},
		Usage: "when the command ends, list on stderr every call the seccomp filter denied, trapped or killed, with the rule that decided (=json: one JSON object)"}
}

// explainMode is "", "text" or "json".
func explainMode(c *cli.Context) string {
	if v, ok := c.Generic(flagExplainDenials).(*explainValue); ok && v != nil {
		return v.mode
	}
	return ""
}

// explainRun runs the sandbox's command with the instrumented filter in
// place of its own, under the tracer, and reports the denials on stderr
// once it ends. The command's output and status are those of a plain
// run: every traced call fails with the errno the original gave it.
func explainRun(c *cli.Context, sb *sandbox.Sandbox, limits launch.Limits, noStdin bool, mode string) error {
	if sb.Filter == nil {
		return &usageError{msg: "--explain-denials: the profile has no seccomp_profile, so no call is denied"}
	}
	stdin := c.App.Reader
	if noStdin {
		stdin = nil
	}
	e, status, err := traced.Explain(sb, callerOf(c).Opener(), sandbox.Streams{Stdin: stdin, Stdout: c.App.Writer, Stderr: c.App.ErrWriter}, limits)
	if err != nil {
		return err
	}
	e.Report(c.App.ErrWriter, mode, sb.Filter.Source)
	return runStatus(c, status, limits)
}

// checkExplainFlags refuses what --explain-denials does not combine with.
func checkExplainFlags(c *cli.Context) error {
	if explainMode(c) == "" {
		return nil
	}
	switch {
	case c.String(flagTarget) != "":
		return &usageError{msg: "--explain-denials traces a local run; it does not combine with --target"}
	case c.Bool(flagJSON):
		return &usageError{msg: "--explain-denials does not combine with --json; use --explain-denials=json, which prints its report on stderr"}
	}
	return nil
}
