package seccomp

import (
	"strings"
	"testing"
)

func TestUnknownNamesInDenyRules(t *testing.T) {
	for _, tc := range []struct {
		name, policy, want string // want: "" resolves
	}{
		{"typo in a deny rule", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mout"], "action": "SCMP_ACT_ERRNO"}]}`,
			`/syscalls/0/names/1: unknown system call "mout" in a rule that gives ERRNO(EPERM): it would deny nothing`},
		{"legacy name", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "mout", "action": "SCMP_ACT_KILL"}]}`,
			`/syscalls/0/name: unknown system call "mout"`},
		{"unknown in an allow-list", `{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "listmount_new"], "action": "SCMP_ACT_ALLOW"}]}`, ""},
		{"known only on another architecture", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["socketcall"], "action": "SCMP_ACT_ERRNO"}]}`, ""},
		{"no suggestion for what is no typo", `{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["frobnicate_everything"], "action": "SCMP_ACT_ERRNO"}]}`,
			`unknown system call "frobnicate_everything"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(tc.policy), "p.json")
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Resolve(hostX8664)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Resolve = %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("Resolve = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(tc.policy, `"mout"`) && !strings.Contains(err.Error(), `did you mean "mount"?`) {
				t.Errorf("no suggestion: %v", err)
			}
			if err != nil && strings.Contains(tc.policy, "frobnicate") && strings.Contains(err.Error(), "did you mean") {
				t.Errorf("a suggestion for what is no typo: %v", err)
			}
		})
	}
}

func TestUnknownWarning(t *testing.T) {
	got := UnknownWarning("docker.json", "2.5.4", []string{"listmount", "getdent"})
	want := `seccomp policy docker.json: system calls unknown to libseccomp 2.5.4 get the default action: listmount, getdent (did you mean "getdents"?) (said once for this policy)`
	if got != want {
		t.Errorf("UnknownWarning =\n%s\nwant\n%s", got, want)
	}
}

func TestFirstTime(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	if !c.FirstTime("unknown-abc") || c.FirstTime("unknown-abc") || !c.FirstTime("unknown-def") {
		t.Errorf("FirstTime: once per key")
	}
	var none *Cache
	first := none.FirstTime("x")
	if second := none.FirstTime("x"); !first || !second {
		t.Errorf("a nil cache always says true")
	}
	if !c.FirstTime("../escape") {
		t.Errorf("a key with a slash is never recorded")
	}
}
