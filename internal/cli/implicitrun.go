package cli

import (
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// implicitRun turns "shannot [global flags] ls /" into "shannot [global
// flags] run ls /": as in the original, a first word that is not a
// shannot command is the command to run. The commands and the flags that
// take a value are the app's own (see implicitRunIn).
func implicitRun(args []string) []string {
	return implicitRunIn(New(Env{Stdout: io.Discard, Stderr: io.Discard}), args)
}

// implicitRunIn is implicitRun for app: its commands and their aliases,
// and its global flags that take a value, in both - and -- spellings.
func implicitRunIn(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	commands := []string{"help", "h"} // added by urfave/cli when the app runs
	for _, c := range app.Commands {
		commands = append(commands, c.Names()...)
	}
	var valued []string
	for _, f := range app.Flags {
		if dv, ok := f.(cli.DocGenerationFlag); !ok || !dv.TakesValue() {
			continue
		}
		for _, n := range f.Names() {
			valued = append(valued, "-"+n, "--"+n)
		}
	}
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return slices.Concat(args[:i], []string{"run"}, args[i:])
		case slices.Contains(valued, a):
			i++ // skip the flag's value
		case strings.HasPrefix(a, "-"):
			// --flag=value, --help, --version: not a command word
		case slices.Contains(commands, a):
			return args
		default:
			return slices.Concat(args[:i], []string{"run"}, args[i:])
		}
	}
	return args
}
