package cli

import (
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/audit"
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
	if who.Privileged() && !c.Bool(flagDryRun) {
		// Only then is the record written: the user's name is looked up
		// for it.
		rec.User, rec.UID = who.User()
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
		for _, n := range sb.CommandLineNotes() {
			fmt.Fprintf(c.App.ErrWriter, "shannot: note: %s\n", n)
		}
		return nil
	}
	if mode := explainMode(c); mode != "" {
		return explainRun(c, sb, limits, c.Bool(flagNoStdin), mode)
	}
	return execute(c, sb, p.Origin.String(), limits, c.Bool(flagJSON), c.Bool(flagNoStdin))
}
