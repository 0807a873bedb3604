package hostpath

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// userDir makes a directory that a user other than root owns: chowned to
// nobody when the test runs as root, the test's own otherwise.
func userDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "user")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(d, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func TestOpen(t *testing.T) {
	secret := t.TempDir()
	user := userDir(t)
	os.Symlink(secret, filepath.Join(user, "logs"))
	os.Mkdir(filepath.Join(user, "real"), 0o755)
	os.WriteFile(filepath.Join(user, "real", "f"), []byte("x"), 0o644)
	rootOwned := filepath.Join(t.TempDir(), "rootowned")
	os.Mkdir(rootOwned, 0o755)
	os.Symlink(secret, filepath.Join(rootOwned, "link"))

	tests := []struct {
		name        string
		path        string
		wantErr     string
		wantTrusted bool
		wantDir     bool
	}{
		{name: "system directory", path: "/usr", wantTrusted: true, wantDir: true},
		{name: "system file", path: "/etc/passwd", wantTrusted: true},
		{name: "symlink in a user's directory", path: filepath.Join(user, "logs"), wantErr: "follows no symlink a user could have planted"},
		{name: "through a symlink in a user's directory", path: filepath.Join(user, "logs", "x"), wantErr: "follows no symlink"},
		{name: "real directory in a user's directory", path: filepath.Join(user, "real"), wantDir: true},
		{name: "file under a file", path: filepath.Join(user, "real", "f", "g"), wantErr: "not a directory"},
		{name: "missing", path: filepath.Join(user, "nope"), wantErr: "no such file"},
		{name: "relative", path: "usr", wantErr: "not an absolute path"},
		{name: "dot dot", path: "/usr/../etc", wantTrusted: true, wantDir: true},
	}
	if os.Geteuid() == 0 {
		tests = append(tests, struct {
			name        string
			path        string
			wantErr     string
			wantTrusted bool
			wantDir     bool
		}{name: "symlink in a root-owned directory is followed", path: filepath.Join(rootOwned, "link"), wantDir: true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open(%q) = %+v, %v; want error containing %q", tt.path, r, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.File.Close()
			if r.Trusted != tt.wantTrusted || r.IsDir != tt.wantDir {
				t.Fatalf("Open(%q): trusted %v (%s), dir %v; want %v, %v", tt.path, r.Trusted, r.Untrusted, r.IsDir, tt.wantTrusted, tt.wantDir)
			}
		})
	}
}

func TestMissingIsErrNotExist(t *testing.T) {
	_, err := Open("/nonexistent-shannot-path/x")
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want ErrNotExist", err)
	}
}

func TestOpenedIsWhatWasChecked(t *testing.T) {
	user := userDir(t)
	dir := filepath.Join(user, "logs")
	os.Mkdir(dir, 0o755)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.File.Close()
	// The user swaps the directory for a symlink after the check.
	os.Rename(dir, dir+".old")
	os.Symlink("/etc", dir)
	var st, want unix.Stat_t
	unix.Fstat(int(r.File.Fd()), &st)
	unix.Stat(dir+".old", &want)
	if st.Ino != want.Ino || st.Dev != want.Dev {
		t.Fatal("the descriptor does not hold the directory that was checked")
	}
}

func TestBelow(t *testing.T) {
	user := userDir(t)
	os.Mkdir(filepath.Join(user, "conf"), 0o755)
	r, err := Open(user)
	if err != nil {
		t.Fatal(err)
	}
	defer r.File.Close()
	b, err := Below(r, "conf")
	if err != nil {
		t.Fatal(err)
	}
	defer b.File.Close()
	if b.Trusted {
		t.Fatal("a directory below a user's directory is trusted")
	}
	usr, err := Open("/usr")
	if err != nil {
		t.Fatal(err)
	}
	defer usr.File.Close()
	share, err := Below(usr, "share")
	if err != nil {
		t.Fatal(err)
	}
	defer share.File.Close()
	if !share.Trusted {
		t.Fatalf("/usr/share untrusted: %s", share.Untrusted)
	}
}
