//go:build urfave_cli_no_docs

package cli

import "github.com/urfave/cli/v2"

// extraCommands are the commands only some builds have: the shipped
// binary (built with urfave_cli_no_docs) has none; see man.go.
func extraCommands() []*cli.Command { return nil }
