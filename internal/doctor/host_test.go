package doctor

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// script writes an executable shell script standing in for bwrap.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bwrap")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSystemUserNamespace(t *testing.T) {
	var s System
	if err := s.UserNamespace(script(t, `[ "$1 $2" = "--unshare-user --disable-userns" ] || exit 9`), nil); err != nil {
		t.Errorf("a bwrap that succeeds: %v", err)
	}
	err := s.UserNamespace(script(t, "echo 'bwrap: setting up uid map: Permission denied' >&2; exit 1"), nil)
	var exit *ExitError
	var execExit *exec.ExitError
	if !errors.As(err, &exit) || exit.Stderr != "bwrap: setting up uid map: Permission denied" || !errors.As(err, &execExit) {
		t.Errorf("a bwrap that fails: %#v, want an *ExitError with its trimmed stderr and the *exec.ExitError", err)
	}
	missing := filepath.Join(t.TempDir(), "bwrap")
	if err := s.UserNamespace(missing, nil); !errors.Is(err, fs.ErrNotExist) || errors.As(err, &exit) {
		t.Errorf("a bwrap that does not start: %v, want fs.ErrNotExist and no *ExitError", err)
	}
}

func TestSystemBwrapVersion(t *testing.T) {
	var s System
	if v, err := s.BwrapVersion(script(t, `[ "$1" = --version ] && echo "bubblewrap 0.8.0"`)); err != nil || v != "bubblewrap 0.8.0" {
		t.Errorf("got %q, %v; want bubblewrap 0.8.0", v, err)
	}
	if _, err := s.BwrapVersion(script(t, "exit 3")); err == nil {
		t.Error("a failing bwrap --version: no error")
	}
}

// doctor --json prints the findings as they always were.
func TestFindingJSON(t *testing.T) {
	b, err := json.Marshal([]Finding{{"bwrap", Fail, "not found", "apt-get install bubblewrap"}, {"seccomp", OK, "yes", ""}})
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"check":"bwrap","status":"fail","detail":"not found","fix":"apt-get install bubblewrap"},{"check":"seccomp","status":"ok","detail":"yes"}]`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
