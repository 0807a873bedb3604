package seccomp

import (
	"slices"
	"strings"
	"testing"
)

// The generated table answers without libseccomp, in every build; the
// numbers here are the kernel's (arch/x86/entry/syscalls, asm-generic).
func TestSyscallTable(t *testing.T) {
	tests := []struct {
		name string
		arch string
		nr   int32
	}{
		{"read", "SCMP_ARCH_X86_64", 0},
		{"execve", "SCMP_ARCH_X86_64", 59},
		{"openat", "SCMP_ARCH_X86_64", 257},
		{"arch_prctl", "SCMP_ARCH_X86_64", 158},
		{"read", "SCMP_ARCH_X86", 3},
		{"execve", "SCMP_ARCH_X86", 11},
		{"read", "SCMP_ARCH_X32", x32Bit},
		{"execve", "SCMP_ARCH_X32", x32Bit | 520},
		{"openat", "SCMP_ARCH_AARCH64", 56},
		{"read", "SCMP_ARCH_MIPSEL", 4003},
	}
	for _, tt := range tests {
		nr, err := SyscallNumber(tt.name, tt.arch)
		if err != nil || nr != tt.nr {
			t.Errorf("SyscallNumber(%s, %s) = %d, %v; want %d", tt.name, tt.arch, nr, err, tt.nr)
		}
		if got := SyscallName(tt.nr, tt.arch); got != tt.name {
			t.Errorf("SyscallName(%d, %s) = %q, want %q", tt.nr, tt.arch, got, tt.name)
		}
	}
	if _, err := SyscallNumber("no_such_call", "SCMP_ARCH_X86_64"); err == nil || !strings.Contains(err.Error(), `libseccomp `+TableLibseccomp+` does not know system call "no_such_call" on x86_64`) {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := SyscallNumber("read", "SCMP_ARCH_S390X"); err == nil {
		t.Error("an architecture outside the table gave a number")
	}
	if got := SyscallName(100000, "SCMP_ARCH_X86_64"); got != "" {
		t.Errorf("SyscallName(100000) = %q, want empty", got)
	}
	if got := SyscallName(0, "SCMP_ARCH_S390X"); got != "" {
		t.Errorf("SyscallName on an architecture outside the table = %q", got)
	}
}

// Every architecture that seccomp explain accepts has a table, and the
// tables are sorted as the binary searches need.
func TestSyscallTableShape(t *testing.T) {
	if !slices.IsSorted(syscallNames[:]) {
		t.Fatal("syscallNames is not sorted")
	}
	for arch := range auditArches {
		byName, byNr := syscallTables(arch)
		if len(byName) < 300 || len(byNr) < 300 {
			t.Errorf("%s: %d names, %d numbers: the table is missing", arch, len(byName), len(byNr))
		}
		if !slices.IsSortedFunc(byName, func(a, b sysEntry) int { return strings.Compare(syscallNames[a.name], syscallNames[b.name]) }) {
			t.Errorf("%s: by-name table not sorted", arch)
		}
		if !slices.IsSortedFunc(byNr, func(a, b sysEntry) int { return int(a.nr) - int(b.nr) }) {
			t.Errorf("%s: by-number table not sorted", arch)
		}
	}
}
