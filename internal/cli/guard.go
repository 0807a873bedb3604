package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
)

// guardCommands makes every command, at every depth, ask invoker.Admit
// before it runs when the caller is hostile: under sudo, what the
// invoker table does not list is refused, whoever added it.
//
// A command that only groups subcommands gets an action too, so that a
// mistyped subcommand is an error (exit 125) instead of help and exit 0;
// and a command that names no ArgsUsage takes no arguments (see
// takesArgs), so that "shannot mcp instal" does not start the server.
func guardCommands(cmds []*cli.Command, prefix string) {
	for _, c := range cmds {
		path := strings.TrimSpace(prefix + " " + c.Name)
		act, args := c.Action, takesArgs(c, path)
		c.Action = func(ctx *cli.Context) error {
			if callerOf(ctx).Privileged() {
				if err := invoker.Admit(path, flagsSet(ctx)); err != nil {
					return err
				}
			}
			if err := args(ctx); err != nil {
				return err
			}
			if act != nil {
				return act(ctx)
			}
			return cli.ShowSubcommandHelp(ctx)
		}
		guardCommands(c.Subcommands, path)
	}
}

// takesArgs returns the check of a command's arguments: a command that
// names no ArgsUsage and parses its own flags takes none, and a word
// given to a command with subcommands is a mistyped one. It looks at the
// command as defined (urfave/cli adds a help subcommand when it runs).
func takesArgs(c *cli.Command, path string) func(*cli.Context) error {
	if c.ArgsUsage != "" || c.SkipFlagParsing {
		return func(*cli.Context) error { return nil }
	}
	grouping := len(c.Subcommands) > 0
	return func(ctx *cli.Context) error {
		switch {
		case ctx.NArg() == 0:
			return nil
		case grouping:
			return &usageError{msg: fmt.Sprintf("unknown command %q for shannot %s", ctx.Args().First(), path)}
		}
		return &usageError{msg: fmt.Sprintf("%s takes no arguments, got %q", path, ctx.Args().First())}
	}
}

// flagsSet returns the flags set at each level of the command line, by
// the level's path of subcommand names ("" for shannot's own flags).
func flagsSet(ctx *cli.Context) map[string][]string {
	lineage := ctx.Lineage()
	out := map[string][]string{}
	var names []string
	// A companion's app (shannot-mcp) is a command of shannot's: its own
	// flags are that command's level ("mcp").
	if root, ok := ctx.App.Metadata[guardRootKey].(string); ok {
		names = []string{root}
	}
	top := len(names)
	for i := len(lineage) - 1; i >= 0; i-- {
		c := lineage[i]
		// The app's own contexts (no command, or its root command, named
		// as the app) are the global level.
		if c.Command != nil && c.Command.Name != "" && !(len(names) == top && c.Command.Name == c.App.Name) {
			names = append(names, c.Command.Name)
		}
		if set := c.LocalFlagNames(); len(set) > 0 {
			level := strings.Join(names, " ")
			out[level] = append(out[level], set...)
		}
	}
	return out
}

// guardRootKey is where NewCompanion keeps the command of shannot's that
// the app is.
const guardRootKey = "shannot.guardroot"
