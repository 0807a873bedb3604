//go:build integration

package integration

import (
	"os/exec"
	"testing"
)

// socketProbe creates one socket per FAMILY:TYPE argument and prints
// "FAMILY ok" or "FAMILY errno N". perl-base is on every Debian system.
var socketProbe = []string{"perl", "-e",
	`for (@ARGV) { my ($f, $t) = split /:/; if (socket(my $s, $f, $t, 0)) { print "$f ok\n" } else { printf "%d errno %d\n", $f, $! } }`,
	"1:1",  // AF_UNIX, SOCK_STREAM
	"2:1",  // AF_INET, SOCK_STREAM
	"16:2", // AF_NETLINK, SOCK_DGRAM
	"40:1", // AF_VSOCK, SOCK_STREAM: no namespace isolates it
	"17:3", // AF_PACKET, SOCK_RAW
}

// socketsWant is what the probe prints under the shipped readonly
// policy: the families a network namespace isolates are allowed; the
// others get the policy's default, ENOSYS (38), before the kernel's own
// checks (an unfiltered AF_VSOCK socket succeeds on a VM with vsock).
const socketsWant = "1 ok\n2 ok\n16 ok\n40 errno 38\n17 errno 38\n"

// hostViewSocketsWant is what the probe prints under hostview.json
// (diagnostics, systemd: the host's network namespace): only netlink;
// AF_UNIX, AF_INET, AF_VSOCK and AF_PACKET fail with EPERM (issue 12).
const hostViewSocketsWant = "1 errno 1\n2 errno 1\n16 ok\n40 errno 1\n17 errno 1\n"

// socketsWantIn is the probe's output in a shipped profile.
func socketsWantIn(profile string) string {
	if profile == "diagnostics" || profile == "systemd" {
		return hostViewSocketsWant
	}
	return socketsWant
}

// throughFind runs the probe through find -exec: the shipped profiles
// allow find, not perl, and what is tested here is their filter.
func throughFind(probe []string) []string {
	return append([]string{"find", "/", "-maxdepth", "0", "-exec"}, append(probe, ";")...)
}

func TestSocketFamiliesShippedProfiles(t *testing.T) {
	_, err := exec.LookPath("perl")
	need(t, err == nil, "perl not found (perl-base)")
	profiles := []string{"readonly", "diagnostics", "systemd"}
	check := func(t *testing.T, name string, r result) {
		t.Helper()
		if want := socketsWantIn(name); r.code != 0 || r.stdout != want {
			t.Errorf("%s: socket probe: exit %d, stdout %q, stderr %q; want %q", name, r.code, r.stdout, r.stderr, want)
		}
	}
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			for _, name := range profiles {
				r := id.run(t, opts{}, append([]string{"--profile", name, "run"}, throughFind(socketProbe)...)...)
				check(t, name, r)
			}
			// The broader default policy, from a file profile.
			policy := id.run(t, opts{}, "seccomp", "compile", "default", "-")
			if policy.code != 0 {
				t.Fatalf("compile default: %s", policy.stderr)
			}
			profile := seccompProfile(t, "default.bpf", map[string]string{"default.bpf": policy.stdout})
			r := id.run(t, opts{}, append([]string{"--profile", profile, "run"}, socketProbe...)...)
			// default.json's default is EPERM (1).
			if want := "1 ok\n2 ok\n16 ok\n40 errno 1\n17 errno 1\n"; r.code != 0 || r.stdout != want {
				t.Errorf("default.json: socket probe: exit %d, stdout %q, stderr %q; want %q", r.code, r.stdout, r.stderr, want)
			}
		})
	}
	t.Run("sudo", func(t *testing.T) {
		setUpSudo(t)
		for _, name := range profiles {
			check(t, name, sudo(t, nil, append([]string{"--profile", name, "run"}, throughFind(socketProbe)...)...))
		}
	})
}
