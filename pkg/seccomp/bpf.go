package seccomp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Error is a filter that cannot be used: File names it. Err, when set, is
// the cause, matched by errors.Is and errors.As, and printed when Msg is
// empty.
type Error struct {
	File string
	Msg  string
	Err  error
}

func (e *Error) Error() string { return "seccomp filter " + e.File + ": " + joinCause(e.Msg, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// joinCause is msg, or when msg is empty the cause's text: Msg says in
// shannot's words what the cause says in the system's.
func joinCause(msg string, err error) string {
	if msg == "" && err != nil {
		return err.Error()
	}
	return msg
}

// MemFile returns a sealed in-memory file holding program, for filters
// that have no file on disk (built-in or freshly compiled ones).
func MemFile(name string, program []byte) (*os.File, error) {
	if err := CheckBPF(program); err != nil {
		return nil, &Error{File: name, Err: err}
	}
	fd, err := unix.MemfdCreate("shannot-seccomp", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("creating memfd for %s: %w", name, err)
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := io.Copy(f, bytes.NewReader(program)); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing memfd for %s: %w", name, err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("sealing memfd for %s: %w", name, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func describe(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "no such file; fix seccomp_profile or set it to null"
	case errors.Is(err, os.ErrPermission):
		return "permission denied"
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
