//go:build integration

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletionScripts loads each shell's script in that shell and
// completes "shannot pro" and "shannot --profile di" with the binary
// under test first in PATH. (The .deb test checks the installed bash one.)
func TestCompletionScripts(t *testing.T) {
	dir := mkdir(t, "completion")
	id := identities(t)[0]
	for _, shell := range []string{"bash", "zsh", "fish"} {
		_, err := exec.LookPath(shell)
		need(t, err == nil, shell+" not installed (make test installs it)")
		r := id.run(t, opts{}, "completion", shell)
		if r.code != 0 {
			t.Fatalf("completion %s: %d %s", shell, r.code, r.stderr)
		}
		script := filepath.Join(dir, "shannot."+shell)
		os.WriteFile(script, []byte(r.stdout), 0o644)
		var check *exec.Cmd
		switch shell {
		case "bash":
			check = exec.Command("bash", "-c", `source "$1"
COMP_WORDS=(shannot pro); COMP_CWORD=1; _shannot; echo "${COMPREPLY[@]}"
COMP_WORDS=(shannot --profile di); COMP_CWORD=2; _shannot; echo "${COMPREPLY[@]}"`, "bash", script)
		case "zsh":
			// Completing needs an interactive zsh; check the script parses
			// and that what it asks shannot for answers.
			check = exec.Command("zsh", "-c", `zsh -n "$1" && shannot __complete -- pro && shannot __complete -- --profile di`, "zsh", script)
		case "fish":
			check = exec.Command("fish", "-c", `source $argv[1]; complete -C 'shannot pro'; complete -C 'shannot --profile di'`, script)
		}
		check.Env = []string{"PATH=" + filepath.Dir(shannot) + ":/usr/bin:/bin", "HOME=" + id.home}
		out, err := check.CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "profile\ndiagnostics" {
			t.Errorf("%s: %v\n%s", shell, err, out)
		}
	}
}
