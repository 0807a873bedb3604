package verify

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/pkg/profile"
)

// hostViewFacts are what a diagnostics-like sandbox that holds reports.
func hostViewFacts() *Facts {
	f := goodFacts()
	f.Writes["/"] = "EROFS"
	f.Interfaces = []string{"eth0", "lo"}
	f.PID1 = "systemd"
	f.Init = map[string]string{"kill": "EPERM", "environ": "EACCES", "mem": "EACCES", "root": "EACCES"}
	f.Sockets = map[string]string{"inet": "EPERM", "inet-dgram": "EPERM", "unix": "EPERM", "unix-dgram": "EPERM", "netlink": "ok"}
	f.LandlockABI, f.Parent = 7, "EPERM"
	return f
}

func hostViewProfile() *profile.Profile {
	p := testProfile()
	p.HostView = []string{profile.ViewProcesses, profile.ViewNetwork, profile.ViewFilesystems}
	p.NetworkIsolation = false
	return p
}

func TestEvaluateHostView(t *testing.T) {
	got := Evaluate(hostViewProfile(), hostViewFacts(), host)
	want := []Check{
		{"command runs", true, "probe ran as uid 999 inside the sandbox"},
		{"views", true, "host: processes, network, filesystems; sandbox: hostname, logs"},
		{"view limits", true, strings.Join(hostViewProfile().HostViewLimits(false), "; ")},
		{"read-only /", true, "write refused: read-only file system"},
		{"read-only /usr", true, "write refused: read-only file system"},
		{"read-only /data", true, "write refused: read-only file system"},
		{"tmpfs /tmp", true, "write accepted"},
		{"network", true, "the host's (host_view network): eth0, lo"},
		{"capabilities", true, "none"},
		{"host identity", true, "uid 999 in the sandbox is not host root (bwrap ran as " + host + ")"},
		{"kernel settings", true, "nothing writable under /proc (outside processes) or /sys"},
		{"environment", true, "exactly the profile's 2 variables and the probe's GODEBUG=asyncpreemptoff=1; the host's are absent"},
		{"seccomp", true, "no filter (Seccomp: 0)"},
		{"landlock", true, "ABI 7 in force: writes only beneath the sandbox's own mounts, TCP closed, signals and abstract sockets kept inside (signal 0 to bwrap: EPERM)"},
		{"host processes", true, "pid 1 is the host's systemd, and refused: kill EPERM, environ EACCES, mem EACCES, root EACCES"},
		{"host sockets", true, "only netlink reads: AF_INET EPERM, AF_UNIX EPERM, AF_NETLINK ok"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}

// Each must-not that gives way fails its check, and only that one.
func TestEvaluateHostViewMustNots(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Facts)
		want   Check
	}{
		{"no Landlock", func(f *Facts) { f.LandlockABI = 0 },
			Check{"landlock", false, "Landlock is not available: writes through FIFOs are OPEN"}},
		{"not confined", func(f *Facts) { f.Parent = "ok" },
			Check{"landlock", false, "ABI 7, but signal 0 to bwrap outside the sandbox gave ok: the sandbox is NOT confined"}},
		{"init signalled", func(f *Facts) { f.Init["kill"] = "ok" },
			Check{"host processes", false, "the host's pid 1 (systemd) is REACHABLE: kill ok, environ EACCES, mem EACCES, root EACCES"}},
		{"init's environment read", func(f *Facts) { f.Init["environ"] = "ok" },
			Check{"host processes", false, "the host's pid 1 (systemd) is REACHABLE: kill EPERM, environ ok, mem EACCES, root EACCES"}},
		{"init's root followed", func(f *Facts) { f.Init["root"] = "ok" },
			Check{"host processes", false, "the host's pid 1 (systemd) is REACHABLE: kill EPERM, environ EACCES, mem EACCES, root ok"}},
		{"not tried", func(f *Facts) { delete(f.Init, "mem") },
			Check{"host processes", false, "the host's pid 1 (systemd) is REACHABLE: kill EPERM, environ EACCES, mem , root EACCES"}},
		{"own pid namespace", func(f *Facts) { f.PID1 = "bwrap" },
			Check{"host processes", false, `pid 1 is "bwrap": the sandbox's own PID namespace, not the host's`}},
		{"tcp open", func(f *Facts) { f.Sockets["inet"] = "ok" },
			Check{"host sockets", false, "sockets to the host's services OPEN: AF_INET ok, AF_UNIX EPERM, AF_NETLINK ok; datagrams: AF_INET EPERM, AF_UNIX EPERM"}},
		{"udp open", func(f *Facts) { f.Sockets["inet-dgram"] = "ok" },
			Check{"host sockets", false, "sockets to the host's services OPEN: AF_INET EPERM, AF_UNIX EPERM, AF_NETLINK ok; datagrams: AF_INET ok, AF_UNIX EPERM"}},
		{"unix open", func(f *Facts) { f.Sockets["unix"] = "ok" },
			Check{"host sockets", false, "sockets to the host's services OPEN: AF_INET EPERM, AF_UNIX ok, AF_NETLINK ok; datagrams: AF_INET EPERM, AF_UNIX EPERM"}},
		{"netlink refused", func(f *Facts) { f.Sockets["netlink"] = "ENOSYS" },
			Check{"host sockets", false, "netlink refused, so ip and ss cannot read the host's network: AF_INET EPERM, AF_UNIX EPERM, AF_NETLINK ENOSYS"}},
		{"host / writable", func(f *Facts) { f.Writes["/"] = "ok" },
			Check{"read-only /", false, "write ACCEPTED: the host path is writable from the sandbox"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := hostViewFacts()
			tc.change(f)
			checks := Evaluate(hostViewProfile(), f, host)
			var got *Check
			for i := range checks {
				if checks[i].Name == tc.want.Name {
					got = &checks[i]
				}
			}
			if got == nil {
				t.Fatalf("no check %q in %v", tc.want.Name, checks)
			}
			if diff := cmp.Diff(*got, tc.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
			if n := Failed(checks); n != 1 {
				t.Errorf("Failed = %d, want 1: %v", n, checks)
			}
		})
	}
}

// The limits said are those of the run's identity: /proc owned by host
// root inside (a root run maps the host's ids) has no owners line.
func TestEvaluateHostViewLimitsFollowTheIdentity(t *testing.T) {
	for _, tc := range []struct {
		owner  int
		asRoot bool
	}{{65534, false}, {0, true}} {
		f := hostViewFacts()
		f.ProcOwner = tc.owner
		var got string
		for _, c := range Evaluate(hostViewProfile(), f, host) {
			if c.Name == "view limits" {
				got = c.Detail
			}
		}
		if want := strings.Join(hostViewProfile().HostViewLimits(tc.asRoot), "; "); got != want {
			t.Errorf("/proc owned by %d: view limits %q, want %q", tc.owner, got, want)
		}
	}
}
