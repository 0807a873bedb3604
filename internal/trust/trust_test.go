package trust

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tree builds, under a fresh directory, files owned by the test's user
// (the "root" of this checker) with the given modes.
func tree(t *testing.T) (checker, string) {
	t.Helper()
	root := t.TempDir()
	os.Chmod(root, 0o755)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "etc/shannot"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc/shannot/good.json"), []byte("{}"), 0o644))
	must(os.WriteFile(filepath.Join(root, "etc/shannot/writable.json"), []byte("{}"), 0o644))
	must(os.Chmod(filepath.Join(root, "etc/shannot/writable.json"), 0o666))
	must(os.Mkdir(filepath.Join(root, "tmp"), 0o755))
	must(os.Chmod(filepath.Join(root, "tmp"), 0o777|os.ModeSticky))
	must(os.WriteFile(filepath.Join(root, "tmp/planted.json"), []byte("{}"), 0o644))
	must(os.Symlink("../etc/shannot/good.json", filepath.Join(root, "tmp/link.json")))
	must(os.Symlink(filepath.Join(root, "etc/shannot/good.json"), filepath.Join(root, "etc/abs-link.json")))
	must(os.Symlink("/etc/passwd", filepath.Join(root, "etc/outside.json")))
	must(os.Mkdir(filepath.Join(root, "etc/shannot/dir"), 0o755))
	must(syscall.Mkfifo(filepath.Join(root, "etc/shannot/fifo.json"), 0o644))
	must(os.Symlink("loop", filepath.Join(root, "etc/loop")))
	must(os.WriteFile(filepath.Join(root, "etc/shadow"), []byte("secret"), 0o640))
	must(os.Mkdir(filepath.Join(root, "root"), 0o700))
	must(os.WriteFile(filepath.Join(root, "root/key.json"), []byte("{}"), 0o644))
	return checker{root: root, owner: uint32(os.Geteuid())}, root
}

func TestOpen(t *testing.T) {
	c, root := tree(t)
	for _, tc := range []struct {
		path string
		want string // "" for trusted
	}{
		{"etc/shannot/good.json", ""},
		{"etc/abs-link.json", ""},                // a trusted link in a trusted directory
		{"etc/shannot/../shannot/good.json", ""}, // .. is resolved
		{"etc/shannot/writable.json", "is writable by group or others (mode 0666)"},
		{"tmp/planted.json", "tmp is writable by group or others (mode 1777)"},
		{"tmp/link.json", "tmp is writable by group or others"}, // a link in a world-writable directory
		{"etc/outside.json", "leads outside"},
		{"etc/shannot/dir", "is a directory, not a regular file"},
		{"etc/shannot/fifo.json", "is a FIFO, not a regular file"},
		{"etc/loop", "too many symbolic links"},
		{"etc/shannot/missing.json", "no such file"},
		{"etc/shadow", "is not readable by everyone (mode 0640)"},
		{"root/key.json", "root is not searchable by everyone (mode 0700)"},
	} {
		f, err := c.open(filepath.Join(root, tc.path))
		if f != nil {
			f.Close()
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v, want trusted", tc.path, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error containing %q", tc.path, err, tc.want)
		}
	}
}

func TestOwner(t *testing.T) {
	c, root := tree(t)
	c.owner++ // now nothing in the tree belongs to the trusted owner
	_, err := c.open(filepath.Join(root, "etc/shannot/good.json"))
	var te *Error
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "not root") || te.Culprit != root {
		t.Errorf("foreign owner: %v", err)
	}
}

func TestDevicesAndSocketsAreNotOpened(t *testing.T) {
	c, root := tree(t)
	sock := filepath.Join(root, "etc/shannot/sock.json")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	os.Chmod(sock, 0o644)
	// Opening a socket fails with ENXIO; judged before opening, it is
	// refused for what it is.
	if _, err := c.open(sock); err == nil || !strings.Contains(err.Error(), "is a socket, not a regular file") {
		t.Errorf("socket: %v", err)
	}
}

// TestPseudoFilesAreNotTrusted: a file's mode bits say nothing about who
// may read it on the kernel's pseudo-file systems. /proc/1/maps is root's,
// in root-owned directories and 0444, but only whoever may ptrace pid 1
// reads it, and root may: as root for a caller, shannot would show them
// what only root may see.
func TestPseudoFilesAreNotTrusted(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/proc/1/maps", "/proc/1/maps is not trusted: is on procfs, whose files are not what their owner and mode say; give a file on a disk file system"},
		{"/proc/1/stat", "is on procfs"},
		{"/proc/sys/kernel/hostname", "is on procfs"},
		{"/sys/kernel/uevent_seqnum", "is on sysfs"},
	} {
		if _, err := os.Lstat(tc.path); err != nil {
			t.Errorf("%s: %v (every Linux host has it)", tc.path, err)
			continue
		}
		f, err := Open(tc.path)
		if f != nil {
			f.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%s) = %v, want an error containing %q", tc.path, err, tc.want)
		}
	}
	// A file on the disk the tests run on is fine.
	c, root := tree(t)
	if f, err := c.open(filepath.Join(root, "etc/shannot/good.json")); err != nil {
		t.Errorf("a file on disk: %v", err)
	} else {
		f.Close()
	}
}

func TestFIFODoesNotHang(t *testing.T) {
	c, root := tree(t)
	done := make(chan error, 1)
	go func() {
		f, err := c.open(filepath.Join(root, "etc/shannot/fifo.json"))
		if f != nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a FIFO was opened")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("opening a FIFO hangs")
	}
}
