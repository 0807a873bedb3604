package cli

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/companion"
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
