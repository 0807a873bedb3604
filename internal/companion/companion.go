package companion

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/shannot-project/shannot/internal/bug"
	"github.com/shannot-project/shannot/internal/trust"
)

// Dirs are the install directories searched after the running binary's
// own: the libexec directories that the Makefile (PREFIX /usr/local) and
// distributions use for helpers, then the bin directories a user-facing
// companion such as shannot-mcp is installed into.
var Dirs = []string{
	"/usr/local/libexec/shannot",
	"/usr/libexec/shannot",
	"/usr/lib/shannot",
	"/usr/local/bin",
	"/usr/bin",
}

// NotFoundError is a companion binary that no candidate provided.
type NotFoundError struct {
	Name     string
	Searched []string // the candidate paths, in order
	Refused  []error  // candidates that exist but were not taken, and why
	PATH     bool     // whether PATH was searched too
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s not found in %s", e.Name, strings.Join(e.Searched, ", "))
	if e.PATH {
		b.WriteString(" or PATH")
	}
	for _, r := range e.Refused {
		fmt.Fprintf(&b, "; refused %v", r)
	}
	fmt.Fprintf(&b, "; install the shannot package, which ships %s, or run make install", e.Name)
	return b.String()
}

// Find returns the path of the companion binary name (a file name, no
// directory), looking where the package documentation says. strict is
// for a hostile caller: no PATH, and only candidates trust accepts.
func Find(name string, strict bool) (string, error) {
	f := finder{exe: os.Executable, dirs: Dirs, check: trustExec}
	if !strict {
		f.check = plainExec
		f.lookPath = exec.LookPath
	}
	return f.find(name)
}

// finder is Find with its inputs spelt out, for tests.
type finder struct {
	exe      func() (string, error)
	dirs     []string
	check    func(path string) (string, error) // the path to run, or why not
	lookPath func(name string) (string, error) // nil: PATH is not searched
}

func (f finder) find(name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') {
		return "", bug.Errorf("companion name %q is not a file name", name)
	}
	var cands []string
	if exe, err := f.exe(); err == nil && filepath.IsAbs(exe) {
		dir := filepath.Dir(exe)
		cands = append(cands, filepath.Join(dir, name), filepath.Join(dir, "..", "libexec", "shannot", name))
	}
	for _, d := range f.dirs {
		cands = append(cands, filepath.Join(d, name))
	}
	nf := &NotFoundError{Name: name, PATH: f.lookPath != nil}
	seen := map[string]bool{}
	for _, c := range cands {
		if seen[c] {
			continue
		}
		seen[c] = true
		nf.Searched = append(nf.Searched, c)
		path, err := f.check(c)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			nf.Refused = append(nf.Refused, err)
		}
	}
	if f.lookPath != nil {
		if path, err := f.lookPath(name); err == nil {
			if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			return path, nil
		}
	}
	return "", nf
}

// plainExec accepts an executable regular file, as exec would run it.
func plainExec(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	return path, isExec(path, st)
}

// trustExec accepts an executable regular file that trust trusts, and
// returns the path trust resolved.
func trustExec(path string) (string, error) {
	// A candidate that is not there is not refused: trust would otherwise
	// blame the directories of every place looked in.
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	file, err := trust.Open(path)
	if err != nil {
		return "", err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return "", err
	}
	if err := isExec(path, st); err != nil {
		return "", err
	}
	return file.Name(), nil
}

func isExec(path string, st fs.FileInfo) error {
	switch {
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s: not a regular file", path)
	case st.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s: not executable (mode %04o)", path, st.Mode().Perm())
	}
	return nil
}
