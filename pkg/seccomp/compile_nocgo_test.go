//go:build !cgo

package seccomp

import (
	"errors"
	"testing"
)

// Without cgo, what needs libseccomp says so with the one sentinel, whose
// message tells the user what this build can still do; naming and
// numbering calls does not need it (the generated table).
func TestNoLibseccomp(t *testing.T) {
	if _, err := (&Filter{}).Compile(false); !errors.Is(err, ErrNoLibseccomp) {
		t.Errorf("Compile = %v, want ErrNoLibseccomp", err)
	}
	if nr, err := SyscallNumber("read", "SCMP_ARCH_X86_64"); err != nil || nr != 0 {
		t.Errorf("SyscallNumber(read) = %d, %v; want 0 from the table", nr, err)
	}
	want := "this shannot was built without cgo, so without libseccomp: it can use .bpf filters but not compile JSON policies"
	if got := ErrNoLibseccomp.Error(); got != want {
		t.Errorf("ErrNoLibseccomp = %q, want %q", got, want)
	}
	if v := LibraryVersion(); v != "" {
		t.Errorf("LibraryVersion = %q, want empty without libseccomp", v)
	}
}
