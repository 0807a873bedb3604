//go:build linux

package systrace

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// skipWithErrno makes the call the tracee is stopped in fail with errno
// without running: a syscall number of -1 after a seccomp stop skips the
// call, and the return register is what the tracee sees.
func skipWithErrno(pid int, errno syscall.Errno) error {
	var regs unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &regs); err != nil {
		return err
	}
	regs.Orig_rax = ^uint64(0)
	regs.Rax = uint64(-int64(errno))
	return unix.PtraceSetRegs(pid, &regs)
}

// killedCall reads the call a thread stopped at its exit was in, if the
// filter killed it at that call's entry. There the return register holds
// either the -ENOSYS the entry put in it (SECCOMP_RET_KILL_THREAD, which
// exits at once) or, rolled back for the core dump, the call's number
// (SECCOMP_RET_KILL_PROCESS, which forces a SIGSYS no tracer may stop).
// A call that ran, or was interrupted, has replaced it with its result;
// a call that returned its own number (read returning 0) at the instant
// another thread was killed is the one case read wrongly.
func killedCall(pid int) (Call, bool) {
	var regs unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &regs); err != nil {
		return Call{}, false
	}
	nr, ret := int64(regs.Orig_rax), int64(regs.Rax)
	if nr < 0 || (ret != -int64(syscall.ENOSYS) && ret != nr) {
		return Call{}, false
	}
	arch := uint32(unix.AUDIT_ARCH_X86_64)
	if info, err := getSyscallInfo(pid); err == nil && info.Arch != 0 {
		arch = info.Arch
	}
	return Call{PID: pid, Arch: arch, Nr: int32(regs.Orig_rax), Args: argsOf(&regs, arch)}, true
}

// argsOf are a call's arguments in the registers of its ABI.
func argsOf(regs *unix.PtraceRegs, arch uint32) [6]uint64 {
	if arch == unix.AUDIT_ARCH_I386 {
		return [6]uint64{regs.Rbx & 0xffffffff, regs.Rcx & 0xffffffff, regs.Rdx & 0xffffffff,
			regs.Rsi & 0xffffffff, regs.Rdi & 0xffffffff, regs.Rbp & 0xffffffff}
	}
	return [6]uint64{regs.Rdi, regs.Rsi, regs.Rdx, regs.R10, regs.R8, regs.R9}
}

// trappedArgs reads the arguments of the call a SECCOMP_RET_TRAP stopped:
// at the SIGSYS it raised the call was skipped, its argument registers
// left as they were.
func trappedArgs(pid int, arch uint32) [6]uint64 {
	var regs unix.PtraceRegs
	if err := unix.PtraceGetRegs(pid, &regs); err != nil {
		return [6]uint64{}
	}
	return argsOf(&regs, arch)
}
