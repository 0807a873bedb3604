package capread

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// Errors callers word for their own kind of file.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("too large")
)

// Flags are the flags every input file is opened with. O_NONBLOCK makes
// opening a FIFO without a writer (or a serial line without a carrier)
// return at once instead of waiting forever; O_NOCTTY keeps a terminal
// from becoming shannot's controlling one; O_CLOEXEC keeps the
// descriptor from reaching bwrap and the command.
const Flags = os.O_RDONLY | unix.O_NONBLOCK | unix.O_CLOEXEC | unix.O_NOCTTY

// NotRegularError is a path that is not a regular file. It matches
// ErrNotRegular with errors.Is.
type NotRegularError struct {
	Path string
	Kind string // "a FIFO", "a directory", ...
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.Path, e.Kind)
}

// Is makes errors.Is(err, ErrNotRegular) true.
func (e *NotRegularError) Is(target error) bool { return target == ErrNotRegular }

// Kind names the type of file mode m, with an article.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file"
}

// Opener opens a file for reading. shannot's is Open, or, when it runs
// as root for another user, one that also refuses files a non-root user
// could have written (internal/trust's Open). Every package that reads
// files through a caller-chosen opener takes this type.
type Opener func(name string) (*os.File, error)

// Open opens path for reading as an input file: only a regular file,
// judged before it is opened and again through the descriptor. A path
// that is anything else gives a *NotRegularError.
func Open(path string) (*os.File, error) { return OpenFile(path, 0, false) }

// OpenPipe is Open that also accepts a FIFO or a pipe (/dev/fd/N from a
// process substitution). The descriptor is non-blocking, and reads
// wait in Go's poller: a FIFO without a writer reads as empty at once.
func OpenPipe(path string) (*os.File, error) { return OpenFile(path, 0, true) }

// OpenFile is Open with extra open flags (O_NOFOLLOW: the path is not
// followed, and is judged with lstat) and, with pipes, FIFOs accepted.
func OpenFile(path string, extra int, pipes bool) (*os.File, error) {
	stat := os.Stat
	if extra&unix.O_NOFOLLOW != 0 {
		stat = os.Lstat
	}
	// Judge the file before opening it: opening a device can do things
	// (a watchdog starts ticking, a tape rewinds, a terminal hangs).
	before, err := stat(path)
	if err != nil {
		return nil, err
	}
	if err := check(path, before.Mode(), pipes); err != nil {
		return nil, err
	}
	f, err := open(path, Flags|extra)
	if err != nil {
		return nil, err
	}
	// And again through the descriptor: what was judged is what is read.
	after, err := f.Stat()
	if err == nil {
		err = check(path, after.Mode(), pipes)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func check(path string, m fs.FileMode, pipes bool) error {
	if m.IsRegular() || pipes && m&fs.ModeNamedPipe != 0 {
		return nil
	}
	return &NotRegularError{Path: path, Kind: Kind(m)}
}

// Read reads f whole if it is a regular file (or, with pipes, a FIFO)
// of at most max bytes. A regular file's size is checked before any
// byte is read; a FIFO, or a file that grows, is cut at max+1 bytes.
func Read(f *os.File, max int64, pipes bool) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := check(f.Name(), st.Mode(), pipes); err != nil {
		return nil, err
	}
	if st.Mode().IsRegular() && st.Size() > max {
		return nil, ErrTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, ErrTooLarge
	}
	return data, nil
}

// ReadFile opens path with Open and reads it with Read.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, max, false)
}

// open opens path as os.OpenFile would, except that a regular file is
// handed to os.NewFile in blocking mode (O_NONBLOCK, there only so that
// opening a FIFO cannot hang, means nothing for it): os.OpenFile would
// try it on Go's poller, whose set-up (epoll, an eventfd) the first such
// open paid at every launch, and whose polling the scheduler then does
// at every idle moment. Anything else keeps O_NONBLOCK, and the poller.
func open(path string, flags int) (*os.File, error) {
	fd, err := unix.Open(path, flags, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(path, flags, 0)
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && flags&unix.O_NONBLOCK != 0 {
		if err := unix.SetNonblock(fd, false); err != nil {
			unix.Close(fd)
			return nil, &os.PathError{Op: "fcntl", Path: path, Err: err}
		}
	}
	return os.NewFile(uintptr(fd), path), nil
}
