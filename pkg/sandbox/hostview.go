package sandbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// hostView checks that the filter keeps closed what the profile's host
// views open (checkHostViewFilter), then leases the run's uid
// (leaseIdentity).
func (sb *Sandbox) hostView(cfg Config) error {
	if err := checkHostViewFilter(sb.Profile, sb.Filter); err != nil {
		return err
	}
	return sb.leaseIdentity(cfg)
}

// hostViewRefusals are the calls a filter must refuse, by view: the
// sockets that reach the host's services once its network namespace or
// its / is shared, and what reaches another process of the same uid once
// its PID namespace is.
var hostViewRefusals = []refusal{
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "socket", []uint64{2, 1, 0}, "socket(AF_INET): TCP to the host's loopback"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "socket", []uint64{10, 1, 0}, "socket(AF_INET6)"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "socket", []uint64{1, 1, 0}, "socket(AF_UNIX): the host's abstract and /run sockets"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "socket", []uint64{17, 3, 0}, "socket(AF_PACKET)"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "socket", []uint64{40, 1, 0}, "socket(AF_VSOCK)"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "io_uring_setup", nil, "io_uring (sockets without socket())"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X32", "socket", []uint64{2, 1, 0}, "x32 socket(AF_INET)"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X32", "socket", []uint64{1, 1, 0}, "x32 socket(AF_UNIX)"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86", "102", []uint64{1}, "i386 socketcall"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86", "359", []uint64{2, 1, 0}, "i386 socket(AF_INET)"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "kill", []uint64{4321, 9}, "kill(PID, SIGKILL) of a host process of the same uid"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "kill", []uint64{1<<64 - 4321, 9}, "kill(-PGID, SIGKILL)"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "tkill", []uint64{4321, 9}, "tkill"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "tgkill", []uint64{4321, 4321, 9}, "tgkill"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "rt_sigqueueinfo", []uint64{4321, 9}, "rt_sigqueueinfo"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "rt_tgsigqueueinfo", []uint64{4321, 4321, 9}, "rt_tgsigqueueinfo"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "pidfd_send_signal", []uint64{3, 9}, "pidfd_send_signal"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "prlimit64", []uint64{4321, 7, 1}, "prlimit64 of another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "ptrace", []uint64{16, 4321}, "ptrace(PTRACE_ATTACH)"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "process_vm_writev", []uint64{4321}, "process_vm_writev"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "pidfd_getfd", []uint64{3, 0}, "pidfd_getfd"},
	// Signals the kernel sends on the command's behalf (SIGIO to an
	// owner it names: a hostile review killed the caller's processes so).
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "fcntl", []uint64{3, 8, 4321}, "fcntl(F_SETOWN): SIGIO to another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "fcntl", []uint64{3, 10, 9}, "fcntl(F_SETSIG)"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "fcntl", []uint64{3, 15, 0}, "fcntl(F_SETOWN_EX)"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "ioctl", []uint64{3, 0x8901}, "ioctl(FIOSETOWN)"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "ioctl", []uint64{3, 0x8902}, "ioctl(SIOCSPGRP)"},
	// Leaving the run's session, which is how its leftovers are found.
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "setsid", nil, "setsid: leaving the run's session"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "setpgid", []uint64{0, 0}, "setpgid: leaving the run's process group"},
	// What else a same-uid process may do to another one.
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "setpriority", []uint64{0, 4321, 19}, "setpriority of another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "sched_setaffinity", []uint64{4321}, "sched_setaffinity of another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "sched_setscheduler", []uint64{4321}, "sched_setscheduler of another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "sched_setparam", []uint64{4321}, "sched_setparam of another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "sched_setattr", []uint64{4321}, "sched_setattr of another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "ioprio_set", []uint64{1, 4321}, "ioprio_set of another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "process_vm_readv", []uint64{4321}, "process_vm_readv"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "process_madvise", []uint64{3}, "process_madvise"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "kcmp", []uint64{4321, 4322}, "kcmp"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "perf_event_open", []uint64{0, 4321}, "perf_event_open on another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "migrate_pages", []uint64{4321}, "migrate_pages of another process"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "move_pages", []uint64{4321}, "move_pages of another process"},
	// A datagram pair re-aimed at the host's UNIX sockets.
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "socketpair", []uint64{1, 2, 0}, "socketpair(AF_UNIX, SOCK_DGRAM): re-aimed at the host's abstract sockets"},
	{[]string{profile.ViewNetwork, profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "io_uring_enter", nil, "io_uring_enter"},
	// Locks on host files the command can read (a host program that
	// locks them would wait), in both ABIs: i386 fcntl takes the 64-bit
	// lock commands 13 and 14 too (a hostile review took a read lock so).
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "flock", []uint64{3, 1}, "flock on a host file"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "fcntl", []uint64{3, 6}, "fcntl(F_SETLK): a record lock on a host file"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "fcntl", []uint64{3, 7}, "fcntl(F_SETLKW)"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "fcntl", []uint64{3, 37}, "fcntl(F_OFD_SETLK)"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "fcntl", []uint64{3, 38}, "fcntl(F_OFD_SETLKW)"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86_64", "fcntl", []uint64{3, 1024}, "fcntl(F_SETLEASE)"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86", "143", []uint64{3, 1}, "i386 flock"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86", "55", []uint64{3, 6}, "i386 fcntl(F_SETLK)"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86", "55", []uint64{3, 13}, "i386 fcntl(F_SETLK64)"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86", "55", []uint64{3, 14}, "i386 fcntl(F_SETLKW64)"},
	{[]string{profile.ViewFilesystems}, "SCMP_ARCH_X86", "221", []uint64{3, 13}, "i386 fcntl64(F_SETLK64)"},
	// The caller's terminal, which the host views share with the run as
	// any sandbox does, and which outlives it.
	{everyShared, "SCMP_ARCH_X86_64", "ioctl", []uint64{0, 0x5402}, "ioctl(TCSETS) on the caller's terminal"},
	{everyShared, "SCMP_ARCH_X86_64", "ioctl", []uint64{0, 0x540C}, "ioctl(TIOCEXCL)"},
	{everyShared, "SCMP_ARCH_X86_64", "ioctl", []uint64{0, 0x5423}, "ioctl(TIOCSETD)"},
	{everyShared, "SCMP_ARCH_X86_64", "ioctl", []uint64{0, 0x540A}, "ioctl(TCXONC)"},
	{everyShared, "SCMP_ARCH_X86_64", "ioctl", []uint64{0, 0x5414}, "ioctl(TIOCSWINSZ): SIGWINCH to the caller's shell"},
	{everyShared, "SCMP_ARCH_X86_64", "ioctl", []uint64{0, 0x5410}, "ioctl(TIOCSPGRP)"},
	{everyShared, "SCMP_ARCH_X86_64", "ioctl", []uint64{0, 0x5412}, "ioctl(TIOCSTI)"},
	{everyShared, "SCMP_ARCH_X86", "54", []uint64{0, 0x5423}, "i386 ioctl(TIOCSETD)"},
	// A root-run host view maps every host id into the sandbox's user
	// namespace (launch.HostIDMap) and so cannot have bwrap's
	// --disable-userns: the filter is what keeps a new user namespace,
	// and the capabilities it brings, out of reach.
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "unshare", []uint64{0x10000000}, "unshare(CLONE_NEWUSER)"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "clone", []uint64{0x10000000 | 17}, "clone(CLONE_NEWUSER)"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "clone3", nil, "clone3 (its flags cannot be checked)"},
	{[]string{profile.ViewProcesses}, "SCMP_ARCH_X86_64", "setns", []uint64{3, 0x10000000}, "setns into a user namespace"},
}

// everyShared is every view that shares a namespace or the file
// systems: the caller's terminal is within reach in each.
var everyShared = []string{profile.ViewProcesses, profile.ViewNetwork, profile.ViewFilesystems}

// refusal is a call a host-view filter must refuse, with the arguments
// it is tried with.
type refusal struct {
	views []string
	arch  string
	call  string
	args  []uint64
	what  string
}

// The values a refusal's socket type and signal are also tried with: a
// filter may allow one type of a family (UDP but not TCP: a hostile
// review's policy did, and was accepted when only SOCK_STREAM was tried)
// or one signal but another. A sample, not a proof: the simulator runs
// the program on each.
var (
	tryTypes   = []uint64{1, 2, 3, 5, 6, 10, 1 | 0x80000, 2 | 0x800, 2 | 0x80800}
	tryProtos  = []uint64{0, 6, 17}
	trySignals = []uint64{1, 2, 9, 10, 15, 19, 28, 34, 64}
)

// variants are the argument lists r is tried with: its own, and for a
// socket every type of tryTypes with every protocol of tryProtos, for a
// signal every signal of trySignals.
func (r refusal) variants() [][]uint64 {
	at := func(i int, vals []uint64, base [][]uint64) [][]uint64 {
		var out [][]uint64
		for _, b := range base {
			for _, v := range vals {
				a := append([]uint64(nil), b...)
				for len(a) <= i {
					a = append(a, 0)
				}
				a[i] = v
				out = append(out, a)
			}
		}
		return out
	}
	all := [][]uint64{r.args}
	switch r.call {
	case "socket", "socketpair", "359": // 359: i386 socket
		all = append(all, at(2, tryProtos, at(1, tryTypes, [][]uint64{r.args}))...)
	case "kill", "tkill", "rt_sigqueueinfo", "pidfd_send_signal":
		all = append(all, at(1, trySignals, [][]uint64{r.args})...)
	case "tgkill", "rt_tgsigqueueinfo":
		all = append(all, at(2, trySignals, [][]uint64{r.args})...)
	}
	return all
}

// checkHostViewFilter refuses a profile whose filter, run through the
// simulator, permits a call in hostViewRefusals for a view it shares: the
// profile validator asks for a seccomp_profile, and this asks what it
// does. The shipped seccomp/hostview.json refuses them all.
func checkHostViewFilter(p *profile.Profile, f *seccomp.Loaded) error {
	if err := checkHostViewRefusals(p, f); err != nil {
		return err
	}
	return checkInitCalls(p, f)
}

// checkHostViewRefusals is checkHostViewFilter's first half: the calls
// of hostViewRefusals.
func checkHostViewRefusals(p *profile.Profile, f *seccomp.Loaded) error {
	need := slices.ContainsFunc(everyShared, p.Shares)
	if !need {
		return nil
	}
	if f == nil {
		return &profile.Error{File: p.Origin.String(), Pointer: "/seccomp_profile",
			Msg: fmt.Sprintf("the host views %v need a seccomp filter; use %q", p.HostView, profile.HostViewPolicy)}
	}
	prog, err := f.Decoded()
	if err != nil {
		return &seccomp.Error{File: f.Source, Err: err}
	}
	for _, r := range hostViewRefusals {
		if !slices.ContainsFunc(r.views, p.Shares) {
			continue
		}
		c, err := seccomp.NewCall(r.call, r.arch)
		if err != nil {
			return fmt.Errorf("checking %s for the host views: %w", f.Source, err)
		}
		for _, args := range r.variants() {
			c.Args = [6]uint64{}
			copy(c.Args[:], args)
			ret, err := prog.Run(c)
			if err != nil {
				return &seccomp.Error{File: f.Source, Err: err}
			}
			if seccomp.ActionFromRet(ret).Permits() {
				what := r.what
				if !slices.Equal(args, r.args) {
					what = fmt.Sprintf("%s (as %s%s)", r.what, r.call, argList(args))
				}
				return &profile.Error{File: p.Origin.String(), Pointer: "/seccomp_profile",
					Msg: fmt.Sprintf("the filter %s allows %s, which the host views %v must not: use %q", f.Source, what, p.HostView, profile.HostViewPolicy)}
			}
		}
	}
	return nil
}

// leaseIdentity gives a root-run sandbox that shares the host's
// processes (host view "processes") a host uid of its own for the run,
// from cfg.Pool.
//
// In the host's PID namespace the kernel's own checks are what keep the
// command from the other processes: /proc/PID/{environ,mem,fd,root,cwd}
// and ptrace need the same uid and, from inside the sandbox's user
// namespace, CAP_SYS_PTRACE over the target's; but kill(2) compares uids
// only. Under shannot-sandbox, which every other root-run sandbox is,
// the command could signal those; under a uid nothing else has, nothing.
// An unprivileged caller has no other uid to give: the command runs as
// the caller, and the host-view seccomp policy (which the profile
// validator requires with the processes view) keeps signals other than
// 0 and prlimit64 from leaving the process, so that the caller's other
// processes are out of reach too.
func (sb *Sandbox) leaseIdentity(cfg Config) error {
	p := sb.Profile
	if !p.Shares(profile.ViewProcesses) || cfg.Identity == nil {
		return nil
	}
	if cfg.Pool == nil {
		return &profile.Error{File: p.Origin.String(), Pointer: "/host_view",
			Msg: fmt.Sprintf("host_view %q needs a uid of its own for the run, and no sandbox uid range is configured", profile.ViewProcesses)}
	}
	lease, err := cfg.Pool.Allocate()
	if err != nil {
		return fmt.Errorf("profile %s shares the host's processes: %w", p.Origin, err)
	}
	sb.lease, sb.Identity = lease, lease.Identity
	return nil
}

// releaseIdentity kills what still runs as the leased uid and gives it
// back; a process that survives keeps the uid out of use (Allocate
// checks), so its error is dropped here.
func (sb *Sandbox) releaseIdentity() {
	if sb.lease != nil {
		sb.lease.Release()
		sb.lease = nil
	}
}

// initCalls are the calls shannot-init makes under the filter to confine
// the sandbox with Landlock (see openInit), beyond what any Go program
// needs to start: a filter that denies one would leave the command
// unconfined, or the run failing with no clear reason.
var initCalls = []struct {
	call string
	args []uint64
}{
	{"landlock_create_ruleset", []uint64{0, 0, 1}},
	{"landlock_add_rule", []uint64{3, 1}},
	{"landlock_restrict_self", []uint64{3, 0}},
	{"prctl", []uint64{38, 1}}, // PR_SET_NO_NEW_PRIVS
}

// checkInitCalls refuses a host-view profile whose filter denies a call
// of initCalls, naming them all.
func checkInitCalls(p *profile.Profile, f *seccomp.Loaded) error {
	if len(p.HostView) == 0 || f == nil {
		return nil
	}
	prog, err := seccomp.Decode(f.Program)
	if err != nil {
		return &seccomp.Error{File: f.Source, Err: err}
	}
	var denied []string
	for _, r := range initCalls {
		c, err := seccomp.NewCall(r.call, "SCMP_ARCH_X86_64")
		if err != nil {
			return fmt.Errorf("checking %s for the host views: %w", f.Source, err)
		}
		copy(c.Args[:], r.args)
		ret, err := prog.Run(c)
		if err != nil {
			return &seccomp.Error{File: f.Source, Err: err}
		}
		if !seccomp.ActionFromRet(ret).Permits() {
			denied = append(denied, r.call)
		}
	}
	if len(denied) > 0 {
		return &profile.Error{File: p.Origin.String(), Pointer: "/seccomp_profile",
			Msg: fmt.Sprintf("the filter %s denies %s, with which shannot-init confines every host-view sandbox (Landlock): allow them, as %q does", f.Source, strings.Join(denied, ", "), profile.HostViewPolicy)}
	}
	return nil
}

// argList prints call arguments as the kernel's numbers: (2, 2, 17).
func argList(args []uint64) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = strconv.FormatUint(a, 10)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
