package trust

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Error says why a path is not trusted.
type Error struct {
	Path    string // the path that was asked for
	Culprit string // the file, directory or link that fails
	Reason  string
}

func (e *Error) Error() string {
	if e.Culprit == e.Path {
		return fmt.Sprintf("%s is not trusted: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("%s is not trusted: %s %s", e.Path, e.Culprit, e.Reason)
}

// maxLinks bounds the symlinks followed, as the kernel's ELOOP does.
const maxLinks = 40

// checker applies the rule below root, trusting owner. The system's is
// root "/" and owner 0; tests use a directory of their own.
type checker struct {
	root  string
	owner uint32
}

var system = checker{root: "/", owner: 0}

// Open opens path for reading if it is trusted, and returns the open
// file. It refuses anything but a regular file.
func Open(path string) (*os.File, error) { return system.open(path) }

// CheckDir returns nil when dir and every directory above it are trusted.
func CheckDir(dir string) error { return system.checkDir(dir) }

func (c checker) open(path string) (*os.File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	real, err := c.walk(abs)
	if err != nil {
		return nil, err
	}
	// Judge the file before opening it: opening a device as root can do
	// things (a watchdog starts ticking, a tape rewinds).
	before, err := os.Lstat(real)
	if err != nil {
		return nil, err
	}
	if err := c.checkFile(abs, real, before); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(real, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	// And again through the descriptor: what was checked is what is read.
	after, err := f.Stat()
	if err == nil && !os.SameFile(before, after) {
		err = &Error{Path: abs, Culprit: real, Reason: "changed while it was being opened"}
	}
	if err == nil {
		err = c.checkFile(abs, real, after)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkFile applies the rule to the file itself.
func (c checker) checkFile(abs, real string, st fs.FileInfo) error {
	if !st.Mode().IsRegular() {
		return &Error{Path: abs, Culprit: real, Reason: "is not a regular file"}
	}
	if err := c.checkOwner(abs, real, st, false); err != nil {
		return err
	}
	if st.Mode().Perm()&0o004 == 0 {
		return &Error{Path: abs, Culprit: real, Reason: fmt.Sprintf("is not readable by everyone (mode %04o), so it is not shown to other users", st.Mode().Perm())}
	}
	return nil
}

func (c checker) checkDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	_, err = c.walk(abs)
	return err
}

// walk resolves abs component by component, checking every directory
// and symlink it passes and the final component's directory chain, and
// returns the resolved path.
func (c checker) walk(abs string) (string, error) {
	rel, err := filepath.Rel(c.root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", &Error{Path: abs, Culprit: abs, Reason: "is outside " + c.root}
	}
	rest := strings.Split(rel, "/")
	cur := c.root
	st, err := os.Lstat(cur)
	if err != nil {
		return "", err
	}
	if err := c.checkOwner(abs, cur, st, false); err != nil {
		return "", err
	}
	links := 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		if name == "" || name == "." {
			continue
		}
		if name == ".." {
			if cur != c.root {
				cur = filepath.Dir(cur)
			}
			continue
		}
		next := filepath.Join(cur, name)
		st, err := os.Lstat(next)
		if err != nil {
			return "", err
		}
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			if err := c.checkOwner(abs, next, st, true); err != nil {
				return "", err
			}
			links++
			if links > maxLinks {
				return "", &Error{Path: abs, Culprit: next, Reason: "leads through too many symbolic links"}
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(cur, target)
			}
			trel, err := filepath.Rel(c.root, filepath.Clean(target))
			if err != nil || trel == ".." || strings.HasPrefix(trel, "../") {
				return "", &Error{Path: abs, Culprit: next, Reason: "leads outside " + c.root}
			}
			rest = append(strings.Split(trel, "/"), rest...)
			cur = c.root
		case st.IsDir():
			if err := c.checkOwner(abs, next, st, false); err != nil {
				return "", err
			}
			if st.Mode().Perm()&0o001 == 0 {
				return "", &Error{Path: abs, Culprit: next, Reason: fmt.Sprintf("is not searchable by everyone (mode %04o)", st.Mode().Perm())}
			}
			cur = next
		default:
			if len(rest) > 0 {
				return "", &Error{Path: abs, Culprit: next, Reason: "is not a directory"}
			}
			cur = next
		}
	}
	return cur, nil
}

// checkOwner applies the rule to one file, directory or symlink.
func (c checker) checkOwner(abs, path string, st fs.FileInfo, link bool) error {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return errors.New("bug: no stat_t")
	}
	if sys.Uid != c.owner {
		kind := "is owned by uid"
		if link {
			kind = "is a symlink owned by uid"
		}
		return &Error{Path: abs, Culprit: path, Reason: fmt.Sprintf("%s %d, not root", kind, sys.Uid)}
	}
	if !link && st.Mode().Perm()&0o022 != 0 {
		return &Error{Path: abs, Culprit: path, Reason: fmt.Sprintf("is writable by group or others (mode %04o)", sys.Mode&0o7777)}
	}
	return nil
}
