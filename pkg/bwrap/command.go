package bwrap

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shannot-project/shannot/pkg/profile"
)

// NotAllowedError is a command that the profile's allowed_commands refuses.
type NotAllowedError struct {
	Command string   // argv[0] as given
	Found   string   // the path it resolves to inside the sandbox
	Profile string   // the profile's name
	Allowed []string // the profile's allowed_commands
}

func (e *NotAllowedError) Error() string {
	what := fmt.Sprintf("%q", e.Command)
	if e.Found != e.Command {
		what += fmt.Sprintf(" (%s)", e.Found)
	}
	return fmt.Sprintf("command %s is not allowed by profile %q; allowed: %s", what, e.Profile, strings.Join(e.Allowed, ", "))
}

// CommandNotFoundError is a command that does not exist, or cannot be
// executed, inside the sandbox.
type CommandNotFoundError struct {
	Command string
	Path    string // the sandbox's PATH it was looked up in
	Err     error  // ErrNotFound or ErrNotExecutable
}

func (e *CommandNotFoundError) Error() string {
	if errors.Is(e.Err, ErrNotExecutable) {
		return fmt.Sprintf("command %q is not an executable file inside the sandbox", e.Command)
	}
	if strings.Contains(e.Command, "/") {
		return fmt.Sprintf("command %q not found inside the sandbox; is its directory bound into the profile?", e.Command)
	}
	return fmt.Sprintf("command %q not found inside the sandbox (PATH=%s); is it installed and its directory bound into the profile?", e.Command, e.Path)
}

func (e *CommandNotFoundError) Unwrap() error { return e.Err }

// ResolveCommand finds argv0 inside p's sandbox and checks it against
// allowed_commands. It returns the command's path inside the sandbox, a
// *CommandNotFoundError or a *NotAllowedError.
func ResolveCommand(p *profile.Profile, argv0 string) (string, error) {
	view := NewView(Mounts(p), p.AdditionalArgs)
	found, _, err := view.LookPath(argv0, p.SearchPath())
	if err != nil {
		cause := ErrNotFound
		if errors.Is(err, ErrNotExecutable) {
			cause = ErrNotExecutable
		}
		return "", &CommandNotFoundError{Command: argv0, Path: p.SearchPath(), Err: cause}
	}
	if !p.Allows(found) {
		return "", &NotAllowedError{Command: argv0, Found: found, Profile: p.Name, Allowed: p.AllowedCommands}
	}
	return found, nil
}
