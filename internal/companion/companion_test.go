package companion

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/internal/trust"
)

// layout makes files (relative path → mode; 0 is a directory) under a
// temporary directory and returns it.
func layout(t *testing.T, files map[string]os.FileMode) string {
	t.Helper()
	root := t.TempDir()
	for rel, mode := range files {
		p := filepath.Join(root, rel)
		if mode == 0 {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestFindOrder(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]os.FileMode
		path   string // the PATH lookup's answer; "" finds nothing
		strict bool
		want   string // relative to the temporary directory; "" is not found
	}{
		{"beside the binary first",
			map[string]os.FileMode{"bin/shannot": 0o755, "bin/tool": 0o755, "libexec/shannot/tool": 0o755, "usr/bin/tool": 0o755},
			"", false, "bin/tool"},
		{"then PREFIX/libexec/shannot",
			map[string]os.FileMode{"bin/shannot": 0o755, "libexec/shannot/tool": 0o755, "usr/bin/tool": 0o755},
			"", false, "libexec/shannot/tool"},
		{"then the install directories, in order",
			map[string]os.FileMode{"bin/shannot": 0o755, "usr/libexec/tool": 0o755, "usr/bin/tool": 0o755},
			"", false, "usr/libexec/tool"},
		{"the last install directory",
			map[string]os.FileMode{"bin/shannot": 0o755, "usr/bin/tool": 0o755},
			"", false, "usr/bin/tool"},
		{"not executable is skipped",
			map[string]os.FileMode{"bin/shannot": 0o755, "bin/tool": 0o644, "usr/bin/tool": 0o755},
			"", false, "usr/bin/tool"},
		{"a directory is skipped",
			map[string]os.FileMode{"bin/shannot": 0o755, "bin/tool": 0, "usr/bin/tool": 0o755},
			"", false, "usr/bin/tool"},
		{"PATH last",
			map[string]os.FileMode{"bin/shannot": 0o755, "home/bin/tool": 0o755},
			"home/bin/tool", false, "home/bin/tool"},
		{"PATH loses to an install directory",
			map[string]os.FileMode{"bin/shannot": 0o755, "usr/bin/tool": 0o755, "home/bin/tool": 0o755},
			"home/bin/tool", false, "usr/bin/tool"},
		{"strict never asks PATH",
			map[string]os.FileMode{"bin/shannot": 0o755, "home/bin/tool": 0o755},
			"home/bin/tool", true, ""},
		{"nothing anywhere",
			map[string]os.FileMode{"bin/shannot": 0o755},
			"", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := layout(t, tt.files)
			f := finder{
				exe:   func() (string, error) { return filepath.Join(root, "bin/shannot"), nil },
				dirs:  []string{filepath.Join(root, "usr/libexec"), filepath.Join(root, "usr/bin")},
				check: plainExec,
			}
			if !tt.strict {
				f.lookPath = func(string) (string, error) {
					if tt.path == "" {
						return "", fs.ErrNotExist
					}
					return filepath.Join(root, tt.path), nil
				}
			}
			got, err := f.find("tool")
			if tt.want == "" {
				var nf *NotFoundError
				if !errors.As(err, &nf) {
					t.Fatalf("find = %q, %v; want a *NotFoundError", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("find: %v", err)
			}
			if want := filepath.Join(root, tt.want); got != want {
				t.Errorf("find = %q, want %q", got, want)
			}
		})
	}
}

// The real trust check refuses what a user could have written: every
// temporary directory is under /tmp, which everyone may write.
func TestStrictRefusesWhatAUserCouldWrite(t *testing.T) {
	root := layout(t, map[string]os.FileMode{"bin/shannot": 0o755, "bin/tool": 0o755})
	f := finder{
		exe:   func() (string, error) { return filepath.Join(root, "bin/shannot"), nil },
		dirs:  []string{filepath.Join(root, "usr/bin")},
		check: trustExec,
	}
	got, err := f.find("tool")
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("find = %q, %v; want a *NotFoundError", got, err)
	}
	if len(nf.Refused) != 1 {
		t.Fatalf("Refused = %v, want the one planted file", nf.Refused)
	}
	var te *trust.Error
	if !errors.As(nf.Refused[0], &te) || te.Path != filepath.Join(root, "bin/tool") {
		t.Errorf("Refused[0] = %v, want a *trust.Error for %s", nf.Refused[0], filepath.Join(root, "bin/tool"))
	}
	if msg := err.Error(); !strings.Contains(msg, "refused "+filepath.Join(root, "bin/tool")+" is not trusted") || strings.Contains(msg, "\n") {
		t.Errorf("error = %q, want one line naming the refused file", msg)
	}
}

// A root-owned system binary passes the real check.
func TestStrictTakesARootOwnedBinary(t *testing.T) {
	var dir string
	for _, d := range []string{"/usr/bin", "/bin"} {
		if _, err := os.Stat(filepath.Join(d, "sh")); err == nil {
			dir = d
			break
		}
	}
	if dir == "" {
		t.Skip("no /usr/bin/sh or /bin/sh on this host")
	}
	f := finder{
		exe:   func() (string, error) { return "", errors.New("no executable") },
		dirs:  []string{dir},
		check: trustExec,
	}
	got, err := f.find("sh")
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	// trust follows symlinks (/usr/bin/sh → dash): the path returned is
	// the file that was checked.
	want, err := filepath.EvalSymlinks(filepath.Join(dir, "sh"))
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("find = %q, want %q", got, want)
	}
}

func TestNotFoundError(t *testing.T) {
	err := &NotFoundError{
		Name:     "shannot-mcp",
		Searched: []string{"/opt/bin/shannot-mcp", "/usr/bin/shannot-mcp"},
		Refused:  []error{errors.New("/opt/bin/x: not executable (mode 0644)")},
		PATH:     true,
	}
	want := "shannot-mcp not found in /opt/bin/shannot-mcp, /usr/bin/shannot-mcp or PATH; " +
		"refused /opt/bin/x: not executable (mode 0644); " +
		"install the shannot package, which ships shannot-mcp, or run make install"
	if diff := cmp.Diff(err.Error(), want); diff != "" {
		t.Errorf("Error() (-got +want):\n%s", diff)
	}
}

func TestBadNames(t *testing.T) {
	f := finder{exe: os.Executable, check: plainExec}
	for _, name := range []string{"", ".", "..", "a/b", "/usr/bin/sh"} {
		if _, err := f.find(name); err == nil || !strings.HasPrefix(err.Error(), "bug: ") {
			t.Errorf("find(%q) = %v, want a bug error", name, err)
		}
	}
}

// Find searches beside the test binary itself first.
func TestFindBesideTheRunningBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	got, err := Find(filepath.Base(exe), false)
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	if got != exe {
		t.Errorf("Find = %q, want %q", got, exe)
	}
}
