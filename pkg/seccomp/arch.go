package seccomp

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// x32Bit marks x32 system call numbers (__X32_SYSCALL_BIT).
const x32Bit = 0x40000000

// auditArches maps OCI architecture names to the AUDIT_ARCH_* value the
// kernel puts in seccomp_data.arch.
var auditArches = map[string]uint32{
	"SCMP_ARCH_X86_64":  unix.AUDIT_ARCH_X86_64,
	"SCMP_ARCH_X86":     unix.AUDIT_ARCH_I386,
	"SCMP_ARCH_X32":     unix.AUDIT_ARCH_X86_64, // with x32Bit in the number
	"SCMP_ARCH_AARCH64": unix.AUDIT_ARCH_AARCH64,
	"SCMP_ARCH_ARM":     unix.AUDIT_ARCH_ARM,
	"SCMP_ARCH_PPC64LE": unix.AUDIT_ARCH_PPC64LE,
	"SCMP_ARCH_PPC64":   unix.AUDIT_ARCH_PPC64,
	"SCMP_ARCH_PPC":     unix.AUDIT_ARCH_PPC,
	"SCMP_ARCH_S390X":   unix.AUDIT_ARCH_S390X,
	"SCMP_ARCH_S390":    unix.AUDIT_ARCH_S390,
	"SCMP_ARCH_RISCV64": unix.AUDIT_ARCH_RISCV64,
	"SCMP_ARCH_MIPS":    unix.AUDIT_ARCH_MIPS,
	"SCMP_ARCH_MIPSEL":  unix.AUDIT_ARCH_MIPSEL,
	"SCMP_ARCH_MIPS64":  unix.AUDIT_ARCH_MIPS64,
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
		return "", fmt.Errorf("unknown or unsupported architecture %q; use x86_64, x86, x32, aarch64, arm, ppc64le, s390x or riscv64", s)
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

// ShortArch is the OCI name without its prefix, lower case: "x86_64".
func ShortArch(oci string) string {
	return strings.ToLower(strings.TrimPrefix(oci, "SCMP_ARCH_"))
}

// NewCall builds a call to the system call name (or number) on an
// architecture (OCI name), as the kernel presents it to the filter.
func NewCall(name, arch string) (Call, error) {
	token, ok := auditArches[arch]
	if !ok {
		return Call{}, fmt.Errorf("unsupported architecture %s", arch)
	}
	var nr int32
	if n, err := strconv.ParseInt(name, 0, 32); err == nil {
		nr = int32(n)
		if arch == "SCMP_ARCH_X32" {
			nr |= x32Bit
		}
	} else if nr, err = SyscallNumber(name, arch); err != nil {
		return Call{}, err
	} else if nr < 0 {
		// libseccomp's pseudo numbers: socket and ipc calls on x86.
		return Call{}, fmt.Errorf("libseccomp %s gives %s no call number of its own on %s (it is multiplexed, through socketcall or ipc); give its number instead", LibraryVersion(), name, ShortArch(arch))
	}
	return Call{Nr: nr, Arch: token}, nil
}
