package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/doctor"
)

func doctorCommand() *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check that this host can run shannot's sandboxes, and say how to fix what it cannot",
		Description: `Checks bwrap (found, version, setuid), unprivileged user namespaces (the
sysctls and Ubuntu's AppArmor restriction, then a real bwrap run), seccomp
support, dev.tty.legacy_tiocsti, libseccomp and, as root, the unprivileged
user root-run sandboxes start as. Exits 0 unless a check fails.

Examples:
   shannot doctor
   shannot doctor --json`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: flagJSON, Usage: "print one JSON array"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return &usageError{msg: "doctor takes no arguments"}
			}
			findings := doctor.Diagnose(doctor.System{
				Bwrap:    func() (string, error) { return callerOf(c).FindBwrap(c.String(flagBwrap)) },
				Identity: sandboxIdentity,
			})
			if c.Bool(flagJSON) {
				if err := json.NewEncoder(c.App.Writer).Encode(findings); err != nil {
					return err
				}
			} else {
				w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
				for _, f := range findings {
					fmt.Fprintf(w, "%s\t%s\t%s\n", f.Status, f.Check, f.Detail)
					if f.Fix != "" {
						fmt.Fprintf(w, "\t\tfix: %s\n", f.Fix)
					}
				}
				w.Flush()
			}
			if doctor.Failed(findings) {
				return &statusError{code: 1}
			}
			return nil
		},
	}
}
