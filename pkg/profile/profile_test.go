package profile

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/internal/jsonerr"
	"github.com/shannot-project/shannot/pkg/bwrap/option"
)

func TestParseDefaults(t *testing.T) {
	doc := []byte(`{"name": "x", "binds": [{"source": "data", "target": "/data"}], "seccomp_profile": "f/filter.bpf"}`)
	p, err := Parse(doc, Origin{Path: "/etc/shannot/x.json"})
	if err != nil {
		t.Fatal(err)
	}
	want := &Profile{
		Name:                   "x",
		AllowedCommands:        []string{},
		Binds:                  []Bind{{Source: "/etc/shannot/data", Target: "/data", ReadOnly: true, CreateTarget: true}},
		TmpfsPaths:             []string{},
		Environment:            map[string]string{},
		SeccompProfile:         ptr("/etc/shannot/f/filter.bpf"),
		NetworkIsolation:       true,
		UserNamespaceIsolation: true,
		AdditionalArgs:         []string{},
		Origin:                 Origin{Path: "/etc/shannot/x.json"},
		SHA256:                 fmt.Sprintf("%x", sha256.Sum256(doc)),
	}
	if diff := cmp.Diff(p, want); diff != "" {
		t.Errorf("Parse (-got +want):\n%s", diff)
	}
}

func ptr(s string) *string { return &s }

// parseErrorCases are malformed profiles and the error each gets; the
// conformance test runs them through the schema too.
var parseErrorCases = []struct {
	name, json, want string
}{
	{"not JSON", `{"name": "x",}`, `profile /p.json: line 1, column 14: invalid JSON`},
	{"syntax error position", "{\n  \"name\": \"x\"\n  \"binds\": []\n}", `line 3, column 3: invalid JSON`},
	{"truncated", `{"name": "x"`, `invalid JSON: unexpected end of JSON input`},
	{"empty file", ``, `invalid JSON`},
	{"not an object", `[]`, `profile /p.json: /: expected object, but got array`},
	{"missing name", `{}`, `missing properties: 'name'`},
	{"empty name", `{"name": ""}`, `/name: length must be >= 1`},
	{"typo suggestion", `{"name": "x", "network_isolaton": false}`, `/network_isolaton: unknown key "network_isolaton"; did you mean "network_isolation"?`},
	{"unknown key far from any", `{"name": "x", "zzzzzzzzzzzz": 1}`, `unknown key "zzzzzzzzzzzz"; known keys are`},
	{"unknown bind key", `{"name": "x", "binds": [{"source": "/a", "target": "/a", "readonly": true}]}`, `/binds/0/readonly: unknown key "readonly"; did you mean "read_only"?`},
	{"wrong type", `{"name": "x", "network_isolation": "yes"}`, `/network_isolation: expected boolean, but got string`},
	{"relative target", `{"name": "x", "binds": [{"source": "/a", "target": "/a"}, {"source": "/b", "target": "/b"}, {"source": "/c", "target": "c"}]}`, `profile /p.json: /binds/2/target: "c" must be an absolute path`},
	{"relative tmpfs", `{"name": "x", "tmpfs_paths": ["tmp"]}`, `/tmpfs_paths/0: "tmp" must be an absolute path`},
	{"bind of host proc", `{"name": "x", "binds": [{"source": "/proc", "target": "/hostproc"}]}`, `/binds/0/source: binding the host's /proc is refused`},
	{"target in proc", `{"name": "x", "binds": [{"source": "/a", "target": "/proc/x"}]}`, `/binds/0/target: /proc/x is reserved`},
	{"tmpfs on dev", `{"name": "x", "tmpfs_paths": ["/dev"]}`, `/tmpfs_paths/0: /dev is reserved`},
	{"duplicate target", `{"name": "x", "tmpfs_paths": ["/tmp"], "binds": [{"source": "/a", "target": "/tmp/"}]}`, `/tmpfs_paths/0: /tmp is already mounted by /binds/0/target`},
	{"bad glob", `{"name": "x", "allowed_commands": ["ls", "[a"]}`, `/allowed_commands/1: "[a" is not a valid glob pattern`},
	{"NUL in path", `{"name": "x", "tmpfs_paths": ["/tmp\u0000x"]}`, `/tmpfs_paths/0: contains a NUL byte`},
	{"NUL in env key", `{"name": "x", "environment": {"A\u0000": "b"}}`, `contains a NUL byte`},
	{"equals in env key", `{"name": "x", "environment": {"A=B": "b"}}`, `/environment/A=B: "A=B" is not a valid variable name`},
	{"env value not a string", `{"name": "x", "environment": {"A": 1}}`, `/environment/A: expected string, but got number`},
	{"relative PATH entry", `{"name": "x", "environment": {"PATH": "/usr/bin:.:/bin"}}`, `/environment/PATH: "." is not an absolute directory`},
	{"empty PATH", `{"name": "x", "environment": {"PATH": ""}}`, `/environment/PATH: "" is not an absolute directory`},
	{"double dash", `{"name": "x", "additional_args": ["--", "sh"]}`, `/additional_args/0: "--" would end bwrap's options early`},
	{"additional_args: missing value", `{"name": "x", "additional_args": ["--hostname"]}`, `/additional_args/0: --hostname needs 1 argument(s)`},
	{"additional_args: overlay", `{"name": "x", "additional_args": ["--overlay", "/a", "/b", "/c"]}`, `/additional_args/0: --overlay is refused in additional_args: overlays are not supported`},
	{"additional_args: descriptor", `{"name": "x", "additional_args": ["--chdir", "/", "--bind-fd", "5", "/x"]}`, `/additional_args/2: --bind-fd is refused in additional_args: it takes a file descriptor`},
	{"additional_args: seccomp", `{"name": "x", "additional_args": ["--seccomp", "9"]}`, `use seccomp_profile`},
	{"additional_args: unknown", `{"name": "x", "additional_args": ["--frobnicate"]}`, `/additional_args/0: unknown bwrap option "--frobnicate"`},
	{"additional_args: stray word", `{"name": "x", "additional_args": ["--hostname", "x", "sh"]}`, `/additional_args/2: "sh" is not a bwrap option: bwrap would run it as the command`},
	{"seccomp wrong type", `{"name": "x", "seccomp_profile": 3}`, `/seccomp_profile: expected string or null, but got number`},
	{"duplicate key", `{"name": "x", "name": "y"}`, `profile /p.json: key "name" appears twice (line 1 and line 1): keep one`},
	{"duplicate bind key", "{\"name\": \"x\",\n \"binds\": [{\n  \"source\": \"/usr\",\n  \"target\": \"/usr\",\n  \"source\": \"/\"}]}",
		`profile /p.json: /binds/0: key "source" appears twice (line 3 and line 5): keep one`},
	{"duplicate environment key", `{"name": "x", "environment": {"LD_PRELOAD": "", "A": "1", "LD_PRELOAD": "/tmp/x.so"}}`, `/environment: key "LD_PRELOAD" appears twice`},
	{"duplicate key, spelled otherwise", `{"name": "x", "n\u0061me": "y"}`, `key "name" appears twice`},
	{"invalid UTF-8", "{\"name\": \"\xff\"}", `line 1, column 11: not valid UTF-8`},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrorCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.json), Origin{Path: "/p.json"})
			if err == nil {
				t.Fatalf("Parse(%s) = nil error, want %q", tc.json, tc.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, tc.want)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

// TestAdditionalArgs: additional_args are deny-by-default. What keeps a
// read-only sandbox read-only is accepted; whatever would mount host
// paths past the checks binds make, give capabilities or the network
// back, join other namespaces or change what code runs is refused with
// the pointer and what to use instead.
func TestAdditionalArgs(t *testing.T) {
	doc := additionalArgsDoc
	for _, ok := range additionalArgsOK {
		if _, err := Parse([]byte(doc(ok)), Origin{Path: "/p.json"}); err != nil {
			t.Errorf("[%s]: %v", ok, err)
		}
	}
	for _, tc := range additionalArgsRefused {
		_, err := Parse([]byte(doc(tc.args)), Origin{Path: "/p.json"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("[%s]: %v\nwant an error containing %q", tc.args, err, tc.want)
		}
	}
}

// additionalArgsDoc is a profile with two binds and the additional_args
// args (a JSON list's elements).
func additionalArgsDoc(args string) string {
	binds := `"binds": [{"source": "/usr", "target": "/usr"}, {"source": "/srv", "target": "/srv/data", "read_only": false}]`
	return `{"name": "x", ` + binds + `, "additional_args": [` + args + `]}`
}

var additionalArgsOK = []string{
	`"--hostname", "sandbox", "--chdir", "/home/sandbox"`, // the shipped profiles'
	`"--unshare-all", "--unshare-user-try", "--unshare-cgroup-try", "--disable-userns", "--assert-userns-disabled"`,
	`"--new-session", "--die-with-parent", "--clearenv", "--cap-drop", "ALL"`,
	`"--setenv", "LANG", "C.UTF-8", "--setenv", "TZ", "UTC", "--unsetenv", "LD_PRELOAD"`,
	`"--perms", "0700", "--size", "1048576", "--tmpfs", "/scratch", "--dir", "/scratch/sub"`,
	`"--symlink", "usr/bin", "/bin", "--symlink", "/usr/lib", "/lib"`,
	`"--remount-ro", "/usr", "--remount-ro", "/"`,
}

var additionalArgsRefused = []struct{ args, want string }{
	{`"--ro-bind", "/proc", "/hostproc"`, `/additional_args/0: --ro-bind is refused in additional_args: it mounts a host path past the checks binds make`},
	{`"--ro-bind-try", "/etc", "/etc"`, `use binds, read-only unless "read_only": false, "optional": true for -try`},
	{`"--dev-bind", "/dev", "/dev"`, `/additional_args/0: --dev-bind is refused in additional_args: it gives the sandbox host devices`},
	{`"--bind", "/", "/"`, `/additional_args/0: --bind is refused in additional_args: it mounts a host path`},
	{`"--hostname", "s", "--share-net"`, `/additional_args/2: --share-net is refused in additional_args: it gives the sandbox the host's network; set "network_isolation": false instead`},
	{`"--setenv", "LD_PRELOAD", "/tmp/evil.so"`, `/additional_args/0: --setenv LD_PRELOAD is refused: it changes what code the command loads or runs`},
	{`"--setenv", "LD_LIBRARY_PATH", "/tmp"`, `--setenv LD_LIBRARY_PATH is refused`},
	{`"--setenv", "GCONV_PATH", "/tmp"`, `--setenv GCONV_PATH is refused`},
	{`"--setenv", "BASH_ENV", "/tmp/x"`, `--setenv BASH_ENV is refused`},
	{`"--setenv", "PYTHONPATH", "/tmp"`, `--setenv PYTHONPATH is refused`},
	{`"--setenv", "LESSOPEN", "|sh -c id"`, `--setenv LESSOPEN is refused`},
	{`"--setenv", "PATH", ".:/bin"`, `--setenv PATH is refused: set PATH in "environment"`},
	{`"--setenv", "A=B", "c"`, `"A=B": not a valid variable name`},
	{`"--cap-add", "CAP_SYS_ADMIN"`, `/additional_args/0: --cap-add is refused in additional_args: it gives the command capabilities back`},
	{`"--seccomp", "3"`, `/additional_args/0: --seccomp is refused in additional_args: use seccomp_profile`},
	{`"--add-seccomp-fd", "3"`, `use seccomp_profile`},
	{`"--userns", "3"`, `it would join a namespace of another process`},
	{`"--pidns", "3"`, `it would join a namespace of another process`},
	{`"--uid", "0"`, `the sandbox's identity is shannot's to choose`},
	{`"--gid", "0"`, `the sandbox's identity is shannot's to choose`},
	{`"--proc", "/p2"`, `--proc is refused in additional_args: the sandbox already has its own /proc`},
	{`"--dev", "/d2"`, `--dev is refused`},
	{`"--bind-fd", "3", "/x"`, `it takes a file descriptor`},
	{`"--file", "3", "/x"`, `it takes a file descriptor`},
	{`"--sync-fd", "3"`, `it takes a file descriptor`},
	{`"--block-fd", "3"`, `it takes a file descriptor`},
	{`"--userns-block-fd", "3"`, `it takes a file descriptor`},
	{`"--info-fd", "3"`, `it takes a file descriptor`},
	{`"--json-status-fd", "3"`, `shannot uses it itself`},
	{`"--lock-file", "/etc/passwd"`, `--lock-file is refused`},
	{`"--exec-label", "x"`, `SELinux labels are not supported`},
	{`"--file-label", "x"`, `SELinux labels are not supported`},
	{`"--chmod", "0777", "/srv/data"`, `--chmod is refused`},
	{`"--argv0", "sh"`, `--argv0 is refused`},
	{`"--as-pid-1"`, `--as-pid-1 is refused`},
	{`"--mqueue", "/mq"`, `--mqueue is refused`},
	{`"--help"`, `bwrap would print its help`},
	{`"--args", "3"`, `it takes a file descriptor`},
	{`"--frobnicate"`, `/additional_args/0: unknown bwrap option "--frobnicate": additional_args takes only the options known to be safe`},
	{`"--tmpfs", "/proc/sys"`, `--tmpfs /proc/sys is reserved`},
	{`"--tmpfs", "tmp"`, `--tmpfs "tmp" must be an absolute path`},
	{`"--tmpfs", "/usr/local"`, `--tmpfs /usr/local is inside the bind of /usr at /usr (/binds/0): bwrap would create it through the host's files there`},
	{`"--dir", "/srv/data/new"`, `--dir /srv/data/new is inside the bind of /srv at /srv/data (/binds/1)`},
	{`"--symlink", "/etc/shadow", "/srv/data/link"`, `--symlink /srv/data/link is inside the bind`},
	{`"--symlink", "/oldroot/etc", "/hostetc"`, `may not lead into /oldroot`},
	{`"--symlink", "../../oldroot", "/a/b"`, `may not contain ".."`},
	{`"--dir", "/"`, `the sandbox's root is bwrap's`},
	{`"--tmpfs", "/t", "--tmpfs", "/t/"`, `/additional_args/2: --tmpfs /t/: /t is already mounted by /additional_args/0`},
	{`"--tmpfs", "/usr"`, `/additional_args/0: --tmpfs /usr: /usr is already mounted by /binds/0/target`},
	{`"--perms", "999"`, `--perms "999": must be an octal mode`},
	{`"--size", "1G"`, `--size "1G": must be a size in bytes`},
	{`"--chdir", "home"`, `--chdir "home": must be an absolute path`},
	{`"--remount-ro", "usr"`, `--remount-ro "usr": must be an absolute path`},
	{`"--hostname", ""`, `--hostname needs a non-empty argument`},
	{`"--setenv", "A"`, `/additional_args/0: --setenv needs 2 argument(s)`},
}

// TestShippedProfilesValidate: the deny-by-default rule keeps every
// shipped profile valid.
func TestShippedProfilesValidate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "profiles", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped profiles: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(data, Origin{Path: filepath.Base(f), Builtin: true}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestEchoesAreShortAndEscaped: what an error quotes of the profile is
// cut to about 60 characters and escaped, so that neither a huge value
// nor a terminal escape sequence reaches the terminal.
func TestEchoesAreShortAndEscaped(t *testing.T) {
	for _, tc := range echoCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.json), Origin{Path: "/p.json"})
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error\n  %.400s\nwant it to contain\n  %s", msg, tc.want)
			}
			if len(msg) > 400 {
				t.Errorf("error is %d bytes long", len(msg))
			}
			for _, r := range msg {
				if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f {
					t.Errorf("error holds control character %U: %q", r, msg)
					break
				}
			}
		})
	}
}

// echoCases are profiles whose errors quote long or hostile input.
func echoCases() []struct{ name, json, want string } {
	digits := strings.Repeat("9", 100000)
	long := strings.Repeat("x", 900000)
	return []struct{ name, json, want string }{
		{"100,000-digit number", `{"name": ` + digits + `}`, `profile /p.json: line 1, column 10: number "9999999999999999999999999999999999999999999999999999999999"... (100000 bytes) cannot be read as float64`},
		{"long relative path", `{"name": "x", "tmpfs_paths": ["` + long + `"]}`, `/tmpfs_paths/0: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"... (900000 bytes) must be an absolute path`},
		{"long reserved path", `{"name": "x", "tmpfs_paths": ["/proc/` + long + `"]}`, `/tmpfs_paths/0: /proc/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (900006 bytes) is reserved`},
		{"long unknown key", `{"name": "x", "` + long + `": 1}`, `: unknown key "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"... (900000 bytes); known keys are`},
		{"long duplicate key", `{"name": "x", "environment": {"` + long[:400000] + `": "", "` + long[:1000] + `": "", "` + long[:400000] + `": ""}}`, `/environment: key "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"... (400000 bytes) appears twice (line 1 and line 1): keep one`},
		{"terminal escape in a key", `{"name": "x", "\u001b]0;owned\u0007\u001b[2J": 1}`, `/\x1b]0;owned\a\x1b[2J: unknown key "\x1b]0;owned\a\x1b[2J"`},
		{"C1 control in a value", `{"name": "x", "allowed_commands": ["\u009b6n["]}`, `/allowed_commands/0: "\u009b6n[" is not a valid glob pattern`},
		{"escape in an env key", `{"name": "x", "environment": {"\u001b[31m=": "x"}}`, `"\x1b[31m=" is not a valid variable name`},
		{"escape in a PATH entry", `{"name": "x", "environment": {"PATH": "/bin:\u001b[0m"}}`, `"\x1b[0m" is not an absolute directory`},
		{"escape in a target", `{"name": "x", "binds": [{"source": "/a", "target": "/dev/\u001b[0m"}]}`, `/binds/0/target: /dev/\x1b[0m is reserved`},
		{"escape in additional_args", `{"name": "x", "additional_args": ["--\u001b[0m"]}`, `/additional_args/0: unknown bwrap option "--\x1b[0m"`},
	}
}

func TestParseTooLarge(t *testing.T) {
	data := []byte(`{"name": "` + strings.Repeat("a", MaxSize) + `"}`)
	_, err := Parse(data, Origin{Path: "/p.json"})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("Parse of %d bytes: %v, want a size error", len(data), err)
	}
}

func TestParseDeepNesting(t *testing.T) {
	data := []byte(`{"name": "x", "description": ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`)
	if _, err := Parse(data, Origin{Path: "/p.json"}); err == nil {
		t.Fatal("deeply nested profile accepted")
	}
}

func TestOpenChecksSources(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	os.Symlink("real", filepath.Join(dir, "link"))
	write := func(name, body string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	t.Run("missing required source", func(t *testing.T) {
		f := write("a.json", `{"name": "a", "binds": [{"source": "nope", "target": "/n"}]}`)
		_, err := Open(Origin{Path: f}, nil)
		want := "profile " + f + ": /binds/0/source: " + filepath.Join(dir, "nope") + ` does not exist on this host; create it, fix the path, or set "optional": true`
		if err == nil || err.Error() != want {
			t.Fatalf("Open = %v\nwant %s", err, want)
		}
	})
	t.Run("missing optional source", func(t *testing.T) {
		f := write("b.json", `{"name": "b", "binds": [{"source": "nope", "target": "/n", "optional": true}]}`)
		p, err := Open(Origin{Path: f}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Binds[0].Source; got != filepath.Join(dir, "nope") {
			t.Errorf("source = %q", got)
		}
	})
	t.Run("symlinked source is canonicalised", func(t *testing.T) {
		f := write("c.json", `{"name": "c", "binds": [{"source": "link", "target": "/l"}]}`)
		p, err := Open(Origin{Path: f}, nil)
		if err != nil {
			t.Fatal(err)
		}
		real, _ := filepath.EvalSymlinks(filepath.Join(dir, "real"))
		if got := p.Binds[0].Source; got != real {
			t.Errorf("source = %q, want %q", got, real)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := Open(Origin{Path: filepath.Join(dir, "none.json")}, nil)
		if err == nil || !strings.HasSuffix(err.Error(), "none.json: no such file") {
			t.Fatalf("Open = %v", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		_, err := Open(Origin{Path: dir}, nil)
		if err == nil || !strings.HasSuffix(err.Error(), ": is a directory, not a regular file: give a profile file") {
			t.Fatalf("Open = %v", err)
		}
	})
	t.Run("FIFO", func(t *testing.T) {
		fifo := filepath.Join(dir, "fifo.json")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := Open(Origin{Path: fifo}, nil); done <- err }()
		select {
		case err := <-done:
			if want := "profile " + fifo + ": is a FIFO, not a regular file: give a profile file"; err == nil || err.Error() != want {
				t.Fatalf("Open = %v\nwant %s", err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Open of a FIFO hangs")
		}
	})
}

func TestAllows(t *testing.T) {
	p := &Profile{Name: "t", AllowedCommands: []string{"ls", "systemd-*", "/opt/tool/bin/*"},
		Environment: map[string]string{"PATH": "/usr/bin:/bin"}}
	for _, tc := range []struct {
		found string
		want  bool
	}{
		{"/usr/bin/ls", true},
		{"/bin/ls", true},
		{"/tmp/ls", false},        // not in PATH: a name pattern does not match
		{"/usr/bin/lsblk", false}, // exact name, not a prefix
		{"/usr/bin/systemd-cgls", true},
		{"/opt/tool/bin/x", true},
		{"/opt/tool/bin/sub/x", false},
		{"/usr/bin/rm", false},
	} {
		if got := p.Allows(tc.found); got != tc.want {
			t.Errorf("Allows(%q) = %v, want %v", tc.found, got, tc.want)
		}
	}
	if !(&Profile{}).Allows("/anything") {
		t.Error("empty allowed_commands must allow every command")
	}
}

func TestShippedProfilesParse(t *testing.T) {
	names, err := Search{}.Names()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(names, []string{"diagnostics", "minimal", "readonly", "systemd"}); diff != "" {
		t.Fatalf("built-in profiles (-got +want):\n%s", diff)
	}
	for _, n := range names {
		o, err := Search{Ref: n}.Find()
		if err != nil {
			t.Fatal(err)
		}
		p, err := Open(o, nil)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if p.Name != n || p.Description == "" {
			t.Errorf("%s: name %q, description %q", n, p.Name, p.Description)
		}
		for _, b := range p.Binds {
			if strings.HasPrefix(b.Target, "/run/systemd") || strings.HasPrefix(b.Target, "/run/dbus") || b.Target == "/run" || b.Target == "/var/run" {
				t.Errorf("%s binds %s: host sockets must never be exposed", n, b.Target)
			}
		}
	}
}

func TestFindOrder(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	os.MkdirAll(filepath.Join(home, ".config", "shannot"), 0o755)
	userFile := filepath.Join(home, ".config", "shannot", "profile.json")
	sysFile := filepath.Join(dir, "etc-profile.json")
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	s := Search{Getenv: getenv, Home: home, ConfigFiles: []string{sysFile}}

	find := func() string {
		t.Helper()
		o, err := s.Find()
		if err != nil {
			t.Fatal(err)
		}
		return o.String()
	}
	if got := find(); got != "builtin:minimal.json" {
		t.Errorf("nothing set: %s", got)
	}
	os.WriteFile(sysFile, []byte(`{}`), 0o644)
	if got := find(); got != sysFile {
		t.Errorf("system file: %s", got)
	}
	os.WriteFile(userFile, []byte(`{}`), 0o644)
	if got := find(); got != userFile {
		t.Errorf("user file: %s", got)
	}
	env["SANDBOX_PROFILE"] = "readonly"
	if got := find(); got != "builtin:readonly.json" {
		t.Errorf("$SANDBOX_PROFILE: %s", got)
	}
	env["SHANNOT_PROFILE"] = "diagnostics"
	if got := find(); got != "builtin:diagnostics.json" {
		t.Errorf("$SHANNOT_PROFILE: %s", got)
	}
	s.Ref = sysFile
	if got := find(); got != sysFile {
		t.Errorf("--profile path: %s", got)
	}
	s.Ref = "nosuch"
	if _, err := s.Find(); err == nil || !strings.Contains(err.Error(), `no profile named "nosuch" (from --profile); known profiles: diagnostics, minimal, readonly, systemd`) {
		t.Errorf("unknown name: %v", err)
	}
	// An installed profile of the same name wins over the built-in one.
	inst := filepath.Join(dir, "installed")
	os.Mkdir(inst, 0o755)
	os.WriteFile(filepath.Join(inst, "minimal.json"), []byte(`{}`), 0o644)
	s.Dirs, s.Ref = []string{inst}, "minimal"
	if got := find(); got != filepath.Join(inst, "minimal.json") {
		t.Errorf("installed profile: %s", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"minimal", "readonly", "diagnostics", "systemd"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "profiles", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"name": "x", "binds": [{"source": "a", "target": "/a"}]}`))
	f.Add([]byte(`{"name": "\u0000"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, Origin{Path: "/fuzz/p.json"})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *Error", err, err)
			}
			if strings.ContainsAny(err.Error(), "\n\r\x1b\x07\x00\u009b") {
				t.Fatalf("error is not one line, or holds a control character: %q", err)
			}
			if len(err.Error()) > 2048 {
				t.Fatalf("error is %d bytes long: %.200q", len(err.Error()), err)
			}
			return
		}
		if p.Name == "" {
			t.Fatal("accepted a profile without a name")
		}
	})
}

// TestDocsListEveryBwrapOption: docs/profiles.md says of every option
// shannot knows whether additional_args take it.
func TestDocsListEveryBwrapOption(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "profiles.md"))
	if err != nil {
		t.Fatal(err)
	}
	allowed := AllowedBwrapOptions()
	if len(allowed) == 0 {
		t.Fatal("no allowed options")
	}
	for _, o := range option.All() {
		opt := o.Name
		if strings.HasPrefix(opt, "--overlay") || strings.HasSuffix(opt, "-overlay") {
			continue // "overlays"
		}
		if !strings.Contains(string(doc), "`"+opt+"`") && !strings.Contains(string(doc), "`"+opt+" ") {
			t.Errorf("docs/profiles.md does not mention %s", opt)
		}
	}
}

func TestErrorsKeepTheirCause(t *testing.T) {
	_, err := Open(Origin{Path: filepath.Join(t.TempDir(), "missing.json")}, nil)
	var pe *Error
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open of a missing file: %v (%T); want a *profile.Error wrapping fs.ErrNotExist", err, err)
	}
}

// rawFrom gives what encoding/json gives, for every document the schema
// lets through, and says so (ok) for the shipped profiles: otherwise
// every launch would decode twice again.
func TestRawFromAgrees(t *testing.T) {
	for _, name := range []string{"minimal", "readonly", "diagnostics", "systemd"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "profiles", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if !checkRawFrom(t, data) {
			t.Errorf("%s: rawFrom did not take the shipped profile", name)
		}
	}
	for _, doc := range []string{
		`{"name": "x", "$schema": "s", "seccomp_profile": null, "environment": {}, "binds": [], "host_view": ["processes"]}`,
		`{"name": "x", "binds": [{"source": "a", "target": "/a", "read_only": false, "create_target": true, "optional": true}], "network_isolation": false, "user_namespace_isolation": true, "seccomp_profile": "p.bpf", "tmpfs_paths": ["/t"], "additional_args": ["--chdir", "/"], "allowed_commands": ["ls"]}`,
		`{"name": "x", "Name": "y"}`,              // a key encoding/json would take, the schema refuses
		`{"name": "x", "binds": [{"SOURCE": 1}]}`, // and a type
		`{"name": 1}`,
		`[]`,
	} {
		checkRawFrom(t, []byte(doc))
	}
}

// checkRawFrom compares rawFrom with encoding/json on data; it reports
// whether rawFrom took it. Parse refuses duplicate keys before, and so
// does this (with one, decoding into any keeps the last value, into the
// struct fails at the first).
func checkRawFrom(t *testing.T, data []byte) bool {
	t.Helper()
	var doc any
	if json.Unmarshal(data, &doc) != nil || jsonerr.Duplicates(data) != nil {
		return false
	}
	got, ok := rawFrom(doc)
	if !ok {
		return false
	}
	var want rawProfile
	if err := json.Unmarshal(data, &want); err != nil {
		t.Errorf("rawFrom took %s, which encoding/json refuses: %v", data, err)
		return true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rawFrom(%s) (-json +rawFrom):\n%s", data, diff)
	}
	return true
}

// FuzzRawFrom holds rawFrom to encoding/json on any document.
func FuzzRawFrom(f *testing.F) {
	for _, name := range []string{"minimal", "readonly", "diagnostics", "systemd"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "profiles", name+".json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"name": "x", "binds": [{"source": "a", "target": "/a", "optional": true}], "seccomp_profile": null}`))
	f.Fuzz(func(t *testing.T, data []byte) { checkRawFrom(t, data) })
}
