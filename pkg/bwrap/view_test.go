package bwrap

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/shannot-project/shannot/pkg/bwrap/option"
)

// fakeFS is a host file system of regular files, directories and links.
type fakeFS map[string]string // path -> "dir", "file", "exec" or "link:TARGET"

type fakeInfo struct {
	name string
	mode fs.FileMode
}

func (i fakeInfo) Name() string       { return i.name }
func (i fakeInfo) Size() int64        { return 0 }
func (i fakeInfo) Mode() fs.FileMode  { return i.mode }
func (i fakeInfo) ModTime() time.Time { return time.Time{} }
func (i fakeInfo) IsDir() bool        { return i.mode.IsDir() }
func (i fakeInfo) Sys() any           { return nil }

func (f fakeFS) lstat(p string) (fs.FileInfo, error) {
	kind, ok := f[p]
	if !ok {
		return nil, fs.ErrNotExist
	}
	switch {
	case kind == "dir":
		return fakeInfo{p, fs.ModeDir | 0o755}, nil
	case kind == "file":
		return fakeInfo{p, 0o644}, nil
	case kind == "exec":
		return fakeInfo{p, 0o755}, nil
	default:
		return fakeInfo{p, fs.ModeSymlink | 0o777}, nil
	}
}

func (f fakeFS) readlink(p string) (string, error) {
	if k := f[p]; len(k) > 5 && k[:5] == "link:" {
		return k[5:], nil
	}
	return "", fs.ErrInvalid
}

func TestLookPath(t *testing.T) {
	host := fakeFS{
		"/usr": "dir", "/usr/bin": "dir", "/usr/bin/ls": "exec", "/usr/bin/awk": "link:/etc/alternatives/awk",
		"/usr/bin/mawk": "exec", "/usr/bin/readme": "file", "/usr/bin/up": "link:../sbin/up", "/usr/sbin": "dir",
		"/usr/sbin/up": "exec", "/usr/bin/loop": "link:loop", "/usr/bin/esc": "link:../../../../tmp/x",
		"/etc": "dir", "/etc/alternatives": "dir", "/etc/alternatives/awk": "link:/usr/bin/mawk",
		"/srv": "dir", "/srv/tool": "exec", "/opt/secret": "exec",
		"/usr/bin/dirlink": "link:/usr/sbin",
	}
	mounts := []Mount{
		{Op: option.Proc, Target: "/proc"}, {Op: option.Dev, Target: "/dev"},
		{Op: option.Tmpfs, Target: "/tmp"},
		{Op: option.ROBind, Source: "/usr", Target: "/usr"},
		{Op: option.ROBindTry, Source: "/usr/bin", Target: "/bin"},
		{Op: option.ROBind, Source: "/etc", Target: "/etc"},
		{Op: option.ROBindTry, Source: "/missing", Target: "/opt"},
	}
	v := NewView(mounts, []string{"--hostname", "x", "--symlink", "usr/sbin", "/sbin", "--ro-bind", "/srv", "/srv/deep", "--chdir", "/usr"})
	v.Lstat, v.Readlink = host.lstat, host.readlink
	for _, tc := range []struct {
		name, path string
		found      string
		hostPath   string
		err        error
	}{
		{"plain name", "ls", "/usr/bin/ls", "/usr/bin/ls", nil},
		{"absolute", "/usr/bin/ls", "/usr/bin/ls", "/usr/bin/ls", nil},
		{"through a try-bind", "/bin/ls", "/bin/ls", "/usr/bin/ls", nil},
		{"dot-dot is cleaned", "/usr/bin/../bin/ls", "/usr/bin/ls", "/usr/bin/ls", nil},
		{"absolute link chain keeps the name", "awk", "/usr/bin/awk", "/usr/bin/mawk", nil},
		{"relative link", "up", "/usr/bin/up", "/usr/sbin/up", nil},
		{"symlink made by additional_args", "/sbin/up", "/usr/sbin/up", "/usr/sbin/up", nil},
		{"dot-dot after a symlinked directory", "/usr/bin/dirlink/../bin/ls", "/usr/bin/ls", "/usr/bin/ls", nil},
		{"bind from additional_args", "/srv/deep/tool", "/srv/deep/tool", "/srv/tool", nil},
		{"relative to --chdir", "bin/ls", "/usr/bin/ls", "/usr/bin/ls", nil},
		{"not bound", "/srv/tool", "", "", ErrNotFound},
		{"missing", "nosuch", "", "", ErrNotFound},
		{"not executable", "readme", "", "", ErrNotExecutable},
		{"a directory", "/usr/bin", "", "", ErrNotExecutable},
		{"inside a tmpfs", "/tmp/x", "", "", ErrNotFound},
		{"try-bind of a missing source", "/opt/secret", "", "", ErrNotFound},
		{"symlink loop", "/usr/bin/loop", "", "", ErrNotFound},
		{"link escaping up stays in the sandbox", "/usr/bin/esc", "", "", ErrNotFound},
		{"mount point parent is a directory", "/srv", "", "", ErrNotExecutable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, h, err := v.LookPath(tc.path, "/usr/bin:/bin")
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("LookPath(%q) = %q, %q, %v; want error %v", tc.path, found, h, err, tc.err)
				}
				return
			}
			if err != nil || found != tc.found || h != tc.hostPath {
				t.Fatalf("LookPath(%q) = %q, %q, %v; want %q, %q", tc.path, found, h, err, tc.found, tc.hostPath)
			}
		})
	}
}
