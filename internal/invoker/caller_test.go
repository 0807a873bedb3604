package invoker

import (
	"os"
	"testing"
)

func TestDetect(t *testing.T) {
	for _, v := range []string{"SUDO_UID", "SUDO_USER", "PKEXEC_UID", "DOAS_USER"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	if os.Geteuid() != 0 {
		t.Setenv("SUDO_UID", "0")
		if who := Detect(); who.Privileged() {
			t.Errorf("not root, yet privileged: %+v", who)
		}
		return
	}
	for _, tc := range []struct {
		env  map[string]string
		uid  int
		name string
	}{
		{map[string]string{"SUDO_UID": "1234", "SUDO_USER": "ann"}, 1234, "ann"},
		{map[string]string{"PKEXEC_UID": "0"}, 0, "root"},
		{map[string]string{"DOAS_USER": "root"}, 0, "root"},
	} {
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		who := Detect()
		if name, uid := who.User(); !who.Privileged() || uid != tc.uid || name != tc.name {
			t.Errorf("%v: %+v, want privileged uid %d %s", tc.env, who, tc.uid, tc.name)
		}
		for k := range tc.env {
			os.Unsetenv(k)
		}
	}
	// Without the tools' variables, the session's login uid decides.
	login, set := loginUID()
	if who := Detect(); who.Privileged() != (set && login != 0) {
		t.Errorf("login uid %d (set %v): privileged %v", login, set, who.Privileged())
	}
}

// The user database is read only when the name is asked for, and then
// gives the name; the zero value, an ordinary run in tests, has none.
func TestUserLooksUpWhenAsked(t *testing.T) {
	who := Detect()
	if who.name != "" && who.lookUp {
		t.Errorf("Detect looked the name up already: %+v", who)
	}
	name, uid := who.User()
	if want := userName(os.Getuid()); !who.Privileged() && (uid != os.Getuid() || name != want) {
		t.Errorf("User() = %q, %d; want %q, %d", name, uid, want, os.Getuid())
	}
	if name, uid := (Caller{}).User(); name != "" || uid != 0 {
		t.Errorf("the zero Caller's User() = %q, %d; want none", name, uid)
	}
}
