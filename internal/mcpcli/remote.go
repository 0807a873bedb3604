package mcpcli

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	shannotcli "github.com/shannot-project/shannot/internal/cli"
	"github.com/shannot-project/shannot/internal/mcpserver"
	"github.com/shannot-project/shannot/internal/remote"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

// parseTargets reads --target (repeatable, each a comma-separated list
// or @FILE).
func parseTargets(c *cli.Context) ([]remote.Target, error) {
	var targets []remote.Target
	for _, spec := range c.StringSlice(flagTarget) {
		ts, err := remote.ParseTargets(spec)
		if err != nil {
			return nil, shannotcli.UsageError(err.Error())
		}
		targets = append(targets, ts...)
	}
	return targets, nil
}

// remoteRunner runs MCP tool calls on remote hosts, with the shannot at
// self installed there.
func remoteRunner(who shannotcli.Caller, ssh remote.SSH, targets []remote.Target, self string) mcpserver.RemoteFunc {
	byName := map[string]remote.Target{}
	for _, t := range targets {
		byName[t.String()] = t
	}
	return func(ctx context.Context, host string, p *profile.Profile, argv []string, stdin string, limits launch.Limits) (sandbox.Report, error) {
		t, ok := byName[host]
		if !ok {
			return sandbox.Report{}, fmt.Errorf("unknown host %q", host)
		}
		env, err := remote.NewEnvelope(p, argv, limits, sandbox.Config{Seccomp: who.SeccompOptions()})
		if err != nil {
			return sandbox.Report{}, err
		}
		env.JSON, env.NoStdin = true, stdin == ""
		return ssh.Call(ctx, t, env, self, stdin)
	}
}
