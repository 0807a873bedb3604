package cli

import (
	"io"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/audit"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/remote"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// A Companion is a binary of shannot's that is not shannot (shannot-mcp),
// built on this CLI: the same caller, hardening under sudo, guard, audit
// log, errors and exit statuses. Its app is Command: Command's flags,
// action and subcommands are the app's own, and the guard knows them by
// their place under shannot ("mcp", "mcp install"), as internal/invoker
// lists them.
type Companion struct {
	Name    string       // the binary's name: "shannot-mcp"
	Command *cli.Command // its place in shannot's command tree is Command.Name
	// Globals are shannot's global flags the app takes too, by name
	// ("bwrap", "ssh-config", ...).
	Globals []string
}

// RunCompanion is Run for a companion binary.
func RunCompanion(who Caller, comp Companion, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(who, comp.Name, args, stdin, stdout, stderr, func(env Env) *cli.App { return NewCompanion(comp, env) }, nil)
}

// NewCompanion is New for a companion binary.
func NewCompanion(comp Companion, env Env) *cli.App {
	root := comp.Command
	root.Subcommands = append(root.Subcommands, completionCommand(comp.Name), completeCommand())
	root.Subcommands = append(root.Subcommands, extraCommands()...)
	app := newApp(comp.Name, env)
	app.Metadata[guardRootKey] = root.Name
	app.Usage, app.UsageText, app.Description = root.Usage, root.UsageText, root.Description
	app.Flags = append(slices.Clone(root.Flags), globalFlags(comp.Globals...)...)
	guardCommands([]*cli.Command{root}, "")
	app.Action, app.Commands = root.Action, root.Subcommands
	withVersion(app)
	setUsageErrors(app)
	fastNames(app)
	return app
}

// Caller is who called a companion's app (internal/invoker).
type Caller = invoker.Caller

// CallerOf is who called the app c belongs to.
func CallerOf(c *cli.Context) Caller { return callerOf(c) }

// SandboxConfig is how the command of c builds sandboxes.
func SandboxConfig(c *cli.Context) (sandbox.Config, error) { return sandboxConfig(c, false) }

// SSHFromFlags is the ssh set-up the global ssh flags of c ask for.
func SSHFromFlags(c *cli.Context) remote.SSH { return sshFromFlags(c) }

// WriteAudit writes one audit record; a failure is a warning on stderr.
func WriteAudit(c *cli.Context, rec audit.Record) { writeAudit(c, rec) }

// ExitCode is the exit status Run picks for err.
func ExitCode(err error) int { return exitCode(err) }

// Refused is what is said to a hostile caller asking for what.
func Refused(what string) error { return refused(what) }

// UsageError is a command line that cannot be made sense of (exit 125).
func UsageError(msg string) error { return &usageError{msg: msg} }

// Version is the version this binary was built as.
func Version() string { return version }

// Hostile is a caller through sudo, as user name (uid): for tests of a
// companion's guard.
func Hostile(name string, uid int) Caller { return invoker.Hostile(name, uid) }

// As is env with w as its caller.
func (env Env) As(w Caller) Env {
	env.Caller = w
	return env
}
