// Command shannot-init is the first program of a shannot sandbox that
// shares a view of the host: it confines itself with Landlock, then
// execs the command (see internal/sandboxinit for why and how). shannot
// runs it; it is not for running by hand.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"

	"github.com/landlock-lsm/go-landlock/landlock"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/sandboxinit"
)

// initComm is the process name while shannot-init runs, NUL-terminated.
var initComm = []byte(sandboxinit.Name + "\x00")

func main() {
	os.Exit(Main(os.Args[1:], os.Stderr))
}

// MinABI is the Landlock ABI below which shannot-init refuses to run
// the command: ABI 1 already restricts writes by path, which is what
// keeps FIFOs under read-only binds closed. Newer ABIs add to it
// (truncate, TCP, scopes, UNIX sockets by path) where the kernel has them.
const MinABI = 1

// writeAccess is every file system right that changes something: writing
// and truncating files, making and removing entries of every kind,
// renaming and linking across directories, and connecting to a UNIX
// socket by its path.
const writeAccess = ll.AccessFSWriteFile | ll.AccessFSRemoveDir | ll.AccessFSRemoveFile |
	ll.AccessFSMakeChar | ll.AccessFSMakeDir | ll.AccessFSMakeReg | ll.AccessFSMakeSock |
	ll.AccessFSMakeFifo | ll.AccessFSMakeBlock | ll.AccessFSMakeSym | ll.AccessFSRefer |
	ll.AccessFSTruncate | ll.AccessFSResolveUnix

// Config is the Landlock configuration of every sandbox init: writes
// restricted by path, TCP closed, and signals and abstract UNIX sockets
// scoped to the sandbox. Best effort: a right the kernel does not know
// is dropped (ABI reports what was kept).
func Config() landlock.Config {
	return landlock.Config{
		HandledAccessFS:  writeAccess,
		HandledAccessNet: ll.AccessNetBindTCP | ll.AccessNetConnectTCP,
		Scoped:           ll.ScopeAbstractUnixSocket | ll.ScopeSignal,
	}.BestEffort()
}

// Rules allow every write right beneath the sandbox's writable mounts,
// which are its own (tmpfs, its /dev, writable binds the profile asks
// for): nothing else.
func Rules(writable []string) []landlock.Rule {
	if len(writable) == 0 {
		return nil
	}
	return []landlock.Rule{landlock.PathAccess(writeAccess, writable...).IgnoreIfMissing()}
}

// Main confines the process and execs the command; it returns only on
// failure, with the exit status to use: ExitSetup when the sandbox could
// not be confined, 127 or 126 as a shell gives when the command cannot
// be found or run.
func Main(args []string, stderr io.Writer) int {
	// The thread that confines itself is the one that execs the command,
	// and a thread's Landlock domain is what execve keeps: no other
	// thread need be confined (see restrictThisThread).
	runtime.LockOSThread()
	// Reports name processes by comm, which would otherwise be the
	// descriptor's number (bwrap runs /proc/self/fd/N); the command's
	// execve gives it its own.
	_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&initComm[0])), 0, 0, 0)
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "shannot-init: "+format+"\n", a...)
		return code
	}
	r, err := sandboxinit.Parse(args)
	if err != nil {
		return fail(sandboxinit.ExitSetup, "%v", err)
	}
	// Only the standard streams reach the command: not the init's own
	// file, nor a descriptor bwrap leaves open (as root, the read end of
	// --userns-block-fd's pipe reached the command, a hostile review
	// saw).
	closeAboveStderrOnExec()
	abi, err := ll.LandlockGetABIVersion()
	if err != nil || abi < MinABI {
		return fail(sandboxinit.ExitSetup, "Landlock is not available in this kernel (%v): the host view's writes through FIFOs and sockets cannot be closed; boot with lsm=landlock,... (CONFIG_SECURITY_LANDLOCK)", errOrABI(err, abi))
	}
	writable, err := checkWritable(r.Writable)
	if err != nil {
		return fail(sandboxinit.ExitSetup, "%v", err)
	}
	if err := restrictThisThread(Config(), Rules(writable)); err != nil {
		return fail(sandboxinit.ExitSetup, "Landlock: %v", err)
	}
	path, err := exec.LookPath(r.Argv[0])
	if err != nil {
		return fail(127, "%s: command not found", r.Argv[0])
	}
	err = syscall.Exec(path, r.Argv, os.Environ())
	return fail(126, "%s: %v", path, err)
}

// checkWritable returns the writable mounts that exist, and refuses one
// that is on a read-only file system: shannot names the sandbox's own
// writable mounts by path, and a profile's additional_args can put a
// symlink there (--symlink /var/tmp /usr/local/bin over a tmpfs of that
// name, a hostile review did), which Landlock would follow to a
// directory of the host's, where FIFOs are. In a host view every mount
// of the host's is read-only and every writable one is the sandbox's.
func checkWritable(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fd, err := unix.Open(p, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) {
			continue // covered by a later mount: nothing to allow
		}
		if err != nil {
			return nil, fmt.Errorf("writable mount %s: %w", p, err)
		}
		var fs unix.Statfs_t
		err = unix.Fstatfs(fd, &fs)
		unix.Close(fd)
		if err != nil {
			return nil, fmt.Errorf("writable mount %s: %w", p, err)
		}
		if fs.Flags&unix.ST_RDONLY != 0 {
			return nil, fmt.Errorf("writable mount %s leads to a read-only file system (a symlink to the host's?): refused, since Landlock would let the command write there", p)
		}
		out = append(out, p)
	}
	return out, nil
}

// closeAboveStderrOnExec marks every descriptor above 2 close-on-exec.
// close_range(2) does it at once (Linux 5.11); older kernels get the
// descriptors listed in /proc/self/fd.
func closeAboveStderrOnExec() {
	if unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.CloseOnExec(fd)
		}
	}
}

// restrictThisThread confines the calling thread only. go-landlock's
// Restrict confines every thread of the process through the runtime's
// AllThreadsSyscall, which stops each thread with a signal: the
// host-view filter lets no signal but 0 go out (tgkill with SIGURG
// fails), and the runtime then waits for ever. Nothing needs the other
// threads: execve replaces them, and the command starts with the
// calling thread's credentials, its Landlock domain among them.
func restrictThisThread(cfg landlock.Config, rules []landlock.Rule) error {
	fd, flags, err := cfg.NewRulesetFD(rules...)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
	}
	if err := ll.LandlockRestrictSelf(fd, flags); err != nil {
		return fmt.Errorf("landlock_restrict_self: %w", err)
	}
	return nil
}

func errOrABI(err error, abi int) any {
	if err != nil {
		return err
	}
	return "ABI " + strconv.Itoa(abi)
}
