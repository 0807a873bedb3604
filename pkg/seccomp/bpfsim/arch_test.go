package bpfsim

import "testing"

// auditArchLE is __AUDIT_ARCH_LE, set in the AUDIT_ARCH_* value of every
// little-endian architecture.
const auditArchLE = 0x40000000

// Decode and the simulator read little-endian: every architecture they
// claim is a little-endian one, and the big-endian ones are refused.
func TestArchitecturesAreLittleEndian(t *testing.T) {
	for name, token := range auditArches {
		if token&auditArchLE == 0 {
			t.Errorf("%s (AUDIT_ARCH %#x) is big-endian: Decode and the simulator would read it wrongly", name, token)
		}
	}
	for _, s := range []string{"s390x", "s390", "ppc64", "ppc", "mips", "mips64"} {
		if name, err := ArchName(s); err == nil {
			t.Errorf("ArchName(%q) = %s, want it refused", s, name)
		}
	}
	for _, s := range []string{"x86_64", "amd64", "x86", "x32", "aarch64", "ppc64le", "riscv64"} {
		if _, err := ArchName(s); err != nil {
			t.Errorf("ArchName(%q): %v", s, err)
		}
	}
}
