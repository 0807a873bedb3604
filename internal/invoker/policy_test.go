package invoker

import (
	"errors"
	"testing"
)

func TestAdmit(t *testing.T) {
	tests := []struct {
		name    string
		command string
		flags   map[string][]string
		refused string // the flag refused, "-" for the command, "" for none
	}{
		{name: "run with a pinned profile", command: "run", flags: map[string][]string{"": {"profile"}, "run": {"json", "timeout"}}},
		{name: "short profile flag", command: "run", flags: map[string][]string{"": {"p"}}},
		{name: "help always", command: "run", flags: map[string][]string{"run": {"help"}}},
		{name: "force", command: "run", flags: map[string][]string{"run": {"force"}}, refused: "force"},
		{name: "explain denials", command: "run", flags: map[string][]string{"run": {"explain-denials"}}},
		{name: "learn to stdout", command: "seccomp learn", flags: map[string][]string{"seccomp learn": {"o", "timeout"}}},
		{name: "learn without a base", command: "seccomp learn", flags: map[string][]string{"seccomp learn": {"o", "no-base"}}, refused: "no-base"},
		{name: "learn within another base", command: "seccomp learn", flags: map[string][]string{"seccomp learn": {"o", "base"}}, refused: "base"},
		{name: "learn merging into a file", command: "seccomp learn", flags: map[string][]string{"seccomp learn": {"o", "merge"}}, refused: "merge"},
		{name: "bwrap", command: "run", flags: map[string][]string{"": {"bwrap"}}, refused: "bwrap"},
		{name: "target", command: "run", flags: map[string][]string{"": {"target"}}, refused: "target"},
		{name: "ssh option", command: "run", flags: map[string][]string{"": {"ssh-option"}}, refused: "ssh-option"},
		{name: "remote install", command: "remote install", refused: "-"},
		// remote test runs ssh with the caller's configuration and options,
		// whose ProxyCommand and Match exec lines run commands as root.
		{name: "remote test", command: "remote test", refused: "-"},
		{name: "probe", command: "__probe", refused: "-"},
		{name: "complete", command: "__complete", refused: "-"},
		{name: "remote envelope", command: "__remote", refused: "-"},
		{name: "man", command: "__man", refused: "-"},
		{name: "mcp install", command: "mcp install", refused: "-"},
		// mcp test starts a server as root and runs a command in it: nothing
		// a sudoers rule for mcp does not already allow, but not asked for.
		{name: "mcp test", command: "mcp test", refused: "-"},
		{name: "completion", command: "completion", refused: "-"},
		{name: "a command nobody listed", command: "frobnicate", refused: "-"},
		{name: "a flag nobody listed", command: "verify", flags: map[string][]string{"verify": {"new-flag"}}, refused: "new-flag"},
		{name: "a flag of an unlisted level", command: "run", flags: map[string][]string{"remote": {"x"}}, refused: "x"},
		{name: "mcp server", command: "mcp", flags: map[string][]string{"mcp": {"profile", "max-concurrent"}}},
		{name: "mcp target", command: "mcp", flags: map[string][]string{"mcp": {"target"}}, refused: "target"},
		{name: "profile schema prints", command: "profile schema"},
		{name: "profile schema with a flag nobody listed", command: "profile schema", flags: map[string][]string{"profile schema": {"output"}}, refused: "output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Admit(tt.command, tt.flags)
			var re *RefusedError
			switch {
			case tt.refused == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.refused == "":
			case !errors.As(err, &re):
				t.Fatalf("err = %v, want a refusal of %q", err, tt.refused)
			case tt.refused == "-" && re.Flag != "":
				t.Fatalf("refused flag %q, want the command refused", re.Flag)
			case tt.refused != "-" && re.Flag != tt.refused:
				t.Fatalf("refused %+v, want flag %q", re, tt.refused)
			}
		})
	}
}
