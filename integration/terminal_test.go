//go:build integration

package integration

import (
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// A command that changes the terminal it shares with the caller (stty
// -echo, as a hostile review did) must not leave it changed: the
// caller's shell would go on without echo. script(1) gives the run a
// terminal; stty -a afterwards, in the same terminal, must still say
// "echo".
func TestTerminalSettingsAreRestored(t *testing.T) {
	_, err := exec.LookPath("script")
	need(t, err == nil, "script (bsdutils) is not installed")
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			s := inTerminal(t, id, shannot+" --profile diagnostics run find / -maxdepth 0 -exec stty -echo ';'; stty -a")
			if strings.Contains(s, "-echo ") || !strings.Contains(s, " echo ") {
				t.Errorf("after a run that set stty -echo, the terminal says:\n%s", s)
			}
		})
	}
}

// The terminal is the caller's, and outlives the run: no ioctl that
// changes it goes through, in a host view (diagnostics) or not
// (readonly). A hostile review made the caller's terminal exclusive
// (it could not be opened again), dead (line discipline N_NULL), stopped
// (TCOOFF: the session hung) and resized (SIGWINCH to the caller's
// shell). After the run, in the same terminal: the size is the one
// before, output goes on, and the terminal opens again.
func TestTerminalCannotBeChanged(t *testing.T) {
	_, err := exec.LookPath("script")
	need(t, err == nil, "script (bsdutils) is not installed")
	// ioctl writes back into its argument, so each is a variable.
	attack := `my $t = \*STDIN;
sub r { my ($n, $ok) = @_; printf "%s %s\n", $n, $ok ? "ok" : $!+0 }
my ($d, $w, $g) = (pack("i", 27), pack("S4", 10, 20, 0, 0), pack("i", $$));
r("excl", ioctl($t, 0x540C, 0));
r("setd", ioctl($t, 0x5423, $d));
r("winsz", ioctl($t, 0x5414, $w));
r("xonc", ioctl($t, 0x540A, 0));
r("flush", ioctl($t, 0x540B, 0));
r("pgrp", ioctl($t, 0x5410, $g));`
	for _, id := range identities(t) {
		for _, p := range []string{"diagnostics", "readonly"} {
			t.Run(id.name+"/"+p, func(t *testing.T) {
				line := "stty size; timeout 20 " + shannot + " --profile " + p + " run find / -maxdepth 0 -exec perl -e '" +
					strings.ReplaceAll(attack, "'", `'\''`) + "' ';'; stty size; echo still-here; sh -c 'exec 3</dev/tty && echo reopened'"
				s := inTerminal(t, id, line)
				lines := strings.Split(strings.TrimSpace(s), "\n")
				want := []string{"excl 1", "setd 1", "winsz 1", "xonc 1", "flush 1", "pgrp 1", "still-here", "reopened"}
				for _, w := range want {
					if !slices.Contains(lines, w) {
						t.Errorf("%q missing: the terminal was changed, or the run did not get that far:\n%s", w, s)
					}
				}
				// stty size before the run, and after the attack's lines.
				if i := slices.Index(lines, "pgrp 1"); i < 0 || i+1 >= len(lines) || lines[0] != lines[i+1] {
					t.Errorf("the terminal's size changed, or was not printed again:\n%s", s)
				}
			})
		}
	}
}

// inTerminal runs the shell line in a terminal of its own (script(1)) as
// id, and returns what the terminal showed, without carriage returns.
func inTerminal(t *testing.T, id identity, line string) string {
	t.Helper()
	c := exec.Command("script", "-qec", line, "/dev/null")
	c.Dir = work
	c.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=" + id.home}
	if id.cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: id.cred}
	}
	out, err := c.CombinedOutput()
	s := strings.ReplaceAll(string(out), "\r", "")
	if err != nil {
		t.Fatalf("script: %v: %s", err, s)
	}
	return s
}
