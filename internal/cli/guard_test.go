package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/shannot-project/shannot/internal/invoker"
)

// Under a hostile caller, every command and flag goes through the
// invoker table, at every depth, hidden commands included.
func TestGuardRefusesWhatTheTableDoesNotList(t *testing.T) {
	mallory := invoker.Hostile("mallory", 1000)
	for _, tc := range []struct {
		args    []string
		refused bool
	}{
		{[]string{"shannot", "remote", "install", "127.0.0.1"}, true},
		{[]string{"shannot", "--ssh-option", "ProxyCommand=x", "remote", "install", "web1"}, true},
		{[]string{"shannot", "__probe", "--write", "/etc/shadow"}, true},
		{[]string{"shannot", "__complete", "run"}, true},
		{[]string{"shannot", "completion", "bash"}, true},
		{[]string{"shannot", "--target", "web1", "mcp"}, true}, // shannot-mcp guards its own flags
		{[]string{"shannot", "--bwrap", "/tmp/x", "profile", "list"}, true},
		{[]string{"shannot", "profile", "list"}, false},
		{[]string{"shannot", "-p", "minimal", "seccomp", "presets"}, false},
	} {
		var out, errOut bytes.Buffer
		app := New(Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Caller: mallory})
		err := app.Run(implicitRunIn(app, tc.args))
		var re *invoker.RefusedError
		if got := errors.As(err, &re); got != tc.refused {
			t.Errorf("%q: err %v (refused %v), want refused %v", tc.args, err, got, tc.refused)
		}
	}
}
