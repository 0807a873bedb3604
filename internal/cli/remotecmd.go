package cli

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/remote"
)

func remoteCommand() *cli.Command {
	return &cli.Command{
		Name:  "remote",
		Usage: "prepare hosts for --target runs",
		Description: `Examples:
   shannot remote install web1 ops@web2:2222
   shannot remote test web1 ops@web2:2222
   shannot --target web1,web2 --profile diagnostics run df -h   (see docs/remote.md)`,
		Subcommands: []*cli.Command{{
			Name:      "install",
			Usage:     "copy this shannot to hosts over ssh and check it there",
			ArgsUsage: "[user@]host[:port]... | @FILE",
			Description: `Copies the binary (--binary, default: this one; a static build needs nothing
on the host but bwrap) to ~/.cache/shannot/ on each host, under a name made
of its SHA-256, verifies the copy's checksum on the host and runs it once.

Examples:
   make static && shannot remote install --binary bin/shannot-static web1 web2
   shannot remote install @hosts.txt`,
			Flags: []cli.Flag{&cli.StringFlag{Name: flagBinary, Usage: "the shannot `FILE` to install (default: the running one)"}},
			Action: func(c *cli.Context) error {
				targets, bin, err := hostsAndBinary(c, "remote install")
				if err != nil {
					return err
				}
				if err := sshFromFlags(c).InstallAll(targets, bin, c.App.Writer, c.App.ErrWriter); err != nil {
					return &statusError{code: exitFailure, err: err}
				}
				return nil
			},
		}, {
			Name:      "test",
			Usage:     "check that hosts can run sandboxes sent from here: one line each",
			ArgsUsage: "[user@]host[:port]... | @FILE",
			Description: `For each host (--parallel at once): can it be reached over ssh (without a
password or an unknown host key), is the shannot that remote install puts
there from this binary (--binary) in place with the right SHA-256, its
version, and its doctor (counts of ok, warn and fail, and what is not ok).
Exit status 0 when every host can run sandboxes, 1 otherwise.

Examples:
   shannot remote test web1 ops@web2:2222
   shannot remote test --binary bin/shannot-static @hosts.txt`,
			Flags: []cli.Flag{&cli.StringFlag{Name: flagBinary, Usage: "the shannot `FILE` whose installed copy is checked (default: the running one)"}},
			Action: func(c *cli.Context) error {
				targets, bin, err := hostsAndBinary(c, "remote test")
				if err != nil {
					return err
				}
				if err := sshFromFlags(c).CheckAll(targets, bin, c.Int(flagParallel), c.App.Writer); err != nil {
					return &statusError{code: 1, err: err} // as doctor's: the check ran, and found hosts wanting
				}
				return nil
			},
		}},
	}
}

// hostsAndBinary reads remote install's and remote test's arguments
// (hosts and @FILEs, mixed) and --binary (default: this binary).
func hostsAndBinary(c *cli.Context, what string) ([]remote.Target, string, error) {
	if c.NArg() == 0 {
		return nil, "", &usageError{msg: what + " needs at least one host"}
	}
	var targets []remote.Target
	for _, arg := range c.Args().Slice() {
		ts, err := remote.ParseTargets(arg)
		if err != nil {
			return nil, "", &usageError{msg: err.Error()}
		}
		targets = append(targets, ts...)
	}
	bin := c.String(flagBinary)
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, "", err
		}
	}
	return targets, bin, nil
}
