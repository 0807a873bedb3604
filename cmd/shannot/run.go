package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/audit"
	"github.com/shannot-project/shannot/internal/trust"
	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/profiles"
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
			forceFlag,
		},
		Action: runAction,
	}
}

func runAction(c *cli.Context) (err error) {
	argv := c.Args().Slice()
	if len(argv) == 0 {
		return &usageError{msg: "run needs a command, e.g. shannot run ls /"}
	}
	rec := audit.Record{Time: time.Now(), User: who.name, UID: who.uid, Argv: argv}
	if who.privileged && !c.Bool("dry-run") {
		defer func() { logRun(c, rec, err) }()
	}
	p, err := loadProfile(c)
	if err != nil {
		return err
	}
	rec.Profile, rec.ProfileSHA256 = p.Origin.String(), p.SHA256
	if _, err := bwrap.ResolveCommand(p, argv[0]); err != nil {
		return err
	}
	sb, err := prepare(c, p, c.Bool("dry-run"))
	if err != nil {
		return err
	}
	defer sb.close()
	sb.argv = argv
	if sb.filter != nil {
		rec.Filter, rec.FilterSHA256 = sb.filter.Source, sb.filter.SHA256
	}
	if c.Bool("dry-run") {
		fmt.Fprintln(c.App.Writer, sb.commandLine())
		return nil
	}
	status, err := sb.launch(c).Run()
	if err != nil {
		return err
	}
	return &statusError{code: status.ExitCode}
}

// logRun audit-logs a run made as root for another user. A logging
// failure is reported and changes nothing else.
func logRun(c *cli.Context, rec audit.Record, runErr error) {
	rec.DurationMS = time.Since(rec.Time).Milliseconds()
	rec.ExitStatus = exitCode(runErr)
	if runErr == nil {
		rec.ExitStatus = 0
	}
	var st *statusError
	if runErr != nil && !(errors.As(runErr, &st) && st.err == nil) {
		rec.Error = runErr.Error()
	}
	cfg, err := audit.LoadConfig(trust.Open)
	if err == nil {
		err = audit.Log(rec, cfg)
	} else {
		err = errors.Join(err, audit.Log(rec, audit.Config{}))
	}
	if err != nil {
		fmt.Fprintf(c.App.ErrWriter, "shannot: warning: audit log: %v\n", err)
	}
}

// loadProfile finds and loads the profile that --profile and the
// discovery order select.
func loadProfile(c *cli.Context) (*profile.Profile, error) {
	origin, err := profileSearch(c.String("profile")).Find()
	if err != nil {
		return nil, err
	}
	p, err := profile.Open(origin, opener())
	if err != nil {
		return nil, err
	}
	if who.privileged {
		if err := bwrap.CheckForRoot(p); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// forceFlag skips the check that a command can start under the filter.
var forceFlag = &cli.BoolFlag{Name: "force", Usage: "run even when the seccomp filter looks like it stops every command from starting"}

// sandbox is a command ready to run in a profile's sandbox.
type sandbox struct {
	bwrap  string
	args   []string // bwrap's options, ending with "--"
	argv   []string
	filter *seccomp.Loaded // nil: no filter
}

// filterFD is the descriptor bwrap finds the seccomp filter on: the
// first of Launch.Files.
const filterFD = 3

// prepare opens the profile's filter, finds bwrap and builds bwrap's
// options. A dry run needs no bwrap on this host.
func prepare(c *cli.Context, p *profile.Profile, dryRun bool) (*sandbox, error) {
	if c.Bool("force") && who.privileged {
		return nil, refused("--force")
	}
	sb := &sandbox{}
	opts := bwrap.Options{SeccompFD: -1, ForceUserNS: who.privileged}
	if p.SeccompProfile != nil {
		f, err := openFilter(c, p)
		if err != nil {
			return nil, err
		}
		sb.filter, opts.SeccompFD = f, filterFD
	}
	sb.args = bwrap.Args(p, opts)
	b, err := findBwrap(c.String("bwrap"))
	if err != nil && (!dryRun || errors.Is(err, errRefused)) {
		sb.close()
		return nil, err
	}
	if b == "" {
		b = "bwrap"
	}
	sb.bwrap = b
	return sb, nil
}

// openFilter loads the profile's seccomp filter, compiling a JSON policy
// (or taking it from the cache), and unless --force checks that a
// command can start under it.
func openFilter(c *cli.Context, p *profile.Profile) (*seccomp.Loaded, error) {
	opts := seccompOptions()
	var (
		f   *seccomp.Loaded
		err error
	)
	if p.Origin.Builtin {
		f, err = openBuiltinPolicy(*p.SeccompProfile, opts)
	} else {
		f, err = seccomp.Open(*p.SeccompProfile, opts)
	}
	if err != nil {
		return nil, err
	}
	if len(f.Unknown) > 0 {
		fmt.Fprintf(c.App.ErrWriter, "shannot: warning: seccomp policy %s: system calls unknown to libseccomp %s get the default action: %s\n",
			f.Source, seccomp.LibraryVersion(), strings.Join(f.Unknown, ", "))
	}
	if !c.Bool("force") {
		if err := checkStart(f); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// checkStart refuses a filter under which no command could start.
func checkStart(f *seccomp.Loaded) error {
	prog, err := seccomp.Decode(f.Program)
	if err != nil {
		return &seccomp.Error{File: f.Source, Msg: err.Error()}
	}
	if err := seccomp.CheckStart(prog, seccomp.ThisHost(), seccomp.SyscallNumber); err != nil {
		return &seccomp.Error{File: f.Source, Msg: err.Error()}
	}
	return nil
}

// openBuiltinPolicy loads a policy embedded in the binary.
func openBuiltinPolicy(name string, opts seccomp.Options) (*seccomp.Loaded, error) {
	data, err := fs.ReadFile(profiles.FS, name)
	if err != nil {
		return nil, &seccomp.Error{File: "builtin:" + name, Msg: "no such built-in policy"}
	}
	return seccomp.FromBytes("builtin:"+name, data, opts)
}

func (sb *sandbox) close() {
	if sb.filter != nil {
		sb.filter.Close()
	}
}

// commandLine is the bwrap command line that reproduces the sandbox in a
// shell. A BPF file is opened on the filter's descriptor by a
// redirection; a JSON policy is compiled on the fly by a bash process
// substitution.
func (sb *sandbox) commandLine() string {
	line := bwrap.Quote(append(append([]string{sb.bwrap}, sb.args...), sb.argv...))
	switch {
	case sb.filter == nil:
	case sb.filter.Policy:
		self, err := os.Executable()
		if err != nil {
			self = "shannot"
		}
		line += fmt.Sprintf(" %d< <(%s)", filterFD, bwrap.Quote([]string{self, "seccomp", "compile", sb.filter.Source, "-"}))
	default:
		line += fmt.Sprintf(" %d< %s", filterFD, bwrap.Quote([]string{sb.filter.Source}))
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
		l.Files = []*os.File{sb.filter.File}
	}
	return l
}
