package invoker

import (
	"fmt"
	"slices"
	"strings"
)

// helpFlags are always allowed: they print and exit.
var helpFlags = []string{"help", "h", "version", "v"}

// allowed maps each command a hostile caller may run, by its path of
// subcommand names ("" is shannot itself), to the flags it may set.
// Everything else is refused: remote and its ssh flags (the caller's ssh
// options run commands as root), mcp install and seccomp compile to a
// file (writes as root), --bwrap, --force, --target, completion, and the
// hidden commands (__probe opens files for writing, __remote takes a
// whole sandbox description from the caller, __complete, __man).
var allowed = map[string][]string{
	"": {"profile", "p"},
	// --explain-denials only traces: each traced call fails with the
	// errno the profile's own filter gives it.
	"run":              {"dry-run", "timeout", "max-output", "on-overflow", "json", "no-stdin", "explain-denials", "profile", "p"},
	"export":           {"profile", "p"},
	"verify":           {"profile", "p"},
	"profile list":     {},
	"profile validate": {},
	"profile schema":   {},         // prints the embedded schema
	"seccomp compile":  {"strict"}, // to standard output only: see seccompcompile.go
	"seccomp inspect":  {"json"},
	"seccomp explain":  {"arch", "json"},
	"seccomp presets":  {},
	// learn within the profile's own policy only (no --base, --no-base),
	// to standard output only (no --merge; -o - is checked in learn.go),
	// audit-logged: it can allow nothing the profile's filter denies.
	"seccomp learn": {"output", "o", "timeout", "profile", "p"},
	"doctor":        {"json"},
	"mcp":           {"profile", "p", "max-concurrent"},
	"help":          {},
}

// RefusedError is a command or flag refused for a hostile caller.
type RefusedError struct {
	Command string // the subcommand path, "" for shannot itself
	Flag    string // the flag, or "" when the command itself is refused
}

func (e *RefusedError) Error() string {
	if e.Flag != "" {
		dash := "--"
		if len(e.Flag) == 1 {
			dash = "-"
		}
		return fmt.Sprintf("%s%s%s: refused when shannot runs as root for another user", dash, e.Flag, on(e.Command))
	}
	return fmt.Sprintf("shannot %s: refused when shannot runs as root for another user (allowed: %s)", e.Command, strings.Join(Commands(), ", "))
}

func on(cmd string) string {
	if cmd == "" {
		return ""
	}
	return " (of " + cmd + ")"
}

// Admit returns nil when a hostile caller may run command (its path of
// subcommand names) with the flags set at each level: flags maps each
// level's path ("" for shannot's global flags) to the names set there.
func Admit(command string, flags map[string][]string) error {
	if _, ok := allowed[command]; !ok {
		return &RefusedError{Command: command}
	}
	levels := make([]string, 0, len(flags))
	for level := range flags {
		levels = append(levels, level)
	}
	slices.Sort(levels)
	for _, level := range levels {
		ok, known := allowed[level]
		for _, f := range flags[level] {
			if slices.Contains(helpFlags, f) {
				continue
			}
			if !known || !slices.Contains(ok, f) {
				return &RefusedError{Command: level, Flag: f}
			}
		}
	}
	return nil
}

// Commands lists what a hostile caller may run, sorted.
func Commands() []string {
	var out []string
	for c := range allowed {
		if c != "" {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}
