package mcpserver

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func nonblocking(t *testing.T, f *os.File) bool {
	t.Helper()
	conn, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags int
	conn.Control(func(fd uintptr) { flags, err = unix.FcntlInt(fd, unix.F_GETFL, 0) })
	if err != nil {
		t.Fatal(err)
	}
	return flags&unix.O_NONBLOCK != 0
}

// TestPollablePipe: a pipe is read through a descriptor of its own, and
// the pipe is left blocking again afterwards, as it was found.
func TestPollablePipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	// os.Pipe's files are non-blocking; an MCP client's pipe is not.
	rfd := int(r.Fd()) // Fd makes it blocking, as inherited stdin is
	if nonblocking(t, r) {
		t.Fatal("the pipe is still non-blocking")
	}
	in, restore := pollable(r)
	if in == r {
		t.Fatal("a pipe was not made pollable")
	}
	if !nonblocking(t, r) {
		t.Error("O_NONBLOCK is not set while the server reads")
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(in.Fd()), &st); err != nil || int(in.Fd()) == rfd {
		t.Fatalf("not a descriptor of its own: %d (the pipe's: %d), %v", in.Fd(), rfd, err)
	}
	go w.Write([]byte("request\n"))
	buf := make([]byte, 8)
	if _, err := io.ReadFull(in, buf); err != nil || string(buf) != "request\n" {
		t.Fatalf("read %q, %v", buf, err)
	}
	restore()
	if nonblocking(t, r) {
		t.Error("O_NONBLOCK was left set on the pipe")
	}
	if _, err := in.Read(buf); err == nil {
		t.Error("the server's descriptor is still open after restore")
	}
}

// TestPollableLeavesFilesAlone: a regular file (and so a terminal, which
// is no pipe either) is read as it is, its flags untouched.
func TestPollableLeavesFilesAlone(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stdin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, restore := pollable(f)
	defer restore()
	if in != f || nonblocking(t, f) {
		t.Errorf("a regular file was changed: same file %v, non-blocking %v", in == f, nonblocking(t, f))
	}
}
