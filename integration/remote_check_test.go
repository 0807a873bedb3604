//go:build integration

package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// remote test over real ssh to the test's sshd hosts: one line a host,
// exit status 0 only when every host can run sandboxes from here.
func TestRemoteTest(t *testing.T) {
	h := setUpSSH(t)
	h.uninstall(t)
	t.Cleanup(func() { h.uninstall(t) })
	path, err := remotePath(shannot)
	if err != nil {
		t.Fatal(err)
	}
	r := h.shannot(t, "remote", "test", h.a)
	if want := h.a + ": reachable; this shannot is not installed there (~/" + path + "): run shannot remote install " + h.a + "\n"; r.code != 1 || r.stdout != want ||
		!strings.Contains(r.stderr, "1 of 1 hosts cannot run sandboxes from here") {
		t.Errorf("before install: exit %d\n%q\nwant\n%q\n%s", r.code, r.stdout, want, r.stderr)
	}
	h.install(t, h.a)
	r = h.shannot(t, "remote", "test", h.a, h.dead)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	t.Logf("shannot remote test %s %s:\n%s%s", h.a, h.dead, r.stdout, r.stderr)
	if r.code != 1 || len(lines) != 2 || !strings.Contains(r.stderr, "1 of 2 hosts cannot run sandboxes from here") {
		t.Fatalf("a live host and a dead one: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := h.a + ": reachable; shannot "; !strings.HasPrefix(lines[0], want) || !strings.Contains(lines[0], "at ~/"+path+", checksum ok; doctor: ") ||
		!strings.Contains(lines[0], " 0 fail") {
		t.Errorf("the installed host: %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], h.dead+": ") || !strings.Contains(lines[1], "unreachable") {
		t.Errorf("the dead host: %q", lines[1])
	}
	// a and b are sshd processes of this machine sharing root's home:
	// once a has the copy, b has it too, and both pass.
	r = h.shannot(t, "remote", "test", h.a, h.b)
	if r.code != 0 || strings.Count(r.stdout, ", checksum ok; doctor: ") != 2 || r.stderr != "" {
		t.Errorf("two installed hosts: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A copy someone changed after the install: the checksum says so.
	full := filepath.Join(rootHome(), path)
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, append(data, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	r = h.shannot(t, "remote", "test", h.a)
	if r.code != 1 || !strings.Contains(r.stdout, "checksum MISMATCH: ") || !strings.Contains(r.stdout, "run shannot remote install "+h.a+" again") {
		t.Errorf("a changed copy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Under sudo, remote test is refused: its ssh runs with the caller's
// configuration and options, whose ProxyCommand and Match exec lines
// would run commands as root.
func TestSudoRefusesRemoteTest(t *testing.T) {
	setUpSudo(t)
	r := sudo(t, nil, "remote", "test", "127.0.0.1")
	if r.code != 125 || !strings.Contains(r.stderr, "shannot remote test: refused when shannot runs as root for another user") {
		t.Errorf("exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}
