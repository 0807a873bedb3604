package cli

import "github.com/urfave/cli/v2"

// manName is the hidden command that prints the man pages (see man.go).
const manName = "__man"

// extraCommands are added by files built only in some builds (man.go).
var extraCommands []func() *cli.Command
