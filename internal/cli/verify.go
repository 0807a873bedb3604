package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/verify"
)

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:  "verify",
		Usage: "prove that the profile's sandbox works and holds on this host",
		Description: `Runs a probe inside the profile's sandbox (under its seccomp filter, if any)
and checks that: a command runs; every read-only bind refuses a write; every
tmpfs accepts one; only loopback networking exists (when the network is
isolated); the command holds no capabilities; it is not host root (its uid
in the sandbox maps to an ordinary host uid); nothing under /proc (outside
the processes' own directories) or /sys is writable; the environment is
exactly the profile's (and the probe's own GODEBUG=asyncpreemptoff=1); the
profile's seccomp filter is in force and harmless calls made inside get the
verdicts the filter gives them, or there is no filter. Prints a table of
checks and exits 0 only when all pass, 1 when one fails, 125 when the
sandbox cannot be set up at all.

Examples:
   shannot verify
   shannot --profile diagnostics verify`,
		Flags: []cli.Flag{forceFlag(), profileFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return &usageError{msg: "verify takes no arguments; choose the profile with --profile"}
			}
			p, err := loadProfile(c)
			if err != nil {
				return err
			}
			cfg, err := sandboxConfig(c, false)
			if err != nil {
				return err
			}
			facts, host, err := verify.Run(c.Context, p, cfg, c.App.ErrWriter)
			if err != nil {
				return err
			}
			checks := verify.Evaluate(p, facts, host)
			w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "profile %s (%s)\n", p.Name, p.Origin)
			for _, ck := range checks {
				mark := "ok"
				if !ck.OK {
					mark = "FAIL"
				}
				fmt.Fprintf(w, "  %s\t%s\t%s\n", mark, ck.Name, ck.Detail)
			}
			w.Flush()
			if failed := verify.Failed(checks); failed > 0 {
				fmt.Fprintf(c.App.Writer, "%d of %d checks failed\n", failed, len(checks))
				return &statusError{code: 1}
			}
			fmt.Fprintf(c.App.Writer, "all %d checks passed\n", len(checks))
			return nil
		},
	}
}
