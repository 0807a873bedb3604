package seccomp

import (
	"fmt"
	"sort"
)

//go:generate go run ./internal/gensyscalls -o syscalls_table.go

// The system call table is generated from libseccomp (see
// internal/gensyscalls) so that naming and numbering calls needs no cgo:
// the start check of every launch and seccomp explain/inspect use it in
// a shannot built without libseccomp. It is static data: nothing is
// built at start-up.

// sysEntry is one call of an architecture: its number as the filter sees
// it (x32 numbers carry 0x40000000; libseccomp's pseudo-numbers for
// multiplexed calls are negative) and its name's index in syscallNames.
type sysEntry struct {
	nr   int32
	name uint16
}

// SyscallNumber returns the number of a call on an architecture (OCI
// name), as libseccomp TableLibseccomp numbers it for the filter: x32
// numbers carry 0x40000000, calls multiplexed through socketcall or ipc
// on x86 are negative.
func SyscallNumber(name, arch string) (int32, error) {
	byName, _ := syscallTables(arch)
	if byName == nil {
		return 0, fmt.Errorf("unknown architecture %s", arch)
	}
	i := sort.Search(len(byName), func(i int) bool { return syscallNames[byName[i].name] >= name })
	if i == len(byName) || syscallNames[byName[i].name] != name {
		return 0, fmt.Errorf("libseccomp %s does not know system call %q on %s", TableLibseccomp, name, ShortArch(arch))
	}
	return byName[i].nr, nil
}

// SyscallName returns the name of call number nr on an architecture (OCI
// name), or "" when libseccomp TableLibseccomp does not know it.
func SyscallName(nr int32, arch string) string {
	_, byNr := syscallTables(arch)
	i := sort.Search(len(byNr), func(i int) bool { return byNr[i].nr >= nr })
	if i == len(byNr) || byNr[i].nr != nr {
		return ""
	}
	return syscallNames[byNr[i].name]
}
