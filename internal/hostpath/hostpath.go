package hostpath

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// maxLinks bounds the symlinks followed, as the kernel's ELOOP does.
const maxLinks = 40

// Resolved is a host path opened for a bind.
type Resolved struct {
	// File is an O_PATH descriptor of what the path names.
	File *os.File
	// Path is where the resolution ended, symlinks followed.
	Path string
	// IsDir says whether File is a directory.
	IsDir bool
	// Trusted says that every directory passed on the way, and File
	// itself when it is a directory, is owned by root and writable by
	// neither group nor others: nobody but root can change what lies at
	// or below Path.
	Trusted bool
	// Untrusted names the first directory that is not, when Trusted is
	// false, with its owner and mode.
	Untrusted string
}

// Error says why a path was not opened.
type Error struct {
	Path   string // the path asked for
	Reason string
	Err    error // the underlying errno, if any
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Path, e.Reason) }
func (e *Error) Unwrap() error { return e.Err }

// Open resolves the absolute path p on the host.
func Open(p string) (*Resolved, error) {
	if !path.IsAbs(p) {
		return nil, &Error{Path: p, Reason: "not an absolute path"}
	}
	root, err := openPath(unix.AT_FDCWD, "/")
	if err != nil {
		return nil, &Error{Path: p, Reason: "opening /", Err: err}
	}
	return walk(p, root, "/", p)
}

// Below resolves rel under the directory r, as bwrap would when it makes
// a mount point at rel inside a bind of r. The caller closes both.
func Below(r *Resolved, rel string) (*Resolved, error) {
	fd, err := unix.Dup(int(r.File.Fd()))
	if err != nil {
		return nil, &Error{Path: r.Path, Reason: "dup", Err: err}
	}
	unix.CloseOnExec(fd)
	res, err := walk(path.Join(r.Path, rel), fd, r.Path, rel)
	if err == nil && !r.Trusted {
		res.Trusted, res.Untrusted = false, r.Untrusted
	}
	return res, err
}

func openPath(dirfd int, name string) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// judge says whether the directory st may hold symlinks and entries that
// only root could have made, and if not, why.
//
// A directory on FUSE is never trusted: the user who mounted it chooses
// the owners and modes it shows (a "root-owned" directory full of links).
func judge(fd int, dir string, st *unix.Stat_t) (ok bool, why string) {
	var fs unix.Statfs_t
	if err := unix.Fstatfs(fd, &fs); err != nil || fs.Type == unix.FUSE_SUPER_MAGIC {
		return false, fmt.Sprintf("%s (on a FUSE file system, whose owners and modes its user chooses)", dir)
	}
	switch {
	case st.Uid != 0:
		return false, fmt.Sprintf("%s (owned by uid %d)", dir, st.Uid)
	case st.Mode&0o022 != 0:
		return false, fmt.Sprintf("%s (mode %04o: writable by group or others)", dir, st.Mode&0o7777)
	}
	return true, ""
}

// walk resolves rest from the directory descriptor dirfd (named dir),
// which it takes over.
func walk(asked string, dirfd int, dir, rest string) (*Resolved, error) {
	fail := func(reason string, err error) (*Resolved, error) {
		unix.Close(dirfd)
		return nil, &Error{Path: asked, Reason: reason, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(dirfd, &st); err != nil {
		return fail("stat "+dir, err)
	}
	dirOK, why := judge(dirfd, dir, &st)
	res := &Resolved{Trusted: dirOK, Untrusted: why, IsDir: true}
	comps := strings.Split(rest, "/")
	links := 0
	for len(comps) > 0 {
		name := comps[0]
		comps = comps[1:]
		if name == "" || name == "." {
			continue
		}
		fd, err := openPath(dirfd, name)
		if err != nil {
			return fail(fmt.Sprintf("%s: %v", path.Join(dir, name), err), err)
		}
		if err := unix.Fstat(fd, &st); err != nil {
			unix.Close(fd)
			return fail("stat "+path.Join(dir, name), err)
		}
		next := path.Join(dir, name)
		if name == ".." {
			next = path.Dir(dir)
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			if !dirOK {
				unix.Close(fd)
				return fail(fmt.Sprintf("%s is a symlink in %s, which someone other than root can change: a root-run shannot follows no symlink a user could have planted; bind the real path", next, why), unix.ELOOP)
			}
			if links++; links > maxLinks {
				unix.Close(fd)
				return fail("too many levels of symbolic links", unix.ELOOP)
			}
			target, err := readlink(fd)
			unix.Close(fd)
			if err != nil {
				return fail("reading symlink "+next, err)
			}
			comps = append(strings.Split(target, "/"), comps...)
			if path.IsAbs(target) {
				root, err := openPath(unix.AT_FDCWD, "/")
				if err != nil {
					return fail("opening /", err)
				}
				unix.Close(dirfd)
				dirfd, dir = root, "/"
				if err := unix.Fstat(dirfd, &st); err != nil {
					return fail("stat /", err)
				}
				dirOK, why = judge(dirfd, dir, &st)
				if !dirOK && res.Trusted {
					res.Trusted, res.Untrusted = false, why
				}
			}
		case unix.S_IFDIR:
			unix.Close(dirfd)
			dirfd, dir = fd, next
			dirOK, why = judge(dirfd, dir, &st)
			if !dirOK && res.Trusted {
				res.Trusted, res.Untrusted = false, why
			}
		default:
			if len(nonEmpty(comps)) > 0 {
				unix.Close(fd)
				return fail(next+" is not a directory", unix.ENOTDIR)
			}
			unix.Close(dirfd)
			res.File, res.Path, res.IsDir = os.NewFile(uintptr(fd), next), next, false
			return res, nil
		}
	}
	res.File, res.Path = os.NewFile(uintptr(dirfd), dir), dir
	return res, nil
}

func nonEmpty(comps []string) []string {
	var out []string
	for _, c := range comps {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

// readlink reads the symlink an O_PATH|O_NOFOLLOW descriptor holds.
func readlink(fd int) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return "", err
	}
	if n == len(buf) {
		return "", errors.New("symlink target too long")
	}
	return string(buf[:n]), nil
}
