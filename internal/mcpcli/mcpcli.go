package mcpcli

import (
	"io"

	"github.com/urfave/cli/v2"

	shannotcli "github.com/shannot-project/shannot/internal/cli"
	"github.com/shannot-project/shannot/internal/mcpserver"
)

// Name is the binary's name.
const Name = shannotcli.MCPName

// maxPrivilegedOutput caps what one MCP call may ask for of each stream,
// for a hostile caller.
const maxPrivilegedOutput = 1 << 20

// maxPrivilegedConcurrent caps --max-concurrent for a hostile caller.
const maxPrivilegedConcurrent = 16

// Run runs shannot-mcp for who (invoker.Detect, built once in main) and
// returns the process's exit status.
func Run(who shannotcli.Caller, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return shannotcli.RunCompanion(who, Companion(), args, stdin, stdout, stderr)
}

// Companion is shannot-mcp as internal/cli builds it: the app is
// shannot's mcp command, with the global flags a server uses.
func Companion() shannotcli.Companion {
	return shannotcli.Companion{
		Name:    Name,
		Command: Command(),
		Globals: []string{shannotcli.FlagBwrap, shannotcli.FlagConnectTimeout, shannotcli.FlagSSHConfig, shannotcli.FlagSSHOption},
	}
}

// Command is the mcp command: serving, and install.
func Command() *cli.Command {
	return &cli.Command{
		Name:  "mcp",
		Usage: "serve the shannot sandbox to LLM agents over the Model Context Protocol (stdio)",
		UsageText: `shannot-mcp [--profile P]... [--max-concurrent N] [--target HOST,...]
shannot-mcp install --client C|all|auto [--write] [--profile P]... [--config FILE]
shannot-mcp test [--profile P]...
shannot mcp ARG...                    (the same: shannot runs shannot-mcp ARG...)`,
		Description: `Speaks MCP on standard input and output; logs go to standard error. Tools:
run_command, list_profiles, read_file, list_directory, and disk_usage,
memory, processes, search_files, grep_content, journal (parsed results);
twelve prompts; the profiles as resources, shannot://profiles/NAME (see
docs/mcp.md).

Examples:
   shannot-mcp                                offer the shipped profiles
   shannot-mcp -p diagnostics -p ./logs.json  offer these two
   shannot-mcp install --client claude-code   print the client's entry
   shannot-mcp test                           try what a client would do

Exit status: 0 when the client ends the session (or a signal does); 125
when shannot-mcp failed (a bad profile, a refused flag, no bwrap).`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: flagProfile, Aliases: []string{aliasProfile}, Usage: "offer this profile (`NAME` or path); repeatable; default: the shipped ones"},
			&cli.IntFlag{Name: flagMaxConcurrent, Value: mcpserver.DefaultMaxConcurrent, Usage: "commands run at once; others wait"},
			&cli.StringSliceFlag{Name: flagTarget, Usage: "run commands on these hosts over ssh (`[user@]host[:port]`, comma-separated or @FILE; repeatable) instead of this machine"},
		},
		Action: serve,
		Subcommands: []*cli.Command{
			installCommand(),
			testCommand(),
		},
	}
}
