package cli

import (
	"fmt"
	"io"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
)

// Env is what an app reads and writes, and who called it.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Caller decides what the app allows (see internal/invoker): the zero
	// value is an ordinary user's own run.
	Caller invoker.Caller
	// Exec replaces the process with another program ("shannot mcp" runs
	// shannot-mcp); nil is syscall.Exec. Tests give their own.
	Exec func(argv0 string, argv, envv []string) error
}

// New builds the CLI. It holds no state of its own beyond env.
func New(env Env) *cli.App {
	app := newApp("shannot", env)
	app.Usage = "run a command in a read-only bubblewrap sandbox"
	app.UsageText = `shannot [--profile P] run [--dry-run] [--] COMMAND [ARG...]
shannot [--profile P] COMMAND [ARG...]       (same as run)
shannot [--profile P] export | verify
shannot profile list | validate FILE...
shannot seccomp compile | inspect | explain | presets
shannot doctor [--json]
shannot mcp [ARG...]                         (runs shannot-mcp ARG...)
shannot completion bash|zsh|fish
shannot --target [user@]host[:port],... run COMMAND [ARG...]   (see docs/remote.md)`
	app.Description = `Examples:
   shannot run ls /                       list / under the built-in minimal profile
   shannot --profile diagnostics df -h    a shipped profile, chosen by name
   shannot --profile ./p.json run --dry-run cat /etc/os-release
   shannot --profile diagnostics verify   prove the sandbox holds on this host

Exit status: the command's own; 128+N when signal N killed it; 125 when
shannot or bwrap failed; 126 when the profile does not allow the command;
127 when the command does not exist inside the sandbox.`
	app.Flags = globalFlags()
	app.Commands = []*cli.Command{
		runCommand(),
		exportCommand(),
		verifyCommand(),
		profileCommand(),
		seccompCommand(),
		doctorCommand(),
		mcpCommand(),
		remoteCommand(),
		remoteExecCommand(),
		completionCommand(app.Name),
		completeCommand(),
		probeCommand(),
	}
	app.Commands = append(app.Commands, extraCommands()...)
	guardCommands(app.Commands, "")
	withVersion(app)
	setUsageErrors(app)
	fastNames(app)
	return app
}

// newApp is what every app of this CLI shares, shannot's and its
// companions' (see NewCompanion): streams, caller, version, errors.
func newApp(name string, env Env) *cli.App {
	return &cli.App{
		Metadata:        map[string]any{callerKey: env.Caller, execKey: env.Exec},
		Name:            name,
		Version:         versionString(),
		Reader:          env.Stdin,
		Writer:          env.Stdout,
		ErrWriter:       env.Stderr,
		HideHelpCommand: true,
		Suggest:         false,
		// A value is never split at commas by the library: "Ciphers=a,b"
		// is one ssh option and "/tmp/a,b" one path. Flags documented as
		// taking comma-separated lists split them themselves.
		DisableSliceFlagSeparator: true,
		// The app prints its errors and picks exit statuses in one place.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return &usageError{msg: err.Error()}
		},
		CommandNotFound: func(c *cli.Context, cmd string) {
			fmt.Fprintf(c.App.ErrWriter, "%s: unknown command %q\n", c.App.Name, cmd)
		},
	}
}

// globalFlags are shannot's global flags, new for each app (a flag's
// value is kept in the flag); with names, only those.
func globalFlags(names ...string) []cli.Flag {
	all := append([]cli.Flag{
		&cli.StringFlag{Name: flagProfile, Aliases: []string{aliasProfile}, Usage: "profile `PATH` or NAME (default: $SHANNOT_PROFILE, $SANDBOX_PROFILE, ~/.config/shannot/profile.json, /etc/shannot/profile.json, built-in minimal)"},
		&cli.StringFlag{Name: flagBwrap, Usage: "bwrap executable `PATH` (default: $BWRAP, then bwrap in $PATH, /usr/bin, /usr/local/bin)"},
	}, remoteFlags()...)
	if len(names) == 0 {
		return all
	}
	var out []cli.Flag
	for _, f := range all {
		if slices.Contains(names, f.Names()[0]) {
			out = append(out, f)
		}
	}
	return out
}

// setUsageErrors makes every command's usage errors the app's.
func setUsageErrors(app *cli.App) {
	for _, c := range app.Commands {
		c.OnUsageError = app.OnUsageError
		for _, sub := range c.Subcommands {
			sub.OnUsageError = app.OnUsageError
		}
	}
}
