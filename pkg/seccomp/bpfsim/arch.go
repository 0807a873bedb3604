package bpfsim

import (
	"fmt"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// X32Bit marks x32 system call numbers (__X32_SYSCALL_BIT).
const X32Bit = 0x40000000

const x32Bit = X32Bit

// auditArches maps OCI architecture names to the AUDIT_ARCH_* value the
// kernel puts in seccomp_data.arch, for the architectures whose calls
// shannot simulates, explains and checks filters against.
//
// shannot supports x86_64 hosts; the rest are here for seccomp explain
// --arch and for policies compiled for other hosts. They are the
// little-endian ones only: Decode and the simulator read struct
// sock_filter and struct seccomp_data as little-endian, and would read a
// big-endian host's filter and arguments wrongly, so s390x, ppc64, ppc
// and big-endian mips are left out (an unknown architecture is refused,
// never simulated).
var auditArches = map[string]uint32{
	"SCMP_ARCH_X86_64":  unix.AUDIT_ARCH_X86_64,
	"SCMP_ARCH_X86":     unix.AUDIT_ARCH_I386,
	"SCMP_ARCH_X32":     unix.AUDIT_ARCH_X86_64, // with x32Bit in the number
	"SCMP_ARCH_AARCH64": unix.AUDIT_ARCH_AARCH64,
	"SCMP_ARCH_ARM":     unix.AUDIT_ARCH_ARM,
	"SCMP_ARCH_PPC64LE": unix.AUDIT_ARCH_PPC64LE,
	"SCMP_ARCH_RISCV64": unix.AUDIT_ARCH_RISCV64,
	"SCMP_ARCH_MIPSEL":  unix.AUDIT_ARCH_MIPSEL,
}

// ArchName turns what a user types ("x86_64", "amd64", "i386", "x32",
// "aarch64", "SCMP_ARCH_X86") into the OCI name.
func ArchName(s string) (string, error) {
	aliases := map[string]string{"amd64": "X86_64", "x86-64": "X86_64", "i386": "X86", "386": "X86", "i686": "X86", "arm64": "AARCH64"}
	u := strings.TrimPrefix(strings.ToUpper(s), "SCMP_ARCH_")
	if a, ok := aliases[strings.ToLower(s)]; ok {
		u = a
	}
	name := "SCMP_ARCH_" + u
	if _, ok := auditArches[name]; !ok {
		return "", fmt.Errorf("unknown or unsupported architecture %q; use x86_64, x86, x32, aarch64, arm, ppc64le, riscv64 or mipsel (big-endian ones are not modelled)", s)
	}
	return name, nil
}

// archOfToken names the architecture of an AUDIT_ARCH_* value, x32
// excepted (it shares x86_64's token).
func archOfToken(token uint32) string {
	for name, t := range auditArches {
		if t == token && name != "SCMP_ARCH_X32" {
			return name
		}
	}
	return fmt.Sprintf("AUDIT_ARCH %#x", token)
}

// ShortArch is the OCI name without its prefix, lower case: "x86_64",
// the name libseccomp-golang reads and messages show.
func ShortArch(oci string) string {
	return strings.ToLower(strings.TrimPrefix(oci, "SCMP_ARCH_"))
}

// callArch is the OCI name of the call's architecture (x32 told apart by
// its number's bit), with nr as the filter sees it.
func callArch(c Call) (string, int32) {
	for name, t := range auditArches {
		if t != c.Arch {
			continue
		}
		switch {
		case name == "SCMP_ARCH_X32" && c.Nr&x32Bit != 0,
			name == "SCMP_ARCH_X86_64" && c.Nr&x32Bit == 0,
			name != "SCMP_ARCH_X32" && name != "SCMP_ARCH_X86_64":
			return name, c.Nr
		}
	}
	return "", c.Nr
}

// CallArch is the OCI name of a call's architecture ("" when shannot
// does not model it): x86_64, x86 or x32 told apart.
func CallArch(c Call) string {
	a, _ := callArch(c)
	return a
}

// AuditArch is the AUDIT_ARCH_* value of an architecture (OCI name) the
// simulator models; false for any other.
func AuditArch(arch string) (uint32, bool) {
	t, ok := auditArches[arch]
	return t, ok
}

// ArchNames are the architectures the simulator models, OCI names,
// sorted.
func ArchNames() []string {
	names := make([]string, 0, len(auditArches))
	for n := range auditArches {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// CallArchNr is the OCI name of the call's architecture (x32 told apart
// by its number's bit), with nr as the filter sees it; "" for an
// architecture not modelled.
func CallArchNr(c Call) (string, int32) { return callArch(c) }
