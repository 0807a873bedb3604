package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/user"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
)

func TestImplicitRun(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"shannot ls /", "shannot run ls /"},
		{"shannot run ls /", "shannot run ls /"},
		{"shannot --profile diagnostics df -h", "shannot --profile diagnostics run df -h"},
		{"shannot -p x.json cat /etc/hostname", "shannot -p x.json run cat /etc/hostname"},
		{"shannot --profile=x.json ls", "shannot --profile=x.json run ls"},
		{"shannot --bwrap /usr/bin/bwrap export", "shannot --bwrap /usr/bin/bwrap export"},
		{"shannot -- --bind", "shannot run -- --bind"},
		{"shannot --profile run run", "shannot --profile run run"},
		{"shannot profile list", "shannot profile list"},
		{"shannot --version", "shannot --version"},
		{"shannot", "shannot"},
	} {
		got := strings.Join(implicitRun(strings.Fields(tc.in)), " ")
		if got != tc.want {
			t.Errorf("implicitRun(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{&statusError{code: 42}, 42},
		{&bwrap.NotAllowedError{Command: "rm"}, 126},
		{&bwrap.CommandNotFoundError{Command: "x", Err: bwrap.ErrNotFound}, 127},
		{fmt.Errorf("loading: %w", &profile.Error{File: "p", Msg: "bad"}), 125},
		{&launch.SetupError{ExitCode: 1}, 125},
		{&usageError{msg: "bad flag"}, 125},
	} {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

// TestErrorsAreOneLine runs the CLI in-process on inputs that fail before
// anything is launched.
func TestErrorsAreOneLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"shannot", "run"}, 125, "shannot: run needs a command, e.g. shannot run ls / (see shannot --help)\n"},
		{[]string{"shannot", "--no-such-flag", "run", "ls"}, 125, "shannot: flag provided but not defined: -no-such-flag (see shannot --help)\n"},
		{[]string{"shannot", "--profile", "nosuch", "run", "ls"}, 125, `shannot: no profile named "nosuch" (from --profile); known profiles: `},
		{[]string{"shannot", "rm", "-rf", "/"}, 126, `shannot: command "rm" (/usr/bin/rm) is not allowed by profile "minimal"; allowed: ls, cat, grep, find` + "\n"},
	} {
		var out, errOut bytes.Buffer
		code := Run(invoker.Detect(), tc.args, strings.NewReader(""), &out, &errOut)
		if code != tc.code || !strings.HasPrefix(errOut.String(), tc.want) || strings.Count(errOut.String(), "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want exit %d, stderr starting %q", tc.args, code, errOut.String(), tc.code, tc.want)
		}
	}
}

func TestDryRun(t *testing.T) {
	var out, errOut bytes.Buffer
	code := Run(invoker.Detect(), []string{"shannot", "--bwrap", "/bin/true", "run", "--dry-run", "ls", "-la", "a b"}, nil, &out, &errOut)
	if _, err := user.Lookup(identity.DefaultUser); err != nil && os.Geteuid() == 0 {
		// As root without the sandbox user, nothing runs, and shannot
		// says how to create it.
		if code != 125 || !strings.Contains(errOut.String(), identity.CreateHint) {
			t.Fatalf("as root without %s: exit %d, %q", identity.DefaultUser, code, errOut.String())
		}
		return
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	line := strings.TrimSpace(out.String())
	// As root the binds' sources are descriptors, opened by the
	// redirections that end the line.
	wantEnd := " -- ls -la 'a b'"
	if os.Geteuid() == 0 {
		// bwrap runs as the sandbox user, as setpriv starts it.
		prefix, rest, _ := strings.Cut(line, " -- ")
		if !strings.HasPrefix(prefix, "setpriv --reuid=shannot-sandbox ") {
			t.Errorf("dry run as root printed %q, want setpriv first", line)
		}
		line = rest
		wantEnd = " 7< /etc"
		if !strings.Contains(line, " -- ls -la 'a b' 3< /usr ") || !strings.Contains(line, " --ro-bind-fd 3 /usr ") {
			t.Errorf("dry run as root printed %q, want /usr bound from descriptor 3", line)
		}
	}
	if !strings.HasPrefix(line, "/bin/true --die-with-parent ") || !strings.HasSuffix(line, wantEnd) {
		t.Errorf("dry run printed %q, want it to end %q", line, wantEnd)
	}
	if diff := cmp.Diff(strings.Count(line, "--clearenv"), 1); diff != "" {
		t.Error(diff)
	}
}

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"65536", 65536}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}, {"1M", 1 << 20}, {"2GB", 2 << 30}, {"10B", 10},
		{"0", -1}, {"-5", -1}, {"lots", -1}, {"1.5M", -1}, {"", -1}, {"99999999999G", -1}} {
		got, err := parseBytes(tc.in)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("parseBytes(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestComplete(t *testing.T) {
	app := New(Env{Stdin: nil, Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"pro"}, []string{"profile"}},
		{[]string{""}, []string{"run", "export", "verify", "profile", "seccomp", "doctor", "mcp", "remote", "completion"}},
		{[]string{"--profile", "di"}, []string{"diagnostics"}},
		{[]string{"-p", "m"}, []string{"minimal"}},
		{[]string{"seccomp", "ex"}, []string{"explain"}},
		{[]string{"run", "--ti"}, []string{"--timeout"}},
		{[]string{"run", "--on-overflow", ""}, []string{"truncate", "kill"}},
		{[]string{"run", "ls", "/e"}, nil}, // the command's own arguments: files
		{[]string{"ls", "/e"}, nil},        // an implicit run
		{[]string{"--target", "web1", "run", "--js"}, []string{"--json"}},
	} {
		got := complete(app, tc.words)
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("complete(%q) = %q, want %q", tc.words, got, tc.want)
		}
	}
}
