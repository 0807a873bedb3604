package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"
)

// Every flag of the app, at every depth, has its names worked out once:
// a flag of a kind fastFlag does not know would bring the regexp back
// into every launch.
func TestFastNamesEveryFlag(t *testing.T) {
	app := New(Env{Stdout: io.Discard, Stderr: io.Discard})
	n := 0
	check := func(path string, flags []cli.Flag) {
		for _, f := range flags {
			n++
			var slow []string
			switch f := f.(type) {
			case *boolFlag:
				slow = f.BoolFlag.Names()
			case *stringFlag:
				slow = f.StringFlag.Names()
			case *intFlag:
				slow = f.IntFlag.Names()
			case *genericFlag:
				slow = f.GenericFlag.Names()
			case *stringSliceFlag:
				slow = f.StringSliceFlag.Names()
			default:
				t.Errorf("%s: flag %v is a %T, which fastFlag leaves to urfave/cli's Names (a regexp at every call); add its kind", path, f.Names(), f)
				continue
			}
			if diff := cmp.Diff(f.Names(), slow); diff != "" {
				t.Errorf("%s: names (-fast +library):\n%s", path, diff)
			}
		}
	}
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			p := strings.TrimSpace(path + " " + c.Name)
			check(p, c.Flags)
			walk(p, c.Subcommands)
		}
	}
	check("shannot", app.Flags)
	walk("shannot", app.Commands)
	if n < 30 {
		t.Errorf("only %d flags seen; the walk misses some", n)
	}
}

// The flags still parse, and the help flag is urfave/cli's own (the
// library adds it to a command unless that very flag is there).
func TestFastNamesParse(t *testing.T) {
	// Flags of both levels, with values, in both spellings: the run stops
	// at the last flag's check, before anything looks at the host.
	code, _, errOut := runCLI(t, "-p", "readonly", "run", "--timeout", "3", "--max-output", "1KiB", "--on-overflow", "bogus", "--", "cat", "/dev/null")
	if want := `shannot: --on-overflow is truncate or kill, not "bogus" (see shannot --help)` + "\n"; code != exitFailure || errOut != want {
		t.Fatalf("exit %d, stderr %q, want %q", code, errOut, want)
	}
	code, out, _ := runCLI(t, "run", "--help")
	if code != 0 || !strings.Contains(out, "--help, -h") || strings.Count(out, "--help, -h") != 1 {
		t.Fatalf("run --help: exit %d, help flag not listed once:\n%s", code, out)
	}
	code, _, errOut = runCLI(t, "run", "--no-such-flag", "ls")
	if code != exitFailure || !strings.Contains(errOut, "flag provided but not defined: -no-such-flag") {
		t.Fatalf("unknown flag: exit %d, stderr %q", code, errOut)
	}
}

// flagNames gives what the library's FlagNames gives, with or without a
// comma or space to cut at.
func TestFlagNamesAsTheLibrary(t *testing.T) {
	for _, tc := range []struct {
		name    string
		aliases []string
	}{
		{"profile", nil},
		{"profile", []string{"p"}},
		{"max-output", []string{"m", "o"}},
		{"profile, p", nil},
		{"profile", []string{"p q"}},
		{"a,b", []string{"c", " d"}},
		{"", nil},
	} {
		if diff := cmp.Diff(flagNames(tc.name, tc.aliases), cli.FlagNames(tc.name, tc.aliases)); diff != "" {
			t.Errorf("%q %q (-ours +library):\n%s", tc.name, tc.aliases, diff)
		}
	}
}
