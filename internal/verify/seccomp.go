package verify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/pkg/seccomp"
)

// SeccompPlan is what Run knows of the profile's filter before the probe
// runs, for Evaluate's seccomp check.
type SeccompPlan struct {
	// Source is the filter's file or policy; "" when the profile has no
	// filter.
	Source string
	// HostFilters is how many seccomp filters shannot itself runs under
	// (Seccomp_filters of its own /proc/self/status), which the sandbox
	// inherits; -1 when unknown.
	HostFilters int
	// Verdicts are the calls the probe makes, with what the simulator
	// says the filter gives them.
	Verdicts []Verdict
}

// Verdict is a call the probe makes and what it must see.
type Verdict struct {
	Call string // a label of probeCalls: "faccessat2", "socket(AF_INET)"
	Want string // "ok", or the name of the errno the filter returns
}

// unknownArg is what the plan puts in a pointer argument to see whether
// the verdict depends on it.
const unknownArg = 0x7ffc_dead_1000

// PlanVerdicts runs each of the probe's calls through prog as the kernel
// would on host's architecture and returns those whose verdict the probe
// can see: allowed (it succeeds), an errno (it fails with that errno),
// or TRACE and USER_NOTIF, which fail with ENOSYS when no tracer or
// listener is there, as under bwrap. Calls the filter kills or traps,
// calls whose verdict depends on the values of pointers (the probe's
// own), and calls whose number the simulator's table gives otherwise
// than this build's are left out.
func PlanVerdicts(prog *seccomp.Program, host seccomp.Host) ([]Verdict, error) {
	var out []Verdict
	for _, pc := range probeCalls() {
		c, err := seccomp.NewCall(pc.call(), host.Arch)
		if err != nil || uintptr(c.Nr) != pc.nr {
			continue
		}
		c.Args = pc.args
		ret, err := prog.Run(c)
		if err != nil {
			return nil, fmt.Errorf("simulating %s: %w", pc.label, err)
		}
		for _, i := range pc.ptrs {
			c.Args[i] = unknownArg
		}
		ret2, err := prog.Run(c)
		if err != nil {
			return nil, fmt.Errorf("simulating %s: %w", pc.label, err)
		}
		if ret2 != ret {
			continue
		}
		if want, ok := seen(seccomp.ActionFromRet(ret)); ok {
			out = append(out, Verdict{Call: pc.label, Want: want})
		}
	}
	return out, nil
}

// seen is what a process sees of action a on a call that succeeds when
// allowed; ok is false when it cannot look (it would be killed).
func seen(a seccomp.Action) (string, bool) {
	switch a.Kind {
	case seccomp.Allow, seccomp.Log:
		return "ok", true
	case seccomp.Errno:
		if a.Data == 0 {
			return "ok", true
		}
		return errnoString(unix.Errno(a.Data)), true
	case seccomp.Trace, seccomp.Notify:
		return "ENOSYS", true
	}
	return "", false
}

// errnoString is an errno's name, or "errno N" for one without a name.
func errnoString(e unix.Errno) string {
	if n := unix.ErrnoName(e); n != "" {
		return n
	}
	return "errno " + strconv.Itoa(int(e))
}

// checkSeccomp is the seccomp line: with a filter, it is in force in the
// sandbox (Seccomp: 2, one filter more than shannot itself runs under)
// and every planned verdict is what the probe saw; without one, no
// filter but shannot's own is there.
func checkSeccomp(f *Facts) Check {
	plan := f.Plan
	ck := Check{Name: "seccomp"}
	filters := func() string { return plural(f.SeccompFilters, "filter") }
	if plan.Source == "" {
		switch {
		case f.Seccomp == 0:
			ck.OK, ck.Detail = true, "no filter (Seccomp: 0)"
		case f.Seccomp == 2 && f.SeccompFilters >= 0 && f.SeccompFilters == plan.HostFilters:
			ck.OK, ck.Detail = true, fmt.Sprintf("no filter of the profile's; shannot's own %s, inherited (Seccomp: 2)", filters())
		case f.Seccomp < 0:
			ck.OK, ck.Detail = true, "no filter of the profile's (the sandbox's seccomp state is unreadable)"
		default:
			ck.Detail = fmt.Sprintf("the profile has no filter, but the sandbox shows Seccomp: %d with %s, shannot %d", f.Seccomp, filters(), plan.HostFilters)
		}
		return ck
	}
	if f.Seccomp != 2 {
		ck.Detail = fmt.Sprintf("the filter is NOT in force: Seccomp: %d in the sandbox, want 2", f.Seccomp)
		return ck
	}
	if want := plan.HostFilters + 1; plan.HostFilters >= 0 && f.SeccompFilters >= 0 && f.SeccompFilters != want {
		ck.Detail = fmt.Sprintf("%s in the sandbox, want %d (shannot's own %d and the profile's)", filters(), want, plan.HostFilters)
		return ck
	}
	var wrong, denied []string
	allowed := 0
	for _, v := range plan.Verdicts {
		got, ok := f.Calls[v.Call]
		if !ok {
			got = "not made"
		}
		switch {
		case got != v.Want:
			wrong = append(wrong, fmt.Sprintf("%s got %s, the filter gives %s", v.Call, got, v.Want))
		case v.Want == "ok":
			allowed++
		default:
			denied = append(denied, v.Call+" "+v.Want)
		}
	}
	inForce := fmt.Sprintf("in force (Seccomp: 2, %s)", filters())
	if len(wrong) > 0 {
		ck.Detail = inForce + ", but the kernel's verdicts DIFFER from the filter's: " + strings.Join(wrong, "; ")
		return ck
	}
	ck.OK = true
	if len(plan.Verdicts) == 0 {
		ck.Detail = inForce + "; none of the probe's calls can be checked under it"
		return ck
	}
	ck.Detail = fmt.Sprintf("%s; %s seen as the filter gives them: %s succeeded", inForce, plural(len(plan.Verdicts), "verdict"), plural(allowed, "allowed call"))
	if len(denied) > 0 {
		ck.Detail += ", denied: " + strings.Join(denied, ", ")
	}
	return ck
}

// runtimeCalls are calls whose failure the Go runtime (the probe's, built
// without cgo) does not survive: it throws "sigaction failed" and the
// like, or crashes on purpose, with arguments much like these. Threads
// are made with clone and these flags (CLONE_VM|CLONE_FS|CLONE_FILES|
// CLONE_SIGHAND|CLONE_SYSVSEM|CLONE_THREAD).
var runtimeCalls = []struct {
	name string
	args [6]uint64
}{
	{"arch_prctl", [6]uint64{0x1002}}, // ARCH_SET_FS
	{"mmap", [6]uint64{0, 0x40000, unix.PROT_READ | unix.PROT_WRITE, unix.MAP_PRIVATE | unix.MAP_ANONYMOUS, ^uint64(0)}},
	{"rt_sigaction", [6]uint64{uint64(unix.SIGURG), 0x1000, 0, 8}},
	{"rt_sigprocmask", [6]uint64{unix.SIG_SETMASK, 0x1000, 0x2000, 8}},
	{"sigaltstack", [6]uint64{0x1000, 0}},
	{"clone", [6]uint64{0x50f00, 0x1000}},
}

// RuntimeDenials names the calls of runtimeCalls that prog denies on
// host's architecture, with the verdict: "rt_sigaction ERRNO(EPERM)".
func RuntimeDenials(prog *seccomp.Program, host seccomp.Host) ([]string, error) {
	var out []string
	for _, rc := range runtimeCalls {
		c, err := seccomp.NewCall(rc.name, host.Arch)
		if err != nil {
			continue
		}
		c.Args = rc.args
		ret, err := prog.Run(c)
		if err != nil {
			return nil, fmt.Errorf("simulating %s: %w", rc.name, err)
		}
		if a := seccomp.ActionFromRet(ret); !a.Permits() {
			out = append(out, rc.name+" "+a.String())
		}
	}
	return out, nil
}

// probeDied is Facts.Failed for a probe that exited with code and
// stderr: the first line of what it said (a Go runtime's dump is a
// hundred lines), the calls the filter denies that the Go runtime does
// not survive (runtime, from RuntimeDenials), and those that break some
// programs (hazards), which it may have needed.
func probeDied(code int, stderr string, runtime []string, hazards []seccomp.Hazard) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	msg := fmt.Sprintf("probe exited %d", code)
	if lines[0] != "" {
		msg += ": " + strings.TrimSpace(lines[0])
	}
	if len(lines) > 1 {
		msg += fmt.Sprintf(" (%d more lines left out)", len(lines)-1)
	}
	// A thread that cannot be created is clone3's (or clone's) doing:
	// name only those when the probe says so.
	if strings.Contains(lines[0], "pthread_create failed") {
		if hs := slices.DeleteFunc(slices.Clone(hazards), func(h seccomp.Hazard) bool { return h.Call != "clone3" && h.Call != "clone" }); len(hs) > 0 {
			hazards = hs
		}
	}
	if len(runtime) > 0 {
		msg += "; the filter denies what the Go runtime needs: " + strings.Join(runtime, ", ")
	}
	if len(hazards) > 0 {
		var calls []string
		for _, h := range hazards {
			calls = append(calls, h.Call+" "+h.Action.String())
		}
		msg += fmt.Sprintf("; the filter gives %s on %s, which it may need", strings.Join(calls, ", "), seccomp.ShortArch(hazards[0].Arch))
	}
	return msg
}

// plural is "1 filter", "2 filters".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
