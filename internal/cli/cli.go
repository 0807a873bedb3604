package cli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/audit"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/trust"

	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/launch"
)

// Exit statuses of shannot's own, as env(1) and timeout(1) use them.
const (
	// ExitFailure is shannot's or bwrap's own failure.
	ExitFailure    = exitFailure
	exitFailure    = 125 // shannot or bwrap failed: bad profile, bad filter, no sandbox
	exitNotAllowed = 126 // allowed_commands refused the command
	exitNotFound   = 127 // the command does not exist inside the sandbox
)

// Run runs the CLI for who (invoker.Detect, built once in main) and
// returns the process's exit status. It is the one place that prints
// shannot's errors.
func Run(who invoker.Caller, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Most command lines run a sandbox, whose run passes signals on to
	// the command: start catching them now, in the background, while the
	// command line and the profile are read (see launch.CatchSignals).
	// Until a run takes them they act as if they were not caught.
	launch.CatchSignals()
	return run(who, "shannot", args, stdin, stdout, stderr, New, implicitRunIn)
}

// run is Run for the app that build makes (shannot's, a companion's),
// named name in its errors; rewrite, when not nil, rewrites the
// arguments first.
func run(who invoker.Caller, name string, args []string, stdin io.Reader, stdout, stderr io.Writer, build func(Env) *cli.App, rewrite func(*cli.App, []string) []string) int {
	if who.Privileged() {
		if err := hardenPrivileged(); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			cfg, cerr := audit.LoadConfig(trust.Open)
			rec := audit.Record{Event: audit.EventEnd, Time: time.Now(),
				Argv: args[1:], ExitStatus: exitFailure, Error: err.Error()}
			rec.User, rec.UID = who.User()
			if lerr := errors.Join(cerr, audit.Log(rec, cfg)); lerr != nil {
				fmt.Fprintf(stderr, "%s: warning: audit log: %v\n", name, lerr)
			}
			return exitFailure
		}
	}
	app := build(Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Caller: who})
	if rewrite != nil {
		args = rewrite(app, args)
	}
	err := app.Run(args)
	if err == nil {
		return 0
	}
	code := exitCode(err)
	var st *statusError
	var ue *usageError
	if errors.As(err, &ue) {
		ue.app = name // the help to see is this binary's
	}
	if !errors.As(err, &st) || st.err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
	}
	return code
}

// statusError carries an exit status, with an optional error to print.
// The command's own status travels as a statusError without an error.
type statusError struct {
	code int
	err  error
	// reported: run --json has already printed the result object.
	reported bool
}

func (e *statusError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *statusError) Unwrap() error { return e.err }

// exitCode picks the exit status for an error that reached the top:
// everything that is not the command's own status or a refusal of the
// command is a failure of shannot's (bad profile, bad filter, bwrap).
func exitCode(err error) int {
	var (
		st         *statusError
		notAllowed *bwrap.NotAllowedError
		notFound   *bwrap.CommandNotFoundError
	)
	switch {
	case errors.As(err, &st):
		return st.code
	case errors.As(err, &notAllowed):
		return exitNotAllowed
	case errors.As(err, &notFound):
		return exitNotFound
	}
	return exitFailure
}

// usageError is a command line that shannot cannot make sense of.
type usageError struct {
	msg string
	app string // whose --help to see; "" is shannot
}

func (e *usageError) Error() string {
	app := e.app
	if app == "" {
		app = "shannot"
	}
	return e.msg + " (see " + app + " --help)"
}
