package clientconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/atomicfile"
)

var entry = Entry{Command: "/usr/bin/shannot", Args: []string{"mcp", "--profile", "diagnostics"}}

func TestDefaultFile(t *testing.T) {
	for _, tc := range []struct {
		client, want string
		ok           bool
	}{
		{ClaudeCode, "/home/u/.claude.json", true},
		{ClaudeDesktop, "/home/u/.config/Claude/claude_desktop_config.json", true},
		{Codex, "/home/u/.codex/config.toml", true},
		{LMStudio, "/home/u/.lmstudio/mcp.json", true},
		{"cursor", "", false},
		{"", "", false},
	} {
		got, ok := DefaultFile(tc.client, "/home/u")
		if got != tc.want || ok != tc.ok {
			t.Errorf("DefaultFile(%q) = %q, %v; want %q, %v", tc.client, got, ok, tc.want, tc.ok)
		}
	}
	for _, c := range Clients() {
		if _, ok := DefaultFile(c, "/"); !ok {
			t.Errorf("Clients() lists %q, which DefaultFile does not know", c)
		}
	}
}

func TestPrint(t *testing.T) {
	json := `{
  "mcpServers": {
    "shannot": {
      "command": "/usr/bin/shannot",
      "args": [
        "mcp",
        "--profile",
        "diagnostics"
      ]
    }
  }
}
`
	for _, tc := range []struct {
		client, want string
	}{
		{ClaudeCode, "// merge into F (or run again with --write)\n" + json +
			"// or: claude mcp add shannot -- /usr/bin/shannot mcp --profile diagnostics\n"},
		{ClaudeDesktop, "// merge into F (or run again with --write)\n" + json},
		{Codex, "# add to F (or run again with --write)\n[mcp_servers.shannot]\n" +
			"command = \"/usr/bin/shannot\"\nargs = [\"mcp\", \"--profile\", \"diagnostics\"]\n"},
	} {
		var b bytes.Buffer
		if err := Print(&b, tc.client, "F", entry); err != nil {
			t.Fatalf("%s: %v", tc.client, err)
		}
		if diff := cmp.Diff(b.String(), tc.want); diff != "" {
			t.Errorf("Print(%s) (-got +want):\n%s", tc.client, diff)
		}
	}
	var b bytes.Buffer
	if err := Print(&b, "cursor", "F", entry); err == nil || b.Len() != 0 {
		t.Errorf("Print(cursor) = %v, printed %q; want an error and nothing", err, b.String())
	}
}

// The TOML encoder quotes what needs it: the table is still TOML, with
// the same values, whatever the path.
func TestPrintTOMLQuotes(t *testing.T) {
	odd := Entry{Command: `/opt/my "tools"/shannot`, Args: []string{"mcp", "--profile", "/a b/c\\d.json"}}
	var b bytes.Buffer
	if err := Print(&b, Codex, "F", odd); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Servers map[string]Entry `toml:"mcp_servers"`
	}
	if _, err := toml.Decode(b.String(), &doc); err != nil {
		t.Fatalf("printed table is not TOML: %v\n%s", err, b.String())
	}
	if diff := cmp.Diff(doc.Servers["shannot"], odd); diff != "" {
		t.Errorf("decoded entry (-got +want):\n%s", diff)
	}
}

const (
	newJSON = `{
  "mcpServers": {
    "shannot": {
      "command": "/usr/bin/shannot",
      "args": [
        "mcp",
        "--profile",
        "diagnostics"
      ]
    }
  }
}
`
	newTOML = "[mcp_servers.shannot]\ncommand = \"/usr/bin/shannot\"\nargs = [\"mcp\", \"--profile\", \"diagnostics\"]\n"
)

// node makes what a test's configuration file (or its FILE.bak) is
// before Add runs.
type node func(t *testing.T, path string)

func regular(content string, mode os.FileMode) node {
	return func(t *testing.T, path string) {
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // not masked by the umask
			t.Fatal(err)
		}
	}
}

func symlink(content string) node {
	return func(t *testing.T, path string) {
		target := path + ".target"
		regular(content, 0o600)(t, target)
		if err := os.Symlink(target, path); err != nil {
			t.Fatal(err)
		}
	}
}

func fifo(t *testing.T, path string) {
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestAdd(t *testing.T) {
	other := `{"theme": "dark", "mcpServers": {"other": {"command": "x", "env": {"A": "1"}}}, "n": [1, 2]}`
	otherTOML := "# codex settings\nmodel = \"o3\"\n\n[mcp_servers.other]\ncommand = \"x\"  # kept as written\nargs = []"
	for _, tc := range []struct {
		name   string
		client string
		file   string // under the test's directory
		before node   // nil: no file
		bak    node   // what FILE.bak is before; nil: none
		// want is the file after, wantBak FILE.bak after ("" when there is
		// none, unless emptyBak), wantErr the error ("" for none; {file}
		// stands for the file).
		want, wantBak, wantErr string
		emptyBak               bool
		mode                   os.FileMode // the file's after
		cause                  any         // a pointer the error must match with errors.As
	}{
		{
			name: "new JSON file", client: ClaudeCode, file: "c.json",
			want: newJSON, mode: 0o600,
		},
		{
			name: "new file in a new directory", client: ClaudeDesktop, file: "a/b/claude_desktop_config.json",
			want: newJSON, mode: 0o600,
		},
		{
			name: "new TOML file", client: Codex, file: "config.toml",
			want: newTOML, mode: 0o600,
		},
		{
			name: "empty TOML file", client: Codex, file: "config.toml", before: regular("", 0o644),
			want: newTOML, emptyBak: true, mode: 0o644,
		},
		{
			name: "JSON: other entries kept", client: ClaudeCode, file: "c.json", before: regular(other, 0o644),
			want: `{
  "mcpServers": {
    "other": {
      "command": "x",
      "env": {
        "A": "1"
      }
    },
    "shannot": {
      "command": "/usr/bin/shannot",
      "args": [
        "mcp",
        "--profile",
        "diagnostics"
      ]
    }
  },
  "n": [
    1,
    2
  ],
  "theme": "dark"
}
`,
			wantBak: other, mode: 0o644,
		},
		{
			name: "JSON without mcpServers", client: ClaudeDesktop, file: "c.json", before: regular(`{"a": true}`, 0o600),
			want:    "{\n  \"a\": true,\n  \"mcpServers\": {\n    \"shannot\": {\n      \"command\": \"/usr/bin/shannot\",\n      \"args\": [\n        \"mcp\",\n        \"--profile\",\n        \"diagnostics\"\n      ]\n    }\n  }\n}\n",
			wantBak: `{"a": true}`, mode: 0o600,
		},
		{
			name: "TOML: the rest byte for byte", client: Codex, file: "config.toml", before: regular(otherTOML, 0o640),
			want: otherTOML + "\n\n" + newTOML, wantBak: otherTOML, mode: 0o640,
		},
		{
			name: "TOML ending in a newline", client: Codex, file: "config.toml", before: regular("model = \"o3\"\n", 0o600),
			want: "model = \"o3\"\n\n" + newTOML, wantBak: "model = \"o3\"\n", mode: 0o600,
		},
		{
			name: "JSON: shannot not replaced", client: ClaudeCode, file: "c.json",
			before:  regular(`{"mcpServers": {"shannot": {"command": "old"}}}`, 0o600),
			want:    `{"mcpServers": {"shannot": {"command": "old"}}}`,
			wantErr: `{file} already has an MCP server named "shannot"; remove it first, or edit it by hand`,
		},
		{
			name: "TOML: shannot not replaced", client: Codex, file: "config.toml",
			before:  regular("[mcp_servers.shannot]\ncommand = \"old\"\n", 0o600),
			want:    "[mcp_servers.shannot]\ncommand = \"old\"\n",
			wantErr: "{file} already has [mcp_servers.shannot]; remove it first, or edit it by hand",
		},
		{
			name: "malformed JSON", client: ClaudeCode, file: "c.json", before: regular(`{"a": `, 0o600),
			want:    `{"a": `,
			wantErr: "{file} is not a JSON object (unexpected end of JSON input); fix it or add the entry by hand",
			cause:   new(*json.SyntaxError),
		},
		{
			name: "JSON array", client: ClaudeDesktop, file: "c.json", before: regular(`[1]`, 0o600),
			want:    `[1]`,
			wantErr: "{file} is not a JSON object (json: cannot unmarshal array into Go value of type map[string]json.RawMessage); fix it or add the entry by hand",
			cause:   new(*json.UnmarshalTypeError),
		},
		{
			name: "mcpServers not an object", client: ClaudeCode, file: "c.json", before: regular(`{"mcpServers": 3}`, 0o600),
			want:    `{"mcpServers": 3}`,
			wantErr: "{file}: mcpServers is not an object (json: cannot unmarshal number into Go value of type map[string]json.RawMessage)",
			cause:   new(*json.UnmarshalTypeError),
		},
		{
			name: "malformed TOML", client: Codex, file: "config.toml", before: regular("a = = 1\n", 0o600),
			want:    "a = = 1\n",
			wantErr: `{file} is not valid TOML (toml: line 1 (last key "a"): expected value but found '=' instead); fix it or add the entry by hand`,
			cause:   new(toml.ParseError),
		},
		{
			name: "TOML where the table cannot go", client: Codex, file: "config.toml", before: regular("mcp_servers = 1\n", 0o600),
			want:    "mcp_servers = 1\n",
			wantErr: "adding [mcp_servers.shannot] to {file} would not give valid TOML (toml: line 3: Key 'mcp_servers' was already created as a hash.); add it by hand",
			cause:   new(toml.ParseError),
		},
		{
			name: "JSON symlink", client: ClaudeCode, file: "c.json", before: symlink("{}"),
			wantErr: "{file} is a symbolic link, not a regular file, and is left as it is: run without --write and add the entry by hand",
			cause:   new(*atomicfile.NotRegularError),
		},
		{
			name: "TOML symlink", client: Codex, file: "config.toml", before: symlink("a = 1\n"),
			wantErr: "{file} is a symbolic link, not a regular file, and is left as it is: run without --write and add the entry by hand",
			cause:   new(*atomicfile.NotRegularError),
		},
		{
			name: "JSON FIFO", client: ClaudeDesktop, file: "c.json", before: fifo,
			wantErr: "{file} is a FIFO, not a regular file, and is left as it is: run without --write and add the entry by hand",
			cause:   new(*atomicfile.NotRegularError),
		},
		{
			name: "TOML FIFO", client: Codex, file: "config.toml", before: fifo,
			wantErr: "{file} is a FIFO, not a regular file, and is left as it is: run without --write and add the entry by hand",
			cause:   new(*atomicfile.NotRegularError),
		},
		{
			name: "FIFO FILE.bak", client: ClaudeCode, file: "c.json", before: regular("{}", 0o600), bak: fifo,
			want:    "{}",
			wantErr: "{file}.bak is a FIFO, not a regular file, and is left as it is: run without --write and add the entry by hand",
			cause:   new(*atomicfile.NotRegularError),
		},
		{
			name: "symlink FILE.bak", client: Codex, file: "config.toml", before: regular("a = 1\n", 0o600), bak: symlink("old"),
			want:    "a = 1\n",
			wantErr: "{file}.bak is a symbolic link, not a regular file, and is left as it is: run without --write and add the entry by hand",
			cause:   new(*atomicfile.NotRegularError),
		},
		{
			name: "old FILE.bak replaced", client: Codex, file: "config.toml", before: regular("a = 1\n", 0o600), bak: regular("older\n", 0o600),
			want: "a = 1\n\n" + newTOML, wantBak: "a = 1\n", mode: 0o600,
		},
		{
			name: "unknown client", client: "cursor", file: "c.json", before: regular("{}", 0o600),
			want:    "{}",
			wantErr: `unknown MCP client "cursor": the clients are claude-code, claude-desktop, codex, lmstudio`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, tc.file)
			if tc.before != nil {
				tc.before(t, file)
			}
			if tc.bak != nil {
				tc.bak(t, file+".bak")
			}
			nodeBefore, _ := os.Lstat(file)
			bakBefore, _ := os.Lstat(file + ".bak")
			targets := map[string][]byte{} // symbolic links' targets
			for _, f := range []string{file, file + ".bak"} {
				if data, err := os.ReadFile(f + ".target"); err == nil {
					targets[f+".target"] = data
				}
			}

			err := addWithin(t, tc.client, file)

			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Add: %v", err)
				}
			} else {
				want := strings.ReplaceAll(tc.wantErr, "{file}", file)
				if err == nil || err.Error() != want {
					t.Fatalf("Add: %v\nwant: %s", err, want)
				}
				if tc.cause != nil && !errors.As(err, tc.cause) {
					t.Errorf("Add: %v does not wrap a %T", err, tc.cause)
				}
			}
			// A file that is not regular is left as it was: the same
			// node.
			if nodeBefore != nil && !nodeBefore.Mode().IsRegular() {
				if st, _ := os.Lstat(file); st == nil || !os.SameFile(st, nodeBefore) || st.Mode() != nodeBefore.Mode() {
					t.Errorf("%s was replaced", file)
				}
			} else {
				got, rerr := os.ReadFile(file)
				if tc.want == "" && tc.before == nil {
					if rerr == nil {
						t.Errorf("%s was created", file)
					}
				} else if diff := cmp.Diff(string(got), tc.want); diff != "" {
					t.Errorf("%s (-got +want):\n%s", tc.file, diff)
				}
				if tc.mode != 0 {
					if st, err := os.Stat(file); err != nil || st.Mode().Perm() != tc.mode {
						t.Errorf("%s: mode %v, %v; want %v", tc.file, st.Mode().Perm(), err, tc.mode)
					}
				}
			}
			switch {
			case bakBefore != nil && !bakBefore.Mode().IsRegular():
				if st, _ := os.Lstat(file + ".bak"); st == nil || !os.SameFile(st, bakBefore) {
					t.Errorf("%s.bak was replaced", file)
				}
			case tc.wantBak != "" || tc.emptyBak:
				got, err := os.ReadFile(file + ".bak")
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(got), tc.wantBak); diff != "" {
					t.Errorf("%s.bak (-got +want):\n%s", tc.file, diff)
				}
				if st, err := os.Lstat(file + ".bak"); err != nil || st.Mode().Perm() != tc.mode {
					t.Errorf("%s.bak: mode %v, %v; want %v", tc.file, st.Mode().Perm(), err, tc.mode)
				}
			case bakBefore == nil:
				if _, err := os.Lstat(file + ".bak"); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s.bak exists (%v); want none", file, err)
				}
			}
			for f, before := range targets {
				if data, err := os.ReadFile(f); err != nil || !bytes.Equal(data, before) {
					t.Errorf("a symbolic link's target changed: %s: %q, %v; was %q", f, data, err, before)
				}
			}
			if strings.Contains(errString(err), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
			// Nothing but the file, its FILE.bak and the test's own nodes.
			ents, _ := os.ReadDir(filepath.Dir(file))
			for _, e := range ents {
				name := e.Name()
				if base := filepath.Base(file); name != base && name != base+".bak" && !strings.HasSuffix(name, ".target") {
					t.Errorf("left behind: %s", name)
				}
			}
		})
	}
}

// addWithin is Add, failing the test rather than hanging when Add blocks
// opening a FIFO: the FIFO is then opened for writing and closed, which
// ends the read.
func addWithin(t *testing.T, client, file string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- Add(client, file, entry) }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Errorf("Add blocked reading %s", file)
	}
	for _, f := range []string{file, file + ".bak"} {
		if fd, err := unix.Open(f, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err == nil {
			unix.Close(fd)
		}
	}
	return <-done
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Adding twice: the second refuses and changes nothing, FILE.bak included.
func TestAddTwice(t *testing.T) {
	for _, c := range Clients() {
		file := filepath.Join(t.TempDir(), "config")
		if err := Add(c, file, entry); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		first, _ := os.ReadFile(file)
		if err := Add(c, file, entry); err == nil || !strings.Contains(err.Error(), "remove it first, or edit it by hand") {
			t.Errorf("%s: second Add: %v", c, err)
		}
		if again, _ := os.ReadFile(file); !bytes.Equal(again, first) {
			t.Errorf("%s: the second Add changed the file", c)
		}
		if _, err := os.Lstat(file + ".bak"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: a refused Add wrote FILE.bak (%v)", c, err)
		}
	}
}
