package cli

// The flags' names, spelt once: the definitions and every lookup use
// these, so that a misspelt name is a compile error, not a flag that is
// never set.
const (
	flagProfile        = "profile"
	aliasProfile       = "p"
	flagBwrap          = "bwrap"
	flagTarget         = "target"
	flagParallel       = "parallel"
	flagConnectTimeout = "connect-timeout"
	flagSSHConfig      = "ssh-config"
	flagSSHOption      = "ssh-option"
	flagVersion        = "version"
	aliasVersion       = "v"

	flagDryRun         = "dry-run"
	flagTimeout        = "timeout"
	flagMaxOutput      = "max-output"
	flagOnOverflow     = "on-overflow"
	flagJSON           = "json"
	flagNoStdin        = "no-stdin"
	flagExplainDenials = "explain-denials"
	flagForce          = "force"

	flagStrict  = "strict"
	flagArch    = "arch"
	flagOutput  = "output"
	aliasOutput = "o"
	flagMerge   = "merge"
	flagBase    = "base"
	flagNoBase  = "no-base"
	flagBinary  = "binary"
)

// The global flags a companion (shannot-mcp) may take too, for
// Companion.Globals.
const (
	FlagBwrap          = flagBwrap
	FlagConnectTimeout = flagConnectTimeout
	FlagSSHConfig      = flagSSHConfig
	FlagSSHOption      = flagSSHOption
	// FlagClient is shannot-mcp install's --client, whose values
	// completion offers.
	FlagClient = "client"
)
