package mcpserver

import (
	"os"

	"golang.org/x/sys/unix"
)

// pollable returns a file that reads what f reads through the Go
// runtime's network poller, when f is a pipe or a socket (an MCP client's
// stdio), and a function that puts f back as it was.
//
// A blocking read of stdin holds an OS thread in a system call between
// requests; a request then wakes that thread, which hands the message to
// the SDK's goroutines on another thread, and the runtime's sysmon keeps
// polling while it waits. Through the poller the goroutine that reads
// the request parks instead, and the SDK's goroutines run where it ran.
//
// O_NONBLOCK belongs to the open file description, which others sharing
// the pipe would see: it is set only while the server runs, and cleared
// again by the returned function. Terminals and regular files are left
// as they are.
func pollable(f *os.File) (*os.File, func()) {
	conn, err := f.SyscallConn()
	if err != nil {
		return f, func() {}
	}
	var (
		dup     = -1
		cleared = -1 // the flags to put back, when O_NONBLOCK was set here
	)
	conn.Control(func(fd uintptr) {
		var st unix.Stat_t
		if unix.Fstat(int(fd), &st) != nil || (st.Mode&unix.S_IFMT != unix.S_IFIFO && st.Mode&unix.S_IFMT != unix.S_IFSOCK) {
			return
		}
		flags, err := unix.FcntlInt(fd, unix.F_GETFL, 0)
		if err != nil {
			return
		}
		if flags&unix.O_NONBLOCK == 0 {
			if _, err := unix.FcntlInt(fd, unix.F_SETFL, flags|unix.O_NONBLOCK); err != nil {
				return
			}
			cleared = flags
		}
		// A descriptor of its own, close-on-exec, for an *os.File that
		// the poller owns (os.NewFile sees it non-blocking).
		if dup, err = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 3); err != nil {
			dup = -1
		}
	})
	restore := func() {
		if cleared >= 0 {
			conn.Control(func(fd uintptr) { unix.FcntlInt(fd, unix.F_SETFL, cleared) })
		}
	}
	if dup < 0 {
		restore()
		return f, func() {}
	}
	nf := os.NewFile(uintptr(dup), f.Name())
	return nf, func() {
		nf.Close()
		restore()
	}
}
