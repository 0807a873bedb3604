package cli

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/traced"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

func seccompLearnCommand() *cli.Command {
	return &cli.Command{
		Name:      "learn",
		Usage:     "run a command in the profile's sandbox and write the minimal policy under which it runs again",
		ArgsUsage: "-o FILE [--merge] [--base POLICY | --no-base] -- COMMAND [ARG...]",
		Description: `Runs COMMAND as "shannot run" does, tracing every system call the base policy
lets through (the profile's seccomp_profile unless --base or --no-base), and
writes an OCI JSON allow-list: the calls of the command, its children and
threads, per architecture seen; what bwrap itself does once the filter is in
place; and the baseline every program needs. Its default is ERRNO(ENOSYS), so
libc's fallbacks keep working. What the base denies stays denied: calls it
names keep its rules. --merge adds this run to FILE's earlier ones, for other
inputs and failure paths. Exits with the command's status; a summary goes to
standard error. With -o -, the policy goes to standard output and the
command's standard output to standard error.

As root for another user (sudo): only -o -, no --merge, --base or --no-base,
and every run is audit-logged.

Examples:
   shannot --profile ./p.json seccomp learn -o learned.json -- ls -l /usr/share/doc
   shannot --profile ./p.json seccomp learn -o learned.json --merge -- sh -c 'ls /nonexistent'
   shannot --profile ./p.json seccomp learn --no-base -o all.json -- make`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: flagOutput, Aliases: []string{aliasOutput}, Usage: "write the policy to `FILE` (- for standard output)"},
			&cli.BoolFlag{Name: flagMerge, Usage: "add this run's calls to those FILE holds already"},
			&cli.StringFlag{Name: flagBase, Usage: "learn within `POLICY` (JSON, BPF or a shipped name) instead of the profile's"},
			&cli.BoolFlag{Name: flagNoBase, Usage: "learn with no base policy: every call is allowed while learning"},
			durationFlag(flagTimeout, 0, "kill the whole sandbox after `DURATION`"),
			profileFlag(),
		},
		Action: seccompLearn,
	}
}

// learnPrivileged refuses what a caller of a root-run shannot may not
// do: write files, learn without or outside the profile's policy.
func learnPrivileged(c *cli.Context) error {
	switch {
	case c.String(flagOutput) != "-":
		return refused("seccomp learn -o FILE (use -o - for standard output)")
	case c.Bool(flagMerge):
		return refused("seccomp learn --merge")
	case c.Bool(flagNoBase):
		return refused("seccomp learn --no-base")
	case c.String(flagBase) != "":
		return refused("seccomp learn --base")
	}
	return nil
}

// learnBase is the filter to learn within when it is not the profile's:
// --base POLICY, or with --no-base (or a profile without a filter) a
// program that allows everything, so that bwrap installs a filter for the
// tracer to instrument. nil: the profile's own.
func learnBase(c *cli.Context, who invoker.Caller, profileHasFilter bool) (*seccomp.Loaded, error) {
	if ref := c.String(flagBase); ref != "" {
		return loadFilter(ref, who.SeccompOptions())
	}
	if !c.Bool(flagNoBase) && profileHasFilter {
		return nil, nil
	}
	return traced.AllowAll()
}

// sameFile reports whether two paths name the same file.
func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
