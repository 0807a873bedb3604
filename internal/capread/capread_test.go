package capread

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test instead of hanging it when f does not return.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s hangs", what)
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("12345"), 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	open := func(p string) *os.File {
		f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	if data, err := Read(open(small), 5, false); err != nil || string(data) != "12345" {
		t.Errorf("at the cap: %q, %v", data, err)
	}
	if _, err := Read(open(small), 4, false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the cap: %v", err)
	}
	if _, err := Read(open(dir), 10, false); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a directory: %v", err)
	}
	if _, err := Read(open(fifo), 10, false); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a FIFO without pipes: %v", err)
	}
}

func TestOpenRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "profile.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	os.Symlink("profile.json", link)
	for _, tc := range []struct{ path, kind string }{
		{fifo, "a FIFO"},
		{link, "a FIFO"}, // followed
		{dir, "a directory"},
		{"/dev/null", "a character device"},
	} {
		within(t, "Open("+tc.path+")", func() {
			f, err := Open(tc.path)
			if f != nil {
				f.Close()
			}
			var ne *NotRegularError
			if !errors.As(err, &ne) || ne.Kind != tc.kind || !errors.Is(err, ErrNotRegular) {
				t.Errorf("Open(%s) = %v, want it refused as %s", tc.path, err, tc.kind)
			}
			if want := tc.path + " is " + tc.kind + ", not a regular file"; err != nil && err.Error() != want {
				t.Errorf("Open(%s): %q, want %q", tc.path, err, want)
			}
		})
	}
	// With O_NOFOLLOW the link itself is judged.
	if _, err := OpenFile(link, syscall.O_NOFOLLOW, false); err == nil || !strings.Contains(err.Error(), "a symbolic link") {
		t.Errorf("OpenFile(link, O_NOFOLLOW) = %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestOpenFlags(t *testing.T) {
	f, err := Open("/etc/hostname")
	if err != nil {
		t.Skip("no /etc/hostname to open:", err)
	}
	defer f.Close()
	// What the kernel holds for the descriptor, not what was asked for.
	fl, err := fcntl(f, syscall.F_GETFL)
	if err != nil {
		t.Fatal(err)
	}
	// Opened with O_NONBLOCK; a regular file then reads in blocking
	// mode, off Go's poller (see open).
	if fl&syscall.O_NONBLOCK != 0 || fl&syscall.O_ACCMODE != syscall.O_RDONLY {
		t.Errorf("flags %#o: want O_RDONLY, without O_NONBLOCK once found regular", fl)
	}
	fd, err := fcntl(f, syscall.F_GETFD)
	if err != nil {
		t.Fatal(err)
	}
	if fd&syscall.FD_CLOEXEC == 0 {
		t.Error("descriptor is not close-on-exec")
	}
}

func fcntl(f *os.File, cmd int) (int, error) {
	var v int
	var errno syscall.Errno
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	rc.Control(func(fd uintptr) {
		r, _, e := syscall.Syscall(syscall.SYS_FCNTL, fd, uintptr(cmd), 0)
		v, errno = int(r), e
	})
	if errno != 0 {
		return 0, errno
	}
	return v, nil
}

func TestOpenPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "policy")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// A FIFO nobody writes to reads as empty, at once.
	within(t, "a FIFO without a writer", func() {
		f, err := OpenPipe(fifo)
		if err != nil {
			t.Errorf("OpenPipe(FIFO): %v", err)
			return
		}
		defer f.Close()
		if data, err := Read(f, 100, true); err != nil || len(data) != 0 {
			t.Errorf("Read = %q, %v; want empty", data, err)
		}
	})
	// A pipe, as a process substitution gives it (/dev/fd/N), is read
	// to its end, however slowly it is written.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go func() {
		w.Write([]byte(`{"defaultAction":`))
		time.Sleep(100 * time.Millisecond)
		w.Write([]byte(` "SCMP_ACT_ALLOW"}`))
		w.Close()
	}()
	within(t, "a pipe", func() {
		f, err := OpenPipe(fmt.Sprintf("/proc/self/fd/%d", r.Fd()))
		if err != nil {
			t.Errorf("OpenPipe(pipe): %v", err)
			return
		}
		defer f.Close()
		if data, err := Read(f, 100, true); err != nil || string(data) != `{"defaultAction": "SCMP_ACT_ALLOW"}` {
			t.Errorf("Read = %q, %v", data, err)
		}
	})
}

func TestReadChecksTheSizeFirst(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "big")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(1 << 40); err != nil { // sparse: costs nothing
		t.Skip("cannot make a sparse file here:", err)
	}
	start := time.Now()
	if _, err := Read(f, 1<<20, false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("1 TB file: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing a 1 TB file took %v: it was read", d)
	}
}
