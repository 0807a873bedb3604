//go:build integration

package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The original seccomp guide's five steps, literally (issue 13): its OCI
// policy (testdata/guide/readonly-seccomp.json), its Python compiler
// (compile-seccomp.py) and its "minimal read-only" filter (minimal.py) are
// copied from the guide unchanged.

// python3 is Debian's, which python3-seccomp installs into.
const python3 = "/usr/bin/python3"

// guidePython runs one of the guide's scripts in dir.
func guidePython(t *testing.T, dir, script string, args ...string) {
	t.Helper()
	need(t, exec.Command(python3, "-c", "import seccomp").Run() == nil, "needs Debian's python3-seccomp (apt-get install python3-seccomp)")
	src, err := filepath.Abs(filepath.Join("testdata", "guide", script))
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(python3, append([]string{src}, args...)...)
	c.Dir = dir
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
}

// guideProfile writes the guide's profile with seccomp_profile ref into
// dir.
func guideProfile(t *testing.T, dir, ref string) string {
	t.Helper()
	profile := strings.Replace(open(), `"name": "open"`, `"name": "with-seccomp", "seccomp_profile": `+quote(ref), 1)
	f := filepath.Join(dir, "with-seccomp-"+strings.NewReplacer("/", "_", ".", "_").Replace(ref)+".json")
	if err := os.WriteFile(f, []byte(profile), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestSeccompGuideFiveSteps(t *testing.T) {
	dir := mkdir(t, "guide")
	filters := filepath.Join(dir, "filters")
	os.Mkdir(filters, 0o755)
	policy, _ := os.ReadFile(filepath.Join("testdata", "guide", "readonly-seccomp.json"))
	os.WriteFile(filepath.Join(dir, "readonly-seccomp.json"), policy, 0o644)

	// Steps 1-3: the OCI policy, compiled by shannot and by the guide's
	// Python script.
	if out, err := exec.Command(shannot, "seccomp", "compile", filepath.Join(dir, "readonly-seccomp.json"), filepath.Join(filters, "shannot.bpf")).CombinedOutput(); err != nil {
		t.Fatalf("seccomp compile: %v, %s", err, out)
	}
	os.Chmod(filepath.Join(filters, "shannot.bpf"), 0o644)
	guidePython(t, dir, "compile-seccomp.py", "readonly-seccomp.json", "filters/python.bpf")
	os.Chmod(filepath.Join(filters, "python.bpf"), 0o644)
	hostTest := "/tmp/test"
	_, statErr := os.Stat(hostTest)
	hadHostTest := statErr == nil

	for _, id := range identities(t) {
		for _, bpf := range []string{"shannot.bpf", "python.bpf"} {
			// Step 4, by absolute path and relative to the profile.
			for _, ref := range []string{filepath.Join(filters, bpf), "./filters/" + bpf} {
				t.Run(id.name+"/"+ref, func(t *testing.T) {
					profile := guideProfile(t, dir, ref)
					// Step 5: "Should succeed (allowed syscalls)".
					r := id.run(t, opts{}, "--profile", profile, "run", "ls", "/")
					if r.code != 0 || !strings.Contains(r.stdout, "usr\n") {
						t.Errorf("ls /: exit %d, %q %q", r.code, r.stdout, r.stderr)
					}
					if !strings.Contains(r.stderr, "warning: seccomp filter") || !strings.Contains(r.stderr, "rt_sigreturn ERRNO(EPERM)") || !strings.Contains(r.stderr, "allow rt_sigreturn") {
						t.Errorf("ls /: the warning does not name rt_sigreturn and its fix: %q", r.stderr)
					}
					// "Should fail if write syscalls are blocked": this list
					// blocks none, so touch writes the sandbox's own /tmp,
					// a tmpfs, and nothing of the host's.
					r = id.run(t, opts{}, "--profile", profile, "run", "touch", "/tmp/test")
					if r.code != 0 {
						t.Errorf("touch /tmp/test under a list that allows writing: exit %d, %q", r.code, r.stderr)
					}
					if _, err := os.Stat(hostTest); err == nil && !hadHostTest {
						t.Errorf("touch in the sandbox created the host's %s", hostTest)
					}
					// The hazard the warning names is real.
					r = id.run(t, opts{}, "--profile", profile, "run", "sh", "-c", "sleep 0.2 & wait")
					if r.code != 139 {
						t.Errorf("a returning signal handler without rt_sigreturn: exit %d, want 139 (SIGSEGV)", r.code)
					}
				})
			}
		}
	}
}

func TestSeccompGuideMinimalFilter(t *testing.T) {
	dir := mkdir(t, "guide-minimal")
	guidePython(t, dir, "minimal.py") // writes readonly.bpf
	os.Chmod(filepath.Join(dir, "readonly.bpf"), 0o644)
	profile := guideProfile(t, dir, "./readonly.bpf")
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			// No execve, arch_prctl or wait4: refused, all three named in
			// one message.
			r := id.run(t, opts{}, "--profile", profile, "run", "ls", "/")
			if r.code != 125 || strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("ls / under the guide's minimal filter: exit %d, %q; want 125 and one line", r.code, r.stderr)
			}
			for _, call := range []string{"execve ERRNO(EPERM)", "arch_prctl ERRNO(EPERM)", "wait4 ERRNO(EPERM)", "allow execve, arch_prctl, wait4 (or run with --force)"} {
				if !strings.Contains(r.stderr, call) {
					t.Errorf("the refusal does not say %q: %q", call, r.stderr)
				}
			}
		})
	}
}

func TestSeccompGuideStdoutStderrOnlyKeepsExitStatus(t *testing.T) {
	dir := mkdir(t, "guide-write")
	// The guide's minimal filter with what a start needs added: write
	// reaches only fds 1 and 2, so bwrap's child cannot write its status
	// byte.
	src, _ := os.ReadFile(filepath.Join("testdata", "guide", "minimal.py"))
	fixed := strings.Replace(string(src), `"rt_sigreturn"]`, `"rt_sigreturn", "execve", "arch_prctl", "wait4"]`, 1)
	if fixed == string(src) {
		t.Fatal("minimal.py changed: its signal list is not where the test adds to it")
	}
	os.WriteFile(filepath.Join(dir, "minimal.py"), []byte(fixed), 0o644)
	need(t, exec.Command(python3, "-c", "import seccomp").Run() == nil, "needs Debian's python3-seccomp (apt-get install python3-seccomp)")
	c := exec.Command(python3, "minimal.py")
	c.Dir = dir
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("minimal.py: %v\n%s", err, out)
	}
	os.Chmod(filepath.Join(dir, "readonly.bpf"), 0o644)
	profile := guideProfile(t, dir, "./readonly.bpf")
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			for _, tc := range []struct {
				argv []string
				code int
				out  string
			}{
				{[]string{"sh", "-c", "exit 3"}, 3, ""},
				{[]string{"sh", "-c", "echo hello"}, 0, "hello\n"},
				{[]string{"false"}, 1, ""},
				// "Should fail if write syscalls are blocked".
				{[]string{"touch", "/tmp/test"}, 1, ""},
			} {
				r := id.run(t, opts{}, append([]string{"--profile", profile, "run"}, tc.argv...)...)
				if r.code != tc.code || r.stdout != tc.out {
					t.Errorf("%q: exit %d, %q %q; want %d, %q", tc.argv, r.code, r.stdout, r.stderr, tc.code, tc.out)
				}
			}
			r := id.run(t, opts{}, "--profile", profile, "run", "--json", "sh", "-c", "exit 3")
			var rep struct {
				ExitCode int `json:"exit_code"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != 3 || rep.ExitCode != 3 {
				t.Errorf("--json sh -c 'exit 3': exit %d, %q (%v)", r.code, r.stdout, err)
			}
		})
	}
}

// A deny rule naming an unknown call would deny nothing: refused, with
// the pointer and a suggestion.
func TestSeccompUnknownNameInADenyRule(t *testing.T) {
	profile := seccompProfile(t, "typo.json", map[string]string{"typo.json": `{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mout", "umount2"], "action": "SCMP_ACT_ERRNO"}]}`})
	id := identities(t)[0]
	r := id.run(t, opts{}, "--profile", profile, "run", "true")
	if r.code != 125 || !strings.Contains(r.stderr, `typo.json: /syscalls/0/names/0: unknown system call "mout" in a rule that gives ERRNO(EPERM): it would deny nothing`) ||
		!strings.Contains(r.stderr, `did you mean "mount"?`) {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}
