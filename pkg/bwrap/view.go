package bwrap

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/shannot-project/shannot/pkg/bwrap/option"
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
		o, known := option.Lookup(opt)
		if !known {
			continue
		}
		if i+o.Arity >= len(extra) {
			break // bwrap itself will complain about the missing argument
		}
		a := extra[i+1 : i+1+o.Arity]
		switch o.Model {
		case option.BindMount, option.MakeSymlink:
			v.mounts = append(v.mounts, Mount{Op: opt, Source: a[0], Target: path.Clean(a[1])})
		case option.MakeDir:
			v.mounts = append(v.mounts, Mount{Op: opt, Target: path.Clean(a[0])})
		case option.SetCwd:
			v.Cwd = path.Clean(a[0])
		case option.Unmodelled: // nothing of the file system to follow
		}
		i += o.Arity
	}
	return v
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
		case m.Op == option.Symlink:
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
			pathEnv = profile.DefaultPath
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

// Mounts are the sandbox's mounts in the order bwrap makes them: the
// profile's, then those of additional_args.
func (v *View) Mounts() []Mount { return append([]Mount(nil), v.mounts...) }

// IsBind says whether the mount binds a host path.
func (m Mount) IsBind() bool { return m.isBind() }
