package seccomp

import (
	"fmt"
	"strconv"

	"github.com/shannot-project/shannot/pkg/seccomp/bpfsim"
)

// NewCall builds a call to the system call name (or number) on an
// architecture (OCI name), as the kernel presents it to the filter.
func NewCall(name, arch string) (Call, error) {
	token, ok := bpfsim.AuditArch(arch)
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
		return Call{}, fmt.Errorf("libseccomp %s gives %s no call number of its own on %s (it is multiplexed, through socketcall or ipc); give its number instead", TableLibseccomp, name, ShortArch(arch))
	}
	return Call{Nr: nr, Arch: token}, nil
}
