//go:build integration

package integration

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// runMCP runs shannot-mcp as id and waits for it (at most a minute).
func runMCP(t *testing.T, id identity, args ...string) result {
	t.Helper()
	c := id.mcpCmd(opts{}, args...)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { c.Process.Kill() })
	defer timer.Stop()
	c.Wait()
	return result{stdout: out.String(), stderr: errOut.String(), code: c.ProcessState.ExitCode()}
}

// mcp test starts the server as a client would and runs ls / in minimal.
func TestMCPSelfTest(t *testing.T) {
	needBwrap(t)
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			r := runMCP(t, id, "test")
			for _, want := range []string{"started: " + shannotMCP + "\n", "tools (10): disk_usage, grep_content, journal, list_directory, list_profiles, memory, processes, read_file, run_command, search_files\n",
				"prompts: 12\n", "resources (", `run_command ["ls", "/"] in profile minimal: exit code 0, `, "    bin\n", "ok: a client whose entry runs this command will work\n"} {
				if r.code != 0 || !strings.Contains(r.stdout, want) {
					t.Errorf("shannot-mcp test: exit %d, no %q in\n%s%s", r.code, want, r.stdout, r.stderr)
				}
			}
			// Through shannot's exec, with the profiles a client would pass.
			r = id.run(t, opts{}, "mcp", "test", "--profile", "minimal")
			if r.code != 0 || !strings.Contains(r.stdout, "resources (2): shannot://profiles, shannot://profiles/minimal\n") {
				t.Errorf("shannot mcp test --profile minimal: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			// A set-up that cannot work says why, with the server's words.
			r = runMCP(t, id, "test", "--profile", "no-such-profile")
			if r.code != 125 || !strings.Contains(r.stderr, "the server said:\n") || !strings.Contains(r.stderr, "no-such-profile") {
				t.Errorf("a profile that does not exist: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// Under sudo, mcp test is refused: it is not in the table of what a
// hostile caller may run.
func TestSudoRefusesMCPTest(t *testing.T) {
	setUpSudo(t)
	r := sudo(t, nil, "mcp", "test")
	if r.code != 125 || !strings.Contains(r.stderr, "mcp test: refused when shannot runs as root for another user") {
		t.Errorf("exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}
