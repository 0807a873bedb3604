//go:build cgo

package seccomp

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

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
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run: go test ./pkg/seccomp -run Golden -update)", err)
	}
	if first, _, _ := strings.Cut(string(want), "\n"); first != "# libseccomp "+LibraryVersion() {
		t.Skipf("golden file is for %s, this is libseccomp %s", first, LibraryVersion())
	}
	if got != string(want) {
		t.Errorf("disassembly changed; if meant, run go test ./pkg/seccomp -run Golden -update\ngot:\n%s\nwant:\n%s", got, want)
	}
}
