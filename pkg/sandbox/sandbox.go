package sandbox

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/profiles"
)

// Config says how sandboxes are built on this host.
type Config struct {
	// Bwrap is the bwrap executable (see bwrap.FindBwrap).
	Bwrap string
	// Seccomp opens and compiles filters.
	Seccomp seccomp.Options
	// Force skips the check that a command can start under the filter.
	Force bool
	// ForceUserNS always gives the command a user namespace with nested
	// ones disabled (see bwrap.Options).
	ForceUserNS bool
	// Warn receives warnings (unknown system calls in a policy); nil
	// drops them.
	Warn func(string)
	// Filter, when set, is the seccomp filter to use instead of opening
	// the profile's seccomp_profile (a remote run brings its program).
	// The sandbox closes it.
	Filter *seccomp.Loaded
}

// FilterFD is the descriptor bwrap finds the seccomp filter on: the
// first extra file handed to bwrap.
const FilterFD = 3

// Sandbox is a profile's sandbox, ready to run a command.
type Sandbox struct {
	Profile *profile.Profile
	Bwrap   string
	Args    []string        // bwrap's options, ending with "--"
	Argv    []string        // the command, once SetCommand accepted it
	Filter  *seccomp.Loaded // nil: no filter
}

// New opens the profile's filter and builds bwrap's options.
func New(p *profile.Profile, cfg Config) (*Sandbox, error) {
	sb := &Sandbox{Profile: p, Bwrap: cfg.Bwrap}
	opts := bwrap.Options{SeccompFD: -1, ForceUserNS: cfg.ForceUserNS}
	switch {
	case cfg.Filter != nil:
		if !cfg.Force {
			if err := checkStart(cfg.Filter); err != nil {
				cfg.Filter.Close()
				return nil, err
			}
		}
		sb.Filter, opts.SeccompFD = cfg.Filter, FilterFD
	case p.SeccompProfile != nil:
		f, err := OpenFilter(p, cfg)
		if err != nil {
			return nil, err
		}
		sb.Filter, opts.SeccompFD = f, FilterFD
	}
	sb.Args = bwrap.Args(p, opts)
	return sb, nil
}

// Prepare is New for a command: it first finds the command inside the
// sandbox and checks it against allowed_commands
// (*bwrap.CommandNotFoundError, *bwrap.NotAllowedError).
func Prepare(p *profile.Profile, argv []string, cfg Config) (*Sandbox, error) {
	if err := checkCommand(p, argv); err != nil {
		return nil, err
	}
	sb, err := New(p, cfg)
	if err != nil {
		return nil, err
	}
	sb.Argv = argv
	return sb, nil
}

func checkCommand(p *profile.Profile, argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("no command given")
	}
	_, err := bwrap.ResolveCommand(p, argv[0])
	return err
}

// Close releases the filter.
func (sb *Sandbox) Close() {
	if sb.Filter != nil {
		sb.Filter.Close()
	}
}

// OpenFilter loads the profile's seccomp filter, compiling a JSON policy
// (or taking it from the cache), and unless Force checks that a command
// can start under it.
func OpenFilter(p *profile.Profile, cfg Config) (*seccomp.Loaded, error) {
	var (
		f   *seccomp.Loaded
		err error
	)
	if p.Origin.Builtin {
		f, err = OpenBuiltinPolicy(*p.SeccompProfile, cfg.Seccomp)
	} else {
		f, err = seccomp.Open(*p.SeccompProfile, cfg.Seccomp)
	}
	if err != nil {
		return nil, err
	}
	if len(f.Unknown) > 0 && cfg.Warn != nil {
		cfg.Warn(fmt.Sprintf("seccomp policy %s: system calls unknown to libseccomp %s get the default action: %s",
			f.Source, seccomp.LibraryVersion(), strings.Join(f.Unknown, ", ")))
	}
	if !cfg.Force {
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

// OpenBuiltinPolicy loads a policy embedded in the binary by its name in
// the embedded tree ("seccomp/readonly.json").
func OpenBuiltinPolicy(name string, opts seccomp.Options) (*seccomp.Loaded, error) {
	data, err := fs.ReadFile(profiles.FS, name)
	if err != nil {
		return nil, &seccomp.Error{File: "builtin:" + name, Msg: "no such built-in policy"}
	}
	return seccomp.FromBytes("builtin:"+name, data, opts)
}

// CommandLine is the bwrap command line that reproduces the sandbox in a
// shell. A BPF file is opened on the filter's descriptor by a
// redirection; a JSON policy is compiled on the fly by a bash process
// substitution that runs self (shannot) seccomp compile.
func (sb *Sandbox) CommandLine(self string) string {
	line := bwrap.Quote(append(append([]string{sb.Bwrap}, sb.Args...), sb.Argv...))
	switch {
	case sb.Filter == nil:
	case sb.Filter.Policy:
		line += fmt.Sprintf(" %d< <(%s)", FilterFD, bwrap.Quote([]string{self, "seccomp", "compile", sb.Filter.Source, "-"}))
	default:
		line += fmt.Sprintf(" %d< %s", FilterFD, bwrap.Quote([]string{sb.Filter.Source}))
	}
	return line
}

// Streams are the command's standard streams. A nil Stdin is /dev/null.
type Streams struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Launch returns the bwrap run for the command; extra files follow the
// filter's descriptor.
func (sb *Sandbox) Launch(s Streams, limits bwrap.Limits, extra ...*os.File) *bwrap.Launch {
	l := &bwrap.Launch{
		Bwrap:  sb.Bwrap,
		Args:   sb.Args,
		Argv:   sb.Argv,
		Env:    []string{},
		Stdin:  s.Stdin,
		Stdout: s.Stdout,
		Stderr: s.Stderr,
		Limits: limits,
	}
	if sb.Filter != nil {
		l.Files = []*os.File{sb.Filter.File}
	}
	l.Files = append(l.Files, extra...)
	return l
}

// Run runs the command with the given streams and limits.
func (sb *Sandbox) Run(ctx context.Context, s Streams, limits bwrap.Limits, forwardSignals bool) (bwrap.Status, error) {
	l := sb.Launch(s, limits)
	l.ForwardSignals = forwardSignals
	return l.Run(ctx)
}
