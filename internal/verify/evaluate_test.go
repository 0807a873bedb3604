package verify

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/pkg/profile"
)

const host = "shannot-sandbox (uid 999, gid 995)"

func testProfile() *profile.Profile {
	return &profile.Profile{
		Name: "t",
		Binds: []profile.Bind{
			{Source: "/usr", Target: "/usr", ReadOnly: true},
			{Source: "/data", Target: "/data", ReadOnly: true},
			{Source: "/rw", Target: "/rw"}, // not tried: not read-only
		},
		TmpfsPaths:       []string{"/tmp"},
		Environment:      map[string]string{"PATH": "/usr/bin", "HOME": "/tmp"},
		NetworkIsolation: true,
	}
}

// goodFacts are what a sandbox that holds reports for testProfile.
func goodFacts() *Facts {
	zero := "0000000000000000"
	return &Facts{
		UID:         999,
		Writes:      map[string]string{"/usr": "EROFS", "/data": "EROFS", "/tmp": "ok"},
		Interfaces:  []string{"lo"},
		Caps:        map[string]string{"CapEff": zero, "CapPrm": zero, "CapBnd": zero, "CapAmb": zero, "CapInh": zero},
		Environ:     []string{"PATH=/usr/bin", "PWD=/", "HOME=/tmp", "GODEBUG=asyncpreemptoff=1"},
		ProcOwner:   65534,
		OverflowUID: 65534,
		Plan:        SeccompPlan{HostFilters: 0},
	}
}

func TestEvaluateAllPass(t *testing.T) {
	want := []Check{
		{"command runs", true, "probe ran as uid 999 inside the sandbox"},
		{"read-only /usr", true, "write refused: read-only file system"},
		{"read-only /data", true, "write refused: read-only file system"},
		{"tmpfs /tmp", true, "write accepted"},
		{"network", true, "only loopback (lo)"},
		{"capabilities", true, "none"},
		{"host identity", true, "uid 999 in the sandbox is not host root (bwrap ran as " + host + ")"},
		{"kernel settings", true, "nothing writable under /proc (outside processes) or /sys"},
		{"environment", true, "exactly the profile's 2 variables and the probe's GODEBUG=asyncpreemptoff=1; the host's are absent"},
		{"seccomp", true, "no filter (Seccomp: 0)"},
	}
	got := Evaluate(testProfile(), goodFacts(), host)
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	if n := Failed(got); n != 0 {
		t.Errorf("Failed = %d, want 0", n)
	}
}

func TestEvaluateProbeFailed(t *testing.T) {
	got := Evaluate(testProfile(), &Facts{Failed: "probe exited 1: boom"}, host)
	want := []Check{{"command runs", false, "probe exited 1: boom"}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	if Failed(got) != 1 {
		t.Errorf("Failed = %d, want 1", Failed(got))
	}
}

// Each case changes the profile or the facts of the passing sandbox and
// names the one check that changes, as it must read.
func TestEvaluateChecks(t *testing.T) {
	caps := func(k, v string) func(*profile.Profile, *Facts) {
		return func(_ *profile.Profile, f *Facts) { f.Caps[k] = v }
	}
	for _, tc := range []struct {
		name   string
		change func(*profile.Profile, *Facts)
		want   Check
	}{
		// read-only binds
		{"EROFS", func(_ *profile.Profile, f *Facts) { f.Writes["/data"] = "EROFS" },
			Check{"read-only /data", true, "write refused: read-only file system"}},
		{"EACCES", func(_ *profile.Profile, f *Facts) { f.Writes["/data"] = "EACCES" },
			Check{"read-only /data", true, "write refused by permissions (EACCES); the bind is read-only as well"}},
		{"EPERM", func(_ *profile.Profile, f *Facts) { f.Writes["/data"] = "EPERM" },
			Check{"read-only /data", true, "write refused by permissions (EPERM); the bind is read-only as well"}},
		{"write accepted", func(_ *profile.Profile, f *Facts) { f.Writes["/data"] = "ok" },
			Check{"read-only /data", false, "write ACCEPTED: the host path is writable from the sandbox"}},
		{"other errno", func(_ *profile.Profile, f *Facts) { f.Writes["/data"] = "ENOENT" },
			Check{"read-only /data", false, "write failed unexpectedly: ENOENT"}},
		// tmpfs
		{"tmpfs accepts", func(_ *profile.Profile, f *Facts) { f.Writes["/tmp"] = "ok" },
			Check{"tmpfs /tmp", true, "write accepted"}},
		{"tmpfs refuses", func(_ *profile.Profile, f *Facts) { f.Writes["/tmp"] = "EROFS" },
			Check{"tmpfs /tmp", false, "write refused: EROFS"}},
		{"tmpfs not tried", func(_ *profile.Profile, f *Facts) { delete(f.Writes, "/tmp") },
			Check{"tmpfs /tmp", false, "write refused: "}},
		// network
		{"isolated", func(_ *profile.Profile, f *Facts) { f.Interfaces = []string{"lo"} },
			Check{"network", true, "only loopback (lo)"}},
		{"shared", func(p *profile.Profile, f *Facts) {
			p.NetworkIsolation = false
			f.Interfaces = []string{"eth0", "lo"}
		}, Check{"network", true, "shared with the host (network_isolation is false): eth0, lo"}},
		{"extra interfaces", func(_ *profile.Profile, f *Facts) { f.Interfaces = []string{"eth0", "lo"} },
			Check{"network", false, "interfaces besides loopback: eth0, lo"}},
		{"no interfaces", func(_ *profile.Profile, f *Facts) { f.Interfaces = nil },
			Check{"network", false, "interfaces besides loopback: "}},
		// capabilities
		{"effective", caps("CapEff", "0000000000000400"),
			Check{"capabilities", false, "effective 0000000000000400, permitted 0000000000000000, bounding 0000000000000000, ambient 0000000000000000"}},
		{"permitted", caps("CapPrm", "1"),
			Check{"capabilities", false, "effective 0000000000000000, permitted 1, bounding 0000000000000000, ambient 0000000000000000"}},
		{"bounding", caps("CapBnd", "000001ffffffffff"),
			Check{"capabilities", false, "effective 0000000000000000, permitted 0000000000000000, bounding 000001ffffffffff, ambient 0000000000000000"}},
		{"ambient", caps("CapAmb", "2"),
			Check{"capabilities", false, "effective 0000000000000000, permitted 0000000000000000, bounding 0000000000000000, ambient 2"}},
		// Inheritable is not in the detail, but counts.
		{"inheritable", caps("CapInh", "4"),
			Check{"capabilities", false, "effective 0000000000000000, permitted 0000000000000000, bounding 0000000000000000, ambient 0000000000000000"}},
		// host identity
		{"proc owner is the overflow uid", func(_ *profile.Profile, f *Facts) { f.ProcOwner = 65534 },
			Check{"host identity", true, "uid 999 in the sandbox is not host root (bwrap ran as " + host + ")"}},
		{"proc owner equals uid", func(_ *profile.Profile, f *Facts) { f.UID, f.ProcOwner = 0, 0 },
			Check{"host identity", false, "uid 0 in the sandbox is host ROOT: it can write kernel settings and read root's files"}},
		{"the user nobody: its own uid is the overflow uid", func(_ *profile.Profile, f *Facts) { f.UID, f.ProcOwner, f.OverflowUID = 65534, 65534, 65534 },
			Check{"host identity", true, "uid 65534 in the sandbox is the overflow uid, which host root never maps to (bwrap ran as " + host + ")"}},
		{"proc owner unknown", func(_ *profile.Profile, f *Facts) { f.ProcOwner = -1 },
			Check{"host identity", false, "cannot stat /proc in the sandbox: whether it is host root is unknown"}},
		// kernel settings
		{"nothing writable", func(_ *profile.Profile, f *Facts) { f.Writable = 0 },
			Check{"kernel settings", true, "nothing writable under /proc (outside processes) or /sys"}},
		{"writable", func(_ *profile.Profile, f *Facts) {
			f.Writable, f.WritableSome = 7, []string{"/proc/sys/kernel/hostname", "/sys/kernel/mm"}
		}, Check{"kernel settings", false, "7 files WRITABLE under /proc and /sys, e.g. /proc/sys/kernel/hostname, /sys/kernel/mm"}},
		// environment
		{"exact, in any order", func(_ *profile.Profile, f *Facts) {
			f.Environ = []string{"GODEBUG=asyncpreemptoff=1", "HOME=/tmp", "PATH=/usr/bin"}
		}, Check{"environment", true, "exactly the profile's 2 variables and the probe's GODEBUG=asyncpreemptoff=1; the host's are absent"}},
		{"canary leaked", func(_ *profile.Profile, f *Facts) { f.Environ = append(f.Environ, Canary+"=leaked") },
			Check{"environment", false, "the host's environment leaks in (SHANNOT_VERIFY_CANARY seen)"}},
		{"extra variable", func(_ *profile.Profile, f *Facts) { f.Environ = append(f.Environ, "TERM=xterm") },
			Check{"environment", false, `got ["GODEBUG=asyncpreemptoff=1" "HOME=/tmp" "PATH=/usr/bin" "TERM=xterm"], want exactly the profile's ["GODEBUG=asyncpreemptoff=1" "HOME=/tmp" "PATH=/usr/bin"]`}},
		{"missing variable", func(_ *profile.Profile, f *Facts) { f.Environ = []string{"PATH=/usr/bin", "GODEBUG=asyncpreemptoff=1"} },
			Check{"environment", false, `got ["GODEBUG=asyncpreemptoff=1" "PATH=/usr/bin"], want exactly the profile's ["GODEBUG=asyncpreemptoff=1" "HOME=/tmp" "PATH=/usr/bin"]`}},
		{"wrong value", func(_ *profile.Profile, f *Facts) {
			f.Environ = []string{"PATH=/bin", "HOME=/tmp", "GODEBUG=asyncpreemptoff=1"}
		},
			Check{"environment", false, `got ["GODEBUG=asyncpreemptoff=1" "HOME=/tmp" "PATH=/bin"], want exactly the profile's ["GODEBUG=asyncpreemptoff=1" "HOME=/tmp" "PATH=/usr/bin"]`}},
		{"PWD the profile sets is compared", func(p *profile.Profile, f *Facts) { p.Environment["PWD"] = "/tmp" },
			Check{"environment", false, `got ["GODEBUG=asyncpreemptoff=1" "HOME=/tmp" "PATH=/usr/bin" "PWD=/"], want exactly the profile's ["GODEBUG=asyncpreemptoff=1" "HOME=/tmp" "PATH=/usr/bin" "PWD=/tmp"]`}},
		// The probe's GODEBUG is accounted for exactly: missing, or with
		// anything else in it, is not the profile's environment.
		{"the probe's GODEBUG missing", func(_ *profile.Profile, f *Facts) { f.Environ = []string{"PATH=/usr/bin", "HOME=/tmp"} },
			Check{"environment", false, `got ["HOME=/tmp" "PATH=/usr/bin"], want exactly the profile's ["GODEBUG=asyncpreemptoff=1" "HOME=/tmp" "PATH=/usr/bin"]`}},
		{"a GODEBUG from the host", func(_ *profile.Profile, f *Facts) {
			f.Environ = []string{"PATH=/usr/bin", "HOME=/tmp", "GODEBUG=asyncpreemptoff=1,madvdontneed=1"}
		}, Check{"environment", false, `got ["GODEBUG=asyncpreemptoff=1,madvdontneed=1" "HOME=/tmp" "PATH=/usr/bin"], want exactly the profile's ["GODEBUG=asyncpreemptoff=1" "HOME=/tmp" "PATH=/usr/bin"]`}},
		{"the profile's GODEBUG, with the probe's added", func(p *profile.Profile, f *Facts) {
			p.Environment["GODEBUG"] = "madvdontneed=1"
			f.Environ = []string{"PATH=/usr/bin", "HOME=/tmp", "GODEBUG=madvdontneed=1,asyncpreemptoff=1"}
		}, Check{"environment", true, "exactly the profile's 3 variables and the probe's GODEBUG=madvdontneed=1,asyncpreemptoff=1; the host's are absent"}},
		{"the profile's GODEBUG without the probe's", func(p *profile.Profile, f *Facts) {
			p.Environment["GODEBUG"] = "madvdontneed=1"
			f.Environ = []string{"PATH=/usr/bin", "HOME=/tmp", "GODEBUG=madvdontneed=1"}
		}, Check{"environment", false, `got ["GODEBUG=madvdontneed=1" "HOME=/tmp" "PATH=/usr/bin"], want exactly the profile's ["GODEBUG=madvdontneed=1,asyncpreemptoff=1" "HOME=/tmp" "PATH=/usr/bin"]`}},
		// seccomp
		{"no filter", func(_ *profile.Profile, f *Facts) {}, Check{"seccomp", true, "no filter (Seccomp: 0)"}},
		{"no filter of the profile's, shannot's own", func(_ *profile.Profile, f *Facts) {
			f.Seccomp, f.SeccompFilters, f.Plan.HostFilters = 2, 1, 1
		}, Check{"seccomp", true, "no filter of the profile's; shannot's own 1 filter, inherited (Seccomp: 2)"}},
		{"no filter of the profile's, but one more", func(_ *profile.Profile, f *Facts) {
			f.Seccomp, f.SeccompFilters, f.Plan.HostFilters = 2, 2, 1
		}, Check{"seccomp", false, "the profile has no filter, but the sandbox shows Seccomp: 2 with 2 filters, shannot 1"}},
		{"no filter, state unreadable", func(_ *profile.Profile, f *Facts) { f.Seccomp = -1 },
			Check{"seccomp", true, "no filter of the profile's (the sandbox's seccomp state is unreadable)"}},
		{"filter in force, verdicts as planned", func(_ *profile.Profile, f *Facts) {
			f.Seccomp, f.SeccompFilters = 2, 1
			f.Plan = SeccompPlan{Source: "p.json", Verdicts: []Verdict{{"getpid", "ok"}, {"faccessat2", "EPERM"}, {"uname", "ok"}, {"openat2", "ENOSYS"}}}
			f.Calls = map[string]string{"getpid": "ok", "faccessat2": "EPERM", "uname": "ok", "openat2": "ENOSYS"}
		}, Check{"seccomp", true, "in force (Seccomp: 2, 1 filter); 4 verdicts seen as the filter gives them: 2 allowed calls succeeded, denied: faccessat2 EPERM, openat2 ENOSYS"}},
		{"filter in force, nothing to check", func(_ *profile.Profile, f *Facts) {
			f.Seccomp, f.SeccompFilters, f.Plan = 2, 1, SeccompPlan{Source: "p.json"}
		}, Check{"seccomp", true, "in force (Seccomp: 2, 1 filter); none of the probe's calls can be checked under it"}},
		{"filter not in force", func(_ *profile.Profile, f *Facts) {
			f.Plan = SeccompPlan{Source: "p.json", Verdicts: []Verdict{{"getpid", "ok"}}}
			f.Calls = map[string]string{"getpid": "ok"}
		}, Check{"seccomp", false, "the filter is NOT in force: Seccomp: 0 in the sandbox, want 2"}},
		{"one filter too few: shannot's own only", func(_ *profile.Profile, f *Facts) {
			f.Seccomp, f.SeccompFilters = 2, 1
			f.Plan = SeccompPlan{Source: "p.json", HostFilters: 1}
		}, Check{"seccomp", false, "1 filter in the sandbox, want 2 (shannot's own 1 and the profile's)"}},
		{"filter count unknown (old kernel)", func(_ *profile.Profile, f *Facts) {
			f.Seccomp, f.SeccompFilters = 2, -1
			f.Plan = SeccompPlan{Source: "p.json", Verdicts: []Verdict{{"getpid", "ok"}}}
			f.Calls = map[string]string{"getpid": "ok"}
		}, Check{"seccomp", true, "in force (Seccomp: 2, -1 filters); 1 verdict seen as the filter gives them: 1 allowed call succeeded"}},
		{"a denial the kernel does not make", func(_ *profile.Profile, f *Facts) {
			f.Seccomp, f.SeccompFilters = 2, 1
			f.Plan = SeccompPlan{Source: "p.json", Verdicts: []Verdict{{"getpid", "ok"}, {"faccessat2", "EPERM"}}}
			f.Calls = map[string]string{"getpid": "ok", "faccessat2": "ok"}
		}, Check{"seccomp", false, "in force (Seccomp: 2, 1 filter), but the kernel's verdicts DIFFER from the filter's: faccessat2 got ok, the filter gives EPERM"}},
		{"an allowed call denied, another not made", func(_ *profile.Profile, f *Facts) {
			f.Seccomp, f.SeccompFilters = 2, 1
			f.Plan = SeccompPlan{Source: "p.json", Verdicts: []Verdict{{"getpid", "ok"}, {"uname", "ok"}}}
			f.Calls = map[string]string{"getpid": "EPERM"}
		}, Check{"seccomp", false, "in force (Seccomp: 2, 1 filter), but the kernel's verdicts DIFFER from the filter's: getpid got EPERM, the filter gives ok; uname got not made, the filter gives ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, f := testProfile(), goodFacts()
			tc.change(p, f)
			checks := Evaluate(p, f, host)
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
			// The other checks still pass: one change, one verdict.
			wantFailed := 0
			if !tc.want.OK {
				wantFailed = 1
			}
			if n := Failed(checks); n != wantFailed {
				t.Errorf("Failed = %d, want %d: %v", n, wantFailed, checks)
			}
		})
	}
}

// A bind the probe did not try (its source is missing, or it is
// writable by the profile's choice) has no check.
func TestEvaluateSkipsUntriedBinds(t *testing.T) {
	f := goodFacts()
	delete(f.Writes, "/data")
	for _, ck := range Evaluate(testProfile(), f, host) {
		if strings.HasSuffix(ck.Name, "/data") || strings.HasSuffix(ck.Name, "/rw") {
			t.Errorf("unexpected check %v", ck)
		}
	}
}
