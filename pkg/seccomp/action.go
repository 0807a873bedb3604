package seccomp

import (
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ociActions are OCI's action names and their kinds, sorted by name.
// SCMP_ACT_KILL kills the thread, as runc maps it. A table of constants,
// not a map: nothing is built at start-up.
var ociActions = [...]struct {
	name string
	kind ActionKind
}{
	{"SCMP_ACT_ALLOW", Allow},
	{"SCMP_ACT_ERRNO", Errno},
	{"SCMP_ACT_KILL", KillThread},
	{"SCMP_ACT_KILL_PROCESS", KillProcess},
	{"SCMP_ACT_KILL_THREAD", KillThread},
	{"SCMP_ACT_LOG", Log},
	{"SCMP_ACT_TRACE", Trace},
	{"SCMP_ACT_TRAP", Trap},
}

// ociAction returns the kind of an OCI action name.
func ociAction(name string) (ActionKind, bool) {
	for _, a := range ociActions {
		if a.name == name {
			return a.kind, true
		}
	}
	return 0, false
}

// MaxErrno is the largest errno a policy may return.
const MaxErrno = 4094

// errnoNames maps errno names to numbers, built on first use (a
// sync.OnceValue at package level would run at every start).
var (
	errnoOnce sync.Once
	errnoMap  map[string]uint16
)

func errnoNames() map[string]uint16 {
	errnoOnce.Do(func() {
		errnoMap = map[string]uint16{}
		for e := 1; e <= MaxErrno; e++ {
			if name := unix.ErrnoName(syscall.Errno(e)); name != "" {
				errnoMap[name] = uint16(e)
			}
		}
	})
	return errnoMap
}

// ErrnoByName returns the number of an errno name such as "EPERM".
func ErrnoByName(name string) (uint16, bool) {
	n, ok := errnoNames()[name]
	return n, ok
}
