//go:build integration

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// verify's table: a heading, one line a check, the total. Anything else
// on stdout (a Go runtime's dump) fails.
var (
	verifyHeading = regexp.MustCompile(`^profile \S+ \(.*\)$`)
	verifyCheck   = regexp.MustCompile(`^  (ok|FAIL)\s+\S.*\S\s{2,}\S.*$`)
	verifyTotal   = regexp.MustCompile(`^(all \d+ checks passed|\d+ of \d+ checks failed)$`)
)

// cleanTable fails the test unless stdout is verify's table and stderr
// holds only shannot's one-line warnings.
func cleanTable(t *testing.T, r result) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) < 3 || !verifyHeading.MatchString(lines[0]) || !verifyTotal.MatchString(lines[len(lines)-1]) {
		t.Fatalf("not verify's table:\n%s", r.stdout)
	}
	for _, l := range lines[1 : len(lines)-1] {
		if !verifyCheck.MatchString(l) {
			t.Errorf("not a line of verify's table: %q", l)
		}
	}
	for _, l := range strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n") {
		if l != "" && !strings.HasPrefix(l, "shannot: warning: ") {
			t.Errorf("stderr has more than warnings: %q", l)
		}
	}
	// (The clone3 warning quotes "runtime/cgo: pthread_create failed",
	// so stderr is judged by its lines above.)
	for _, dump := range []string{"goroutine ", "SIGABRT", "runtime/", "PC=0x"} {
		if strings.Contains(r.stdout, dump) {
			t.Errorf("a Go runtime dump (%q) reached the terminal:\n%s%s", dump, r.stdout, r.stderr)
		}
	}
}

// Issue 13: verify under the original guide's OCI policy (the file the
// guide test compiles), compiled to BPF and as JSON, gives a clean table
// and passes, with a seccomp line that saw the filter in force and the
// guide's own denials for real: faccessat2 and openat2 are not in its
// allow-list, so they get its default, ERRNO(EPERM).
func TestVerifyUnderTheGuidesFilter(t *testing.T) {
	dir := mkdir(t, "verify-guide")
	policy, err := os.ReadFile(filepath.Join("testdata", "guide", "readonly-seccomp.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "readonly-seccomp.json"), policy, 0o644)
	if out, err := exec.Command(shannot, "seccomp", "compile", filepath.Join(dir, "readonly-seccomp.json"), filepath.Join(dir, "guide.bpf")).CombinedOutput(); err != nil {
		t.Fatalf("seccomp compile: %v, %s", err, out)
	}
	os.Chmod(filepath.Join(dir, "guide.bpf"), 0o644)
	for _, id := range identities(t) {
		for _, ref := range []string{"./guide.bpf", "./readonly-seccomp.json"} {
			t.Run(id.name+"/"+ref, func(t *testing.T) {
				profile := guideProfile(t, dir, ref)
				r := id.run(t, opts{}, "--profile", profile, "verify")
				cleanTable(t, r)
				if r.code != 0 || !strings.Contains(r.stdout, "checks passed") {
					t.Fatalf("verify exited %d:\n%s%s", r.code, r.stdout, r.stderr)
				}
				line := checkLine(r.stdout, "seccomp")
				for _, want := range []string{"  ok  ", "in force (Seccomp: 2, ", "allowed calls succeeded", "faccessat2 EPERM", "openat2 EPERM"} {
					if !strings.Contains(line, want) {
						t.Errorf("the seccomp line lacks %q: %q", want, line)
					}
				}
				if env := checkLine(r.stdout, "environment"); !strings.Contains(env, "  ok  ") {
					t.Errorf("environment: %q", env)
				}
			})
		}
	}
}

// Without a filter the line says so, and the shipped profiles' filters
// are seen in force.
func TestVerifySeccompLineOfTheShippedProfiles(t *testing.T) {
	for _, id := range identities(t) {
		for profile, want := range map[string]string{
			"minimal":     "no filter (Seccomp: 0)",
			"readonly":    "in force (Seccomp: 2, ",
			"diagnostics": "in force (Seccomp: 2, ",
		} {
			t.Run(id.name+"/"+profile, func(t *testing.T) {
				r := id.run(t, opts{}, "--profile", profile, "verify")
				cleanTable(t, r)
				if r.code != 0 {
					t.Fatalf("verify exited %d:\n%s%s", r.code, r.stdout, r.stderr)
				}
				if line := checkLine(r.stdout, "seccomp"); !strings.Contains(line, "  ok  ") || !strings.Contains(line, want) {
					t.Errorf("seccomp line %q, want ok and %q", line, want)
				}
			})
		}
	}
}

// A filter under which commands run but the probe (a Go program) cannot:
// one FAIL line naming the call, exit 1, no Go runtime dump.
func TestVerifyProbeDiesCleanly(t *testing.T) {
	profile := seccompProfile(t, "./nosig.json", map[string]string{"nosig.json": `{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["rt_sigaction"], "action": "SCMP_ACT_ERRNO"}]}`})
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			if r := id.run(t, opts{}, "--profile", profile, "run", "ls", "/"); r.code != 0 {
				t.Fatalf("ls / under the filter: exit %d, %s", r.code, r.stderr)
			}
			r := id.run(t, opts{}, "--profile", profile, "verify")
			cleanTable(t, r)
			line := checkLine(r.stdout, "command runs")
			if r.code != 1 || !strings.Contains(line, "FAIL") || !strings.Contains(line, "rt_sigaction ERRNO(EPERM)") {
				t.Errorf("exit %d, command runs %q; want 1 and a FAIL naming rt_sigaction:\n%s%s", r.code, line, r.stdout, r.stderr)
			}
		})
	}
}

// checkLine is the line of verify's table for the check name.
func checkLine(table, name string) string {
	for _, l := range strings.Split(table, "\n") {
		rest := strings.TrimSpace(l)
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(rest, "ok "), "FAIL "))
		if strings.HasPrefix(rest, name+"  ") {
			return l
		}
	}
	return ""
}
