package mcpcli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/urfave/cli/v2"

	shannotcli "github.com/shannot-project/shannot/internal/cli"
	"github.com/shannot-project/shannot/internal/mcpserver"
	"github.com/shannot-project/shannot/pkg/profile"
)

// testCommand is test: the server tried as a client would.
func testCommand() *cli.Command {
	return &cli.Command{
		Name:  "test",
		Usage: "start the server as a client would, list what it offers, run ls / in the minimal profile",
		Description: `Starts this shannot-mcp with --profile as given (as a client's entry would),
connects to it over its standard input and output, lists its tools,
prompts and resources, runs ["ls", "/"] in the minimal profile (the first
offered when minimal is not) and prints a preview. Exit status 0 when all
of it worked; the server's log is shown only when something failed.

Examples:
   shannot-mcp test
   shannot-mcp test --profile diagnostics --profile minimal`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: flagProfile, Aliases: []string{aliasProfile}, Usage: "profiles the server offers (passed as --profile)"},
		},
		Action: selfTest,
	}
}

// selfTest is mcp test: this binary started as a client's entry would
// start it, and asked what a client asks.
func selfTest(c *cli.Context) error {
	if c.NArg() > 0 {
		return shannotcli.UsageError("test takes no arguments; choose the profiles with --profile")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var args []string
	for _, p := range c.StringSlice(flagProfile) {
		if profile.IsPath(p) {
			if p, err = filepath.Abs(p); err != nil {
				return err
			}
		}
		args = append(args, "--"+flagProfile, p)
	}
	cmd := exec.Command(self, args...)
	var log bytes.Buffer
	cmd.Stderr = &log
	if err := mcpserver.SelfTest(context.Background(), cmd, c.App.Writer); err != nil {
		if log.Len() > 0 {
			fmt.Fprintf(c.App.ErrWriter, "the server said:\n%s", log.String())
		}
		return err
	}
	return nil
}
