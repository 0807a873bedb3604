//go:build cgo

package seccomp

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/shannot-project/shannot/profiles"
)

// The real shannot-seccomp compiles every shipped policy to the bytes
// libseccomp gives in this process, and says its version.
func TestRealHelper(t *testing.T) {
	bin := filepath.Join(t.TempDir(), HelperName)
	build := exec.Command("go", "build", "-o", bin, "../../cmd/shannot-seccomp")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", HelperName, err, out)
	}
	h := &Helper{Find: func() (string, error) { return bin, nil }}
	if v, err := h.Version(); err != nil || v != LibraryVersion() {
		t.Errorf("Version = %q, %v; want %s", v, err, LibraryVersion())
	}
	names, _ := fs.Glob(profiles.FS, "seccomp/*.json")
	if len(names) == 0 {
		t.Fatal("no shipped policy")
	}
	for _, n := range names {
		data, _ := fs.ReadFile(profiles.FS, n)
		_, want, err := CompilePolicy(n, data, Options{Host: x8664})
		if err != nil {
			t.Fatal(err)
		}
		_, got, err := CompilePolicy(n, data, Options{Host: x8664, Compiler: h})
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Program) != string(want.Program) || got.Rules != want.Rules || got.Library != want.Library {
			t.Errorf("%s: the helper's program differs from libseccomp's in this process", n)
		}
	}
	// A policy libseccomp refuses comes back as the one-line error.
	_, _, err := CompilePolicy("p.json", []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}, {"names": ["read"], "action": "SCMP_ACT_KILL"}]}`), Options{Host: x8664, Compiler: h})
	if err == nil {
		t.Error("conflicting rules compiled through the helper")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatal(err)
	}
}
