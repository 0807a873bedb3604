//go:build integration

package integration

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command-line bugs of issue 15, run with the real binary and bwrap.

// An exported built-in profile runs from wherever it is saved, and the
// names profile list prints select the built-in profiles.
func TestCLIExportRoundTrip(t *testing.T) {
	for _, id := range identities(t) {
		r := id.run(t, opts{}, "--profile", "diagnostics", "export")
		if r.code != 0 {
			t.Fatalf("%s: export: %d %s", id.name, r.code, r.stderr)
		}
		saved := filepath.Join(mkdir(t, "export"), "d.json")
		if err := os.WriteFile(saved, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		r = id.run(t, opts{}, "--profile", saved, "run", "uptime")
		if r.code != 0 || !strings.Contains(r.stdout, "load average") {
			t.Errorf("%s: --profile %s run uptime: exit %d, %q %q", id.name, saved, r.code, r.stdout, r.stderr)
		}
		r = id.run(t, opts{}, "--profile", "builtin:minimal.json", "run", "ls", "/")
		if r.code != 0 || !strings.Contains(r.stdout, "usr") {
			t.Errorf("%s: --profile builtin:minimal.json: exit %d, %q", id.name, r.code, r.stderr)
		}
	}
}

// Flags after the verb, flags before an implicit run, plain seconds.
func TestCLIFlagSpellings(t *testing.T) {
	id := identities(t)[0]
	for _, args := range [][]string{
		{"run", "--profile", "readonly", "ls", "/"},
		{"run", "-p", "readonly", "--timeout", "30", "ls", "/"},
		{"-parallel", "3", "ls", "/"},
		{"--connect-timeout", "5", "ls", "/"},
	} {
		r := id.run(t, opts{}, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "usr") {
			t.Errorf("%q: exit %d, %q", args, r.code, r.stderr)
		}
	}
	p := writeProfile(t, open())
	r := id.run(t, opts{}, "--profile", p, "run", "--timeout", "1", "sleep", "10")
	if r.code != 124 || !strings.Contains(r.stderr, "timed out after 1s") {
		t.Errorf("--timeout 1: exit %d, %q", r.code, r.stderr)
	}
	r = id.run(t, opts{}, "run", "--timeout", "5x", "ls")
	if r.code != 125 || !strings.Contains(r.stderr, "want a number of seconds (30) or a duration with a unit") {
		t.Errorf("--timeout 5x: exit %d, %q", r.code, r.stderr)
	}
}

// A remote dry run runs nothing: no ssh, not even ssh -G.
func TestCLIRemoteDryRunRunsNothing(t *testing.T) {
	id := identities(t)[0]
	dir := mkdir(t, "fake-ssh")
	log := filepath.Join(dir, "ssh.log")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\n"
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	r := id.run(t, opts{env: []string{"PATH=" + dir + ":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"}},
		"--target", "web1", "--ssh-option", "Ciphers=aes128-ctr,aes256-ctr", "run", "--dry-run", "ls", "/")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ssh -o Ciphers=aes128-ctr,aes256-ctr ") || !strings.Contains(r.stdout, " -- web1 ") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(log); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dry run ran ssh: %q", b)
	}
}

// A mistyped subcommand is an error, and starts nothing.
func TestCLIMistypedSubcommand(t *testing.T) {
	id := identities(t)[0]
	for _, args := range [][]string{
		{"mcp", "instal", "--client", "claude-code"},
		{"profile", "validat", "x.json"},
		{"doctor", "now"},
	} {
		r := id.run(t, opts{stdin: strings.NewReader("")}, args...)
		if r.code != 125 || strings.Contains(r.stderr, "serving MCP") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, %q", args, r.code, r.stderr)
		}
	}
}

// profile validate opens the filter: what run would refuse, validate
// refuses, one line each.
func TestCLIValidateOpensTheFilter(t *testing.T) {
	id := identities(t)[0]
	dir := mkdir(t, "validate")
	os.WriteFile(filepath.Join(dir, "random.bpf"), []byte("\x19\xc4\x17\x84\x93\x11\x02\x7f"), 0o644)
	os.WriteFile(filepath.Join(dir, "typo.json"), []byte(`{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALOW"}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "good.json"), []byte(`{"defaultAction": "SCMP_ACT_ALLOW"}`), 0o644)
	var files []string
	for _, sp := range []string{"./nosuch.json", "./random.bpf", "./typo.json", "./good.json"} {
		name := strings.TrimSuffix(strings.TrimPrefix(sp, "./"), filepath.Ext(sp))
		f := filepath.Join(dir, "profile-"+name+".json")
		os.WriteFile(f, []byte(`{"name": "`+name+`", "seccomp_profile": "`+sp+`", "binds": [
			{"source": "/usr", "target": "/usr"}, {"source": "/bin", "target": "/bin", "optional": true},
			{"source": "/lib", "target": "/lib", "optional": true}, {"source": "/lib64", "target": "/lib64", "optional": true}],
			"environment": {"PATH": "/usr/bin:/bin"}}`), 0o644)
		files = append(files, f)
	}
	r := id.run(t, opts{}, append([]string{"profile", "validate"}, files...)...)
	if r.code != 125 || strings.Count(r.stderr, "\n") != 3 || r.stdout != files[3]+": ok\n" ||
		!strings.Contains(r.stderr, `unknown action "SCMP_ACT_ALOW"`) {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// What validate accepts, run runs.
	r = id.run(t, opts{}, "--profile", files[3], "run", "true")
	if r.code != 0 {
		t.Errorf("run of a validated profile: exit %d, %q", r.code, r.stderr)
	}
}
