package sandbox

import (
	"fmt"

	"github.com/shannot-project/shannot/pkg/profile"
)

// ErrProcessesUnprivileged is returned by New for a profile that shares
// the host's processes when shannot does not run as root.
var ErrProcessesUnprivileged = fmt.Errorf("host_view %q needs a host uid of its own for the run, which only a root-run shannot can give", profile.ViewProcesses)

// leaseIdentity gives a sandbox that shares the host's processes (host
// view "processes") a host uid of its own for the run, from cfg.Pool.
//
// In the host's PID namespace the kernel's own checks are what keep the
// command from the other processes: signals need the same uid (kill(2)
// does not look at user namespaces), /proc/PID/{environ,mem,fd,root,cwd}
// and ptrace need the same uid and, from inside the sandbox's user
// namespace, CAP_SYS_PTRACE over the target's. Under a uid shared with
// anything else — the caller's own, or shannot-sandbox, which every other
// root-run sandbox is — the command could signal those processes. So a
// root-run sandbox gets a uid that nothing else has, and an unprivileged
// caller, who has no other uid to give, is refused.
func (sb *Sandbox) leaseIdentity(cfg Config) error {
	p := sb.Profile
	if !p.Shares(profile.ViewProcesses) {
		return nil
	}
	if cfg.Identity == nil {
		return &profile.Error{File: p.Origin.String(), Pointer: "/host_view",
			Err: fmt.Errorf("%w: the command would run as your own uid and could signal your other processes; run it as root (through sudo, see sudoers.md), or use a profile without that view", ErrProcessesUnprivileged)}
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
