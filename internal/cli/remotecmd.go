package cli

import (
	"fmt"
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/remote"
	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// remoteName is the hidden command a remote run executes on the host.
const remoteName = remote.ReceiverCommand

// remoteFlags are the global flags of remote runs, new for each app (a
// flag's value is kept in the flag).
func remoteFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: flagTarget, Usage: "run on `[user@]host[:port]` over ssh; a comma-separated list or @FILE for a fleet"},
		&cli.IntFlag{Name: flagParallel, Value: 8, Usage: "hosts run at once in a fleet"},
		durationFlag(flagConnectTimeout, 10*time.Second, "give up connecting to a host after `DURATION` (10 is 10s)"),
		&cli.StringFlag{Name: flagSSHConfig, Usage: "ssh configuration `FILE` (ssh -F)"},
		&cli.StringSliceFlag{Name: flagSSHOption, Usage: "ssh option `KEY=VALUE` (ssh -o), commas and all; repeatable"},
	}
}

func sshFromFlags(c *cli.Context) remote.SSH {
	return remote.SSH{ConfigFile: c.String(flagSSHConfig), Options: c.StringSlice(flagSSHOption), ConnectTimeout: durationOf(c, flagConnectTimeout)}
}

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

// readRemoteProfile loads a profile for another host: validated here,
// but not checked against this host's files (the bind sources are the
// remote's).
func readRemoteProfile(who invoker.Caller, ref string) (*profile.Profile, error) {
	origin, err := who.ProfileSearch(ref).Find()
	if err != nil {
		return nil, err
	}
	return profile.Read(origin, who.Opener())
}

// remoteCommandLine is the envelope's command line for the host, for
// the shannot that remote install put there from this binary.
func remoteCommandLine(env *remote.Envelope) (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	return env.CommandLine(self)
}

// remoteRun is run --target: the envelope, then each host's ssh command
// line (--dry-run) or the fleet runner.
func remoteRun(c *cli.Context, argv []string, limits launch.Limits) error {
	who := callerOf(c)
	if who.Privileged() {
		return refused("--target")
	}
	targets, err := remote.ParseTargets(c.String(flagTarget))
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	ref, err := profileRef(c)
	if err != nil {
		return err
	}
	p, err := readRemoteProfile(who, ref)
	if err != nil {
		return err
	}
	env, err := remote.NewEnvelope(p, argv, limits, sandbox.Config{Seccomp: who.SeccompOptions(), Force: c.Bool(flagForce)})
	if err != nil {
		return err
	}
	env.JSON, env.NoStdin = c.Bool(flagJSON), c.Bool(flagNoStdin)
	remoteCmd, err := remoteCommandLine(env)
	if err != nil {
		return err
	}
	ssh := sshFromFlags(c)
	if c.Bool(flagDryRun) {
		// Nothing runs, here or there: not even ssh -G, whose Match exec
		// lines would run commands.
		for _, t := range targets {
			fmt.Fprintln(c.App.Writer, bwrap.Quote(ssh.Argv(t, remoteCmd, nil)))
		}
		return nil
	}
	fleet := remote.Fleet{SSH: ssh, Targets: targets, Parallel: c.Int(flagParallel), Stdin: c.App.Reader,
		Stdout: c.App.Writer, Stderr: c.App.ErrWriter}
	if env.NoStdin {
		fleet.Stdin = nil
	}
	code, err := fleet.Run(env, remoteCmd)
	return &statusError{code: code, err: err}
}

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
