package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/internal/companion"
	"github.com/shannot-project/shannot/internal/invoker"
)

// shannot mcp execs shannot-mcp with the global flags it takes and the
// arguments as given; under sudo, never one from the caller's PATH.
func TestMCPExecs(t *testing.T) {
	dir := t.TempDir()
	planted := filepath.Join(dir, MCPName)
	if err := os.WriteFile(planted, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	for _, tc := range []struct {
		name   string
		caller invoker.Caller
		args   []string
		want   []string // after argv[0]
	}{
		{"own run", invoker.Caller{}, []string{"shannot", "mcp", "install", "--client", "codex"}, []string{"install", "--client", "codex"}},
		{"global flags", invoker.Caller{}, []string{"shannot", "-p", "diagnostics", "--connect-timeout", "3", "mcp", "--max-concurrent", "2"},
			[]string{"--profile", "diagnostics", "--connect-timeout", "3s", "--max-concurrent", "2"}},
		{"its own --profile wins", invoker.Caller{}, []string{"shannot", "-p", "diagnostics", "mcp", "--profile=minimal"}, []string{"--profile=minimal"}},
		{"help is shannot-mcp's", invoker.Caller{}, []string{"shannot", "mcp", "--help"}, []string{"--help"}},
		{"under sudo", invoker.Hostile("mallory", 1000), []string{"shannot", "mcp", "-p", "minimal"}, []string{"-p", "minimal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var argv0 string
			var argv []string
			exe := func(path string, args, _ []string) error { argv0, argv = path, args; return nil }
			var out, errOut bytes.Buffer
			app := New(Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Caller: tc.caller, Exec: exe})
			err := app.Run(tc.args)
			var nf *companion.NotFoundError
			if tc.caller.Privileged() && errors.As(err, &nf) {
				return // no trusted shannot-mcp on this host: refused, as it should be
			}
			if err != nil {
				t.Fatalf("%q: %v", tc.args, err)
			}
			if tc.caller.Privileged() && argv0 == planted {
				t.Fatalf("under sudo, ran %s from the caller's PATH", planted)
			}
			if filepath.Base(argv0) != MCPName || len(argv) == 0 || argv[0] != argv0 {
				t.Fatalf("exec(%q, %q), want %s", argv0, argv, MCPName)
			}
			if diff := cmp.Diff(argv[1:], tc.want); diff != "" {
				t.Errorf("%q: shannot-mcp's arguments (-got +want):\n%s", tc.args, diff)
			}
		})
	}
}

func TestNamesProfile(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"--profile", "x"}, true},
		{[]string{"-p=x"}, true},
		{[]string{"--max-concurrent", "2", "--profile=x"}, true},
		{[]string{"install", "--client", "codex"}, false},
		{[]string{"--", "--profile"}, false},
		{[]string{"--profiles"}, false},
	} {
		if got := namesProfile(tc.args); got != tc.want {
			t.Errorf("namesProfile(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
