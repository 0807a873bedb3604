package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/audit"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/trust"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// defaultJSONMaxOutput bounds what run --json keeps of each stream when
// --max-output is not given: the JSON object holds the output in memory.
const defaultJSONMaxOutput = 1 << 20

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a command in the profile's sandbox",
		ArgsUsage: "[--] COMMAND [ARG...]",
		Description: `Runs COMMAND inside the sandbox and exits with its status. Arguments after
COMMAND are its own: "shannot run ls -la /" passes -la to ls.

Examples:
   shannot run ls -la /
   shannot --profile diagnostics run df -h
   shannot --profile ./p.json run --dry-run -- cat /etc/hostname
   shannot run --timeout 10s --max-output 1MiB --json -- find / -name '*.conf'`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: flagDryRun, Usage: "print the bwrap command line (with --target, each host's ssh command line), shell-quoted, and run nothing"},
			durationFlag(flagTimeout, 0, "kill the whole sandbox after `DURATION` (10 is 10s; exit status 124)"),
			&cli.StringFlag{Name: flagMaxOutput, Usage: "pass on at most `BYTES` of stdout and of stderr (e.g. 65536, 64KiB, 1MiB)"},
			&cli.StringFlag{Name: flagOnOverflow, Value: "truncate", Usage: "beyond --max-output: `truncate` (drop, the command runs on) or kill"},
			&cli.BoolFlag{Name: flagJSON, Usage: "print one JSON object with the status and output when the command ends"},
			&cli.BoolFlag{Name: flagNoStdin, Usage: "give the command /dev/null as standard input"},
			forceFlag(),
			explainFlag(),
			profileFlag(),
		},
		Action: runAction,
	}
}

// forceFlag skips the check that a command can start under the filter.
func forceFlag() cli.Flag {
	return &cli.BoolFlag{Name: flagForce, Usage: "run even when the seccomp filter looks like it stops every command from starting"}
}

func runAction(c *cli.Context) (err error) {
	who := callerOf(c)
	argv := c.Args().Slice()
	if len(argv) == 0 {
		return &usageError{msg: "run needs a command, e.g. shannot run ls /"}
	}
	rec := audit.Record{Time: time.Now(), Argv: argv}
	rec.User, rec.UID = who.User()
	if who.Privileged() && !c.Bool(flagDryRun) {
		// The caller must not end shannot between the run and its audit
		// record: signals that would kill it are caught from here on (the
		// run passes them on to the command), and a closed output pipe
		// gives EPIPE instead of SIGPIPE.
		signal.Notify(make(chan os.Signal, 1), unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGPIPE)
		defer func() { logRun(c, rec, err) }()
	}
	limits, err := runLimits(c)
	if err != nil {
		return err
	}
	if err := checkExplainFlags(c); err != nil {
		return err
	}
	if c.String(flagTarget) != "" {
		return remoteRun(c, argv, limits)
	}
	if c.Bool(flagJSON) {
		defer func() { err = reportFailure(c, rec.Profile, argv, err) }()
	}
	p, err := loadProfile(c)
	if err != nil {
		return err
	}
	rec.Profile, rec.ProfileSHA256 = p.Origin.String(), p.SHA256
	// Whether the profile allows the command does not depend on this
	// host's set-up: say so (126, 127) before anything about the host.
	if err := sandbox.CheckCommand(p, argv); err != nil {
		return err
	}
	cfg, err := sandboxConfig(c, c.Bool(flagDryRun))
	if err != nil {
		return err
	}
	sb, err := sandbox.New(p, cfg) // the command was checked above
	if err != nil {
		return err
	}
	defer sb.Close()
	sb.Argv = argv
	if sb.Filter != nil {
		rec.Filter, rec.FilterSHA256 = sb.Filter.Source, sb.Filter.SHA256
	}
	if who.Privileged() && !c.Bool(flagDryRun) {
		// Before the command starts: a run whose end goes unrecorded is
		// still known.
		start := rec
		start.Event = audit.EventStart
		writeAudit(c, start)
	}
	if c.Bool(flagDryRun) {
		self, err := os.Executable()
		if err != nil {
			self = "shannot"
		}
		fmt.Fprintln(c.App.Writer, sb.CommandLine(self))
		return nil
	}
	if mode := explainMode(c); mode != "" {
		return explainRun(c, sb, limits, c.Bool(flagNoStdin), mode)
	}
	return execute(c, sb, p.Origin.String(), limits, c.Bool(flagJSON), c.Bool(flagNoStdin))
}

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

// logRun audit-logs a run made as root for another user. A logging
// failure is reported and changes nothing else.
func logRun(c *cli.Context, rec audit.Record, runErr error) {
	rec.Event = audit.EventEnd
	rec.DurationMS = time.Since(rec.Time).Milliseconds()
	rec.ExitStatus = 0
	if runErr != nil {
		rec.ExitStatus = exitCode(runErr)
	}
	var st *statusError
	if runErr != nil && !(errors.As(runErr, &st) && st.err == nil) {
		rec.Error = runErr.Error()
	}
	writeAudit(c, rec)
}

// writeAudit writes one record; a failure is a warning on stderr.
func writeAudit(c *cli.Context, rec audit.Record) {
	cfg, err := audit.LoadConfig(trust.Open)
	err = errors.Join(err, audit.Log(rec, cfg))
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "shannot: warning: audit log: %v\n", err)
	}
}

// loadProfile finds and loads the profile that --profile and the
// discovery order select.
func loadProfile(c *cli.Context) (*profile.Profile, error) {
	who := callerOf(c)
	ref, err := profileRef(c)
	if err != nil {
		return nil, err
	}
	origin, err := who.ProfileSearch(ref).Find()
	if err != nil {
		return nil, err
	}
	return profile.Open(origin, who.Opener())
}

// profileFlag is --profile on a command (run, verify, export), as the
// docker habit puts it: "shannot run --profile P ls" is "shannot
// --profile P run ls".
func profileFlag() cli.Flag {
	return &cli.StringFlag{Name: flagProfile, Aliases: []string{aliasProfile}, Usage: "profile `PATH` or NAME, as shannot --profile (either place; not both with different values)"}
}

// profileRef is the --profile value, given before the command, after it,
// or both with the same value; two different values are a usage error.
func profileRef(c *cli.Context) (string, error) {
	ref := ""
	for _, ctx := range c.Lineage() {
		if ctx.Command == nil {
			continue
		}
		set := ctx.LocalFlagNames()
		if !slices.Contains(set, flagProfile) && !slices.Contains(set, aliasProfile) {
			continue
		}
		switch v := ctx.String(flagProfile); {
		case ref == "":
			ref = v
		case v != ref:
			return "", &usageError{msg: fmt.Sprintf("--profile %q and --profile %q: give one profile, before or after the command", v, ref)}
		}
	}
	return ref, nil
}

// sandboxConfig is how this invocation builds sandboxes. A dry run needs
// no bwrap on this host.
func sandboxConfig(c *cli.Context, dryRun bool) (sandbox.Config, error) {
	who := callerOf(c)
	if c.Bool(flagForce) && who.Privileged() {
		return sandbox.Config{}, refused("--force")
	}
	b, err := who.FindBwrap(c.String(flagBwrap))
	if err != nil && (!dryRun || errors.Is(err, invoker.ErrRefused)) {
		return sandbox.Config{}, err
	}
	id, pool, err := sandboxIdentities()
	if err != nil {
		return sandbox.Config{}, err
	}
	if b == "" {
		b = "bwrap"
	}
	return sandbox.Config{
		Bwrap:       b,
		Seccomp:     who.SeccompOptions(),
		Force:       c.Bool(flagForce),
		ForceUserNS: who.Privileged(),
		Identity:    id,
		Pool:        pool,
		Warn:        func(msg string) { fmt.Fprintf(c.App.ErrWriter, "shannot: warning: %s\n", msg) },
	}, nil
}
