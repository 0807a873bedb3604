//go:build integration

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompletionScripts loads each shell's script of each binary in that
// shell and completes "shannot pro" and "shannot --profile di" ("shannot-mcp
// ins" and "shannot-mcp --profile di"), with the binaries under test first
// in PATH. (The .deb test checks the installed bash ones.)
func TestCompletionScripts(t *testing.T) {
	dir := mkdir(t, "completion")
	id := identities(t)[0]
	for _, b := range []struct {
		name, fn, bin, first, want string
	}{
		{"shannot", "_shannot", shannot, "pro", "profile"},
		{"shannot-mcp", "_shannot_mcp", shannotMCP, "ins", "install"},
	} {
		for _, shell := range []string{"bash", "zsh", "fish"} {
			_, err := exec.LookPath(shell)
			need(t, err == nil, shell+" not installed (make test installs it)")
			r := id.run(t, opts{}, "completion", shell)
			if b.name == "shannot-mcp" {
				r = id.run(t, opts{}, "mcp", "completion", shell) // through shannot: the same script
			}
			if r.code != 0 {
				t.Fatalf("%s completion %s: %d %s", b.name, shell, r.code, r.stderr)
			}
			script := filepath.Join(dir, b.name+"."+shell)
			os.WriteFile(script, []byte(r.stdout), 0o644)
			var check *exec.Cmd
			switch shell {
			case "bash":
				check = exec.Command("bash", "-c", `source "$1"
COMP_WORDS=($2 $3); COMP_CWORD=1; $4; echo "${COMPREPLY[@]}"
COMP_WORDS=($2 --profile di); COMP_CWORD=2; $4; echo "${COMPREPLY[@]}"`, "bash", script, b.name, b.first, b.fn)
			case "zsh":
				// Completing needs an interactive zsh; check the script parses
				// and that what it asks the binary for answers.
				check = exec.Command("zsh", "-c", `zsh -n "$1" && $2 __complete -- $3 && $2 __complete -- --profile di`, "zsh", script, b.name, b.first)
			case "fish":
				check = exec.Command("fish", "-c", `source $argv[1]; complete -C "$argv[2] $argv[3]"; complete -C "$argv[2] --profile di"`, script, b.name, b.first)
			}
			check.Env = []string{"PATH=" + filepath.Dir(b.bin) + ":/usr/bin:/bin", "HOME=" + id.home}
			out, err := check.CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != b.want+"\ndiagnostics" {
				t.Errorf("%s %s: %v\n%s", b.name, shell, err, out)
			}
		}
	}
	// shannot completes "shannot mcp ..." by asking shannot-mcp.
	r := id.run(t, opts{}, "__complete", "--", "mcp", "install", "--cl")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "--client" {
		t.Errorf("shannot __complete -- mcp install --cl: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}
