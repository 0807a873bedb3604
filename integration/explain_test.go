//go:build integration

package integration

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// run --explain-denials (issue 13): the command's output and status are a
// plain run's; the report, on stderr after it, names each denied call,
// its action and the rule that decided.
func TestExplainDenials(t *testing.T) {
	profile := seccompProfile(t, "policy.json", map[string]string{"policy.json": `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
		{"names": ["uname"], "action": "SCMP_ACT_KILL_PROCESS"},
		{"names": ["sethostname"], "action": "SCMP_ACT_TRAP"}]}`})
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			for _, tc := range []struct {
				argv   []string
				code   int
				report []string
			}{
				{[]string{"sh", "-c", "mkdir /tmp/a; mkdir /tmp/b; echo done; ls /tmp"}, 0,
					[]string{"stopped 2 call(s):", `2× mkdir(`, `by "mkdir" -> ERRNO(EPERM): operation not permitted, decided by /syscalls/0`}},
				{[]string{"uname", "-a"}, 159, []string{`1× uname(`, `by "uname" -> KILL_PROCESS, decided by /syscalls/1`}},
				{[]string{"hostname", "sandbox"}, 159, []string{`1× sethostname(`, `-> TRAP, decided by /syscalls/2`}},
				{[]string{"echo", "nothing denied"}, 0, []string{"denied, trapped and killed nothing"}},
			} {
				plain := id.run(t, opts{}, append([]string{"--profile", profile, "run"}, tc.argv...)...)
				r := id.run(t, opts{}, append([]string{"--profile", profile, "run", "--explain-denials"}, tc.argv...)...)
				if r.code != plain.code || r.code != tc.code || r.stdout != plain.stdout || !strings.HasPrefix(r.stderr, plain.stderr) {
					t.Errorf("%q: explained exit %d, %q, %q; plain %d, %q, %q; want exit %d and the plain run's output first",
						tc.argv, r.code, r.stdout, r.stderr, plain.code, plain.stdout, plain.stderr, tc.code)
				}
				for _, w := range tc.report {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("%q: the report does not say %q:\n%s", tc.argv, w, r.stderr)
					}
				}
			}
			// seccomp explain names the same rule.
			policy := filepath.Join(filepath.Dir(profile), "policy.json")
			if r := id.run(t, opts{}, "seccomp", "explain", policy, "mkdir"); r.stdout != "mkdir(...) on x86_64 -> ERRNO(EPERM), decided by /syscalls/0\n" {
				t.Errorf("seccomp explain: exit %d, %q %q", r.code, r.stdout, r.stderr)
			}
			r := id.run(t, opts{}, "--profile", profile, "run", "--explain-denials=json", "mkdir", "/tmp/x")
			var rep struct {
				Denials []struct {
					Call, Action, Errno, Rule, Process string
					Count                              int
				} `json:"denials"`
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil || r.code != 1 || len(rep.Denials) != 1 ||
				rep.Denials[0].Call != "mkdir" || rep.Denials[0].Rule != "/syscalls/0" || rep.Denials[0].Action != "ERRNO(EPERM)" || rep.Denials[0].Count != 1 {
				t.Errorf("--explain-denials=json: exit %d, %q (%v)", r.code, r.stderr, err)
			}
		})
	}
}
