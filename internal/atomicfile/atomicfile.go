// Package atomicfile replaces a file's contents atomically, and never
// replaces anything but a regular file.
//
// Writing through a temporary file and a rename replaces whatever the
// name pointed to: run as root, `seccomp compile POLICY /dev/null` once
// turned /dev/null into a regular file. [Write] refuses a path that is a
// device, a FIFO, a socket, a directory or a symbolic link (which is not
// followed either), with a [*NotRegularError], and checks the replaced
// entry again at the moment of the rename: with renameat2(2)'s
// RENAME_EXCHANGE the old entry is swapped out, looked at, and swapped
// back in if it is not a regular file, so a node planted between the
// check and the rename is left as it was.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/capread"
)

// NotRegularError is a path that exists and is not a regular file.
type NotRegularError struct {
	Path string
	Kind string // "a character device", "a symbolic link", ... (capread.Kind)
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, e.Kind)
}

// Check returns a *NotRegularError when path exists and is not a
// regular file (symbolic links are not followed), nil when it is one or
// does not exist, and other errors as Lstat gives them.
func Check(path string) error {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case !st.Mode().IsRegular():
		return &NotRegularError{Path: path, Kind: capread.Kind(st.Mode())}
	}
	return nil
}

// Write writes data to path with the given mode through a temporary file
// in the same directory and a rename, so that readers see the old
// contents or the new, never a mix. A path that exists and is not a
// regular file is refused with a *NotRegularError and left untouched.
func Write(path string, data []byte, mode os.FileMode) error {
	if err := Check(path); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Chmod(mode)
	}
	if werr == nil {
		werr = tmp.Sync()
	}
	if err := errors.Join(werr, tmp.Close()); err != nil {
		os.Remove(name)
		return err
	}
	if err := replace(name, path, 3); err != nil {
		var lost *lostError
		if !errors.As(err, &lost) {
			os.Remove(name)
		}
		return err
	}
	return nil
}

// lostError is a swap that could not be undone: tmp holds what path
// held, and must not be removed.
type lostError struct{ error }

// replace renames tmp to path when path is absent or a regular file,
// trying again (at most tries times) if path vanishes meanwhile.
func replace(tmp, path string, tries int) error {
	// Absent: create it, but replace nothing that appeared meanwhile.
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_NOREPLACE)
	if err == nil {
		return nil
	}
	if !errors.Is(err, unix.EEXIST) && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) {
		return &os.LinkError{Op: "rename", Old: tmp, New: path, Err: err}
	}
	// Present: swap, look at what was swapped out, and swap it back
	// unless it is a regular file.
	err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE)
	switch {
	case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS):
		// A file system without renameat2's flags: check, then rename.
		if err := Check(path); err != nil {
			return err
		}
		return os.Rename(tmp, path)
	case errors.Is(err, unix.ENOENT) && tries > 1:
		// Removed since: try again from the start.
		return replace(tmp, path, tries-1)
	case err != nil:
		return &os.LinkError{Op: "rename", Old: tmp, New: path, Err: err}
	}
	st, err := os.Lstat(tmp) // the old entry, now under tmp's name
	if err == nil && st.Mode().IsRegular() {
		return os.Remove(tmp)
	}
	kind := "not a regular file"
	if err == nil {
		kind = capread.Kind(st.Mode())
	}
	if berr := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE); berr != nil {
		return &lostError{fmt.Errorf("%s was replaced by %s while it was written, and putting it back failed: %w (the old entry is now %s)", path, kind, berr, tmp)}
	}
	return &NotRegularError{Path: path, Kind: kind}
}
