package mcpcli

import (
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	shannotcli "github.com/shannot-project/shannot/internal/cli"
	"github.com/shannot-project/shannot/internal/mcpserver/clientconfig"
	"github.com/shannot-project/shannot/pkg/profile"
)

// installCommand is install: the client configuration entry.
func installCommand() *cli.Command {
	return &cli.Command{
		Name:  "install",
		Usage: "print, or with --write add, the client configuration entry that starts " + Name,
		Description: `Clients: claude-code (~/.claude.json), claude-desktop
(~/.config/Claude/claude_desktop_config.json), codex (~/.codex/config.toml),
lmstudio (~/.lmstudio/mcp.json); all is every one, auto the ones installed
(their file or directory exists: ~/.claude.json or ~/.claude,
~/.config/Claude, ~/.codex, ~/.lmstudio). The entry starts this
shannot-mcp by its absolute path, with --profile as given. --write adds the
"shannot" entry and leaves every other entry of the file as it was; it
never replaces an existing "shannot" entry: that client is reported and
the others still get theirs.

Examples:
   shannot-mcp install --client claude-desktop
   shannot-mcp install --client auto --write --profile diagnostics`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flagClient, Required: true, Usage: "claude-code, claude-desktop, codex, lmstudio, all or auto"},
			&cli.BoolFlag{Name: flagWrite, Usage: "add the entry to the client's configuration file"},
			&cli.StringSliceFlag{Name: flagProfile, Aliases: []string{aliasProfile}, Usage: "profiles the server offers (passed as --profile)"},
			&cli.StringFlag{Name: flagConfig, Usage: "the client's configuration `FILE` (default: the client's usual one)"},
		},
		Action: install,
	}
}

// install prints or adds the client entry. It starts shannot-mcp itself,
// by its absolute path, not "shannot mcp": the client then starts the
// binary that serves, without a second exec, and the entry keeps working
// wherever shannot is.
func install(c *cli.Context) error {
	who := shannotcli.CallerOf(c)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		return err
	}
	entry := clientconfig.Entry{Command: self, Args: []string{}} // "args": [], not null
	for _, p := range c.StringSlice(flagProfile) {
		if profile.IsPath(p) {
			if p, err = filepath.Abs(p); err != nil {
				return err
			}
		}
		entry.Args = append(entry.Args, "--"+flagProfile, p)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}
	client := c.String(flagClient)
	clients, err := clientconfig.Resolve(client, home)
	if err != nil {
		if client == clientconfig.Auto {
			return err
		}
		return shannotcli.UsageError(err.Error())
	}
	if c.Bool(flagWrite) && who.Privileged() {
		return shannotcli.Refused("writing files as root")
	}
	return clientconfig.Install(clients, home, c.String(flagConfig), entry, c.Bool(flagWrite), c.App.Writer, c.App.ErrWriter, Name)
}
