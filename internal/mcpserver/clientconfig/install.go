package clientconfig

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// What --client takes besides a client's name.
const (
	// All is every known client.
	All = "all"
	// Auto is the clients Detect finds under the home directory.
	Auto = "auto"
)

// markers are the paths whose presence under home says a client is
// installed (it keeps its configuration there once it has run).
func markers(client string) []string {
	switch client {
	case ClaudeCode:
		return []string{".claude.json", ".claude"}
	case ClaudeDesktop:
		return []string{filepath.Join(".config", "Claude")}
	case Codex:
		return []string{".codex"}
	case LMStudio:
		return []string{".lmstudio"}
	}
	return nil
}

// Detect is the clients installed for the user whose home this is: those
// whose configuration file or directory exists (see markers), in the
// order of Clients. It reads nothing, only looks whether the paths exist.
func Detect(home string) []string {
	var found []string
	for _, c := range Clients() {
		for _, m := range markers(c) {
			if _, err := os.Lstat(filepath.Join(home, m)); err == nil {
				found = append(found, c)
				break
			}
		}
	}
	return found
}

// Resolve is the clients --client names: one client, All, or Auto (the
// ones Detect finds; none found is an error that says where it looked).
func Resolve(client, home string) ([]string, error) {
	switch client {
	case All:
		return Clients(), nil
	case Auto:
		found := Detect(home)
		if len(found) == 0 {
			var looked []string
			for _, c := range Clients() {
				for _, m := range markers(c) {
					looked = append(looked, "~/"+m)
				}
			}
			return nil, fmt.Errorf("no MCP client found (looked for %s); name one with --client %s", strings.Join(looked, ", "), strings.Join(Clients(), "|"))
		}
		return found, nil
	}
	if _, ok := DefaultFile(client, home); !ok {
		return nil, fmt.Errorf("unknown MCP client %q: --client is %s, %s or %s", client, strings.Join(Clients(), ", "), All, Auto)
	}
	return []string{client}, nil
}

// Install prints (or with write, adds) the entry for each client, in its
// usual file under home, or in file when one client is named. With
// several clients, one that cannot take the entry (an existing "shannot"
// entry, a file it cannot decode) is reported on msg, prefixed with
// prog, and the others are still done; the error then names the clients
// left out. With one client its error is returned as it is.
func Install(clients []string, home, file string, e Entry, write bool, out, msg io.Writer, prog string) error {
	if file != "" && len(clients) > 1 {
		return fmt.Errorf("--config names one file, and %d clients were chosen (%s); give one --client with it", len(clients), strings.Join(clients, ", "))
	}
	var failed []string
	for i, c := range clients {
		f := file
		if f == "" {
			f, _ = DefaultFile(c, home)
		}
		if !write {
			if i > 0 {
				fmt.Fprintln(out)
			}
			if err := Print(out, c, f, e); err != nil {
				return err
			}
			continue
		}
		err := Add(c, f, e)
		switch {
		case err == nil:
			fmt.Fprintf(msg, "%s: added the \"shannot\" MCP server to %s\n", prog, f)
		case len(clients) == 1:
			return err
		default:
			fmt.Fprintf(msg, "%s: %s: not added: %v\n", prog, c, err)
			failed = append(failed, c)
		}
	}
	switch {
	case len(failed) == len(clients):
		return errors.New("the entry was added for none of " + strings.Join(failed, ", ") + " (see above)")
	case len(failed) > 0:
		return errors.New("the entry was not added for " + strings.Join(failed, ", ") + " (see above); the other clients have it")
	}
	return nil
}
