package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// execute runs the sandbox's command as run's flags say and returns its
// status as a *statusError; the local run and a remote one share it.
func execute(c *cli.Context, sb *sandbox.Sandbox, profileName string, limits launch.Limits, asJSON, noStdin bool) error {
	var stdin = c.App.Reader
	if noStdin {
		stdin = nil
	}
	if asJSON {
		res, err := sb.Capture(context.Background(), stdin, limits, true)
		if err != nil && res != nil {
			// bwrap failed: the object says so, with bwrap's own words.
			rep := res.Report(profileName, sb.Argv)
			rep.ExitCode, rep.Error = exitCode(err), err.Error()
			jsonEncoder(c).Encode(rep)
			return &statusError{code: rep.ExitCode, err: err, reported: true}
		}
		if err != nil {
			return err
		}
		if err := res.WriteJSON(c.App.Writer, profileName, sb.Argv); err != nil {
			return err
		}
		return &statusError{code: res.ExitCode}
	}
	status, err := sb.Run(context.Background(), sandbox.Streams{Stdin: stdin, Stdout: c.App.Writer, Stderr: c.App.ErrWriter}, limits, true)
	if err != nil {
		return err
	}
	return runStatus(c, status, limits)
}

// runStatus is a finished run's status as a *statusError: the command's
// exit status, with what the limits did to the run said on stderr.
func runStatus(c *cli.Context, status launch.Status, limits launch.Limits) error {
	switch {
	case status.TimedOut:
		return &statusError{code: status.ExitCode, err: fmt.Errorf("timed out after %s; the sandbox was killed", limits.Timeout)}
	case status.Overflowed:
		return &statusError{code: status.ExitCode, err: fmt.Errorf("output passed --max-output %d bytes; the sandbox was killed (--on-overflow=kill)", limits.MaxOutput)}
	case status.StdoutTruncated || status.StderrTruncated:
		fmt.Fprintf(c.App.ErrWriter, "shannot: output beyond --max-output %d bytes was dropped\n", limits.MaxOutput)
	}
	return &statusError{code: status.ExitCode}
}

// runLimits reads --timeout, --max-output and --on-overflow.
func runLimits(c *cli.Context) (launch.Limits, error) {
	who := callerOf(c)
	l := launch.Limits{Timeout: durationOf(c, flagTimeout)}
	if l.Timeout < 0 {
		return l, &usageError{msg: "--timeout must be positive"}
	}
	if s := c.String(flagMaxOutput); s != "" {
		n, err := parseBytes(s)
		if err != nil {
			return l, &usageError{msg: "--max-output: " + err.Error()}
		}
		l.MaxOutput = n
	} else if c.Bool(flagJSON) {
		l.MaxOutput = defaultJSONMaxOutput
	}
	// Streamed output costs nothing to hold; what --json keeps is held in
	// root's memory, at the caller's choice.
	if who.Privileged() && l.MaxOutput > maxPrivilegedOutput {
		return l, &usageError{msg: fmt.Sprintf("--max-output is at most %s when shannot runs as root for another user", "16MiB")}
	}
	switch c.String(flagOnOverflow) {
	case "truncate":
	case "kill":
		l.KillOnOverflow = true
	default:
		return l, &usageError{msg: fmt.Sprintf("--on-overflow is truncate or kill, not %q", c.String(flagOnOverflow))}
	}
	return l, nil
}

// reportFailure turns a failure of run --json into the JSON object,
// keeping the exit status; the command's own results pass through.
func reportFailure(c *cli.Context, profileName string, argv []string, err error) error {
	var st *statusError
	if err == nil || (errors.As(err, &st) && (st.err == nil || st.reported)) {
		return err
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	code := exitCode(err)
	rep := sandbox.Report{ExitCode: code, Profile: profileName, Command: argv, Error: err.Error(),
		StdoutEncoding: "utf-8", StderrEncoding: "utf-8"}
	jsonEncoder(c).Encode(rep)
	return &statusError{code: code, err: err}
}

// jsonEncoder writes run --json's object; <, > and & stay as they are.
func jsonEncoder(c *cli.Context) *json.Encoder {
	enc := json.NewEncoder(c.App.Writer)
	enc.SetEscapeHTML(false)
	return enc
}
