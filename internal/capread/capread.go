package capread

import (
	"errors"
	"io"
	"os"
)

// Errors callers word for their own kind of file.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("too large")
)

// Read reads f whole if it is a regular file (or, with pipes, a FIFO)
// of at most max bytes.
func Read(f *os.File, max int64, pipes bool) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() && !(pipes && st.Mode()&os.ModeNamedPipe != 0) {
		return nil, ErrNotRegular
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
