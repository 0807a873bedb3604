package bpfsim

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
)

// startCall is a call with plausible arguments, the reason it matters,
// and for a hazard, what to do about it.
type startCall struct {
	name string
	args [6]uint64
	why  string
}

const (
	whyExec   = "bwrap installs the filter just before it executes the command, so the command could never start"
	whyLoader = "the dynamic loader makes these calls before the command's own code runs, so every dynamically linked command would crash at start"
	whyInit   = "bwrap's own process 1 in the sandbox runs under the filter too and waits for the command with it; without it bwrap fails with \"init wait(): Operation not permitted\""
)

// startCalls are the calls without which no command starts: CheckStart
// refuses a filter that denies any of them. AT_FDCWD is -100;
// O_RDONLY|O_CLOEXEC is 0x80000; PROT_READ|PROT_WRITE is 3;
// MAP_PRIVATE|MAP_ANONYMOUS is 0x22.
var startCalls = []startCall{
	{"execve", [6]uint64{0x1000, 0x2000, 0x3000}, whyExec},
	{"brk", [6]uint64{0}, whyLoader},
	{"mmap", [6]uint64{0, 8192, 3, 0x22, ^uint64(0), 0}, whyLoader},
	{"mprotect", [6]uint64{0x1000, 4096, 1}, whyLoader},
	{"munmap", [6]uint64{0x1000, 4096}, whyLoader},
	{"openat", [6]uint64{uint64(0xffffffffffffff9c), 0x1000, 0x80000}, whyLoader},
	{"read", [6]uint64{3, 0x1000, 832}, whyLoader},
	{"pread64", [6]uint64{3, 0x1000, 784, 64}, whyLoader},
	{"close", [6]uint64{3}, whyLoader},
	{"newfstatat", [6]uint64{3, 0x1000, 0x2000, 0x1000}, whyLoader},
	{"arch_prctl", [6]uint64{0x1002, 0x1000}, whyLoader},
	{"exit_group", [6]uint64{0}, whyLoader},
	{"wait4", [6]uint64{^uint64(0), 0x1000, 0, 0}, whyInit},
}

// Hazard is a call a filter denies that does not stop commands from
// starting but breaks some of them: shannot warns, naming the call, what
// goes wrong, and the fix.
type Hazard struct {
	Call        string
	Action      Action
	Arch        string // OCI name
	Consequence string
	Fix         string
}

func (h Hazard) String() string {
	return fmt.Sprintf("the filter gives %s %s on %s: %s; %s", h.Call, h.Action, ShortArch(h.Arch), h.Consequence, h.Fix)
}

// hazardCall is a call whose denial is a hazard: consequence says what
// breaks, fix what to do, and ok, when set, accepts some denials (clone3
// failing with ENOSYS is what libc wants).
type hazardCall struct {
	name        string
	args        [6]uint64
	consequence string
	fix         string
	ok          func(Action) bool
}

// CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|
// CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID: glibc's threads.
const threadCloneFlags = 0x3d0f00

var hazardCalls = []hazardCall{
	{name: "rt_sigreturn", consequence: "a process whose signal handler returns dies with SIGSEGV (sh -c 'sleep 0.2 & wait' exits 139), and bwrap's process 1 fails with \"init wait(): Operation not permitted\" when a signal reaches it",
		fix: "allow rt_sigreturn"},
	{name: "restart_syscall", consequence: "a call interrupted by a stop and continue (sleep after SIGSTOP, SIGCONT) fails instead of resuming",
		fix: "allow restart_syscall"},
	{name: "exit", consequence: "a thread cannot end on its own (multi-threaded programs hang or crash at exit)",
		fix: "allow exit"},
	{name: "clone3", consequence: "libc falls back to clone only when clone3 fails with ENOSYS: threads cannot be created (pthread_create fails; a Go program built with cgo dumps \"runtime/cgo: pthread_create failed\")",
		fix:  "deny clone3 with ENOSYS (\"errnoRet\": 38) and allow clone",
		args: [6]uint64{0x1000, 88},
		ok:   func(a Action) bool { return a.Kind == Errno && a.Data == uint16(syscall.ENOSYS) }},
	{name: "clone", consequence: "no thread or process can be created (shells cannot run a pipeline, a background job or another program)",
		fix:  "allow clone (without namespace flags)",
		args: [6]uint64{threadCloneFlags, 0x1000, 0x2000, 0x3000, 0x4000}},
}

// denial is one call a filter does not let through.
type denial struct {
	call   string
	action Action
	why    string
}

// StartError is a filter under which no command can start: every call it
// denies that a start needs.
type StartError struct {
	Arch   string // OCI name
	denied []denial
}

// Calls are the names of the denied calls, in the order a start makes
// them.
func (e *StartError) Calls() []string {
	names := make([]string, len(e.denied))
	for i, d := range e.denied {
		names[i] = d.call
	}
	return names
}

func (e *StartError) Error() string {
	// One clause per reason, each naming its calls and their actions.
	var clauses []string
	for i := 0; i < len(e.denied); {
		j := i
		var calls []string
		for ; j < len(e.denied) && e.denied[j].why == e.denied[i].why; j++ {
			calls = append(calls, e.denied[j].call+" "+e.denied[j].action.String())
		}
		clauses = append(clauses, fmt.Sprintf("%s (%s)", strings.Join(calls, ", "), e.denied[i].why))
		i = j
	}
	return fmt.Sprintf("it denies on %s %s; allow %s (or run with --force)",
		ShortArch(e.Arch), strings.Join(clauses, "; "), strings.Join(e.Calls(), ", "))
}

// CheckStart simulates the calls that every sandboxed command (and
// bwrap's process 1) makes under the filter, on arch (the native
// architecture, an OCI name), and returns a *StartError naming every one the program does not allow.
// Calls whose denial only breaks some commands are Hazards, not errors.
// number resolves call names; names it cannot resolve on this
// architecture (arch_prctl off x86) are not checked.
func CheckStart(p *Program, arch string, number func(name, arch string) (int32, error)) error {
	token, ok := auditArches[arch]
	if !ok {
		return nil
	}
	e := &StartError{Arch: arch}
	for _, c := range startCalls {
		a, ok, err := simulate(p, token, arch, c.name, c.args, number)
		if err != nil {
			return err
		}
		if ok && !a.Permits() {
			e.denied = append(e.denied, denial{c.name, a, c.why})
		}
	}
	if len(e.denied) > 0 {
		return e
	}
	return nil
}

// Hazards lists the calls the filter denies, on arch (the native
// architecture), whose denial breaks some commands without stopping every start.
func Hazards(p *Program, arch string, number func(name, arch string) (int32, error)) ([]Hazard, error) {
	token, ok := auditArches[arch]
	if !ok {
		return nil, nil
	}
	var hs []Hazard
	for _, c := range hazardCalls {
		a, ok, err := simulate(p, token, arch, c.name, c.args, number)
		if err != nil {
			return nil, err
		}
		if !ok || a.Permits() || c.ok != nil && c.ok(a) {
			continue
		}
		hs = append(hs, Hazard{Call: c.name, Action: a, Arch: arch, Consequence: c.consequence, Fix: c.fix})
	}
	// With clone denied too, clone3's fallback is moot: say it once.
	if slices.ContainsFunc(hs, func(h Hazard) bool { return h.Call == "clone" }) {
		hs = slices.DeleteFunc(hs, func(h Hazard) bool { return h.Call == "clone3" })
	}
	return hs, nil
}

// DeniesStatusWrite reports whether the filter denies, on arch, a
// one-byte write on one of the descriptors bwrap's status pipe can have (3 up to
// 3+extra+8, extra being the descriptors handed to bwrap): then bwrap's
// child, which writes that byte after the filter is in place and just
// before it executes the command, cannot say that the command started,
// and bwrap reports no exit code (see launch.Launch.StatusUnreported).
func DeniesStatusWrite(p *Program, arch string, extra int, number func(name, arch string) (int32, error)) (bool, error) {
	token, ok := auditArches[arch]
	if !ok {
		return false, nil
	}
	for fd := uint64(3); fd <= uint64(3+extra+8); fd++ {
		a, ok, err := simulate(p, token, arch, "write", [6]uint64{fd, 0x1000, 1}, number)
		if err != nil || !ok {
			return false, err
		}
		if !a.Permits() {
			return true, nil
		}
	}
	return false, nil
}

// simulate runs one call through the program; ok is false when number
// does not know the call on arch.
func simulate(p *Program, token uint32, arch, name string, args [6]uint64, number func(name, arch string) (int32, error)) (Action, bool, error) {
	nr, err := number(name, arch)
	if err != nil || nr < 0 {
		return Action{}, false, nil
	}
	ret, err := p.Run(Call{Nr: nr, Arch: token, Args: args})
	if err != nil {
		return Action{}, false, fmt.Errorf("simulating %s: %w", name, err)
	}
	return ActionFromRet(ret), true, nil
}
