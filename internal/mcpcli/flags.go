package mcpcli

import shannotcli "github.com/shannot-project/shannot/internal/cli"

// The flags' names, spelt once: the definitions and every lookup use
// these, so that a misspelt name is a compile error.
const (
	flagProfile       = "profile"
	aliasProfile      = "p"
	flagMaxConcurrent = "max-concurrent"
	flagTarget        = "target"
	flagClient        = shannotcli.FlagClient
	flagWrite         = "write"
	flagConfig        = "config"
)
