package clientconfig

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDetectAndResolve(t *testing.T) {
	for _, tc := range []struct {
		name    string
		present []string // created under home: a trailing / makes a directory
		want    []string
	}{
		{"nothing", nil, nil},
		{"claude code's file", []string{".claude.json"}, []string{ClaudeCode}},
		{"claude code's directory", []string{".claude/"}, []string{ClaudeCode}},
		{"lm studio", []string{".lmstudio/"}, []string{LMStudio}},
		{"all four, in Clients' order", []string{".lmstudio/", ".codex/", ".config/Claude/", ".claude.json"}, []string{ClaudeCode, ClaudeDesktop, Codex, LMStudio}},
		{"a symbolic link counts", []string{"@.codex"}, []string{Codex}},
		{"unrelated files", []string{".config/other/", ".claude-backup"}, nil},
	} {
		home := t.TempDir()
		for _, p := range tc.present {
			path := filepath.Join(home, strings.TrimPrefix(p, "@"))
			var err error
			switch {
			case strings.HasPrefix(p, "@"):
				err = os.Symlink("/nonexistent", path)
			case strings.HasSuffix(p, "/"):
				err = os.MkdirAll(path, 0o700)
			default:
				err = os.WriteFile(path, []byte("{}"), 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if d := cmp.Diff(Detect(home), tc.want); d != "" {
			t.Errorf("%s: Detect (-got +want):\n%s", tc.name, d)
		}
		got, err := Resolve(Auto, home)
		if tc.want == nil {
			if err == nil || !strings.Contains(err.Error(), "no MCP client found (looked for ~/.claude.json, ~/.claude, ~/.config/Claude, ~/.codex, ~/.lmstudio); name one with --client") {
				t.Errorf("%s: Resolve(auto) = %v, %v", tc.name, got, err)
			}
		} else if d := cmp.Diff(got, tc.want); err != nil || d != "" {
			t.Errorf("%s: Resolve(auto) = %v (-got +want):\n%s", tc.name, err, d)
		}
	}
	for _, tc := range []struct {
		client string
		want   []string
		err    string
	}{
		{All, []string{ClaudeCode, ClaudeDesktop, Codex, LMStudio}, ""},
		{LMStudio, []string{LMStudio}, ""},
		{"cursor", nil, `unknown MCP client "cursor": --client is claude-code, claude-desktop, codex, lmstudio, all or auto`},
	} {
		got, err := Resolve(tc.client, t.TempDir())
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Resolve(%q): %v, want %q", tc.client, err, tc.err)
			}
		} else if d := cmp.Diff(got, tc.want); err != nil || d != "" {
			t.Errorf("Resolve(%q) = %v (-got +want):\n%s", tc.client, err, d)
		}
	}
}

func TestLMStudio(t *testing.T) {
	if f, _ := DefaultFile(LMStudio, "/home/u"); f != "/home/u/.lmstudio/mcp.json" {
		t.Errorf("lmstudio's file: %s", f)
	}
	var out bytes.Buffer
	if err := Print(&out, LMStudio, "/home/u/.lmstudio/mcp.json", entry); err != nil {
		t.Fatal(err)
	}
	want := `// merge into /home/u/.lmstudio/mcp.json (or run again with --write)
{
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
	if d := cmp.Diff(out.String(), want); d != "" {
		t.Errorf("Print (-got +want):\n%s", d)
	}
	// LM Studio's file as it writes it, with another server kept.
	file := filepath.Join(t.TempDir(), "mcp.json")
	if err := os.WriteFile(file, []byte(`{"mcpServers": {"hf-mcp-server": {"url": "https://huggingface.co/mcp"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Add(LMStudio, file, entry); err != nil {
		t.Fatal(err)
	}
	var doc struct{ MCPServers map[string]json.RawMessage }
	data, _ := os.ReadFile(file)
	if err := json.Unmarshal(data, &doc); err != nil || len(doc.MCPServers) != 2 || !strings.Contains(string(doc.MCPServers["hf-mcp-server"]), "huggingface") {
		t.Errorf("after Add: %s (%v)", data, err)
	}
}

func TestInstallSeveral(t *testing.T) {
	home := t.TempDir()
	// codex already has an entry: reported, left as it is, the others done.
	codex, _ := DefaultFile(Codex, home)
	if err := os.MkdirAll(filepath.Dir(codex), 0o700); err != nil {
		t.Fatal(err)
	}
	old := "[mcp_servers.shannot]\ncommand = \"/opt/old/shannot\"\n"
	if err := os.WriteFile(codex, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, msg bytes.Buffer
	err := Install(Clients(), home, "", entry, true, &out, &msg, "shannot-mcp")
	if err == nil || err.Error() != "the entry was not added for codex (see above); the other clients have it" {
		t.Errorf("Install: %v", err)
	}
	wantMsg := "shannot-mcp: added the \"shannot\" MCP server to " + home + "/.claude.json\n" +
		"shannot-mcp: added the \"shannot\" MCP server to " + home + "/.config/Claude/claude_desktop_config.json\n" +
		"shannot-mcp: codex: not added: " + codex + " already has [mcp_servers.shannot]; remove it first, or edit it by hand\n" +
		"shannot-mcp: added the \"shannot\" MCP server to " + home + "/.lmstudio/mcp.json\n"
	if d := cmp.Diff(msg.String(), wantMsg); d != "" || out.Len() != 0 {
		t.Errorf("messages (-got +want):\n%s\nstdout %q", d, out.String())
	}
	if data, _ := os.ReadFile(codex); string(data) != old {
		t.Errorf("codex's file changed: %q", data)
	}
	for _, c := range []string{ClaudeCode, ClaudeDesktop, LMStudio} {
		f, _ := DefaultFile(c, home)
		if data, err := os.ReadFile(f); err != nil || !strings.Contains(string(data), `"/usr/bin/shannot"`) {
			t.Errorf("%s: %s, %v", c, data, err)
		}
	}

	// Again: every client has it now, and none is replaced.
	msg.Reset()
	err = Install(Clients(), home, "", entry, true, &out, &msg, "shannot-mcp")
	if err == nil || err.Error() != "the entry was added for none of claude-code, claude-desktop, codex, lmstudio (see above)" || strings.Count(msg.String(), ": not added: ") != 4 {
		t.Errorf("again: %v\n%s", err, msg.String())
	}
	// One client: its error as it is, nothing printed.
	msg.Reset()
	err = Install([]string{Codex}, home, "", entry, true, &out, &msg, "shannot-mcp")
	if err == nil || !strings.HasSuffix(err.Error(), "already has [mcp_servers.shannot]; remove it first, or edit it by hand") || msg.Len() != 0 {
		t.Errorf("one client: %v, %q", err, msg.String())
	}
	// --config with several clients is refused before anything is done.
	err = Install([]string{ClaudeCode, Codex}, home, "/tmp/x.json", entry, true, &out, &msg, "shannot-mcp")
	if err == nil || !strings.Contains(err.Error(), "--config names one file, and 2 clients were chosen (claude-code, codex)") {
		t.Errorf("--config with two clients: %v", err)
	}
	// Printing: each entry, a blank line between.
	out.Reset()
	if err := Install([]string{ClaudeDesktop, Codex}, "/home/u", "", entry, false, &out, &msg, "shannot-mcp"); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "// merge into /home/u/.config/Claude/claude_desktop_config.json") ||
		!strings.Contains(got, "}\n\n# add to /home/u/.codex/config.toml (or run again with --write)\n[mcp_servers.shannot]\n") {
		t.Errorf("printed:\n%s", got)
	}
}
