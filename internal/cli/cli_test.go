package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/invoker"
	"github.com/shannot-project/shannot/internal/remote"
	"github.com/shannot-project/shannot/pkg/bwrap"
)

// runCLI runs the CLI in-process and returns its status and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(invoker.Detect(), append([]string{"shannot"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// fakeSSH puts an ssh first in PATH that records that it ran, and
// returns the file it records to.
func fakeSSH(t *testing.T) (log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "ssh.log")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\nexit 0\n"
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return log
}

// A remote dry run prints the ssh command lines and runs nothing: not
// ssh, not even ssh -G.
func TestDryRunRemoteRunsNothing(t *testing.T) {
	log := fakeSSH(t)
	code, out, errOut := runCLI(t, "--profile", "minimal", "--target", "web1,ops@web2:2222", "--connect-timeout", "7",
		"--ssh-option", "Ciphers=aes128-ctr,aes256-ctr", "run", "--dry-run", "ls", "/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if b, err := os.ReadFile(log); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a dry run ran ssh: %q", b)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one line per host, got %q", out)
	}
	for i, want := range []string{
		"ssh -o Ciphers=aes128-ctr,aes256-ctr -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=7 -T -e none -- web1 'if [ -x ./.cache/shannot/shannot-",
		"ssh -o Ciphers=aes128-ctr,aes256-ctr -p 2222 -l ops -o BatchMode=yes -o StrictHostKeyChecking=yes -o ConnectTimeout=7 -T -e none -- web2 'if [ -x ./.cache/shannot/shannot-",
	} {
		if !strings.HasPrefix(lines[i], want) || !strings.Contains(lines[i], " "+remoteName+" ") {
			t.Errorf("line %d: %q\nwant it to start %q and run %s", i, lines[i], want, remoteName)
		}
	}
}

// The dry run's printed line is the ssh command line remote.SSH.Command
// builds when the user's ssh configuration sets neither BatchMode nor
// host key checking (ssh -G printing ssh's defaults), up to the remote
// command, which ends both.
func TestDryRunSSHIsTheRealCommand(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "ssh.log")
	script := "#!/bin/sh\necho \"$@\" >> " + log + "\nprintf 'batchmode no\\nstricthostkeychecking ask\\n'\n"
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	code, out, errOut := runCLI(t, "--profile", "minimal", "--target", "web1,ops@web2:2222", "--ssh-config", "/etc/x",
		"--ssh-option", "Ciphers=a,b", "--ssh-option", "Port=1", "--connect-timeout", "3", "run", "--dry-run", "ls", "/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if b, err := os.ReadFile(log); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a dry run ran ssh: %q", b)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	s := remote.SSH{ConfigFile: "/etc/x", Options: []string{"Ciphers=a,b", "Port=1"}, ConnectTimeout: 3 * time.Second}
	for i, spec := range []string{"web1", "ops@web2:2222"} {
		tg, err := remote.ParseTarget(spec)
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.Command(context.Background(), tg, "REMOTE")
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(lines) {
			t.Fatalf("no line for %s in %q", spec, out)
		}
		got, _, _ := strings.Cut(lines[i], " 'if [ -x ./")
		if diff := cmp.Diff(got, bwrap.Quote(want[:len(want)-1])); diff != "" {
			t.Errorf("%s: dry run's ssh line (-got +want):\n%s", spec, diff)
		}
	}
}

// actionOf returns the command at path in app, for a test to replace
// its action.
func actionOf(t *testing.T, app *cli.App, path ...string) *cli.Command {
	t.Helper()
	cmds := app.Commands
	var c *cli.Command
	for _, name := range path {
		if c = findCommand(cmds, name); c == nil {
			t.Fatalf("no command %q", strings.Join(path, " "))
		}
		cmds = c.Subcommands
	}
	return c
}

// Slice flags are never split at commas by the library; the ones
// documented as taking comma-separated lists split them themselves.
func TestSliceFlagsKeepCommas(t *testing.T) {
	for _, tc := range []struct {
		args []string
		path []string
		get  func(*cli.Context) any
		want any
	}{
		{[]string{"--ssh-option", "Ciphers=a,b", "--ssh-option", "MACs=c,d", "remote", "install", "web1"}, []string{"remote", "install"},
			func(c *cli.Context) any { return sshFromFlags(c).Options }, []string{"Ciphers=a,b", "MACs=c,d"}},
		{[]string{probeName, "--write", "/tmp/a,b", "--write", "/tmp/c"}, []string{probeName},
			func(c *cli.Context) any { return c.StringSlice("write") }, []string{"/tmp/a,b", "/tmp/c"}},
		// shannot mcp passes its global flags on to shannot-mcp as they
		// were given (internal/mcpcli tests the flags of its own).
		{[]string{"--target", "web0,web1", "--ssh-option", "Ciphers=a,b", "mcp", "--profile", "./a,b.json"}, []string{"mcp"},
			func(c *cli.Context) any { return mcpArgs(c) },
			[]string{"--target", "web0,web1", "--ssh-option", "Ciphers=a,b", "--profile", "./a,b.json"}},
	} {
		app := New(Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
		var got any
		actionOf(t, app, tc.path...).Action = func(c *cli.Context) error { got = tc.get(c); return nil }
		if err := app.Run(append([]string{"shannot"}, tc.args...)); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if diff := cmp.Diff(got, tc.want); diff != "" {
			t.Errorf("%q (-got +want):\n%s", tc.args, diff)
		}
	}
}

// walk calls f on every command of app, with its path of names.
func walk(cmds []*cli.Command, path []string, f func(path []string, c *cli.Command)) {
	for _, c := range cmds {
		p := append(slices.Clone(path), c.Name)
		f(p, c)
		walk(c.Subcommands, p, f)
	}
}

// implicitRun knows every global flag (whether it takes a value, in both
// spellings, by every name) and every command.
func TestImplicitRunKnowsEveryFlagAndCommand(t *testing.T) {
	app := New(Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	for _, f := range app.Flags {
		for _, n := range f.Names() {
			for _, dash := range []string{"-", "--"} {
				in := []string{"shannot", dash + n, "3", "ls", "/"}
				want := []string{"shannot", dash + n, "3", "run", "ls", "/"}
				if !takesValue(app.Flags, "--"+n) {
					in = []string{"shannot", dash + n, "ls", "/"}
					want = []string{"shannot", dash + n, "run", "ls", "/"}
				}
				if diff := cmp.Diff(implicitRun(in), want); diff != "" {
					t.Errorf("implicitRun(%q) (-got +want):\n%s", in, diff)
				}
			}
		}
	}
	for _, c := range app.Commands {
		for _, n := range c.Names() {
			in := []string{"shannot", "--profile", "minimal", n, "x"}
			if diff := cmp.Diff(implicitRun(in), in); diff != "" {
				t.Errorf("implicitRun(%q) (-got +want):\n%s", in, diff)
			}
		}
	}
}

// Completion offers every visible command and every flag at each level,
// and after a flag that takes a value offers no commands.
func TestCompletionKnowsEveryFlagAndCommand(t *testing.T) {
	app := New(Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	check := func(path []string, cmds []*cli.Command, flags []cli.Flag) {
		words := append(slices.Clone(path), "")
		var names []string
		for _, c := range cmds {
			if !c.Hidden {
				names = append(names, c.Name)
				if got := complete(app, words); !slices.Contains(got, c.Name) {
					t.Errorf("complete(%q) = %q, want %q among them", words, got, c.Name)
				}
			}
		}
		dashes := append(slices.Clone(path), "--")
		got := complete(app, dashes)
		for _, f := range flags {
			for _, n := range f.Names() {
				if len(n) > 1 && !slices.Contains(got, "--"+n) {
					t.Errorf("complete(%q) = %q, want --%s among them", dashes, got, n)
				}
			}
			if dv, ok := f.(cli.DocGenerationFlag); ok && dv.TakesValue() && len(names) > 0 {
				after := append(slices.Clone(path), "--"+f.Names()[0], "")
				for _, w := range complete(app, after) {
					if slices.Contains(names, w) {
						t.Errorf("complete(%q) offers the command %q as the flag's value", after, w)
					}
				}
			}
		}
	}
	check(nil, app.Commands, app.Flags)
	walk(app.Commands, nil, func(path []string, c *cli.Command) {
		if c.Hidden || c.SkipFlagParsing { // mcp: shannot-mcp completes its arguments
			return
		}
		flags := slices.Clone(app.Flags)
		cmds := app.Commands
		for _, n := range path {
			sub := findCommand(cmds, n)
			flags, cmds = append(flags, sub.Flags...), sub.Subcommands
		}
		check(path, c.Subcommands, flags)
	})
}

// A command that takes no arguments refuses them (exit 125) instead of
// doing something else; a mistyped subcommand is an unknown command.
func TestStrayArgumentsAreUsageErrors(t *testing.T) {
	app := New(Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
	var paths [][]string
	walk(app.Commands, nil, func(path []string, c *cli.Command) {
		if c.ArgsUsage == "" && !c.SkipFlagParsing {
			paths = append(paths, path)
		}
	})
	if len(paths) < 9 {
		t.Fatalf("only %d commands take no arguments: %q", len(paths), paths)
	}
	for _, path := range paths {
		args := append(slices.Clone(path), "instal")
		code, out, errOut := runCLI(t, args...)
		if code != 125 || strings.Count(errOut, "\n") != 1 ||
			!(strings.Contains(errOut, `unknown command "instal"`) || strings.Contains(errOut, `takes no arguments, got "instal"`)) {
			t.Errorf("shannot %s: exit %d, stdout %q, stderr %q; want 125 and one line refusing the argument",
				strings.Join(args, " "), code, out, errOut)
		}
	}
}

// --profile is taken after run, verify and export as well as before the
// command: the same value either place, two different ones an error.
func TestProfileFlagAfterTheCommand(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--profile", "nosuch", "ls"},
		{"run", "-p", "nosuch", "--dry-run", "ls"},
		{"verify", "-p", "nosuch"},
		{"export", "--profile", "nosuch"},
		{"--profile", "nosuch", "export", "-p", "nosuch"},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != 125 || !strings.HasPrefix(errOut, `shannot: no profile named "nosuch" (from --profile)`) {
			t.Errorf("%q: exit %d, %q; want the profile looked up", args, code, errOut)
		}
	}
	code, out, errOut := runCLI(t, "export", "-p", "readonly")
	var p struct{ Name string }
	if code != 0 || json.Unmarshal([]byte(out), &p) != nil || p.Name != "readonly" {
		t.Errorf("export -p readonly: exit %d, profile %q, %s", code, p.Name, errOut)
	}
	code, _, errOut = runCLI(t, "--profile", "readonly", "run", "--profile", "minimal", "ls")
	if code != 125 || !strings.Contains(errOut, `--profile "readonly" and --profile "minimal"`) {
		t.Errorf("two profiles: exit %d, %q", code, errOut)
	}
}

// Under sudo, --profile after the command is what it is before it.
func TestProfileFlagAfterTheCommandUnderSudo(t *testing.T) {
	mallory := invoker.Hostile("mallory", 1000)
	for _, args := range [][]string{
		{"shannot", "run", "--profile", "minimal", "--dry-run", "ls"},
		{"shannot", "verify", "-p", "nosuch"},
		{"shannot", "export", "--profile", "minimal"},
	} {
		app := New(Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Caller: mallory})
		err := app.Run(implicitRunIn(app, args))
		var re *invoker.RefusedError
		if errors.As(err, &re) {
			t.Errorf("%q: %v", args, err)
		}
	}
}

func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"5", 5 * time.Second, true}, {"0", 0, true}, {"90", 90 * time.Second, true}, {"-5", -5 * time.Second, true},
		{"5s", 5 * time.Second, true}, {"1m30s", 90 * time.Second, true}, {"500ms", 500 * time.Millisecond, true},
		{"5x", 0, false}, {"", 0, false}, {"five", 0, false}, {"1.5", 0, false}, {"99999999999999999", 0, false},
	} {
		got, err := parseSeconds(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSeconds(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// Every duration flag takes plain seconds and says what it wants.
func TestDurationFlags(t *testing.T) {
	log := fakeSSH(t)
	code, out, errOut := runCLI(t, "--profile", "minimal", "--connect-timeout", "7", "--target", "web1", "run", "--timeout", "5", "--dry-run", "ls")
	if code != 0 || !strings.Contains(out, " -o ConnectTimeout=7 ") {
		t.Errorf("--connect-timeout 7: exit %d, %q %q", code, out, errOut)
	}
	if _, err := os.Stat(log); err == nil {
		t.Error("a dry run ran ssh")
	}
	for _, args := range [][]string{
		{"run", "--timeout", "5x", "ls"},
		{"--connect-timeout", "soon", "run", "ls"},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != 125 || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, "want a number of seconds (30) or a duration with a unit") {
			t.Errorf("%q: exit %d, %q", args, code, errOut)
		}
	}
	code, _, errOut = runCLI(t, "run", "--timeout", "-5", "ls")
	if code != 125 || !strings.Contains(errOut, "--timeout must be positive") {
		t.Errorf("--timeout -5: exit %d, %q", code, errOut)
	}
}

// profile validate opens the seccomp filter as run would: one line per
// broken profile, exit 125.
func TestValidateChecksTheFilter(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		t.Helper()
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	prof := func(name, seccomp string) string {
		return write(name+".json", `{"name": "`+name+`", "seccomp_profile": "`+seccomp+`"}`)
	}
	if err := os.Mkdir(filepath.Join(dir, "adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("random.bpf", "\x19\xc4\x17\x84\x93\x11\x02\x7f\xaa\xbb\xcc\xdd\xee\xff\x00\x11")
	write("typo.json", `{"defaultAction": "SCMP_ACT_ALLOW", "sycalls": []}`)
	write("allow.bpf", "\x06\x00\x00\x00\x00\x00\xff\x7f") // ret ALLOW
	bad := []string{
		prof("missing", "./nosuch.json"),
		prof("directory", "./adir"),
		prof("random", "./random.bpf"),
		prof("typo", "./typo.json"),
		prof("nobuiltin", "builtin:seccomp/nosuch.json"),
	}
	good := prof("good", "./allow.bpf")
	code, out, errOut := runCLI(t, append([]string{"profile", "validate", good}, bad...)...)
	if code != 125 {
		t.Errorf("exit %d, want 125", code)
	}
	if out != good+": ok\n" {
		t.Errorf("stdout %q, want only %s ok", out, good)
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if len(lines) != len(bad) {
		t.Fatalf("want %d lines, one per broken profile:\n%s", len(bad), errOut)
	}
	for i, want := range []string{"nosuch.json: no such file", "adir: is a directory", "random.bpf: ", "typo.json: ", "builtin:seccomp/nosuch.json: no such built-in policy"} {
		if !strings.HasPrefix(lines[i], "shannot: seccomp ") || !strings.Contains(lines[i], want) {
			t.Errorf("line %d: %q, want it to name %q", i, lines[i], want)
		}
	}
}

// An exported profile works from wherever it is saved: a shipped policy
// is builtin:NAME. The names profile list prints are accepted.
func TestExportRoundTrip(t *testing.T) {
	code, exported, errOut := runCLI(t, "--profile", "diagnostics", "export")
	if code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	var p struct {
		Seccomp string `json:"seccomp_profile"`
	}
	if err := json.Unmarshal([]byte(exported), &p); err != nil || p.Seccomp != "builtin:seccomp/hostview.json" {
		t.Errorf("exported seccomp_profile %q (%v), want builtin:seccomp/hostview.json", p.Seccomp, err)
	}
	saved := filepath.Join(t.TempDir(), "d.json")
	if err := os.WriteFile(saved, []byte(exported), 0o644); err != nil {
		t.Fatal(err)
	}
	code, again, errOut := runCLI(t, "--profile", saved, "export")
	if code != 0 {
		t.Fatalf("export of the exported profile: %d %s", code, errOut)
	}
	if diff := cmp.Diff(again, exported); diff != "" {
		t.Errorf("exporting the export (-got +want):\n%s", diff)
	}
	for _, ref := range []string{"builtin:minimal.json", "builtin:minimal"} {
		if code, out, errOut := runCLI(t, "--profile", ref, "export"); code != 0 || !strings.Contains(out, `"name": "minimal"`) {
			t.Errorf("--profile %s: exit %d, %s", ref, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "--profile", "builtin:seccomp/readonly.json", "export"); code != 125 || !strings.Contains(errOut, "no built-in profile") {
		t.Errorf("a policy as a profile: exit %d, %q", code, errOut)
	}
}
