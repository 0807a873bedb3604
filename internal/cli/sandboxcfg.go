package cli

import (
	"errors"
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// loadProfile finds and loads the profile that --profile and the
// discovery order select.
func loadProfile(c *cli.Context) (*profile.Profile, error) {
	who := callerOf(c)
	ref, err := profileRef(c)
	if err != nil {
		return nil, err
	}
	origin, err := who.ProfileSearch(ref).Find()
	if err != nil {
		return nil, err
	}
	return profile.Open(origin, who.Opener())
}

// profileFlag is --profile on a command (run, verify, export), as the
// docker habit puts it: "shannot run --profile P ls" is "shannot
// --profile P run ls".
func profileFlag() cli.Flag {
	return &cli.StringFlag{Name: flagProfile, Aliases: []string{aliasProfile}, Usage: "profile `PATH` or NAME, as shannot --profile (either place; not both with different values)"}
}

// profileRef is the --profile value, given before the command, after it,
// or both with the same value; two different values are a usage error.
func profileRef(c *cli.Context) (string, error) {
	ref := ""
	for _, ctx := range c.Lineage() {
		if ctx.Command == nil {
			continue
		}
		set := ctx.LocalFlagNames()
		if !slices.Contains(set, flagProfile) && !slices.Contains(set, aliasProfile) {
			continue
		}
		switch v := ctx.String(flagProfile); {
		case ref == "":
			ref = v
		case v != ref:
			return "", &usageError{msg: fmt.Sprintf("--profile %q and --profile %q: give one profile, before or after the command", v, ref)}
		}
	}
	return ref, nil
}

// sandboxConfig is how this invocation builds sandboxes. A dry run needs
// no bwrap on this host.
func sandboxConfig(c *cli.Context, dryRun bool) (sandbox.Config, error) {
	who := callerOf(c)
	if c.Bool(flagForce) && who.Privileged() {
		return sandbox.Config{}, refused("--force")
	}
	b, err := who.FindBwrap(c.String(flagBwrap))
	if err != nil && (!dryRun || errors.Is(err, invoker.ErrRefused)) {
		return sandbox.Config{}, err
	}
	id, pool, err := sandboxIdentities()
	if err != nil {
		return sandbox.Config{}, err
	}
	if b == "" {
		b = "bwrap"
	}
	return sandbox.Config{
		Bwrap:       b,
		Seccomp:     who.SeccompOptions(),
		Force:       c.Bool(flagForce),
		ForceUserNS: who.Privileged(),
		Identity:    id,
		Pool:        pool,
		FindInit:    who.FindInit,
		Warn:        func(msg string) { fmt.Fprintf(c.App.ErrWriter, "shannot: warning: %s\n", msg) },
	}, nil
}
