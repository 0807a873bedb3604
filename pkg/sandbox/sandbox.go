package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"

	"github.com/shannot-project/shannot/internal/hostpath"
	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/bwrap/option"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
	"github.com/shannot-project/shannot/profiles"
)

// Config says how sandboxes are built on this host.
type Config struct {
	// Bwrap is the bwrap executable (see launch.FindBwrap).
	Bwrap string
	// Seccomp opens and compiles filters; a zero Host is this host.
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
	// Identity, when set, is the unprivileged host user bwrap runs as:
	// shannot sets it whenever it runs as root, so that no sandboxed
	// process is host root. Bind sources are then opened by shannot
	// (hostpath.Open) and handed to bwrap as descriptors, and mount points
	// a user could redirect are refused.
	Identity *identity.Identity
	// Pool leases a host uid of its own to each root-run sandbox that
	// shares the host's processes (see hostView).
	Pool *identity.Pool
	// FindInit returns the path of shannot-init, which every sandbox that
	// shares a view of the host runs first (see openInit); nil refuses
	// such profiles.
	FindInit func() (string, error)
}

// FilterFD is the descriptor bwrap finds the seccomp filter on: the
// first extra file handed to bwrap.
const FilterFD = launch.FirstFD

// Sandbox is a profile's sandbox, ready to run a command.
type Sandbox struct {
	Profile *profile.Profile
	Bwrap   string
	Args    []string        // bwrap's options, ending with "--"
	Argv    []string        // the command, once Prepare accepted it
	Filter  *seccomp.Loaded // nil: no filter
	// Identity is who bwrap runs as on the host; nil: shannot's own.
	Identity *identity.Identity
	// files are handed to bwrap from descriptor 3 on: the filter first
	// (FilterFD), then the binds' sources when Identity is set.
	files []*os.File
	// sources are the host paths of the binds given by descriptor, for
	// CommandLine, by descriptor.
	sources map[int]string
	// lease is the run's own uid (host_view processes), until Close.
	lease *identity.Lease
	// initFD is the descriptor shannot-init is on (host views), 0 when
	// the command runs directly; writable are the mounts it lets the
	// command write beneath.
	initFD   int
	writable []string
}

// New opens the profile's filter and builds bwrap's options.
func New(p *profile.Profile, cfg Config) (*Sandbox, error) {
	sb := &Sandbox{Profile: p, Bwrap: cfg.Bwrap, Identity: cfg.Identity}
	opts := bwrap.Options{ForceUserNS: cfg.ForceUserNS || cfg.Identity != nil}
	switch {
	case cfg.Filter != nil:
		if !cfg.Force {
			if err := checkFilter(cfg.Filter, cfg.Warn); err != nil {
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
	if sb.Filter != nil {
		sb.addFile(sb.Filter.File)
	}
	if cfg.Identity != nil {
		fds, err := sb.openSources()
		if err != nil {
			sb.Close()
			return nil, err
		}
		opts.BindFDs = fds
	}
	if err := sb.hostView(cfg); err != nil {
		sb.Close()
		return nil, err
	}
	if err := sb.openInit(cfg); err != nil {
		sb.Close()
		return nil, err
	}
	// A uid of the run's own, as root: the host's ids are mapped in, so
	// the host's processes show their owners (see launch.HostIDMap).
	opts.HostIDMap = sb.lease != nil
	sb.Args = bwrap.Args(p, opts)
	return sb, nil
}

// addFile hands f to bwrap and returns the descriptor bwrap sees it on.
func (sb *Sandbox) addFile(f *os.File) int {
	sb.files = append(sb.files, f)
	return launch.FirstFD + len(sb.files) - 1
}

// openSources opens every bind's source without following a symlink a
// user could have planted, and refuses mount points that bwrap would
// make inside a bind a user can change. It returns the descriptors for
// bwrap.Options.BindFDs.
func (sb *Sandbox) openSources() ([]int, error) {
	p := sb.Profile
	for i := 0; i < len(p.AdditionalArgs); i++ {
		a := p.AdditionalArgs[i]
		if o, _ := option.Lookup(a); o.Model == option.BindMount {
			return nil, &profile.Error{File: p.Origin.String(), Pointer: fmt.Sprintf("/additional_args/%d", i),
				Msg: a + " in additional_args is refused when shannot runs as root: put the bind in binds, whose sources a root-run shannot opens safely"}
		}
	}
	fds := make([]int, len(p.Binds))
	opened := map[string]*hostpath.Resolved{} // by target
	sb.sources = map[int]string{}
	for i, b := range p.Binds {
		if !b.ReadOnly {
			// Every root-run sandbox is the same host user: a file it
			// left in a host directory (a setuid copy of a shell) would
			// be that user's to anyone, with power over every other
			// sandbox. A root-run sandbox writes nothing of the host's.
			return nil, &profile.Error{File: p.Origin.String(), Pointer: fmt.Sprintf("/binds/%d/read_only", i),
				Msg: "a writable bind is refused when shannot runs as root: the sandbox must write nothing of the host's; make it read-only, or use a tmpfs"}
		}
		src := b.Declared
		if src == "" {
			src = b.Source
		}
		r, err := hostpath.Open(src)
		if errors.Is(err, fs.ErrNotExist) && b.Optional {
			fds[i] = -1
			continue
		}
		if err == nil && (r.Path == "/proc" || strings.HasPrefix(r.Path, "/proc/")) {
			r.File.Close()
			err = fmt.Errorf("%s resolves into the host's /proc, which is refused", src)
		}
		if err != nil {
			return nil, &profile.Error{File: p.Origin.String(), Pointer: fmt.Sprintf("/binds/%d/source", i), Err: err}
		}
		fds[i] = sb.addFile(r.File)
		sb.sources[fds[i]] = r.Path
		opened[path.Clean(b.Target)] = r
	}
	mounts := bwrap.NewView(bwrap.Mounts(p), p.AdditionalArgs).Mounts()
	for _, m := range mounts {
		if err := checkMountPoint(m, mounts, opened); err != nil {
			return nil, &profile.Error{File: p.Origin.String(), Pointer: pointerOf(p, m), Err: err}
		}
	}
	return fds, nil
}

// checkMountPoint refuses m when bwrap would make its mount point inside
// a bind whose source someone other than root can change: there a user
// could turn a directory on the way into a symlink, and bwrap would
// create the mount point wherever it leads.
func checkMountPoint(m bwrap.Mount, mounts []bwrap.Mount, opened map[string]*hostpath.Resolved) error {
	target := path.Clean(m.Target)
	var encl *bwrap.Mount
	for i := range mounts {
		t := path.Clean(mounts[i].Target)
		if t != target && under(target, t) && (encl == nil || len(t) > len(path.Clean(encl.Target))) {
			encl = &mounts[i]
		}
	}
	if encl == nil || !encl.IsBind() {
		return nil // inside bwrap's own tmpfs root, a tmpfs, /proc or /dev
	}
	r, ok := opened[path.Clean(encl.Target)]
	if !ok || !r.IsDir {
		return nil
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(path.Dir(target), path.Clean(encl.Target)), "/")
	below, err := hostpath.Below(r, rel)
	why := r.Untrusted
	switch {
	case err == nil:
		below.File.Close()
		if below.Trusted {
			return nil
		}
		why = below.Untrusted
	case errors.Is(err, fs.ErrNotExist) && r.Trusted:
		return nil // bwrap would create it where only root can write: it fails, and says so
	case !errors.Is(err, fs.ErrNotExist):
		why = err.Error()
	}
	return fmt.Errorf("%s is a mount point inside the bind of %s, which someone other than root can change (%s): a root-run shannot makes no mount point a user could redirect; move the target out of that bind", target, r.Path, why)
}

// under says whether p is t or below it.
func under(p, t string) bool {
	return t == "/" || p == t || strings.HasPrefix(p, t+"/")
}

// pointerOf is the JSON pointer of the profile entry behind m.
func pointerOf(p *profile.Profile, m bwrap.Mount) string {
	for i, b := range p.Binds {
		if path.Clean(b.Target) == path.Clean(m.Target) {
			return fmt.Sprintf("/binds/%d/target", i)
		}
	}
	for i, t := range p.TmpfsPaths {
		if path.Clean(t) == path.Clean(m.Target) {
			return fmt.Sprintf("/tmpfs_paths/%d", i)
		}
	}
	return "/additional_args"
}

// Prepare is New for a command: it first finds the command inside the
// sandbox and checks it against allowed_commands
// (*bwrap.CommandNotFoundError, *bwrap.NotAllowedError).
func Prepare(p *profile.Profile, argv []string, cfg Config) (*Sandbox, error) {
	if err := CheckCommand(p, argv); err != nil {
		return nil, err
	}
	sb, err := New(p, cfg)
	if err != nil {
		return nil, err
	}
	sb.Argv = argv
	return sb, nil
}

// CheckCommand finds the command inside the profile's sandbox and checks
// it against allowed_commands (*bwrap.CommandNotFoundError,
// *bwrap.NotAllowedError), without opening or starting anything.
func CheckCommand(p *profile.Profile, argv []string) error {
	if len(argv) == 0 {
		return fmt.Errorf("no command given")
	}
	_, err := bwrap.ResolveCommand(p, argv[0])
	return err
}

// Close releases the filter, the binds' sources and a leased uid (killing
// whatever still runs as it).
func (sb *Sandbox) Close() {
	sb.releaseIdentity()
	if sb.Filter != nil {
		sb.Filter.Close()
	}
	for _, f := range sb.files {
		if sb.Filter == nil || f != sb.Filter.File {
			f.Close()
		}
	}
	sb.files = nil
}

// OpenFilter loads the profile's seccomp filter, compiling a JSON policy
// (or taking it from the cache), and unless Force checks that a command
// can start under it. A zero cfg.Seccomp.Host is this host
// (seccomp.ThisHost).
func OpenFilter(p *profile.Profile, cfg Config) (*seccomp.Loaded, error) {
	var (
		f   *seccomp.Loaded
		err error
	)
	if cfg.Seccomp.Host == (seccomp.Host{}) {
		cfg.Seccomp.Host = seccomp.ThisHost()
	}
	if name, ok := profiles.Cut(*p.SeccompProfile); ok {
		f, err = OpenBuiltinPolicy(name, cfg.Seccomp)
	} else {
		f, err = seccomp.Open(*p.SeccompProfile, cfg.Seccomp)
	}
	if err != nil {
		return nil, err
	}
	if len(f.Unknown) > 0 && cfg.Warn != nil && cfg.Seccomp.Cache.FirstTime("unknown-"+f.SHA256) {
		cfg.Warn(seccomp.UnknownWarning(f.Source, f.Library, f.Unknown))
	}
	if cfg.Warn != nil {
		for _, w := range f.Warnings {
			cfg.Warn(w)
		}
	}
	if !cfg.Force {
		if err := checkFilter(f, cfg.Warn); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// checkStart refuses a filter under which no command could start.
func checkStart(f *seccomp.Loaded) error {
	prog, err := f.Decoded()
	if err != nil {
		return &seccomp.Error{File: f.Source, Err: err}
	}
	if err := seccomp.CheckStart(prog, seccomp.ThisHost(), seccomp.SyscallNumber); err != nil {
		return &seccomp.Error{File: f.Source, Err: err}
	}
	return nil
}

// OpenBuiltinPolicy loads a policy embedded in the binary by its name in
// the embedded tree ("seccomp/readonly.json"): the program compiled at
// build time when there is one for this host (see precompile.go), else
// compiled, or taken from the cache, as any JSON policy.
func OpenBuiltinPolicy(name string, opts seccomp.Options) (*seccomp.Loaded, error) {
	data, err := profiles.ReadFile(name)
	if err != nil {
		return nil, &seccomp.Error{File: profiles.Ref(name), Msg: "no such built-in policy"}
	}
	if l, err := openPrecompiled(name, data, opts); l != nil || err != nil {
		return l, err
	}
	return seccomp.FromBytes(profiles.Ref(name), data, opts)
}

// CommandLine is the bwrap command line that reproduces the sandbox in a
// shell. A BPF file is opened on the filter's descriptor by a
// redirection; a JSON policy is compiled on the fly by a bash process
// substitution that runs self (shannot) seccomp compile.
//
// With an Identity, setpriv(1) starts bwrap as that user, as shannot
// does, and the binds' sources are opened by redirections.
func (sb *Sandbox) CommandLine(self string) string {
	line := bwrap.Quote(append(append([]string{sb.Bwrap}, sb.Args...), sb.CommandArgv(sb.Argv)...))
	if id := sb.Identity; id != nil {
		groups := "--clear-groups"
		if len(id.Groups) > 0 {
			gs := make([]string, len(id.Groups))
			for i, g := range id.Groups {
				gs[i] = strconv.FormatUint(uint64(g), 10)
			}
			groups = "--groups=" + strings.Join(gs, ",")
		}
		user := id.User
		if id.Dynamic {
			user = strconv.FormatUint(uint64(id.UID), 10) // no account has it
		}
		line = fmt.Sprintf("setpriv --reuid=%s --regid=%d %s --inh-caps=-all -- %s", user, id.GID, groups, line)
	}
	switch {
	case sb.Filter == nil:
	case sb.Filter.Policy:
		line += fmt.Sprintf(" %d< <(%s)", FilterFD, bwrap.Quote([]string{self, "seccomp", "compile", sb.Filter.Source, "-"}))
	default:
		line += fmt.Sprintf(" %d< %s", FilterFD, bwrap.Quote([]string{sb.Filter.Source}))
	}
	for fd := FilterFD; fd < FilterFD+len(sb.files); fd++ {
		if src, ok := sb.sources[fd]; ok {
			line += fmt.Sprintf(" %d< %s", fd, bwrap.Quote([]string{src}))
		}
	}
	return line
}

// CommandLineNotes say where CommandLine cannot reproduce the run: what
// shannot does during the launch that a shell line cannot.
func (sb *Sandbox) CommandLineNotes() []string {
	if sb.lease == nil {
		return nil
	}
	return []string{
		"as root, shannot also writes the sandbox's uid and gid maps (every host id as itself: 0 0 4294967295) through bwrap's --userns-block-fd and --info-fd while it starts, which a shell line cannot: run by hand, the line maps only the run's uid, and other owners show as nobody",
		fmt.Sprintf("uid %d was leased for this dry run only: by hand, use a uid that no account, group or process has", sb.lease.UID),
	}
}

// Streams are the command's standard streams. A nil Stdin is /dev/null.
type Streams struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Launch returns the bwrap run for the command, with the filter and the
// binds' sources already handed over; more files go in with AddFile.
func (sb *Sandbox) Launch(s Streams, limits launch.Limits) *launch.Launch {
	l := &launch.Launch{
		Bwrap:  sb.Bwrap,
		Args:   sb.Args,
		Argv:   sb.CommandArgv(sb.Argv),
		Env:    []string{},
		Stdin:  s.Stdin,
		Stdout: s.Stdout,
		Stderr: s.Stderr,
		Limits: limits,
	}
	l.Files = append([]*os.File(nil), sb.files...)
	l.StatusUnreported = statusUnreported(sb.Filter, len(l.Files))
	// No PID namespace of its own (bwrap.Args): the run's processes are
	// the host's, and only their session says which they are.
	l.KillSession = sb.Profile.Shares(profile.ViewProcesses)
	if l.KillSession && sb.Identity == nil {
		// Run as a user: record the run, so that the next one can end
		// what it leaves if shannot is killed (launch.ReapDeadRuns).
		l.RunDir = launch.UserRunDir()
	}
	if sb.Identity != nil {
		l.Credential = &syscall.Credential{Uid: sb.Identity.UID, Gid: sb.Identity.GID, Groups: sb.Identity.Groups}
		l.MapHostIDs = sb.lease != nil
	}
	return l
}

// Run runs the command with the given streams and limits.
func (sb *Sandbox) Run(ctx context.Context, s Streams, limits launch.Limits, forwardSignals bool) (launch.Status, error) {
	l := sb.Launch(s, limits)
	l.ForwardSignals = forwardSignals
	return l.Run(ctx)
}
