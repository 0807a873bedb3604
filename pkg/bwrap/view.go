package bwrap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/shannot-project/shannot/pkg/profile"
)

// View models the sandbox's file system from its mounts, so that paths
// inside the sandbox can be resolved on the host before bwrap runs.
type View struct {
	mounts []Mount
	// Cwd is the sandbox's working directory when additional_args give
	// --chdir, else "".
	Cwd string
	// Lstat looks at host paths; nil means os.Lstat. Tests replace it.
	Lstat func(string) (fs.FileInfo, error)
	// Readlink reads host symlinks; nil means os.Readlink.
	Readlink func(string) (string, error)
}

// ErrNotFound is returned by View.Resolve and View.LookPath when the path
// or command does not exist inside the sandbox.
var ErrNotFound = errors.New("not found")

// NewView models the sandbox made of mounts followed by the mounts that
// extra (a profile's additional_args) performs.
func NewView(mounts []Mount, extra []string) *View {
	v := &View{mounts: append([]Mount(nil), mounts...)}
	for i := 0; i < len(extra); i++ {
		opt := extra[i]
		n, known := optionArity[opt]
		if !known {
			continue
		}
		if i+n >= len(extra) {
			break // bwrap itself will complain about the missing argument
		}
		a := extra[i+1 : i+1+n]
		switch opt {
		case optROBind, optROBindTry, optBind, optBindTry, optDevBind, optDevBindTry:
			v.mounts = append(v.mounts, Mount{Op: opt, Source: a[0], Target: path.Clean(a[1])})
		case optSymlink:
			v.mounts = append(v.mounts, Mount{Op: opt, Source: a[0], Target: path.Clean(a[1])})
		case optTmpfs, optDir, optProc, optDev:
			v.mounts = append(v.mounts, Mount{Op: opt, Target: path.Clean(a[0])})
		case optChdir:
			v.Cwd = path.Clean(a[0])
		}
		i += n
	}
	return v
}

// optionArity is how many arguments each bwrap option takes, so that
// additional_args can be read without mistaking a value for an option.
var optionArity = map[string]int{
	"--unshare-all": 0, "--share-net": 0, "--unshare-user": 0, "--unshare-user-try": 0, "--unshare-ipc": 0,
	"--unshare-pid": 0, "--unshare-net": 0, "--unshare-uts": 0, "--unshare-cgroup": 0, "--unshare-cgroup-try": 0,
	"--clearenv": 0, "--new-session": 0, "--die-with-parent": 0, "--as-pid-1": 0, "--disable-userns": 0,
	"--assert-userns-disabled": 0,
	"--userns":                 1, "--userns2": 1, "--pidns": 1, "--uid": 1, "--gid": 1, "--hostname": 1, "--chdir": 1,
	"--unsetenv": 1, "--lock-file": 1, "--sync-fd": 1, "--remount-ro": 1, "--exec-label": 1, "--file-label": 1,
	"--proc": 1, "--dev": 1, "--tmpfs": 1, "--mqueue": 1, "--dir": 1, "--seccomp": 1, "--add-seccomp-fd": 1,
	"--block-fd": 1, "--userns-block-fd": 1, "--info-fd": 1, "--json-status-fd": 1, "--cap-add": 1,
	"--cap-drop": 1, "--perms": 1, "--size": 1, "--argv0": 1,
	"--setenv": 2, "--bind": 2, "--bind-try": 2, "--dev-bind": 2, "--dev-bind-try": 2, "--ro-bind": 2,
	"--ro-bind-try": 2, "--file": 2, "--bind-data": 2, "--ro-bind-data": 2, "--symlink": 2, "--chmod": 2,
}

// unmodelled are bwrap options a profile's additional_args may not use:
// they take descriptors shannot does not hand over, or change the
// sandbox's files in ways View does not follow, so the command checked
// could differ from the command run.
var unmodelled = map[string]string{
	"--overlay-src": "overlays are not modelled", "--overlay": "overlays are not modelled",
	"--tmp-overlay": "overlays are not modelled", "--ro-overlay": "overlays are not modelled",
	"--bind-fd": "it takes a descriptor", "--ro-bind-fd": "it takes a descriptor",
	"--file": "it takes a descriptor", "--bind-data": "it takes a descriptor", "--ro-bind-data": "it takes a descriptor",
	"--args": "it takes a descriptor", "--userns": "it takes a descriptor", "--userns2": "it takes a descriptor",
	"--pidns": "it takes a descriptor", "--sync-fd": "it takes a descriptor", "--block-fd": "it takes a descriptor",
	"--userns-block-fd": "it takes a descriptor", "--info-fd": "it takes a descriptor",
	"--json-status-fd": "shannot uses it itself", "--seccomp": "use seccomp_profile", "--add-seccomp-fd": "use seccomp_profile",
}

// CheckAdditionalArgs refuses additional_args that shannot cannot follow:
// unknown options, options in unmodelled, and stray words (bwrap would
// take a stray word for the command).
func CheckAdditionalArgs(p *profile.Profile) error {
	fail := func(i int, format string, args ...any) error {
		return &profile.Error{File: p.Origin.String(), Pointer: fmt.Sprintf("/additional_args/%d", i), Msg: fmt.Sprintf(format, args...)}
	}
	args := p.AdditionalArgs
	for i := 0; i < len(args); i++ {
		opt := args[i]
		if why, ok := unmodelled[opt]; ok {
			return fail(i, "%s is not supported in additional_args: %s", opt, why)
		}
		n, known := optionArity[opt]
		switch {
		case known && i+n >= len(args):
			return fail(i, "%s needs %d argument(s)", opt, n)
		case known:
			i += n
		case strings.HasPrefix(opt, "-"):
			return fail(i, "unknown bwrap option %q", opt)
		default:
			return fail(i, "%q is not a bwrap option: bwrap would run it as the command", opt)
		}
	}
	return nil
}

// maxLinks bounds symlink resolution, as the kernel's ELOOP does.
const maxLinks = 40

func (v *View) lstat(p string) (fs.FileInfo, error) {
	if v.Lstat != nil {
		return v.Lstat(p)
	}
	return os.Lstat(p)
}

func (v *View) readlink(p string) (string, error) {
	if v.Readlink != nil {
		return v.Readlink(p)
	}
	return os.Readlink(p)
}

// entry is what a sandbox path is, after the mounts.
type entry struct {
	kind    entryKind
	host    string // the host path behind it, for kindHost
	link    string // the link text, for kindLink
	hostErr error
}

type entryKind int

const (
	kindMissing entryKind = iota
	kindDir               // a directory bwrap made (tmpfs, mount point, /proc, /dev)
	kindHost              // a host path seen through a bind
	kindLink              // a symlink made by --symlink or found on the host
)

// at says what the sandbox path p (absolute, clean, with no symlink in
// its parent directories) is.
func (v *View) at(p string) entry {
	for i := len(v.mounts) - 1; i >= 0; i-- {
		m := v.mounts[i]
		if !covers(m.Target, p) {
			continue
		}
		switch {
		case m.isBind():
			src := m.Source
			if _, err := v.lstat(src); err != nil {
				continue // a -try bind of a missing source mounts nothing
			}
			host := path.Join(src, strings.TrimPrefix(p, m.Target))
			fi, err := v.lstat(host)
			if err != nil {
				return entry{kind: kindMissing, hostErr: err}
			}
			if fi.Mode()&fs.ModeSymlink != 0 {
				link, err := v.readlink(host)
				if err != nil {
					return entry{kind: kindMissing, hostErr: err}
				}
				return entry{kind: kindLink, link: link, host: host}
			}
			return entry{kind: kindHost, host: host}
		case m.Op == optSymlink:
			if p == m.Target {
				return entry{kind: kindLink, link: m.Source}
			}
			// Below a symlink: the caller resolves the link first.
			return entry{kind: kindMissing}
		default: // a directory made inside the sandbox
			if p == m.Target {
				return entry{kind: kindDir}
			}
			if v.isMountAncestor(p, i) {
				return entry{kind: kindDir}
			}
			return entry{kind: kindMissing}
		}
	}
	if p == "/" || v.isMountAncestor(p, -1) {
		return entry{kind: kindDir}
	}
	return entry{kind: kindMissing}
}

// isMountAncestor reports whether bwrap creates p as a parent directory
// of a mount point performed after mount index after.
func (v *View) isMountAncestor(p string, after int) bool {
	for _, m := range v.mounts[after+1:] {
		if p != m.Target && covers(p, m.Target) {
			return true
		}
	}
	return false
}

// covers reports whether dir is p or one of p's parent directories.
func covers(dir, p string) bool {
	return dir == "/" || p == dir || strings.HasPrefix(p, dir+"/")
}

// Resolve follows p inside the sandbox, symlinks and ".." included, and
// returns its canonical path inside the sandbox and the host path behind
// it. A directory that bwrap made (a tmpfs, a mount point) has no host
// path: host is "". A path below such a directory does not exist when the
// command starts and gives ErrNotFound.
func (v *View) Resolve(p string) (canonical, host string, err error) {
	if !strings.HasPrefix(p, "/") {
		if v.Cwd == "" {
			return "", "", fmt.Errorf("relative path %q: %w", p, ErrNotFound)
		}
		p = path.Join(v.Cwd, p)
	}
	rest := strings.Split(p, "/")
	cur := "/"
	links := 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			host = ""
			continue
		}
		next := path.Join(cur, name)
		e := v.at(next)
		switch e.kind {
		case kindMissing:
			return "", "", fmt.Errorf("%s: %w", next, ErrNotFound)
		case kindLink:
			links++
			if links > maxLinks {
				return "", "", fmt.Errorf("%s: too many levels of symbolic links", p)
			}
			target := e.link
			if !strings.HasPrefix(target, "/") {
				target = path.Join(cur, target)
			}
			rest = append(strings.Split(target, "/"), rest...)
			cur, host = "/", ""
		case kindHost:
			cur, host = next, e.host
		case kindDir:
			cur, host = next, ""
		}
	}
	if cur != "/" && host == "" {
		// The last step may have been "..": look again at what cur is.
		if e := v.at(cur); e.kind == kindHost {
			host = e.host
		}
	}
	return cur, host, nil
}

// LookPath finds a command inside the sandbox the way execvp does, with
// the sandbox's PATH (empty means glibc's default, /bin:/usr/bin). It
// returns the command's path inside the sandbox, its directory made
// canonical but its own name kept (so that a symlink such as
// /usr/bin/awk -> mawk is still "awk"), and the host file behind it.
func (v *View) LookPath(name, pathEnv string) (found, host string, err error) {
	candidates := []string{name}
	if !strings.Contains(name, "/") {
		if pathEnv == "" {
			pathEnv = "/bin:/usr/bin"
		}
		candidates = candidates[:0]
		for _, dir := range strings.Split(pathEnv, ":") {
			if dir == "" {
				dir = "."
			}
			candidates = append(candidates, path.Join(dir, name))
		}
	}
	lastErr := ErrNotFound
	for _, c := range candidates {
		// Split without cleaning: "a/link/../x" must follow link first.
		i := strings.LastIndex(c, "/")
		dirPart, base := c[:i+1], c[i+1:]
		if dirPart == "" {
			dirPart = "."
		}
		dir, _, err := v.Resolve(dirPart)
		if err != nil {
			continue
		}
		_, host, err := v.Resolve(c)
		if err != nil {
			continue
		}
		if err := checkExecutable(v, host); err != nil {
			lastErr = err
			continue
		}
		return path.Join(dir, base), host, nil
	}
	return "", "", fmt.Errorf("%q: %w", name, lastErr)
}

// ErrNotExecutable is returned by View.LookPath for a file that exists
// but cannot be run.
var ErrNotExecutable = errors.New("not an executable file")

func checkExecutable(v *View, host string) error {
	if host == "" {
		return ErrNotExecutable // a directory bwrap made
	}
	fi, err := v.lstat(host)
	if err != nil {
		return ErrNotFound
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return ErrNotExecutable
	}
	return nil
}
