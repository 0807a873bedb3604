//go:build integration

package integration

import (
	"os/exec"
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
			line := shannot + " --profile diagnostics run find / -maxdepth 0 -exec stty -echo ';'; stty -a"
			c := exec.Command("script", "-qec", line, "/dev/null")
			c.Dir = work
			c.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=" + id.home}
			if id.cred != nil {
				c.SysProcAttr = &syscall.SysProcAttr{Credential: id.cred}
			}
			out, err := c.CombinedOutput()
			if err != nil {
				t.Fatalf("script: %v: %s", err, out)
			}
			s := strings.ReplaceAll(string(out), "\r", "")
			if strings.Contains(s, "-echo ") || !strings.Contains(s, " echo ") {
				t.Errorf("after a run that set stty -echo, the terminal says:\n%s", s)
			}
		})
	}
}
