//go:build cgo

package seccomp

import (
	"testing"

	libseccomp "github.com/seccomp/libseccomp-golang"
)

// The committed table is libseccomp's: every name and number it holds,
// and every number libseccomp names in the ranges the generator scans,
// answer as libseccomp answers. A libseccomp other than the table's
// (TableLibseccomp) makes the table stale: regenerate it with go
// generate ./pkg/seccomp and commit it (make check-generated fails too).
func TestSyscallTableIsLibseccomps(t *testing.T) {
	if v := LibraryVersion(); v != TableLibseccomp {
		t.Fatalf("the table is libseccomp %s's, this is %s: run go generate ./pkg/seccomp", TableLibseccomp, v)
	}
	for arch := range auditArches {
		a, err := libseccomp.GetArchFromString(ShortArch(arch))
		if err != nil {
			t.Fatal(err)
		}
		byName, _ := syscallTables(arch)
		known := map[string]bool{}
		for _, e := range byName {
			known[syscallNames[e.name]] = true
		}
		for _, name := range syscallNames {
			want, werr := libseccomp.GetSyscallFromNameByArch(name, a)
			got, gerr := SyscallNumber(name, arch)
			if (werr == nil) != (gerr == nil) || werr == nil && int32(want) != got {
				t.Errorf("%s %s: table %d, %v; libseccomp %d, %v", arch, name, got, gerr, want, werr)
			}
		}
		for _, r := range [][2]int32{{-11000, 0}, {0, 6000}, {0xf0000, 0xf0100}, {x32Bit, x32Bit + 1024}} {
			for nr := r[0]; nr < r[1]; nr++ {
				want, _ := libseccomp.ScmpSyscall(nr).GetNameByArch(a)
				if got := SyscallName(nr, arch); got != want {
					t.Errorf("%s %d: table %q, libseccomp %q", arch, nr, got, want)
				}
			}
		}
	}
}
