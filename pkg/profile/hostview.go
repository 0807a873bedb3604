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

// HostViewLimits says what the profile's host views cannot show
// truthfully, for a run as root (asRoot: sudo, a root MCP server) or as
// an unprivileged user: each line names the view, what is not the host's
// truth, and what to do instead. shannot says it where it lists views
// (verify, MCP list_profiles), since the commands themselves cannot.
func (p *Profile) HostViewLimits(asRoot bool) []string {
	var out []string
	if p.Shares(ViewProcesses) {
		if !asRoot {
			out = append(out, "processes: other users' processes show the owner nobody (65534), and ps -U, pgrep -u find none of them: an unprivileged user namespace maps only the caller's uid; run through sudo for the host's owners")
		}
		out = append(out, "processes: ss -p names only the sandbox's own processes",
			"processes: ipcs and /proc/sysvipc show the sandbox's own, empty IPC namespace; sysctl user.* (/proc/sys/user) shows its user namespace's limits, not the host's")
	}
	if p.Shares(ViewFilesystems) {
		out = append(out, "filesystems: findmnt and mount read the sandbox's mount table (the host's sources, the sandbox's options); findmnt --task 1 reads the host's; df adds the sandbox's own /dev and tmpfs_paths as tmpfs lines")
	}
	if p.Shares(ViewNetwork) {
		out = append(out, "network: firewall rules (nft, iptables) need CAP_NET_ADMIN and fail")
	}
	if p.Shares(ViewLogs) {
		out = append(out, "logs: dmesg fails where kernel.dmesg_restrict=1")
		if !asRoot {
			out = append(out, "logs: only what the caller's own groups may read (adm, systemd-journal are granted to root-run sandboxes)")
		}
	}
	return out
}
