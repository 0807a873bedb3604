package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestWriteCreatesAndReplacesRegularFiles(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "out.bpf")
	if err := Write(f, []byte("one"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Write(f, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(f)
	st, _ := os.Stat(f)
	if string(data) != "two" || st.Mode().Perm() != 0o644 {
		t.Errorf("content %q, mode %v", data, st.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// node is a file system entry that Write must leave as it is.
type node struct {
	name   string
	make   func(t *testing.T, path string)
	kind   string
	device bool // needs root to make
}

func TestWriteRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("target\n"), 0o644)
	for _, n := range []node{
		{"character device", func(t *testing.T, p string) {
			// /dev/null's numbers, in a temporary directory.
			if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
				t.Fatal(err)
			}
		}, "a character device", true},
		{"block device", func(t *testing.T, p string) {
			if err := unix.Mknod(p, unix.S_IFBLK|0o600, int(unix.Mkdev(7, 0))); err != nil {
				t.Fatal(err)
			}
		}, "a block device", true},
		{"FIFO", func(t *testing.T, p string) {
			if err := unix.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}, "a FIFO", false},
		{"socket", func(t *testing.T, p string) {
			fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unix.Close(fd) })
			if err := unix.Bind(fd, &unix.SockaddrUnix{Name: p}); err != nil {
				t.Fatal(err)
			}
		}, "a socket", false},
		{"directory", func(t *testing.T, p string) { os.Mkdir(p, 0o755) }, "a directory", false},
		{"symbolic link", func(t *testing.T, p string) { os.Symlink(target, p) }, "a symbolic link", false},
		{"dangling symbolic link", func(t *testing.T, p string) { os.Symlink(filepath.Join(dir, "nowhere"), p) }, "a symbolic link", false},
	} {
		t.Run(n.name, func(t *testing.T) {
			if n.device && os.Geteuid() != 0 {
				if os.Getenv("CI") != "" {
					t.Fatal("making a device node needs root, and CI runs the tests as root")
				}
				t.Skip("making a device node needs root")
			}
			p := filepath.Join(t.TempDir(), "out")
			n.make(t, p)
			before, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			err = Write(p, []byte("compiled program"), 0o644)
			var nre *NotRegularError
			if !errors.As(err, &nre) || nre.Kind != n.kind || err.Error() != p+" is "+n.kind+", not a regular file" {
				t.Fatalf("Write = %v, want %q", err, p+" is "+n.kind+", not a regular file")
			}
			after, err := os.Lstat(p)
			if err != nil {
				t.Fatal(err)
			}
			b, a := before.Sys().(*syscall.Stat_t), after.Sys().(*syscall.Stat_t)
			if before.Mode() != after.Mode() || b.Ino != a.Ino || b.Rdev != a.Rdev {
				t.Errorf("the %s was replaced: %v -> %v", n.name, before.Mode(), after.Mode())
			}
			if left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".*tmp*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	if data, _ := os.ReadFile(target); string(data) != "target\n" {
		t.Errorf("a symbolic link's target was written: %q", data)
	}
}

// TestReplaceChecksAtTheRename plants a device between the check and the
// rename: the swap puts it back.
func TestReplaceChecksAtTheRename(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out")
	tmp := filepath.Join(dir, ".out.tmp")
	os.WriteFile(tmp, []byte("new"), 0o644)
	if err := unix.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	err := replace(tmp, p, 3)
	var nre *NotRegularError
	if !errors.As(err, &nre) || nre.Kind != "a FIFO" {
		t.Fatalf("replace = %v", err)
	}
	if st, err := os.Lstat(p); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO is gone: %v %v", st, err)
	}
	if data, _ := os.ReadFile(tmp); string(data) != "new" {
		t.Errorf("the temporary file holds %q", data)
	}
}
