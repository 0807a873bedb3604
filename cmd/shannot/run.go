package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

func runCommand() *cli.Command {
	return &cli.Command{
		Name:      "run",
		Usage:     "run a command in the profile's sandbox",
		ArgsUsage: "[--] COMMAND [ARG...]",
		Description: `Runs COMMAND inside the sandbox and exits with its status. Arguments after
COMMAND are its own: "shannot run ls -la /" passes -la to ls.

Examples:
   shannot run ls -la /
   shannot --profile diagnostics run df -h
   shannot --profile ./p.json run --dry-run -- cat /etc/hostname`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "dry-run", Usage: "print the bwrap command line, shell-quoted, and run nothing"},
		},
		Action: func(c *cli.Context) error {
			argv := c.Args().Slice()
			if len(argv) == 0 {
				return &usageError{msg: "run needs a command, e.g. shannot run ls /"}
			}
			p, err := loadProfile(c)
			if err != nil {
				return err
			}
			if _, err := bwrap.ResolveCommand(p, argv[0]); err != nil {
				return err
			}
			sb, err := prepare(c, p, c.Bool("dry-run"))
			if err != nil {
				return err
			}
			defer sb.close()
			sb.argv = argv
			if c.Bool("dry-run") {
				fmt.Fprintln(c.App.Writer, sb.commandLine())
				return nil
			}
			status, err := sb.launch(c).Run()
			if err != nil {
				return err
			}
			return &statusError{code: status.ExitCode}
		},
	}
}

// loadProfile finds and loads the profile that --profile and the
// discovery order select.
func loadProfile(c *cli.Context) (*profile.Profile, error) {
	origin, err := profile.DefaultSearch(c.String("profile")).Find()
	if err != nil {
		return nil, err
	}
	return profile.Open(origin)
}

// sandbox is a command ready to run in a profile's sandbox.
type sandbox struct {
	bwrap       string
	args        []string // bwrap's options, ending with "--"
	argv        []string
	filter      *os.File // the seccomp program, or nil
	filterLabel string   // where the filter came from, for --dry-run
}

// filterFD is the descriptor bwrap finds the seccomp filter on: the
// first of Launch.Files.
const filterFD = 3

// prepare opens the profile's filter, finds bwrap and builds bwrap's
// options. A dry run needs no bwrap on this host.
func prepare(c *cli.Context, p *profile.Profile, dryRun bool) (*sandbox, error) {
	sb := &sandbox{}
	opts := bwrap.Options{SeccompFD: -1}
	if p.SeccompProfile != nil {
		f, label, err := openFilter(p)
		if err != nil {
			return nil, err
		}
		sb.filter, sb.filterLabel, opts.SeccompFD = f, label, filterFD
	}
	sb.args = bwrap.Args(p, opts)
	b, err := bwrap.FindBwrap(bwrapFlag(c), os.Getenv("PATH"))
	if err != nil && !dryRun {
		sb.close()
		return nil, err
	}
	if b == "" {
		b = "bwrap"
	}
	sb.bwrap = b
	return sb, nil
}

// openFilter opens the profile's seccomp filter.
func openFilter(p *profile.Profile) (*os.File, string, error) {
	if p.Origin.Builtin {
		return nil, "", &seccomp.Error{File: *p.SeccompProfile, Msg: "built-in profiles carry no BPF files"}
	}
	f, err := seccomp.OpenBPF(*p.SeccompProfile)
	return f, *p.SeccompProfile, err
}

func (sb *sandbox) close() {
	if sb.filter != nil {
		sb.filter.Close()
	}
}

// commandLine is the bwrap command line that reproduces the sandbox in a
// POSIX shell, with the filter opened on its descriptor by a redirection.
func (sb *sandbox) commandLine() string {
	line := bwrap.Quote(append(append([]string{sb.bwrap}, sb.args...), sb.argv...))
	if sb.filter != nil {
		line += fmt.Sprintf(" %d< %s", filterFD, bwrap.Quote([]string{sb.filterLabel}))
	}
	return line
}

func (sb *sandbox) launch(c *cli.Context) *bwrap.Launch {
	l := &bwrap.Launch{
		Bwrap:  sb.bwrap,
		Args:   sb.args,
		Argv:   sb.argv,
		Env:    []string{},
		Stdin:  os.Stdin,
		Stdout: c.App.Writer,
		Stderr: c.App.ErrWriter,
	}
	if sb.filter != nil {
		l.Files = []*os.File{sb.filter}
	}
	return l
}
