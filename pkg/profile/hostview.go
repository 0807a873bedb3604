package profile

import (
	"slices"
	"strconv"

	"github.com/shannot-project/shannot/profiles"
)

// The views of the host a profile may share (host_view). Each is what a
// diagnostic needs to tell the truth about the machine instead of about
// the sandbox:
//
//   - ViewProcesses: the host's PID namespace, and the host's /proc bound
//     read-only (ps, top, pgrep, /proc/loadavg). Root-run sandboxes then
//     get a host uid of their own for the run (internal/identity), so
//     that the kernel's own checks keep them from signalling, tracing or
//     reading any process but their own; for an unprivileged caller, who
//     has no other uid to give, HostViewPolicy lets no signal but 0 (and
//     no prlimit64) leave the process.
//   - ViewNetwork: the host's network namespace (ss, ip). The seccomp
//     policy HostViewPolicy allows only netlink reads: no TCP, UDP,
//     UNIX, packet or vsock socket.
//   - ViewFilesystems: the host's / bound read-only, recursively (df,
//     findmnt, lsblk, du), with the sandbox's own /proc, /dev and
//     tmpfs_paths on top.
//   - ViewHostname: the host's UTS namespace (hostname, uname -n).
//   - ViewLogs: the host's logs, read through the groups granted to
//     root-run sandboxes (adm, systemd-journal); a declaration that the
//     profile binds them (filesystems does).
const (
	ViewProcesses   = "processes"
	ViewNetwork     = "network"
	ViewFilesystems = "filesystems"
	ViewHostname    = "hostname"
	ViewLogs        = "logs"
)

// Views lists every view, in the order profile list and verify show them.
var Views = []string{ViewProcesses, ViewNetwork, ViewFilesystems, ViewHostname, ViewLogs}

// HostViewPolicy is the seccomp policy for a profile sharing the host's
// processes, network or file systems (pkg/sandbox refuses a filter that
// lets through what it refuses): it closes every socket
// family but netlink's reads, which the shared network namespace and the
// host's sockets under a bound / would otherwise open, and every signal
// but 0 to another process group, which the shared PID namespace would.
var HostViewPolicy = profiles.Ref("seccomp/hostview.json")

// Shares says whether the profile shares the host's view v.
func (p *Profile) Shares(v string) bool { return slices.Contains(p.HostView, v) }

// SandboxViews are the views of Views the profile keeps the sandbox's own.
func (p *Profile) SandboxViews() []string {
	var out []string
	for _, v := range Views {
		if !p.Shares(v) {
			out = append(out, v)
		}
	}
	return out
}

// resolveHostView checks host_view against the rest of the profile: no
// view twice, the network view not contradicted by network_isolation,
// the hostname view not by --hostname, and a seccomp filter wherever the
// host's processes, network or file systems are shared (what it does,
// pkg/sandbox checks when it loads it).
func resolveHostView(p *Profile, raw *rawProfile, fail func(ptr, format string, args ...any) error) error {
	if raw.HostView == nil {
		return nil
	}
	seen := map[string]bool{}
	for i, v := range raw.HostView {
		ptr := "/host_view/" + strconv.Itoa(i)
		if seen[v] {
			return fail(ptr, "%q is listed twice; keep one", v)
		}
		seen[v] = true
	}
	// Keep the canonical order, whatever the file's.
	for _, v := range Views {
		if seen[v] {
			p.HostView = append(p.HostView, v)
		}
	}
	if p.Shares(ViewNetwork) {
		if raw.NetworkIsolation != nil && *raw.NetworkIsolation {
			return fail("/network_isolation", "true contradicts host_view %q, which shares the host's network namespace; remove network_isolation or the view", ViewNetwork)
		}
		p.NetworkIsolation = false
	}
	if p.Shares(ViewHostname) {
		for i, a := range p.AdditionalArgs {
			if a == "--hostname" {
				return fail("/additional_args/"+strconv.Itoa(i), "--hostname contradicts host_view %q, which shows the host's own name; remove it or the view", ViewHostname)
			}
		}
	}
	if (p.Shares(ViewNetwork) || p.Shares(ViewFilesystems) || p.Shares(ViewProcesses)) && p.SeccompProfile == nil {
		return fail("/seccomp_profile", "host_view %q, %q and %q need a seccomp filter, such as %q: it closes the sockets that sharing the host's network or file systems opens (TCP to the host's loopback, its abstract and /run UNIX sockets), and the signals that sharing its processes opens",
			ViewProcesses, ViewNetwork, ViewFilesystems, HostViewPolicy)
	}
	return nil
}
