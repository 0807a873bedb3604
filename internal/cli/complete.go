package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
)

// completeName is the hidden command the shell completion scripts call
// with the words typed so far; it prints the candidates, one a line.
const completeName = "__complete"

func completeCommand() *cli.Command {
	return &cli.Command{
		Name:            completeName,
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			words := c.Args().Slice()
			if len(words) > 0 && words[0] == "--" {
				words = words[1:]
			}
			for _, w := range complete(c.App, words) {
				fmt.Fprintln(c.App.Writer, w)
			}
			return nil
		},
	}
}

// complete returns the candidates for the last of words (the word being
// typed, possibly empty), given the words before it. Nothing means "let
// the shell complete file names".
func complete(app *cli.App, words []string) []string {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, before := words[len(words)-1], words[:len(words)-1]
	commands, flags := app.Commands, app.Flags
	var inRun bool
	for i := 0; i < len(before); i++ {
		w := before[i]
		if strings.HasPrefix(w, "-") {
			if takesValue(flags, w) && !strings.Contains(w, "=") {
				i++
			}
			continue
		}
		if inRun {
			return nil // the command's own arguments: file names
		}
		sub := findCommand(commands, w)
		if sub == nil {
			return nil // an implicit run: shannot ls /etc/...
		}
		if sub.Name == "mcp" && sub.SkipFlagParsing {
			return mcpComplete(app, words[i+1:]) // shannot-mcp's own
		}
		commands, flags = sub.Subcommands, append(slices.Clone(flags), sub.Flags...)
		inRun = sub.Name == "run"
	}
	if len(before) > 0 {
		switch prev := before[len(before)-1]; {
		case prev == "--"+flagProfile || prev == "-"+aliasProfile:
			return prefixed(profileNames(appCaller(app)), cur)
		case prev == "--"+FlagClient:
			return prefixed([]string{"claude-code", "claude-desktop", "codex"}, cur)
		case prev == "--"+flagOnOverflow:
			return prefixed([]string{"truncate", "kill"}, cur)
		case strings.HasPrefix(prev, "-") && takesValue(flags, prev):
			return nil
		}
	}
	if strings.HasPrefix(cur, "-") {
		var out []string
		for _, f := range flags {
			for _, n := range f.Names() {
				if len(n) > 1 {
					out = append(out, "--"+n)
				}
			}
		}
		return prefixed(out, cur)
	}
	if inRun {
		return nil
	}
	var out []string
	for _, c := range commands {
		if !c.Hidden {
			out = append(out, c.Name)
		}
	}
	return prefixed(out, cur)
}

func findCommand(commands []*cli.Command, name string) *cli.Command {
	for _, c := range commands {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// takesValue reports whether the flag named by word (--name or -n) needs
// a value.
func takesValue(flags []cli.Flag, word string) bool {
	name := strings.TrimLeft(strings.SplitN(word, "=", 2)[0], "-")
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			dv, ok := f.(cli.DocGenerationFlag)
			return ok && dv.TakesValue()
		}
	}
	return false
}

func profileNames(who invoker.Caller) []string {
	names, _ := who.ProfileSearch("").Names()
	return names
}

func prefixed(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}
