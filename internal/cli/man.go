//go:build !urfave_cli_no_docs

package cli

import (
	_ "embed"
	"fmt"

	md2man "github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/urfave/cli/v2"
)

// The man pages are generated from the CLI's own definitions, so they
// cannot drift from --help. The generator is built without the
// urfave_cli_no_docs tag that `make build` uses: the shipped binary does
// not carry urfave/cli's document code and its start-up cost.
func extraCommands() []*cli.Command { return []*cli.Command{manCommand()} }

// manName is the hidden command that prints the man pages.
const manName = "__man"

//go:embed shannot-profile.5.md
var profileManPage []byte

func manCommand() *cli.Command {
	return &cli.Command{
		Name:      manName,
		Hidden:    true,
		ArgsUsage: "[1|5]",
		Usage:     "print shannot(1) or, with 5, shannot-profile(5) as roff",
		Action: func(c *cli.Context) error {
			switch c.Args().First() {
			case "", "1":
				page, err := c.App.ToManWithSection(1)
				if err != nil {
					return err
				}
				_, err = fmt.Fprint(c.App.Writer, page)
				return err
			case "5":
				_, err := c.App.Writer.Write(md2man.Render(profileManPage))
				return err
			}
			return &usageError{msg: "section 1 or 5"}
		},
	}
}
