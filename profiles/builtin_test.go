package profiles

import (
	"slices"
	"testing"
)

func TestCatalogue(t *testing.T) {
	if got, want := Profiles(), []string{"diagnostics", "minimal", "readonly", "systemd"}; !slices.Equal(got, want) {
		t.Errorf("Profiles() = %q, want %q", got, want)
	}
	if got := Policies(); !slices.Contains(got, "readonly") || slices.ContainsFunc(got, func(n string) bool { return n == "" || slices.Contains([]byte(n), '/') }) {
		t.Errorf("Policies() = %q, want bare names including readonly", got)
	}
	for _, tc := range []struct {
		lookup func(string) (string, bool)
		name   string
		want   string // "" for none
	}{
		{Profile, "minimal", "minimal.json"},
		{Profile, "minimal.json", "minimal.json"},
		{Profile, "seccomp/readonly", ""},
		{Profile, "seccomp", ""},
		{Profile, "nosuch", ""},
		{Policy, "readonly", "seccomp/readonly.json"},
		{Policy, "readonly.json", ""},
		{Policy, "../minimal", ""},
		{Policy, "nosuch", ""},
	} {
		got, ok := tc.lookup(tc.name)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("lookup(%q) = %q, %v; want %q", tc.name, got, ok, tc.want)
		}
	}
	if name, ok := Cut(Ref("seccomp/readonly.json")); !ok || name != "seccomp/readonly.json" {
		t.Errorf("Cut(Ref(x)) = %q, %v", name, ok)
	}
	if _, ok := Cut("./minimal.json"); ok {
		t.Error("Cut accepts a path")
	}
	for _, n := range Policies() {
		f, _ := Policy(n)
		if _, err := ReadFile(f); err != nil {
			t.Errorf("policy %s is listed but not readable: %v", n, err)
		}
	}
}
