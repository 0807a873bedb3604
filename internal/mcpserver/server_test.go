package mcpserver

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/sandbox"
)

func TestReadable(t *testing.T) {
	sig := "SIGKILL"
	limits := launch.Limits{Timeout: 30 * time.Second, MaxOutput: 1024}
	for _, tc := range []struct {
		rep  sandbox.Report
		want string
	}{
		{sandbox.Report{ExitCode: 0, Stdout: "a\nb", StdoutEncoding: "utf-8"}, "exit code 0\n--- stdout\na\nb\n"},
		{sandbox.Report{ExitCode: 2, Stderr: "oops\n", StderrEncoding: "utf-8", StdoutEncoding: "utf-8"}, "exit code 2\n--- stderr\noops\n"},
		{sandbox.Report{ExitCode: 137, Signal: &sig}, "killed by SIGKILL (exit code 137)\n"},
		{sandbox.Report{ExitCode: 124, TimedOut: true, Stdout: "part\n", StdoutEncoding: "utf-8"}, "timed out after 30s: the sandbox was killed; partial output below\n--- stdout\npart\n"},
		{sandbox.Report{Stdout: "AAEC", StdoutEncoding: "base64", StdoutTruncated: true},
			"exit code 0\n--- stdout (truncated at 1024 bytes) (binary: base64-encoded in the structured result's stdout field)\n"},
	} {
		if got := readable(tc.rep, limits); got != tc.want {
			t.Errorf("readable(%+v) =\n%q\nwant\n%q", tc.rep, got, tc.want)
		}
	}
}

func TestExplain(t *testing.T) {
	s, err := New(Options{Profiles: []*profile.Profile{{Name: "minimal", AllowedCommands: []string{"ls", "cat"}, Environment: map[string]string{}}}})
	if err != nil {
		t.Fatal(err)
	}
	p := s.opts.Profiles[0]
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&bwrap.NotAllowedError{Command: "rm"}, `refused: the profile "minimal" does not allow "rm". It allows: ls, cat. Use one of those, or another profile (see list_profiles)`},
		{&bwrap.CommandNotFoundError{Command: "htop", Err: bwrap.ErrNotFound}, `not found: "htop" does not exist inside the sandbox of profile "minimal" (searched PATH=/bin:/usr/bin)`},
		{errors.New("bwrap exploded"), "the sandbox could not be set up: bwrap exploded"},
	} {
		argv := []string{"rm"}
		if strings.Contains(tc.want, "htop") {
			argv = []string{"htop"}
		}
		if got := s.explain(p, argv, tc.err).Error(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("explain(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if _, err := s.profile("nope"); err == nil || !strings.Contains(err.Error(), `no profile "nope" is offered; the profiles are: minimal`) {
		t.Errorf("unknown profile: %v", err)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("a server without profiles")
	}
}

// The errors a tool returns keep their cause: the SDK shows the model
// only the text, but a caller inside shannot can still match it.
func TestErrorsKeepTheCause(t *testing.T) {
	cause := errors.New("connection refused")
	remote := func(context.Context, string, *profile.Profile, []string, string, launch.Limits) (sandbox.Report, error) {
		return sandbox.Report{}, cause
	}
	p := &profile.Profile{Name: "minimal", Environment: map[string]string{}}
	s, err := New(Options{Profiles: []*profile.Profile{p}, Hosts: []string{"web1"}, Remote: remote})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.runRemote(context.Background(), "web1", p, []string{"ls"}, "", launch.Limits{})
	if want := "could not run on web1: connection refused"; err == nil || err.Error() != want || !errors.Is(err, cause) {
		t.Errorf("runRemote: %v; want %q wrapping the cause", err, want)
	}
	err = s.explain(p, []string{"ls"}, cause)
	if want := "the sandbox could not be set up: connection refused"; err == nil || err.Error() != want || !errors.Is(err, cause) {
		t.Errorf("explain: %v; want %q wrapping the cause", err, want)
	}
}
