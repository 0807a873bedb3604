package sandbox

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/internal/sandboxinit"
	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// writableMounts is writableOf for a profile's mounts.
func writableMounts(p *profile.Profile) []string {
	return writableOf(bwrap.NewView(bwrap.Mounts(p), p.AdditionalArgs).Mounts())
}

func TestWritableMounts(t *testing.T) {
	tests := []struct {
		name string
		p    *profile.Profile
		want []string
	}{
		{"host view, tmpfs paths", &profile.Profile{HostView: profile.Views, TmpfsPaths: []string{"/tmp", "/home", "/tmp/"}},
			[]string{"/dev", "/home", "/tmp"}},
		{"a writable bind counts, a read-only one does not",
			&profile.Profile{Binds: []profile.Bind{{Source: "/srv", Target: "/srv"}, {Source: "/usr", Target: "/usr", ReadOnly: true}}},
			[]string{"/dev", "/srv"}},
		{"additional_args binds", &profile.Profile{AdditionalArgs: []string{"--bind", "/var/x", "/x", "--ro-bind", "/a", "/a"}},
			[]string{"/dev", "/x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, writableMounts(tt.p)); diff != "" {
				t.Errorf("writableMounts mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// A host-view sandbox runs its command through shannot-init, handed over
// by descriptor; any other runs it directly.
func TestCommandGoesThroughInitWithHostViews(t *testing.T) {
	initPath := filepath.Join(t.TempDir(), sandboxinit.Name)
	if err := os.WriteFile(initPath, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	find := func() (string, error) { return initPath, nil }
	p := &profile.Profile{Name: "t", HostView: []string{profile.ViewHostname}, TmpfsPaths: []string{"/tmp"}}
	sb, err := New(p, Config{Bwrap: "bwrap", FindInit: find})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	argv := []string{"hostname", "-f"}
	want := sandboxinit.Args(3, []string{"/dev", "/tmp"}, argv)
	if diff := cmp.Diff(want, sb.CommandArgv(argv)); diff != "" {
		t.Errorf("CommandArgv mismatch (-want +got):\n%s", diff)
	}
	sb.Argv = argv
	if l := sb.Launch(Streams{}, launch.Limits{}); !cmp.Equal(l.Argv, want) || len(l.Files) != 1 {
		t.Errorf("Launch: argv %q, %d files; want %q and the init's file", l.Argv, len(l.Files), want)
	}
	if line := sb.CommandLine("shannot"); !strings.Contains(line, "3< "+initPath) || !strings.Contains(line, "/proc/self/fd/3") {
		t.Errorf("CommandLine %q: does not hand the init over on descriptor 3", line)
	}

	plain, err := New(&profile.Profile{Name: "t"}, Config{Bwrap: "bwrap", FindInit: find})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if got := plain.CommandArgv(argv); !cmp.Equal(got, argv) {
		t.Errorf("without host views: CommandArgv = %q, want the command itself", got)
	}
}

func TestHostViewsWithoutInitAreRefused(t *testing.T) {
	p := &profile.Profile{Name: "t", HostView: []string{profile.ViewHostname}}
	if _, err := New(p, Config{Bwrap: "bwrap"}); err == nil || !strings.Contains(err.Error(), sandboxinit.Name) {
		t.Errorf("no FindInit: %v, want a refusal naming %s", err, sandboxinit.Name)
	}
	missing := func() (string, error) { return "", errors.New("shannot-init not found in /x") }
	if _, err := New(p, Config{Bwrap: "bwrap", FindInit: missing}); err == nil || !strings.Contains(err.Error(), "not found in /x") {
		t.Errorf("init not found: %v, want the finder's error", err)
	}
}

// A host-view filter that denies what shannot-init needs is refused,
// every missing call named; the shipped hostview.json allows them.
func TestCheckInitCalls(t *testing.T) {
	open := func(name string) *seccomp.Loaded { return openBuiltin(t, name) }
	p := &profile.Profile{Name: "t", HostView: []string{profile.ViewHostname}}
	if err := checkInitCalls(p, open("seccomp/hostview.json")); err != nil {
		t.Errorf("hostview.json: %v", err)
	}
	err := checkInitCalls(p, open("seccomp/readonly.json"))
	for _, want := range []string{"landlock_create_ruleset, landlock_add_rule, landlock_restrict_self", "/seccomp_profile"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("readonly.json: %v, want it to name %q", err, want)
		}
	}
	if err := checkInitCalls(&profile.Profile{Name: "t"}, open("seccomp/readonly.json")); err != nil {
		t.Errorf("no host view: %v", err)
	}
}

// A root-run host view's dry-run line cannot map the host's ids: it says
// so; a sandbox without a leased uid has nothing to add.
func TestCommandLineNotes(t *testing.T) {
	initPath := filepath.Join(t.TempDir(), sandboxinit.Name)
	if err := os.WriteFile(initPath, []byte("#!/bin/true\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	policy := profile.HostViewPolicy
	p := &profile.Profile{Name: "t", HostView: []string{profile.ViewProcesses}, SeccompProfile: &policy}
	cfg := Config{Bwrap: "bwrap", FindInit: func() (string, error) { return initPath, nil },
		Identity: &identity.Identity{User: "shannot-sandbox", UID: 999, GID: 999},
		Pool:     &identity.Pool{Range: identity.Range{First: identity.DefaultRange.First, Count: 16}, LockDir: t.TempDir()}}
	sb, err := New(p, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	notes := sb.CommandLineNotes()
	if len(notes) != 2 || !strings.Contains(notes[0], "--userns-block-fd") || !strings.Contains(notes[1], "leased for this dry run") {
		t.Errorf("root-run host view: notes %q", notes)
	}
	plain, err := New(&profile.Profile{Name: "t"}, Config{Bwrap: "bwrap"})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if n := plain.CommandLineNotes(); n != nil {
		t.Errorf("no leased uid: notes %q", n)
	}
}

// A read-only bind beneath a writable mount of a host-view sandbox is
// refused, naming it: Landlock would let the command write there.
func TestBindBeneathWritableIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name    string
		p       *profile.Profile
		pointer string
	}{
		{"bind below the tmpfs /home", &profile.Profile{Name: "t", HostView: []string{profile.ViewHostname}, TmpfsPaths: []string{"/home"},
			Binds: []profile.Bind{{Source: "/var/tmp", Target: "/home/ops/logs", ReadOnly: true}}}, "/binds/0/target"},
		{"additional_args bind below /dev", &profile.Profile{Name: "t", HostView: []string{profile.ViewHostname},
			AdditionalArgs: []string{"--ro-bind", "/run", "/dev/run"}}, "/additional_args"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.p, Config{Bwrap: "bwrap", FindInit: func() (string, error) { return "/bin/true", nil }})
			if err == nil || !strings.Contains(err.Error(), tc.pointer) || !strings.Contains(err.Error(), "beneath the sandbox's writable") {
				t.Errorf("New: %v, want a refusal at %s", err, tc.pointer)
			}
		})
	}
	ok := &profile.Profile{Name: "t", HostView: []string{profile.ViewHostname}, TmpfsPaths: []string{"/tmp"},
		Binds: []profile.Bind{{Source: "/var/tmp", Target: "/srv/logs", ReadOnly: true}}}
	sb, err := New(ok, Config{Bwrap: "bwrap", FindInit: func() (string, error) { return "/bin/true", nil }})
	if err != nil {
		t.Errorf("a bind outside the writable mounts: %v", err)
	} else {
		sb.Close()
	}
}
