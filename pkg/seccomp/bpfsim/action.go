package bpfsim

import (
	"fmt"
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
