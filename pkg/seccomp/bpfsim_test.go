package seccomp

import "github.com/shannot-project/shannot/pkg/seccomp/bpfsim"

// auditArches is bpfsim's architecture table, for the tests that range
// over it or look tokens up.
var auditArches = func() map[string]uint32 {
	m := map[string]uint32{}
	for _, n := range bpfsim.ArchNames() {
		m[n], _ = bpfsim.AuditArch(n)
	}
	return m
}()

// SECCOMP_RET_* values (linux/seccomp.h), for the tests' programs.
const (
	retKillProcess = 0x80000000
	retKillThread  = 0x00000000
	retTrap        = 0x00030000
	retErrno       = 0x00050000
	retUserNotif   = 0x7fc00000
	retTrace       = 0x7ff00000
	retLog         = 0x7ffc0000
	retAllow       = 0x7fff0000
)

// seccompDataSize is sizeof(struct seccomp_data).
const seccompDataSize = 64
