package cli

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"
)

func exportCommand() *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "print the resolved profile as JSON",
		Description: `Prints the profile that a run would use, with every default filled in and
every path absolute.

Examples:
   shannot export
   shannot --profile diagnostics export > my-diagnostics.json`,
		Flags: []cli.Flag{profileFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return &usageError{msg: "export takes no arguments; choose the profile with --profile"}
			}
			p, err := loadProfile(c)
			if err != nil {
				return err
			}
			out, err := json.MarshalIndent(p, "", "  ")
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(c.App.Writer, "%s\n", out)
			return err
		},
	}
}
