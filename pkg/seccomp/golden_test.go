//go:build cgo

package seccomp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shannot-project/shannot/internal/testutil"
)

// TestDisassemblyGolden pins the listing of a compiled fixture. The
// program depends on libseccomp's version; the golden file names it.
// After a deliberate change: go test ./pkg/seccomp -run Golden -update
func TestDisassemblyGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "guide-write.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, comp, err := CompilePolicy("guide-write.json", data, Options{Host: x8664, Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(comp.Program)
	if err != nil {
		t.Fatal(err)
	}
	got := "# libseccomp " + LibraryVersion() + "\n" + Listing(p.Disassemble(SyscallName))
	golden := filepath.Join("testdata", "guide-write.disasm")
	// The program is libseccomp's: another version's listing is not this
	// one's to judge.
	if want, err := os.ReadFile(golden); err == nil && !testutil.Updating() {
		if first, _, _ := strings.Cut(string(want), "\n"); first != "# libseccomp "+LibraryVersion() {
			t.Skipf("golden file is for %s, this is libseccomp %s", first, LibraryVersion())
		}
	}
	testutil.Golden(t, golden, got, "go test ./pkg/seccomp -run Golden")
}
