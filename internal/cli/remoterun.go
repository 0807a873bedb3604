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
