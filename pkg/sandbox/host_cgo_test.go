//go:build cgo

package sandbox

import (
	"testing"

	"github.com/shannot-project/shannot/pkg/profile"
)

// A zero seccomp.Options.Host is this host's: the package example's
// Config (only Bwrap set) works for a profile with a JSON policy.
func TestOpenFilterDefaultsHost(t *testing.T) {
	p, err := profile.Read(profile.Origin{Path: "readonly.json", Builtin: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.SeccompProfile == nil {
		t.Fatal("builtin:readonly.json has no seccomp_profile; pick a profile with a JSON policy")
	}
	f, err := OpenFilter(p, Config{})
	if err != nil {
		t.Fatalf("OpenFilter with a zero Config: %v", err)
	}
	f.Close()
}

// The package example's Prepare, run: it needs no bwrap.
func TestPrepareAsDocumented(t *testing.T) {
	p, err := profile.Open(profile.Origin{Path: "readonly.json", Builtin: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := Prepare(p, []string{"ls", "/"}, Config{Bwrap: "/usr/bin/bwrap"})
	if err != nil {
		t.Fatalf("Prepare as doc.go shows it: %v", err)
	}
	defer sb.Close()
	if sb.Filter == nil {
		t.Error("Prepare opened no seccomp filter for builtin:readonly.json")
	}
}
