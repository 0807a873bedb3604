//go:build integration

package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// seccomp learn (issue 13): what ran under learning runs again under the
// learned policy, with the same output and status as unconfined; what did
// not run is denied until a --merge run adds it. Tests compare sets (the
// loader and libc vary), never exact lists.

const threaded = "import threading\nt = threading.Thread(target=print, args=('from a thread',))\nt.start()\nt.join()"

// learnedGroup is the names of the policy's "learned: " rules.
func learnedGroup(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Syscalls []struct {
			Names   []string
			Comment string
		}
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var names []string
	for _, s := range p.Syscalls {
		if strings.HasPrefix(s.Comment, "learned: ") {
			names = append(names, s.Names...)
		}
	}
	return names
}

// straced is the set of calls strace sees argv make in the profile's
// sandbox, unconfined, where the command sees what it saw when learned.
func straced(t *testing.T, id identity, profile string, argv ...string) map[string]bool {
	t.Helper()
	_, err := exec.LookPath("strace")
	need(t, err == nil, "strace not installed (make test installs it)")
	script := `strace -f -qq -o /tmp/strace -- "$@" >/dev/null 2>&1; cat /tmp/strace`
	r := id.run(t, opts{}, append([]string{"--profile", profile, "run", "sh", "-c", script, "sh"}, argv...)...)
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]`).FindAllStringSubmatch(r.stdout, -1) {
		seen[m[1]] = true
	}
	if len(seen) == 0 {
		t.Fatalf("strace in the sandbox saw nothing: exit %d, %q", r.code, r.stderr)
	}
	return seen
}

// withoutWarnings drops shannot's warnings (a learned policy that needs
// no clone is warned about it) from stderr.
func withoutWarnings(s string) string {
	var keep []string
	for _, l := range strings.SplitAfter(s, "\n") {
		if !strings.HasPrefix(l, "shannot: warning: ") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "")
}

func TestLearn(t *testing.T) {
	dir := mkdir(t, "learn")
	os.Chmod(dir, 0o1777)               // each identity writes its policies here
	learning := writeProfile(t, open()) // no seccomp_profile: nothing to learn within
	for _, id := range identities(t) {
		for _, tc := range []struct {
			name string
			argv []string
		}{
			{"ls", []string{"ls", "-l", "/usr/share/doc"}},
			{"shell", []string{"sh", "-c", "echo one | tr a-z A-Z; sleep 0.1 & wait; echo two"}},
			{"threads", []string{"python3", "-c", threaded}},
		} {
			t.Run(id.name+"/"+tc.name, func(t *testing.T) {
				policy := filepath.Join(dir, id.name+"-"+tc.name+".json")
				plain := id.run(t, opts{}, append([]string{"--profile", learning, "run"}, tc.argv...)...)
				r := id.run(t, opts{}, append([]string{"--profile", learning, "seccomp", "learn", "-o", policy, "--"}, tc.argv...)...)
				if r.code != plain.code || r.stdout != plain.stdout || !strings.Contains(r.stderr, "shannot: traced ") {
					t.Fatalf("learn: exit %d, %q %q; unconfined %d, %q", r.code, r.stdout, r.stderr, plain.code, plain.stdout)
				}
				os.Chmod(policy, 0o644)
				confined := seccompProfileAt(t, dir, policy)
				r = id.run(t, opts{}, append([]string{"--profile", confined, "run"}, tc.argv...)...)
				if r.code != plain.code || r.stdout != plain.stdout || withoutWarnings(r.stderr) != plain.stderr {
					t.Errorf("under the learned policy: exit %d, %q %q; unconfined %d, %q %q", r.code, r.stdout, r.stderr, plain.code, plain.stdout, plain.stderr)
				}
				// Nothing learned that did not run: every learned call is one
				// strace sees the command make (bwrap's own are in groups of
				// their own).
				seen := straced(t, id, learning, tc.argv...)
				for _, n := range learnedGroup(t, policy) {
					if !seen[n] {
						t.Errorf("learned %s, which strace did not see %q make", n, tc.argv)
					}
				}
			})
		}
	}
}

func TestLearnMerge(t *testing.T) {
	dir := mkdir(t, "learn-merge")
	learning := writeProfile(t, open())
	policy := filepath.Join(dir, "learned.json")
	id := identities(t)[0]
	if r := id.run(t, opts{}, "--profile", learning, "seccomp", "learn", "-o", policy, "--", "ls", "/"); r.code != 0 {
		t.Fatalf("learn ls: exit %d, %q", r.code, r.stderr)
	}
	os.Chmod(policy, 0o644)
	confined := seccompProfileAt(t, dir, policy)
	// Not learned: mkdir gets the default ENOSYS.
	r := id.run(t, opts{}, "--profile", confined, "run", "mkdir", "/tmp/d")
	if r.code != 1 || !strings.Contains(r.stderr, "Function not implemented") {
		t.Errorf("mkdir, never learned: exit %d, %q", r.code, r.stderr)
	}
	// --merge within the learned file itself is refused: it would learn
	// nothing.
	if r := id.run(t, opts{}, "--profile", confined, "seccomp", "learn", "--merge", "-o", policy, "--", "mkdir", "/tmp/d"); r.code != 125 || !strings.Contains(r.stderr, "itself") {
		t.Errorf("merge within itself: exit %d, %q", r.code, r.stderr)
	}
	before := learnedGroup(t, policy)
	if r := id.run(t, opts{}, "--profile", learning, "seccomp", "learn", "--merge", "-o", policy, "--", "mkdir", "/tmp/d"); r.code != 0 {
		t.Fatalf("learn --merge mkdir: exit %d, %q", r.code, r.stderr)
	}
	after := learnedGroup(t, policy)
	for _, n := range before {
		if !contains(after, n) {
			t.Errorf("--merge lost %s", n)
		}
	}
	if r := id.run(t, opts{}, "--profile", confined, "run", "mkdir", "/tmp/d"); r.code != 0 {
		t.Errorf("mkdir after --merge: exit %d, %q", r.code, r.stderr)
	}
	if r := id.run(t, opts{}, "--profile", confined, "run", "ls", "/"); r.code != 0 {
		t.Errorf("ls after --merge: exit %d, %q", r.code, r.stderr)
	}
}

// Learning within the profile's policy keeps what it denies denied.
func TestLearnWithinBase(t *testing.T) {
	dir := mkdir(t, "learn-base")
	base := seccompProfile(t, "base.json", map[string]string{"base.json": `{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}`})
	policy := filepath.Join(dir, "learned.json")
	id := identities(t)[0]
	r := id.run(t, opts{}, "--profile", base, "seccomp", "learn", "-o", policy, "--", "sh", "-c", "mkdir /tmp/d; ls /")
	if r.code != 0 || !strings.Contains(r.stderr, "Permission denied") || !strings.Contains(r.stderr, "the base denied 1 calls") {
		t.Fatalf("learn within a base denying mkdir: exit %d, %q", r.code, r.stderr)
	}
	data, _ := os.ReadFile(policy)
	if contains(learnedGroup(t, policy), "mkdir") || !strings.Contains(string(data), `"from the base `) {
		t.Errorf("the base's mkdir rule is not kept as the base's:\n%s", data)
	}
	os.Chmod(policy, 0o644)
	r = id.run(t, opts{}, "--profile", seccompProfileAt(t, dir, policy), "run", "sh", "-c", "mkdir /tmp/d; ls /")
	if r.code != 0 || !strings.Contains(r.stderr, "Permission denied") {
		t.Errorf("under the learned policy mkdir: exit %d, %q; want EACCES as the base gave", r.code, r.stderr)
	}
}

func TestSudoLearn(t *testing.T) {
	setUpSudo(t)
	for _, args := range [][]string{
		{"--profile", "it-open", "seccomp", "learn", "-o", "/tmp/learned.json", "--", "true"},
		{"--profile", "it-open", "seccomp", "learn", "--no-base", "-o", "-", "--", "true"},
		{"--profile", "it-open", "seccomp", "learn", "--base", "/etc/shannot/x.json", "-o", "-", "--", "true"},
	} {
		if r := sudo(t, nil, args...); r.code != 125 || !strings.Contains(r.stderr, "refused when shannot runs as root") {
			t.Errorf("%q: exit %d, %q", args, r.code, r.stderr)
		}
	}
	r := sudo(t, nil, "--profile", "it-open", "seccomp", "learn", "-o", "-", "--", "echo", "hi")
	var p struct{ DefaultAction string }
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &p) != nil || p.DefaultAction != "SCMP_ACT_ERRNO" || !strings.Contains(r.stderr, "hi\n") {
		t.Errorf("learn -o - under sudo: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	rec := lastAudit(t)
	argv, _ := json.Marshal(rec["argv"])
	if !strings.Contains(string(argv), `"learn"`) || rec["exit_status"] != 0.0 {
		t.Errorf("learn under sudo is not audit-logged: %v", rec)
	}
	// run --explain-denials is admitted: it only traces, each traced call
	// failing as the profile's filter says.
	r = sudo(t, nil, "--profile", "diagnostics", "run", "--explain-denials", "uname", "-s")
	if r.code != 0 || r.stdout != "Linux\n" || !strings.Contains(r.stderr, "denied, trapped and killed nothing") {
		t.Errorf("run --explain-denials under sudo: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

// seccompProfileAt is open() with seccomp_profile set to policy (an
// absolute path), written into dir.
func seccompProfileAt(t *testing.T, dir, policy string) string {
	t.Helper()
	body := strings.Replace(open(), `"name": "open"`, `"name": "learned", "seccomp_profile": `+quote(policy), 1)
	f, err := os.CreateTemp(dir, "profile-*.json")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(body)
	f.Close()
	os.Chmod(f.Name(), 0o644)
	return f.Name()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
