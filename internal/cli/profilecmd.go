package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

func profileCommand() *cli.Command {
	return &cli.Command{
		Name:  "profile",
		Usage: "list or validate profiles, or print their JSON Schema",
		Description: `Examples:
   shannot profile list
   shannot profile validate /etc/shannot/profiles/*.json
   shannot profile schema > profile.schema.json`,
		Subcommands: []*cli.Command{
			{
				Name:  "list",
				Usage: "list the installed and built-in profiles that --profile NAME selects",
				Description: `Examples:
   shannot profile list`,
				Action: func(c *cli.Context) error {
					list, err := callerOf(c).ProfileSearch("").List()
					if err != nil {
						return err
					}
					w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
					// HOST VIEW: the views that are the host's (host_view);
					// what is not listed is the sandbox's own.
					fmt.Fprintln(w, "NAME\tORIGIN\tHOST VIEW\tDESCRIPTION")
					for _, l := range list {
						desc, views := "", "-"
						if p, err := profile.Open(l.Origin, callerOf(c).Opener()); err != nil {
							desc = "invalid: " + err.Error()
						} else {
							desc = p.Description
							if len(p.HostView) > 0 {
								views = strings.Join(p.HostView, ",")
							}
						}
						if l.Shadowed {
							desc = "(shadowed by the one above) " + desc
						}
						fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", l.Name, l.Origin, views, desc)
					}
					return w.Flush()
				},
			},
			{
				Name:  "schema",
				Usage: "print the JSON Schema of the profile format",
				Description: `Prints the JSON Schema (draft 2020-12) that profiles are validated
against, the one make install puts in /usr/local/share/shannot/ (the
package: /usr/share/shannot/) as profile.schema.json. A profile whose
"$schema" names that file gets completion and checks in editors that read
JSON Schema; see shannot-profile(5) for the values that work.

Examples:
   shannot profile schema > profile.schema.json`,
				Action: func(c *cli.Context) error {
					if c.NArg() > 0 {
						return &usageError{msg: "profile schema takes no arguments"}
					}
					_, err := c.App.Writer.Write(profile.Schema())
					return err
				},
			},
			{
				Name:      "validate",
				Usage:     "check profile files",
				ArgsUsage: "FILE...",
				Description: `Checks each FILE as run would, without running anything: the profile, its
bind sources on this host, and its seccomp_profile (read, compiled when it is
a JSON policy, and checked to let a command start). Prints "FILE: ok" or the
error, one line per problem. Exits 0 only when all are valid, 125 otherwise.

Examples:
   shannot profile validate /etc/shannot/profiles/*.json`,
				Action: func(c *cli.Context) error {
					files := c.Args().Slice()
					if len(files) == 0 {
						return &usageError{msg: "profile validate needs at least one FILE"}
					}
					var failed []error
					for _, f := range files {
						if err := validateProfile(c, f); err != nil {
							fmt.Fprintf(c.App.ErrWriter, "shannot: %v\n", err)
							failed = append(failed, err)
							continue
						}
						fmt.Fprintf(c.App.Writer, "%s: ok\n", f)
					}
					if len(failed) > 0 {
						return &statusError{code: exitFailure}
					}
					return nil
				},
			},
		},
	}
}

// validateProfile loads the profile file f and its seccomp filter as a
// run would, and runs nothing.
func validateProfile(c *cli.Context, f string) error {
	who := callerOf(c)
	p, err := profile.Open(profile.Origin{Path: f}, who.Opener())
	if err != nil {
		return err
	}
	if p.SeccompProfile == nil {
		return nil
	}
	filter, err := sandbox.OpenFilter(p, sandbox.Config{Seccomp: who.SeccompOptions(),
		Warn: func(msg string) { fmt.Fprintf(c.App.ErrWriter, "shannot: warning: %s\n", msg) }})
	if err != nil {
		return err
	}
	filter.Close()
	return nil
}
