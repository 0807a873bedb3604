package verify

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/pkg/profile"
)

// Probe tries each path as given: one with a comma is one path, a
// directory gets a file that is removed again, a file is opened for
// appending and left as it was.
func TestProbeWrites(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "a,b")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(tmp, "c,d.txt")
	if err := os.WriteFile(file, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(tmp, "no", "such")
	t.Setenv("SHANNOT_PROBE_TEST", "x")

	f, err := Probe([]string{dir, file, missing}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{dir: "ok", file: "ok", missing: "ENOENT"}
	if diff := cmp.Diff(f.Writes, want); diff != "" {
		t.Errorf("writes (-got +want):\n%s", diff)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the probe left files in %s: %v", dir, entries)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Errorf("the probe changed %s: %q", file, b)
	}
	if f.UID != os.Getuid() {
		t.Errorf("uid %d, want %d", f.UID, os.Getuid())
	}
	if !slices.Contains(f.Environ, "SHANNOT_PROBE_TEST=x") {
		t.Errorf("environ lacks SHANNOT_PROBE_TEST=x: %q", f.Environ)
	}
	if !slices.Contains(f.Interfaces, "lo") || !slices.IsSorted(f.Interfaces) {
		t.Errorf("interfaces %q: want lo among them, sorted", f.Interfaces)
	}
	for _, k := range []string{"CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"} {
		if _, ok := f.Caps[k]; !ok {
			t.Errorf("caps lack %s: %v", k, f.Caps)
		}
	}
	if f.ProcOwner < 0 {
		t.Errorf("proc owner %d: /proc could not be looked at", f.ProcOwner)
	}
	if len(f.WritableSome) > 5 || len(f.WritableSome) > f.Writable || !slices.IsSorted(f.WritableSome) {
		t.Errorf("writable %d, some %q: want at most 5 of them, sorted", f.Writable, f.WritableSome)
	}
}

func TestProbeArgv(t *testing.T) {
	got := probeArgv(4, []string{"/usr", "/tmp/a,b"}, []string{"getpid", "socket(AF_INET)"})
	want := []string{"/proc/self/fd/4", "__probe", "--write", "/usr", "--write", "/tmp/a,b", "--syscall", "getpid", "--syscall", "socket(AF_INET)"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}

// Only read-only binds whose source exists are tried, then every tmpfs.
func TestWriteTargets(t *testing.T) {
	src := t.TempDir()
	p := &profile.Profile{
		Binds: []profile.Bind{
			{Source: src, Target: "/data", ReadOnly: true},
			{Source: filepath.Join(src, "missing"), Target: "/missing", ReadOnly: true},
			{Source: src, Target: "/rw"},
		},
		TmpfsPaths: []string{"/tmp", "/home/sandbox"},
	}
	want := []string{"/data", "/tmp", "/home/sandbox"}
	if diff := cmp.Diff(writeTargets(p), want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}

func TestIsPID(t *testing.T) {
	for name, want := range map[string]bool{"1": true, "4242": true, "": false, "self": false, "1a": false, "sys": false} {
		if got := isPID(name); got != want {
			t.Errorf("isPID(%q) = %v, want %v", name, got, want)
		}
	}
}
