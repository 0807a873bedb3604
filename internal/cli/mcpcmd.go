package cli

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/audit"
	"github.com/shannot-project/shannot/internal/companion"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/remote"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// MCPName is the MCP server's own binary: "shannot mcp ARG..." runs
// "shannot-mcp ARG...", so that the binary that starts sandboxes does not
// link the MCP SDK, net/http, TLS and the TOML writer (issue 14).
const MCPName = "shannot-mcp"

// mcpCommand is shannot's mcp: it execs shannot-mcp (internal/mcpcli)
// with the same arguments, found as companion.Find finds it. shannot-mcp
// parses them, and applies the sudo guard to them itself.
func mcpCommand() *cli.Command {
	return &cli.Command{
		Name:            "mcp",
		Usage:           "serve the sandbox to LLM agents over the Model Context Protocol (runs " + MCPName + ")",
		ArgsUsage:       "[ARG...]",
		SkipFlagParsing: true,
		Description: `Runs ` + MCPName + ` with the same arguments: see ` + MCPName + ` --help and
` + MCPName + `(1). It is looked for beside this shannot, then in
/usr/local/libexec/shannot, /usr/libexec/shannot, /usr/lib/shannot,
/usr/local/bin and /usr/bin, then (except under sudo) in PATH.

Examples:
   shannot mcp                                   offer the shipped profiles
   shannot mcp --profile diagnostics --profile ./web-logs.json
   shannot mcp install --client claude-code      print the client's configuration entry`,
		Action: mcpExec,
	}
}

// mcpExec replaces shannot with shannot-mcp: its standard streams and
// exit status are the server's.
func mcpExec(c *cli.Context) error {
	who := callerOf(c)
	path, err := companion.Find(MCPName, who.Privileged())
	if err != nil {
		return err
	}
	argv := append([]string{path}, mcpArgs(c)...)
	exe := execOf(c.App)
	if err := exe(path, argv, os.Environ()); err != nil {
		return fmt.Errorf("running %s: %w", path, err)
	}
	return nil
}

// mcpArgs are shannot-mcp's arguments for "shannot [GLOBAL...] mcp
// ARG...": the global flags set before mcp that shannot-mcp takes, then
// ARG as given. A global --profile counts only when ARG names none, as
// it did when mcp was a command of shannot's; a global --target adds to
// the ones ARG names.
func mcpArgs(c *cli.Context) []string {
	args := c.Args().Slice()
	var out []string
	for _, f := range c.App.Flags {
		name := f.Names()[0]
		if !c.IsSet(name) {
			continue
		}
		switch name {
		case flagProfile:
			if !namesProfile(args) {
				out = append(out, "--"+flagProfile, c.String(name))
			}
		case flagSSHOption:
			for _, v := range c.StringSlice(name) {
				out = append(out, "--"+name, v)
			}
		case flagConnectTimeout:
			out = append(out, "--"+name, durationOf(c, name).String())
		default:
			out = append(out, "--"+name, fmt.Sprint(c.Value(name)))
		}
	}
	return append(out, args...)
}

// namesProfile reports whether args set --profile (or -p).
func namesProfile(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		switch flag, _, _ := strings.Cut(a, "="); flag {
		case "--" + flagProfile, "-" + flagProfile, "-" + aliasProfile, "--" + aliasProfile:
			return true
		}
	}
	return false
}

// mcpComplete completes "shannot mcp WORD..." by asking shannot-mcp.
func mcpComplete(app *cli.App, words []string) []string {
	path, err := companion.Find(MCPName, appCaller(app).Privileged())
	if err != nil {
		return nil
	}
	out, err := exec.Command(path, append([]string{completeName, "--"}, words...)...).Output()
	if err != nil {
		return nil
	}
	return strings.Split(strings.TrimRight(string(out), "\n"), "\n")
}

// execOf is Env.Exec of an app, syscall.Exec when none was given.
func execOf(app *cli.App) func(string, []string, []string) error {
	if exe, ok := app.Metadata[execKey].(func(string, []string, []string) error); ok && exe != nil {
		return exe
	}
	return syscall.Exec
}

// execKey is where New keeps Env.Exec in the app's metadata.
const execKey = "shannot.exec"

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
