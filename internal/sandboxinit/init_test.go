package sandboxinit

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestArgsParseRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		fd       int
		writable []string
		argv     []string
	}{
		{"diagnostics", 5, []string{"/dev", "/home", "/tmp"}, []string{"df", "-h"}},
		{"no writable mount", 3, nil, []string{"ps", "aux"}},
		{"command that looks like an option", 4, []string{"/tmp"}, []string{"--write", "--", "-x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := Args(tt.fd, tt.writable, tt.argv)
			if !strings.HasPrefix(args[0], "/proc/self/fd/") {
				t.Fatalf("Args()[0] = %q, want the init's descriptor under /proc/self/fd", args[0])
			}
			got, err := Parse(args[1:])
			if err != nil {
				t.Fatalf("Parse(Args(...)): %v", err)
			}
			want := Request{FD: tt.fd, Writable: tt.writable, Argv: tt.argv}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse(Args(...)) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing", nil, "no -- before the command"},
		{"no command", []string{"--fd", "3", "--"}, "no command after --"},
		{"low descriptor", []string{"--fd", "2", "--", "ls"}, "not a descriptor above 2"},
		{"not a number", []string{"--fd", "x", "--", "ls"}, "not a descriptor above 2"},
		{"relative writable path", []string{"--write", "tmp", "--", "ls"}, "not an absolute path"},
		{"missing value", []string{"--write"}, "needs a value"},
		{"unknown argument", []string{"--read", "/", "--", "ls"}, `unknown argument "--read"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.args)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) = %v, want an error containing %q", tt.args, err, tt.want)
			}
		})
	}
}
