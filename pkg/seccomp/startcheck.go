package seccomp

import (
	"fmt"
)

// startCall is a call that must be allowed for a sandboxed command to
// start, with plausible arguments and the reason it is needed.
type startCall struct {
	name string
	args [6]uint64
	why  string
}

const (
	whyExec   = "bwrap installs the filter just before it executes the command, so the command could never start"
	whyLoader = "the dynamic loader makes this call before the command's own code runs, so every dynamically linked command would crash at start"
	whyInit   = "bwrap's own process 1 in the sandbox runs under the filter too; without it bwrap fails with \"init wait(): Operation not permitted\" when a signal arrives or the command ends"
)

// startCalls are checked by CheckStart. AT_FDCWD is -100; O_RDONLY|O_CLOEXEC
// is 0x80000; PROT_READ|PROT_WRITE is 3; MAP_PRIVATE|MAP_ANONYMOUS is 0x22.
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
	{"rt_sigreturn", [6]uint64{}, whyInit},
	{"wait4", [6]uint64{^uint64(0), 0x1000, 0, 0}, whyInit},
}

// StartError is a filter under which no command can start.
type StartError struct {
	Call   string
	Action Action
	Arch   string
	Why    string
}

func (e *StartError) Error() string {
	return fmt.Sprintf("it gives %s %s on %s, but %s; allow %s (or run with --force)",
		e.Call, e.Action, ShortArch(e.Arch), e.Why, e.Call)
}

// CheckStart simulates the calls that every sandboxed command (and
// bwrap's process 1) makes under the filter, on the native architecture,
// and returns a *StartError for the first one the program does not
// allow. number resolves call names; names it cannot resolve on this
// architecture (arch_prctl off x86) are not checked.
func CheckStart(p *Program, host Host, number func(name, arch string) (int32, error)) error {
	token, ok := auditArches[host.Arch]
	if !ok {
		return nil
	}
	for _, c := range startCalls {
		nr, err := number(c.name, host.Arch)
		if err != nil || nr < 0 {
			continue
		}
		ret, err := p.Run(Call{Nr: nr, Arch: token, Args: c.args})
		if err != nil {
			return fmt.Errorf("simulating %s: %w", c.name, err)
		}
		if a := ActionFromRet(ret); !a.Permits() {
			return &StartError{Call: c.name, Action: a, Arch: host.Arch, Why: c.why}
		}
	}
	return nil
}
