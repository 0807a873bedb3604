package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/remote"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// remoteName is the hidden command a remote run executes on the host.
const remoteName = remote.ReceiverCommand

// remoteExecCommand is what a remote run executes on the host: it
// rebuilds the sandbox from the envelope and runs it as run does.
func remoteExecCommand() *cli.Command {
	return &cli.Command{
		Name:            remoteName,
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) (err error) {
			if callerOf(c).Privileged() {
				// The envelope chooses the sandbox: never under sudo.
				return refused("a remote run's envelope")
			}
			if c.NArg() != 1 {
				return &usageError{msg: remoteName + " takes one envelope"}
			}
			env, err := remote.DecodeEnvelope(c.Args().First())
			if err != nil {
				return err
			}
			if env.JSON {
				defer func() { err = reportFailure(c, env.Origin, env.Argv, err) }()
			}
			config := func() (sandbox.Config, error) { return sandboxConfig(c, false) }
			return remote.Receive(env, config, func(sb *sandbox.Sandbox, env *remote.Envelope) error {
				return execute(c, sb, env.Origin, env.Limits(), env.JSON, env.NoStdin)
			})
		},
	}
}
