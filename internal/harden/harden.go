package harden

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Process hardens the running process as the package comment says.
func Process() error {
	if err := resetScheduling(); err != nil {
		return err
	}
	for _, l := range limits {
		if err := lift(l.res, l.floor); err != nil {
			return fmt.Errorf("the caller's limit on %s is %s and cannot be lifted to %s (shannot lacks CAP_SYS_RESOURCE): "+
				"refused when shannot runs as root for another user, since the kernel could end the run before its audit record; "+
				"run without lowering it", l.name, err, limitText(l.floor))
		}
	}
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	return leaveCallersCgroups()
}

// limits are those a run needs, each with the least it may be
// (RLIM_INFINITY: no limit at all).
var limits = []struct {
	res   int
	name  string
	floor uint64
}{
	{unix.RLIMIT_CPU, "CPU time (ulimit -t)", unix.RLIM_INFINITY},
	{unix.RLIMIT_FSIZE, "file size (ulimit -f)", unix.RLIM_INFINITY},
	{unix.RLIMIT_DATA, "data size (ulimit -d)", unix.RLIM_INFINITY},
	{unix.RLIMIT_AS, "address space (ulimit -v)", unix.RLIM_INFINITY},
	{unix.RLIMIT_RSS, "resident set (ulimit -m)", unix.RLIM_INFINITY},
	{unix.RLIMIT_STACK, "stack size (ulimit -s)", 8 << 20},
	{unix.RLIMIT_NOFILE, "open files (ulimit -n)", 1024},
	{unix.RLIMIT_NPROC, "processes (ulimit -u)", 4096},
}

// lift raises the soft limit of res to at least floor, raising the hard
// limit first when it is lower; it returns the limit that stands when it
// cannot.
func lift(res int, floor uint64) error {
	var l unix.Rlimit
	if err := unix.Getrlimit(res, &l); err != nil {
		return err
	}
	if atLeast(l.Cur, floor) {
		return nil
	}
	if !atLeast(l.Max, floor) {
		if unix.Setrlimit(res, &unix.Rlimit{Cur: floor, Max: floor}) == nil {
			return nil
		}
	} else if unix.Setrlimit(res, &unix.Rlimit{Cur: floor, Max: l.Max}) == nil {
		return nil
	}
	return errors.New(limitText(l.Max))
}

func atLeast(v, floor uint64) bool {
	return v == unix.RLIM_INFINITY || floor != unix.RLIM_INFINITY && v >= floor
}

func limitText(v uint64) string {
	if v == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return strconv.FormatUint(v, 10)
}

// resetScheduling puts back what a root login gets: OOM score adjustment
// 0 (the caller's 1000 makes shannot the OOM killer's first choice), the
// normal scheduling policy at nice 0, the default I/O priority, every
// CPU, and the default timer slack, for every thread of the process.
func resetScheduling() error {
	if err := os.WriteFile("/proc/self/oom_score_adj", []byte("0"), 0); err != nil {
		return fmt.Errorf("resetting the OOM score the caller set: %w", err)
	}
	var all unix.CPUSet
	for i := 0; i < runtime.NumCPU()*4 && i < 1024; i++ {
		all.Set(i)
	}
	tids, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("listing threads: %w", err)
	}
	for _, t := range tids {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SCHED_SETSCHEDULER, uintptr(tid), 0 /* SCHED_OTHER */, uintptr(unsafe.Pointer(&schedParam{}))); e != 0 {
			return fmt.Errorf("resetting the scheduling policy the caller set: %w", e)
		}
		if err := unix.Setpriority(unix.PRIO_PROCESS, tid, 0); err != nil {
			return fmt.Errorf("resetting the nice value the caller set: %w", err)
		}
		// ioprio_set(IOPRIO_WHO_PROCESS, tid, IOPRIO_CLASS_NONE): the default.
		if _, _, e := unix.RawSyscall(unix.SYS_IOPRIO_SET, 1, uintptr(tid), 0); e != 0 {
			return fmt.Errorf("resetting the I/O priority the caller set: %w", e)
		}
		_ = unix.SchedSetaffinity(tid, &all)
	}
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 0, 0, 0, 0)
	return nil
}

type schedParam struct{ priority int32 }

// Hierarchy is one cgroup hierarchy the process belongs to.
type Hierarchy struct {
	Mount string // where the hierarchy is mounted
	Dir   string // the process's cgroup in it, under Mount
	V2    bool
}

// hierarchies maps /proc/self/cgroup onto the cgroup file systems of
// /proc/self/mountinfo.
func hierarchies(cgroup, mountinfo string) []Hierarchy {
	type mnt struct{ root, point string }
	v1 := map[string]mnt{} // by controller or name=
	var v2 *mnt
	for _, line := range strings.Split(mountinfo, "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		f, g := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(g) < 3 {
			continue
		}
		m := mnt{root: f[3], point: unescape(f[4])}
		switch g[0] {
		case "cgroup2":
			v2 = &m
		case "cgroup":
			for _, o := range strings.Split(g[2], ",") {
				v1[o] = m
			}
		}
	}
	var out []Hierarchy
	for _, line := range strings.Split(strings.TrimSpace(cgroup), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		var m *mnt
		v2line := parts[0] == "0" && parts[1] == ""
		if v2line {
			m = v2
		} else {
			for _, c := range strings.Split(parts[1], ",") {
				if x, ok := v1[c]; ok {
					m = &x
					break
				}
			}
		}
		if m == nil {
			continue
		}
		rel := strings.TrimPrefix(parts[2], m.root)
		if m.root == "/" {
			rel = parts[2]
		}
		out = append(out, Hierarchy{Mount: m.point, Dir: filepath.Join(m.point, rel), V2: v2line})
	}
	return out
}

func unescape(s string) string {
	r := strings.NewReplacer(`\040`, " ", `\011`, "\t", `\012`, "\n", `\134`, `\`)
	return r.Replace(s)
}

// controlFiles are those through which whoever may write them ends,
// freezes or starves the processes of a cgroup (v2 and v1).
var controlFiles = []string{"", "cgroup.procs", "cgroup.threads", "tasks", "cgroup.kill", "cgroup.freeze",
	"freezer.state", "memory.max", "memory.high", "memory.limit_in_bytes", "pids.max", "cpu.max", "cgroup.subtree_control"}

// delegated returns the first control file from dir up to mount that
// someone other than root owns or may write, or "".
func delegated(h Hierarchy, stat func(string) (*unix.Stat_t, error)) string {
	for dir := h.Dir; ; dir = filepath.Dir(dir) {
		for _, f := range controlFiles {
			p := filepath.Join(dir, f)
			st, err := stat(p)
			if err != nil {
				continue
			}
			if st.Uid != 0 || st.Mode&0o022 != 0 {
				return p
			}
		}
		if dir == h.Mount || len(dir) <= len(h.Mount) {
			return ""
		}
	}
}

// cgroupName is root's cgroup a process leaves a delegated one for.
const cgroupName = "shannot"

// leaveCallersCgroups moves the process into root's own cgroup in every
// hierarchy where its cgroup, or one above it, is the caller's to write.
func leaveCallersCgroups() error {
	cg, err1 := os.ReadFile("/proc/self/cgroup")
	mi, err2 := os.ReadFile("/proc/self/mountinfo")
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("reading the process's cgroups: %w", err)
	}
	stat := func(p string) (*unix.Stat_t, error) {
		var st unix.Stat_t
		return &st, unix.Lstat(p, &st)
	}
	for _, h := range hierarchies(string(cg), string(mi)) {
		culprit := delegated(h, stat)
		if culprit == "" {
			continue
		}
		dir := filepath.Join(h.Mount, cgroupName)
		if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return refuse(culprit, err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			return refuse(culprit, err)
		}
		procs := filepath.Join(dir, "cgroup.procs")
		if err := os.WriteFile(procs, []byte("0"), 0); err != nil {
			return refuse(culprit, err)
		}
		if still := delegated(Hierarchy{Mount: h.Mount, Dir: dir}, stat); still != "" {
			return refuse(still, syscall.EPERM)
		}
	}
	return nil
}

func refuse(culprit string, err error) error {
	return fmt.Errorf("the caller can end or freeze this process through its cgroup (%s is not root's alone) "+
		"and shannot could not move to a cgroup of root's: %v; refused when shannot runs as root for another user", culprit, err)
}
