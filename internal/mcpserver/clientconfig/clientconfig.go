package clientconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/shannot-project/shannot/internal/atomicfile"
)

// The clients, as mcp install's --client names them.
const (
	ClaudeCode    = "claude-code"
	ClaudeDesktop = "claude-desktop"
	Codex         = "codex"
	LMStudio      = "lmstudio"
)

// Clients are the known clients, in the order help texts list them.
func Clients() []string { return []string{ClaudeCode, ClaudeDesktop, Codex, LMStudio} }

// Entry is how a client starts the server: a program and its arguments.
type Entry struct {
	Command string   `json:"command" toml:"command"`
	Args    []string `json:"args" toml:"args"`
}

// DefaultFile is client's usual configuration file under home; ok is
// false for a client this package does not know.
func DefaultFile(client, home string) (file string, ok bool) {
	switch client {
	case ClaudeCode:
		return filepath.Join(home, ".claude.json"), true
	case ClaudeDesktop:
		return filepath.Join(home, ".config", "Claude", "claude_desktop_config.json"), true
	case Codex:
		return filepath.Join(home, ".codex", "config.toml"), true
	case LMStudio:
		return filepath.Join(home, ".lmstudio", "mcp.json"), true
	}
	return "", false
}

// unknownClient is the error for a client DefaultFile does not know.
func unknownClient(client string) error {
	return fmt.Errorf("unknown MCP client %q: the clients are %s", client, strings.Join(Clients(), ", "))
}

// Print writes to w the entry to add to client's configuration file, as
// a user would add it by hand, after a comment naming file.
func Print(w io.Writer, client, file string, e Entry) error {
	switch client {
	case Codex:
		table, err := tomlTable(e)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "# add to %s (or run again with --write)\n%s", file, table)
		return err
	case ClaudeCode, ClaudeDesktop, LMStudio:
	default:
		return unknownClient(client)
	}
	out, err := json.MarshalIndent(map[string]map[string]Entry{"mcpServers": {"shannot": e}}, "", "  ")
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(w, "// merge into %s (or run again with --write)\n%s\n", file, out); err != nil {
		return err
	}
	if client == ClaudeCode {
		_, err = fmt.Fprintf(w, "// or: claude mcp add shannot -- %s\n", strings.Join(append([]string{e.Command}, e.Args...), " "))
	}
	return err
}

// Add adds the "shannot" entry to client's configuration file, keeping
// every other entry and the previous contents as FILE.bak; it refuses to
// replace an existing "shannot" entry, to edit a file it cannot decode,
// and to read or replace anything but a regular file.
func Add(client, file string, e Entry) error {
	switch client {
	case Codex:
		return addTOML(file, e)
	case ClaudeCode, ClaudeDesktop, LMStudio:
		return addJSON(file, e)
	}
	return unknownClient(client)
}

// addJSON adds mcpServers.shannot to a JSON configuration file.
func addJSON(file string, e Entry) error {
	if err := checkFile(file); err != nil {
		return err
	}
	doc := map[string]json.RawMessage{}
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return err
	default:
		if err := json.Unmarshal(data, &doc); err != nil {
			return fmt.Errorf("%s is not a JSON object (%w); fix it or add the entry by hand", file, err)
		}
	}
	servers := map[string]json.RawMessage{}
	if raw, ok := doc["mcpServers"]; ok {
		if err := json.Unmarshal(raw, &servers); err != nil {
			return fmt.Errorf("%s: mcpServers is not an object (%w)", file, err)
		}
	}
	if _, ok := servers["shannot"]; ok {
		return fmt.Errorf("%s already has an MCP server named \"shannot\"; remove it first, or edit it by hand", file)
	}
	if servers["shannot"], err = json.Marshal(e); err != nil {
		return err
	}
	if doc["mcpServers"], err = json.Marshal(servers); err != nil {
		return err
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return replace(file, append(out, '\n'), data)
}

// addTOML appends [mcp_servers.shannot] to codex's TOML file; the rest of
// the file stays byte for byte as it was.
func addTOML(file string, e Entry) error {
	if err := checkFile(file); err != nil {
		return err
	}
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var doc struct {
		Servers map[string]any `toml:"mcp_servers"`
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return fmt.Errorf("%s is not valid TOML (%w); fix it or add the entry by hand", file, err)
	}
	if _, ok := doc.Servers["shannot"]; ok {
		return fmt.Errorf("%s already has [mcp_servers.shannot]; remove it first, or edit it by hand", file)
	}
	table, err := tomlTable(e)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	b.Write(data)
	if len(data) > 0 && !bytes.HasSuffix(data, []byte("\n")) {
		b.WriteByte('\n')
	}
	if len(data) > 0 {
		b.WriteByte('\n')
	}
	b.WriteString(table)
	// What is written must still be TOML, with the entry where codex looks.
	if _, err := toml.Decode(b.String(), &doc); err != nil {
		return fmt.Errorf("adding [mcp_servers.shannot] to %s would not give valid TOML (%w); add it by hand", file, err)
	}
	if doc.Servers["shannot"] == nil {
		return fmt.Errorf("adding [mcp_servers.shannot] to %s would not put it where codex reads it; add it by hand", file)
	}
	return replace(file, b.Bytes(), data)
}

// tomlTable is the [mcp_servers.shannot] table, values quoted by the TOML
// encoder.
func tomlTable(e Entry) (string, error) {
	body, err := toml.Marshal(e)
	if err != nil {
		return "", err
	}
	return "[mcp_servers.shannot]\n" + string(body), nil
}

// replace writes data to file atomically, keeping old (the contents read)
// as FILE.bak and the file's permission bits. FILE and FILE.bak must be
// regular files or not exist: a rename would replace a device, a FIFO or
// a symbolic link (not its target) with a regular file.
func replace(file string, data, old []byte) error {
	if err := checkFile(file); err != nil {
		return err
	}
	mode := os.FileMode(0o600)
	if st, err := os.Lstat(file); err == nil {
		mode = st.Mode().Perm()
		if err := atomicfile.Write(file+".bak", old, mode); err != nil {
			return fileError(file+".bak", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	return fileError(file, atomicfile.Write(file, data, mode))
}

// checkFile refuses a configuration file that is not a regular file,
// before it is read (a FIFO would block) or replaced.
func checkFile(file string) error {
	return fileError(file, atomicfile.Check(file))
}

// notRegularError is a configuration file (or its FILE.bak) that exists
// and is not a regular file, and was left as it is.
type notRegularError struct {
	File string
	Err  *atomicfile.NotRegularError
}

func (e *notRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file, and is left as it is: run without --write and add the entry by hand", e.File, e.Err.Kind)
}

func (e *notRegularError) Unwrap() error { return e.Err }

// fileError words atomicfile's refusal for file; other errors, and nil,
// are returned as they are.
func fileError(file string, err error) error {
	var nre *atomicfile.NotRegularError
	if errors.As(err, &nre) {
		return &notRegularError{File: file, Err: nre}
	}
	return err
}
