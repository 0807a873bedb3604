package mcpcli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	shannotcli "github.com/shannot-project/shannot/internal/cli"
	"github.com/shannot-project/shannot/internal/invoker"
)

// run runs shannot-mcp in-process and returns its exit status and output.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(invoker.Detect(), append([]string{Name}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// capture builds the app with the serving command's and install's
// actions replaced by get, whose result it returns after running args.
func capture(t *testing.T, env shannotcli.Env, args []string, get func(*cli.Context) any) (any, error) {
	t.Helper()
	comp := Companion()
	var got any
	act := func(c *cli.Context) error { got = get(c); return nil }
	comp.Command.Action = act
	comp.Command.Subcommands[0].Action = act
	app := shannotcli.NewCompanion(comp, env)
	err := app.Run(append([]string{Name}, args...))
	return got, err
}

func quiet() shannotcli.Env {
	return shannotcli.Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
}

// Slice flags are never split at commas by the library; --target, which
// documents comma-separated lists, splits them itself.
func TestSliceFlagsKeepCommas(t *testing.T) {
	targets := func(c *cli.Context) any {
		ts, err := parseTargets(c)
		if err != nil {
			return err.Error()
		}
		var out []string
		for _, t := range ts {
			out = append(out, t.String())
		}
		return out
	}
	profiles := func(c *cli.Context) any { return c.StringSlice("profile") }
	for _, tc := range []struct {
		args []string
		get  func(*cli.Context) any
		want any
	}{
		{[]string{"--profile", "./a,b.json", "--profile", "minimal"}, profiles, []string{"./a,b.json", "minimal"}},
		{[]string{"-p", "minimal"}, profiles, []string{"minimal"}},
		{[]string{"install", "--client", "codex", "--profile", "./a,b.json"}, profiles, []string{"./a,b.json"}},
		// what shannot mcp passes on: the global --target first
		{[]string{"--target", "web0", "--target", "web1,web2", "--target", "web3"}, targets, []string{"web0", "web1", "web2", "web3"}},
		{[]string{"--ssh-option", "Ciphers=a,b", "--ssh-option", "MACs=c,d"},
			func(c *cli.Context) any { return shannotcli.SSHFromFlags(c).Options }, []string{"Ciphers=a,b", "MACs=c,d"}},
	} {
		got, err := capture(t, quiet(), tc.args, tc.get)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if diff := cmp.Diff(got, tc.want); diff != "" {
			t.Errorf("%q (-got +want):\n%s", tc.args, diff)
		}
	}
}

// Under sudo, shannot-mcp takes what internal/invoker lists for "mcp",
// and refuses the rest: it is the guard of "shannot mcp" too.
func TestGuard(t *testing.T) {
	mallory := quiet().As(shannotcli.Hostile("mallory", 1000))
	for _, tc := range []struct {
		args    []string
		refused string // the flag refused, "-" for the command, "" for none
	}{
		{[]string{"--profile", "minimal", "--max-concurrent", "4"}, ""},
		{[]string{"-p", "minimal"}, ""},
		{[]string{"install", "--client", "codex"}, "-"},
		{[]string{"completion", "bash"}, "-"},
		{[]string{"__complete", "--"}, "-"},
		{[]string{"--target", "web1"}, "target"},
		{[]string{"--bwrap", "/tmp/bwrap"}, "bwrap"},
		{[]string{"--ssh-option", "ProxyCommand=x"}, "ssh-option"},
		{[]string{"--ssh-config", "/tmp/x"}, "ssh-config"},
	} {
		_, err := capture(t, mallory, tc.args, func(*cli.Context) any { return nil })
		var re *invoker.RefusedError
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%q: %v, want it allowed", tc.args, err)
		case tc.refused == "":
		case !errors.As(err, &re):
			t.Errorf("%q: %v, want refused", tc.args, err)
		case tc.refused == "-" && re.Flag != "", tc.refused != "-" && re.Flag != tc.refused:
			t.Errorf("%q: %v, want %q refused", tc.args, err, tc.refused)
		}
	}
	// The same lines are allowed to the caller's own run.
	if _, err := capture(t, quiet(), []string{"--target", "web1", "--bwrap", "/tmp/bwrap"}, func(*cli.Context) any { return nil }); err != nil {
		t.Errorf("own run: %v", err)
	}
}

// install's entry starts this binary by its absolute path, with the
// profiles as given (paths made absolute).
func TestInstallPrints(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	t.Chdir(dir)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if self, err = filepath.EvalSymlinks(self); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "install", "--client", "claude-code", "--profile", "diagnostics", "--profile", "./p.json")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{`"command": "` + self + `"`, `"--profile"`, `"diagnostics"`, `"` + filepath.Join(dir, "p.json") + `"`} {
		if !strings.Contains(out, want) {
			t.Errorf("install printed\n%s\nwant %s in it", out, want)
		}
	}
	// Without --profile, the entry's args are an empty list, not null.
	if code, out, errOut := run(t, "install", "--client", "claude-code"); code != 0 || !strings.Contains(out, `"args": []`) {
		t.Errorf("install without --profile: exit %d, %q %q; want \"args\": []", code, out, errOut)
	}
	if strings.Contains(out, `"mcp"`) {
		t.Errorf("install printed\n%s\nwant no \"mcp\" argument: the entry starts %s itself", out, Name)
	}
}

// install --write refuses to write through anything but a regular file,
// FILE.bak included, and writes a regular one.
func TestInstallLeavesSpecialFilesAlone(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	fifo, sub := filepath.Join(dir, "fifo"), filepath.Join(dir, "dir")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{fifo: "a FIFO", sub: "a directory"} {
		code, _, errOut := run(t, "install", "--client", "claude-code", "--config", path, "--write")
		want := Name + ": " + path + " is " + kind + ", not a regular file, and is left as it is: run without --write and add the entry by hand\n"
		if code != 125 || errOut != want {
			t.Errorf("install into %s: exit %d, stderr %q; want 125, %q", kind, code, errOut, want)
		}
	}
	config := filepath.Join(dir, "claude.json")
	if err := os.WriteFile(config, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(config+".bak", 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, "install", "--client", "claude-code", "--config", config, "--write")
	if code != 125 || !strings.Contains(errOut, config+".bak is a FIFO, not a regular file") {
		t.Errorf("install with a FIFO FILE.bak: exit %d, %q", code, errOut)
	}
	if data, _ := os.ReadFile(config); string(data) != "{}\n" {
		t.Errorf("config changed: %q", data)
	}
	os.Remove(config + ".bak")
	code, _, errOut = run(t, "install", "--client", "claude-code", "--config", config, "--write")
	if want := Name + ": added the \"shannot\" MCP server to " + config + "\n"; code != 0 || errOut != want {
		t.Errorf("install into a regular file: exit %d, %q; want 0, %q", code, errOut, want)
	}
	if data, _ := os.ReadFile(config); !strings.Contains(string(data), `"shannot"`) {
		t.Errorf("config has no shannot entry: %s", data)
	}
}

// A word the app does not know is an unknown command, an argument to a
// command that takes none is refused: exit 125, one line.
func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"instal"}, `unknown command "instal" for shannot mcp (see shannot-mcp --help)`},
		{[]string{"install", "--client", "codex", "x"}, `takes no arguments, got "x"`},
		{[]string{"--max-concurrent", "x"}, "invalid value"},
		{[]string{"install"}, `"client" not set`},
		{[]string{"install", "--client", "vim"}, `unknown MCP client "vim": --client is claude-code, claude-desktop, codex, lmstudio, all or auto`},
		{[]string{"--target", "@/nonexistent/hosts"}, "/nonexistent/hosts"},
	} {
		code, _, errOut := run(t, tc.args...)
		if code != 125 || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, Name+": ") || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 125 and one line with %q", tc.args, code, errOut, tc.want)
		}
	}
}

// The completion scripts and __complete are shannot-mcp's own.
func TestComplete(t *testing.T) {
	for _, tc := range []struct {
		words []string
		want  []string // among the candidates
	}{
		{[]string{""}, []string{"install", "completion"}},
		{[]string{"--"}, []string{"--profile", "--max-concurrent", "--target", "--bwrap", "--ssh-option", "--ssh-config", "--connect-timeout"}},
		{[]string{"install", "--"}, []string{"--client", "--write", "--profile", "--config"}},
		{[]string{"install", "--client", "c"}, []string{"claude-code", "claude-desktop", "codex"}},
		{[]string{"--profile", "di"}, []string{"diagnostics"}},
	} {
		code, out, errOut := run(t, append([]string{"__complete", "--"}, tc.words...)...)
		got := strings.Fields(out)
		for _, w := range tc.want {
			if code != 0 || !strings.Contains(" "+strings.Join(got, " ")+" ", " "+w+" ") {
				t.Errorf("__complete %q: exit %d, %q (stderr %q), want %q among them", tc.words, code, got, errOut, w)
			}
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, _ := run(t, "completion", shell)
		fn := map[string]string{"bash": "_shannot_mcp()", "zsh": "_shannot-mcp()", "fish": "function __shannot_mcp_complete"}[shell]
		if code != 0 || !strings.Contains(out, "completion for "+Name) || !strings.Contains(out, fn) {
			t.Errorf("completion %s: exit %d, script:\n%s", shell, code, out)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "--version")
	if code != 0 || !strings.HasPrefix(out, Name+" ") {
		t.Errorf("--version: exit %d, %q; want it to start %q", code, out, Name+" ")
	}
}
