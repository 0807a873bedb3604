package profile

import (
	"path"
	"slices"
	"strings"
)

// DefaultPath is the PATH execvp uses when the profile sets none.
const DefaultPath = "/bin:/usr/bin"

// SearchPath is the PATH commands are looked up in inside the sandbox.
func (p *Profile) SearchPath() string {
	if v, ok := p.Environment["PATH"]; ok && v != "" {
		return v
	}
	return DefaultPath
}

// Allows reports whether allowed_commands lets a command run. found is
// the path the command resolves to inside the sandbox, with ".." and
// symlinked directories resolved (see bwrap.View.LookPath).
//
// A pattern with a slash matches that path; a pattern without one (a
// name such as "ls" or "systemd-*") matches the command's name when it
// was found in one of the sandbox's PATH directories, so that "ls",
// "/usr/bin/ls" and "/bin/ls" are the same command and "/tmp/ls" is not.
// An empty list allows every command.
//
// This is a convenience, not a security boundary: an allowed command
// such as find or env can run others. The sandbox is the boundary.
func (p *Profile) Allows(found string) bool {
	if len(p.AllowedCommands) == 0 {
		return true
	}
	inPath := slices.Contains(strings.Split(p.SearchPath(), ":"), path.Dir(found))
	for _, pat := range p.AllowedCommands {
		if strings.Contains(pat, "/") {
			if ok, _ := path.Match(path.Clean(pat), found); ok {
				return true
			}
			continue
		}
		if ok, _ := path.Match(pat, path.Base(found)); ok && inPath {
			return true
		}
	}
	return false
}
