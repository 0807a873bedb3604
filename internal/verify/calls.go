package verify

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// CallFlag is the probe's flag naming a call (a label of probeCalls) to
// make inside the sandbox; it is given once per call.
const CallFlag = "syscall"

// probeCall is a system call the probe can make inside any sandbox to
// see a filter's verdict for real: it changes nothing and, when the
// filter lets it through, succeeds on every kernel shannot supports, so
// an errno can only be the filter's. do makes the call and releases what
// it got; args are the arguments as the filter sees them, with the
// pointers and the probe's pid (ptrs, indexes into args) left 0: their
// real values are known only inside, so a call whose verdict depends on
// them is not checked.
type probeCall struct {
	label string // unique: "socket(AF_INET)"; the call is the text before "("
	nr    uintptr
	args  [6]uint64
	ptrs  []int
	do    func() error
}

// call is the name of the system call a label makes.
func (c probeCall) call() string {
	for i := 0; i < len(c.label); i++ {
		if c.label[i] == '(' {
			return c.label[:i]
		}
	}
	return c.label
}

// raw makes a call; a result that is a descriptor is closed.
func raw(nr uintptr, fd bool, a ...uintptr) error {
	var v [6]uintptr
	copy(v[:], a)
	r, _, e := unix.Syscall6(nr, v[0], v[1], v[2], v[3], v[4], v[5])
	if e != 0 {
		return e
	}
	if fd {
		unix.Close(int(r))
	}
	return nil
}

// rootPath is "/" as a C string, for the calls that take a path.
var rootPath = []byte("/\x00")

func ptr[T any](p *T) uintptr { return uintptr(unsafe.Pointer(p)) }

// probeCalls are the calls verify checks, in the order they are made:
// built at the first use, not at every start of shannot (30 µs of
// package initialisation, a launch's too).
var probeCalls = sync.OnceValue(func() []probeCall {
	u := func(label string, nr uintptr, args ...uint64) probeCall {
		c := probeCall{label: label, nr: nr}
		copy(c.args[:], args)
		c.do = func() error {
			a := make([]uintptr, len(args))
			for i, v := range args {
				a[i] = uintptr(v)
			}
			return raw(nr, false, a...)
		}
		return c
	}
	fdCall := func(label string, nr uintptr, args ...uint64) probeCall {
		c := u(label, nr, args...)
		c.do = func() error {
			a := make([]uintptr, len(args))
			for i, v := range args {
				a[i] = uintptr(v)
			}
			return raw(nr, true, a...)
		}
		return c
	}
	// AT_FDCWD as the register holds it, and so as the filter sees it.
	fdcwd := int64(unix.AT_FDCWD)
	at := uint64(fdcwd)
	return []probeCall{
		u("getpid", unix.SYS_GETPID),
		u("getppid", unix.SYS_GETPPID),
		u("gettid", unix.SYS_GETTID),
		u("getuid", unix.SYS_GETUID),
		u("getgid", unix.SYS_GETGID),
		u("sched_yield", unix.SYS_SCHED_YIELD),
		u("unshare(0)", unix.SYS_UNSHARE, 0),
		u("personality(query)", unix.SYS_PERSONALITY, 0xffffffff),
		u("prctl(PR_GET_DUMPABLE)", unix.SYS_PRCTL, unix.PR_GET_DUMPABLE),
		u("ioprio_get", unix.SYS_IOPRIO_GET, 1, 0), // IOPRIO_WHO_PROCESS, this process
		u("membarrier(query)", unix.SYS_MEMBARRIER, 0, 0, 0),
		u("close_range", unix.SYS_CLOSE_RANGE, 0xffffffff, 0xffffffff, 0), // closes nothing
		{label: "uname", nr: unix.SYS_UNAME, ptrs: []int{0}, do: func() error {
			var v unix.Utsname
			return raw(unix.SYS_UNAME, false, ptr(&v))
		}},
		{label: "sysinfo", nr: unix.SYS_SYSINFO, ptrs: []int{0}, do: func() error {
			var v unix.Sysinfo_t
			return raw(unix.SYS_SYSINFO, false, ptr(&v))
		}},
		{label: "getcwd", nr: unix.SYS_GETCWD, args: [6]uint64{0, 4096}, ptrs: []int{0}, do: func() error {
			b := make([]byte, 4096)
			return raw(unix.SYS_GETCWD, false, ptr(&b[0]), 4096)
		}},
		{label: "getrandom", nr: unix.SYS_GETRANDOM, args: [6]uint64{0, 1, unix.GRND_NONBLOCK}, ptrs: []int{0}, do: func() error {
			var b [1]byte
			return raw(unix.SYS_GETRANDOM, false, ptr(&b[0]), 1, unix.GRND_NONBLOCK)
		}},
		{label: "getrusage", nr: unix.SYS_GETRUSAGE, ptrs: []int{1}, do: func() error {
			var v unix.Rusage
			return raw(unix.SYS_GETRUSAGE, false, unix.RUSAGE_SELF, ptr(&v))
		}},
		{label: "sched_getaffinity", nr: unix.SYS_SCHED_GETAFFINITY, args: [6]uint64{0, uint64(unsafe.Sizeof(unix.CPUSet{}))}, ptrs: []int{2}, do: func() error {
			var v unix.CPUSet
			return raw(unix.SYS_SCHED_GETAFFINITY, false, 0, unsafe.Sizeof(v), ptr(&v))
		}},
		{label: "faccessat", nr: unix.SYS_FACCESSAT, args: [6]uint64{at, 0, unix.F_OK}, ptrs: []int{1}, do: func() error {
			return raw(unix.SYS_FACCESSAT, false, uintptr(at), ptr(&rootPath[0]), unix.F_OK)
		}},
		{label: "faccessat2", nr: unix.SYS_FACCESSAT2, args: [6]uint64{at, 0, unix.F_OK, 0}, ptrs: []int{1}, do: func() error {
			return raw(unix.SYS_FACCESSAT2, false, uintptr(at), ptr(&rootPath[0]), unix.F_OK, 0)
		}},
		{label: "statx", nr: unix.SYS_STATX, args: [6]uint64{at, 0, 0, unix.STATX_BASIC_STATS}, ptrs: []int{1, 4}, do: func() error {
			var v unix.Statx_t
			return raw(unix.SYS_STATX, false, uintptr(at), ptr(&rootPath[0]), 0, unix.STATX_BASIC_STATS, ptr(&v))
		}},
		{label: "openat2", nr: unix.SYS_OPENAT2, args: [6]uint64{at, 0, 0, uint64(unsafe.Sizeof(unix.OpenHow{}))}, ptrs: []int{1, 2}, do: func() error {
			how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC}
			return raw(unix.SYS_OPENAT2, true, uintptr(at), ptr(&rootPath[0]), ptr(&how), unsafe.Sizeof(how))
		}},
		{label: "pidfd_open", nr: unix.SYS_PIDFD_OPEN, ptrs: []int{0}, do: func() error {
			// Its first argument is the probe's pid, not a pointer, but
			// as unknown to the plan as one.
			return raw(unix.SYS_PIDFD_OPEN, true, uintptr(unix.Getpid()), 0)
		}},
		fdCall("epoll_create1", unix.SYS_EPOLL_CREATE1, unix.EPOLL_CLOEXEC),
		fdCall("eventfd2", unix.SYS_EVENTFD2, 0, unix.EFD_CLOEXEC),
		fdCall("socket(AF_UNIX)", unix.SYS_SOCKET, unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0),
		fdCall("socket(AF_INET)", unix.SYS_SOCKET, unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0),
	}
})

// findCall is the probe call with this label.
func findCall(label string) (probeCall, bool) {
	for _, c := range probeCalls() {
		if c.label == label {
			return c, true
		}
	}
	return probeCall{}, false
}
