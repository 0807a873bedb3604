package sandbox

import (
	"fmt"

	"github.com/shannot-project/shannot/pkg/seccomp"
)

// warnHazards passes warn one line for each call the filter denies that
// breaks some commands without stopping every start (issue 13: the
// original guide's policy, which has no rt_sigreturn, runs with a
// warning instead of being refused).
func warnHazards(f *seccomp.Loaded, prog *seccomp.Program, warn func(string)) {
	if warn == nil {
		return
	}
	hs, err := seccomp.Hazards(prog, seccomp.ThisHost(), seccomp.SyscallNumber)
	if err != nil {
		warn(fmt.Sprintf("seccomp filter %s: %v", f.Source, err))
		return
	}
	for _, h := range hs {
		warn(fmt.Sprintf("seccomp filter %s: %s", f.Source, h))
	}
}

// statusUnreported says whether the filter denies the byte bwrap's child
// writes on its status pipe once the filter is in place (a filter that
// lets write reach only stdout and stderr does): bwrap then never reports
// the command's exit code, and launch takes bwrap's own exit status
// instead (launch.Launch.StatusUnreported), once the start check says
// the command can start at all. files is how many descriptors bwrap is
// handed.
func statusUnreported(f *seccomp.Loaded, files int) bool {
	if f == nil {
		return false
	}
	prog, err := f.Decoded()
	if err != nil {
		return false
	}
	// Under a filter that stops every start (run with --force), bwrap's
	// exit 1 is its own failure, never the command's.
	if seccomp.CheckStart(prog, seccomp.ThisHost(), seccomp.SyscallNumber) != nil {
		return false
	}
	denied, err := seccomp.DeniesStatusWrite(prog, seccomp.ThisHost(), files+1, seccomp.SyscallNumber)
	return err == nil && denied
}

// checkFilter refuses a filter under which no command could start
// (checkStart) and passes warn the hazards of one that only breaks some
// commands.
func checkFilter(f *seccomp.Loaded, warn func(string)) error {
	if err := checkStart(f); err != nil {
		return err
	}
	if prog, err := f.Decoded(); err == nil {
		warnHazards(f, prog, warn)
	}
	return nil
}
