package seccomp

import (
	"fmt"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ActionKind is what a filter does with a system call.
type ActionKind int

// The actions a filter can take, in the kernel's order of precedence.
const (
	KillProcess ActionKind = iota
	KillThread
	Trap
	Errno
	// Notify is SECCOMP_RET_USER_NOTIF. Policies cannot ask for it (bwrap
	// installs no listener); a raw program can return it, and with no
	// listener the call fails with ENOSYS.
	Notify
	Trace
	Log
	Allow
)

// Action is a filter's verdict on a call: a kind and, for Errno and
// Trace, its data (the errno, or the tracer's message).
type Action struct {
	Kind ActionKind
	Data uint16
}

// SECCOMP_RET_* values (linux/seccomp.h).
const (
	retKillProcess = 0x80000000
	retKillThread  = 0x00000000
	retTrap        = 0x00030000
	retErrno       = 0x00050000
	retUserNotif   = 0x7fc00000
	retTrace       = 0x7ff00000
	retLog         = 0x7ffc0000
	retAllow       = 0x7fff0000
	retActionFull  = 0xffff0000
	retData        = 0x0000ffff
)

// Ret is the action as the filter program returns it.
func (a Action) Ret() uint32 {
	switch a.Kind {
	case KillProcess:
		return retKillProcess
	case KillThread:
		return retKillThread
	case Trap:
		return retTrap
	case Errno:
		return retErrno | uint32(a.Data)
	case Notify:
		return retUserNotif
	case Trace:
		return retTrace | uint32(a.Data)
	case Log:
		return retLog
	}
	return retAllow
}

// ActionFromRet decodes a value returned by a filter program.
func ActionFromRet(ret uint32) Action {
	data := uint16(ret & retData)
	switch ret & retActionFull {
	case retKillProcess:
		return Action{Kind: KillProcess}
	case retKillThread:
		return Action{Kind: KillThread}
	case retTrap:
		return Action{Kind: Trap}
	case retErrno:
		return Action{Kind: Errno, Data: data}
	case retUserNotif:
		return Action{Kind: Notify}
	case retTrace:
		return Action{Kind: Trace, Data: data}
	case retLog:
		return Action{Kind: Log}
	case retAllow:
		return Action{Kind: Allow}
	}
	// The kernel treats unknown actions as KILL_PROCESS.
	return Action{Kind: KillProcess}
}

// Permits reports whether a call with this action goes ahead.
func (a Action) Permits() bool { return a.Kind == Allow || a.Kind == Log }

func (a Action) String() string {
	switch a.Kind {
	case KillProcess:
		return "KILL_PROCESS"
	case KillThread:
		return "KILL_THREAD"
	case Trap:
		return "TRAP"
	case Errno:
		if name := unix.ErrnoName(syscall.Errno(a.Data)); name != "" {
			return "ERRNO(" + name + ")"
		}
		return fmt.Sprintf("ERRNO(%d)", a.Data)
	case Notify:
		return "NOTIFY"
	case Trace:
		return fmt.Sprintf("TRACE(%d)", a.Data)
	case Log:
		return "LOG"
	}
	return "ALLOW"
}

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
