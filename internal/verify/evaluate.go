package verify

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/shannot-project/shannot/pkg/profile"
)

// Canary is a variable Run puts in bwrap's own environment: it must not
// be seen inside the sandbox.
const Canary = "SHANNOT_VERIFY_CANARY"

// Check is one line of verify's table.
type Check struct {
	Name   string // "read-only /usr", "network", ...
	OK     bool
	Detail string // what was seen, in words
}

// Failed counts the checks that did not pass.
func Failed(checks []Check) int {
	n := 0
	for _, ck := range checks {
		if !ck.OK {
			n++
		}
	}
	return n
}

// Evaluate turns the probe's facts into verify's checks for profile p:
// the command runs; every read-only bind that was tried refuses a write;
// every tmpfs accepts one; only loopback exists when the network is
// isolated; no capabilities are held; the sandbox is not host root;
// nothing under /proc or /sys is writable; the environment is exactly
// the profile's; the profile's seccomp filter is in force and gives the
// verdicts the simulator says (facts.Plan), or there is none. host is
// who bwrap ran as, for the details. When
// facts.Failed is set, the one check is that the command did not run.
//
// Evaluate is pure: it reads nothing but its arguments.
func Evaluate(p *profile.Profile, facts *Facts, host string) []Check {
	f := facts
	if f.Failed != "" {
		return []Check{{Name: "command runs", Detail: f.Failed}}
	}
	checks := []Check{{Name: "command runs", OK: true, Detail: fmt.Sprintf("probe ran as uid %d inside the sandbox", f.UID)}}
	if len(p.HostView) > 0 {
		checks = append(checks, checkViews(p))
		if limits := p.HostViewLimits(f.ProcOwner != f.OverflowUID); len(limits) > 0 {
			// Said, not judged: what these views cannot show as the
			// host's, for this run's identity.
			checks = append(checks, Check{Name: "view limits", OK: true, Detail: strings.Join(limits, "; ")})
		}
	}
	if p.Shares(profile.ViewFilesystems) {
		checks = append(checks, checkReadOnly("/", f.Writes["/"]))
	}
	for _, b := range p.Binds {
		res, tried := f.Writes[b.Target]
		if !tried {
			continue
		}
		checks = append(checks, checkReadOnly(b.Target, res))
	}
	for _, t := range p.TmpfsPaths {
		ck := Check{Name: "tmpfs " + t}
		if res := f.Writes[t]; res == "ok" {
			ck.OK, ck.Detail = true, "write accepted"
		} else {
			ck.Detail = "write refused: " + res
		}
		checks = append(checks, ck)
	}
	checks = append(checks, checkNetwork(p, f), checkCaps(f), checkHostRoot(f, host), checkKnobs(f), checkEnv(p, f.Environ), checkSeccomp(f))
	if len(p.HostView) > 0 {
		checks = append(checks, checkLandlock(f))
	}
	if p.Shares(profile.ViewProcesses) {
		checks = append(checks, checkHostProcesses(f))
	}
	if p.Shares(profile.ViewNetwork) || p.Shares(profile.ViewFilesystems) {
		checks = append(checks, checkSockets(f))
	}
	return checks
}

// checkViews names the views that are the host's and those that are the
// sandbox's; it always passes (the checks after it judge the views).
func checkViews(p *profile.Profile) Check {
	d := "host: " + strings.Join(p.HostView, ", ")
	if sb := p.SandboxViews(); len(sb) > 0 {
		d += "; sandbox: " + strings.Join(sb, ", ")
	}
	return Check{Name: "views", OK: true, Detail: d}
}

// landlockScopeABI is the first Landlock ABI with signal scoping, which
// checkLandlock can see from inside.
const landlockScopeABI = 6

// checkLandlock passes when the kernel has Landlock and, where it scopes
// signals, the probe cannot signal its parent: the sign that
// shannot-init confined the sandbox (see internal/sandboxinit), which
// is what closes the FIFOs and sockets read-only mounts leave open.
func checkLandlock(f *Facts) Check {
	ck := Check{Name: "landlock"}
	switch {
	case f.LandlockABI < 1:
		ck.Detail = "Landlock is not available: writes through FIFOs are OPEN"
	case f.LandlockABI < landlockScopeABI:
		ck.OK, ck.Detail = true, fmt.Sprintf("ABI %d: writes only beneath the sandbox's own mounts; signals are not scoped by this kernel (the filter's rules remain)", f.LandlockABI)
	case f.Parent != "EPERM":
		ck.Detail = fmt.Sprintf("ABI %d, but signal 0 to bwrap outside the sandbox gave %s: the sandbox is NOT confined", f.LandlockABI, f.Parent)
	default:
		ck.OK, ck.Detail = true, fmt.Sprintf("ABI %d in force: writes only beneath the sandbox's own mounts, TCP closed, signals and abstract sockets kept inside (signal 0 to bwrap: EPERM)", f.LandlockABI)
	}
	return ck
}

// checkHostProcesses passes when process 1 is not the sandbox's own and
// the probe can neither signal it nor read its environment, memory or
// root: what the kernel must refuse for every process of the host when
// the sandbox shares its PID namespace.
func checkHostProcesses(f *Facts) Check {
	ck := Check{Name: "host processes"}
	var bad, got []string
	for _, k := range []string{"kill", "environ", "mem", "root"} {
		res := f.Init[k]
		got = append(got, k+" "+res)
		if res == "ok" || res == "" {
			bad = append(bad, k)
		}
	}
	switch {
	case f.PID1 == "bwrap" || f.PID1 == "":
		ck.Detail = fmt.Sprintf("pid 1 is %q: the sandbox's own PID namespace, not the host's", f.PID1)
	case len(bad) > 0:
		ck.Detail = fmt.Sprintf("the host's pid 1 (%s) is REACHABLE: %s", f.PID1, strings.Join(got, ", "))
	default:
		ck.OK, ck.Detail = true, fmt.Sprintf("pid 1 is the host's %s, and refused: %s", f.PID1, strings.Join(got, ", "))
	}
	return ck
}

// checkSockets passes when TCP and UNIX sockets are refused and netlink
// reads are not: a sandbox sharing the host's network or file systems
// must reach no service of the host's.
func checkSockets(f *Facts) Check {
	ck := Check{Name: "host sockets"}
	d := fmt.Sprintf("AF_INET %s, AF_UNIX %s, AF_NETLINK %s", f.Sockets["inet"], f.Sockets["unix"], f.Sockets["netlink"])
	if f.Sockets["inet-dgram"] != f.Sockets["inet"] || f.Sockets["unix-dgram"] != f.Sockets["unix"] {
		d += fmt.Sprintf("; datagrams: AF_INET %s, AF_UNIX %s", f.Sockets["inet-dgram"], f.Sockets["unix-dgram"])
	}
	open := func(k string) bool { return f.Sockets[k] == "ok" || f.Sockets[k] == "" }
	switch {
	case open("inet") || open("unix") || open("inet-dgram") || open("unix-dgram"):
		ck.Detail = "sockets to the host's services OPEN: " + d
	case f.Sockets["netlink"] != "ok":
		ck.Detail = "netlink refused, so ip and ss cannot read the host's network: " + d
	default:
		ck.OK, ck.Detail = true, "only netlink reads: "+d
	}
	return ck
}

// checkReadOnly is the check of a bind at target that the probe tried
// to write to, with res the outcome: "ok" or an errno's name.
func checkReadOnly(target, res string) Check {
	ck := Check{Name: "read-only " + target}
	switch res {
	case "EROFS":
		ck.OK, ck.Detail = true, "write refused: read-only file system"
	case "EACCES", "EPERM":
		ck.OK, ck.Detail = true, "write refused by permissions ("+res+"); the bind is read-only as well"
	case "ok":
		ck.Detail = "write ACCEPTED: the host path is writable from the sandbox"
	default:
		ck.Detail = "write failed unexpectedly: " + res
	}
	return ck
}

// checkNetwork passes when the network is the profile's choice to share,
// or when only loopback is there.
func checkNetwork(p *profile.Profile, f *Facts) Check {
	ck := Check{Name: "network"}
	switch {
	case p.Shares(profile.ViewNetwork):
		ck.OK, ck.Detail = true, "the host's (host_view network): "+strings.Join(f.Interfaces, ", ")
	case !p.NetworkIsolation:
		ck.OK, ck.Detail = true, "shared with the host (network_isolation is false): "+strings.Join(f.Interfaces, ", ")
	case slices.Equal(f.Interfaces, []string{"lo"}):
		ck.OK, ck.Detail = true, "only loopback (lo)"
	default:
		ck.Detail = "interfaces besides loopback: " + strings.Join(f.Interfaces, ", ")
	}
	return ck
}

// checkCaps passes when every capability set is empty.
func checkCaps(f *Facts) Check {
	ck := Check{Name: "capabilities", OK: true, Detail: fmt.Sprintf("effective %s, permitted %s, bounding %s, ambient %s",
		f.Caps["CapEff"], f.Caps["CapPrm"], f.Caps["CapBnd"], f.Caps["CapAmb"])}
	for _, k := range []string{"CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"} {
		if strings.Trim(f.Caps[k], "0") != "" {
			ck.OK = false
		}
	}
	if ck.OK {
		ck.Detail = "none"
	}
	return ck
}

// checkHostRoot fails when the sandbox runs as host root: root without
// capabilities still writes sysctls and reads root's files. host is who
// bwrap was started as, for the detail.
func checkHostRoot(f *Facts, host string) Check {
	ck := Check{Name: "host identity"}
	switch {
	case f.ProcOwner < 0:
		ck.Detail = "cannot stat /proc in the sandbox: whether it is host root is unknown"
	case f.ProcOwner == f.UID && f.OverflowUID > 0 && f.UID == f.OverflowUID:
		// Host root never shows as the overflow uid: shannot never runs
		// bwrap as root, and a root bwrap maps root to itself.
		ck.OK, ck.Detail = true, fmt.Sprintf("uid %d in the sandbox is the overflow uid, which host root never maps to (bwrap ran as %s)", f.UID, host)
	case f.ProcOwner == f.UID:
		ck.Detail = fmt.Sprintf("uid %d in the sandbox is host ROOT: it can write kernel settings and read root's files", f.UID)
	default:
		ck.OK, ck.Detail = true, fmt.Sprintf("uid %d in the sandbox is not host root (bwrap ran as %s)", f.UID, host)
	}
	return ck
}

// checkKnobs fails when anything under /proc (outside the processes'
// own directories) or /sys is writable.
func checkKnobs(f *Facts) Check {
	ck := Check{Name: "kernel settings"}
	if f.Writable == 0 {
		ck.OK, ck.Detail = true, "nothing writable under /proc (outside processes) or /sys"
		return ck
	}
	ck.Detail = fmt.Sprintf("%d files WRITABLE under /proc and /sys, e.g. %s", f.Writable, strings.Join(f.WritableSome, ", "))
	return ck
}

// checkEnv passes when environ is exactly the profile's environment
// (PWD aside, which bwrap sets unless the profile does) with the probe's
// own GODEBUG (ProbeGODEBUG), and the Canary is absent.
func checkEnv(p *profile.Profile, environ []string) Check {
	ck := Check{Name: "environment"}
	var want []string
	for k, v := range p.Environment {
		if k != probeVar {
			want = append(want, k+"="+v)
		}
	}
	want = append(want, probeVar+"="+ProbeGODEBUG(p))
	sort.Strings(want)
	var got []string
	for _, kv := range environ {
		if strings.HasPrefix(kv, Canary+"=") {
			ck.Detail = "the host's environment leaks in (" + Canary + " seen)"
			return ck
		}
		// bwrap sets PWD to the working directory it chose, as a shell does.
		if _, set := p.Environment["PWD"]; strings.HasPrefix(kv, "PWD=") && !set {
			continue
		}
		got = append(got, kv)
	}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		ck.Detail = fmt.Sprintf("got %q, want exactly the profile's %q", got, want)
		return ck
	}
	ck.OK, ck.Detail = true, fmt.Sprintf("exactly the profile's %d variables and the probe's %s=%s; the host's are absent", len(p.Environment), probeVar, ProbeGODEBUG(p))
	return ck
}
