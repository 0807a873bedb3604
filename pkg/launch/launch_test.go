package launch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// fakeBwrap stands in for bwrap: it takes --json-status-fd FD first, as
// Launch passes it, skips the options up to "--", and then does what the
// command names, writing the reports bwrap writes on FD: {"child-pid": N}
// once the sandbox's process 1 runs, {"exit-code": N} once the command
// has ended. Its own pid stands for the child's, so that a kill through
// the child's pidfd ends it. It appends its argv to $FAKE_ARGV.
const fakeBwrap = `#!/bin/sh
[ "$1" = --json-status-fd ] || { echo "fake bwrap: want --json-status-fd first, got $*" >&2; exit 2; }
fd=$2
printf '%s\n' "$*" >>"$FAKE_ARGV"
shift 2
while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
shift
started() { echo "{ \"child-pid\": $$ }" >&"$fd"; }
exited() { echo "{ \"exit-code\": $1 }" >&"$fd"; exit "$1"; }
case $1 in
exit) started; echo "out"; echo "err" >&2; exited "$2" ;;
setup-fails) echo "bwrap: Can't mount proc on /newroot/proc: Operation not permitted" >&2; exit 1 ;;
dies-after-start) started; exit 1 ;;
sleep) started; exec sleep "$2" ;;
print) started; head -c "$2" /dev/zero | tr '\0' x; exited 0 ;;
print-slowly) started; for i in 1 2 3 4 5 6 7 8 9 10; do head -c 200 /dev/zero | tr '\0' x; sleep 0.02; done; exited 0 ;;
flood) started; exec yes ;;
id) started; id -u; id -g; pwd; exited 0 ;;
*) echo "fake bwrap: unknown command $1" >&2; exit 2 ;;
esac
`

// newFake writes the fake bwrap into a directory every user can reach
// (the Credential test runs it as nobody) and returns a Launch of it.
func newFake(t *testing.T, argv ...string) (*Launch, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bwrap := filepath.Join(dir, "bwrap")
	if err := os.WriteFile(bwrap, []byte(fakeBwrap), 0o755); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	return &Launch{
		Bwrap:  bwrap,
		Args:   []string{"--unshare-all", "--die-with-parent", "--"},
		Argv:   argv,
		Env:    []string{"PATH=/usr/bin:/bin", "FAKE_ARGV=" + filepath.Join(dir, "argv")},
		Stdout: &stdout,
		Stderr: &stderr,
	}, &stdout, &stderr
}

// runBoth runs l with a context, which has Run supervise it from a
// goroutine, or, with inline, without one (context.Background, no
// limits), which has Run read bwrap's reports itself.
func runBoth(t *testing.T, l *Launch, inline bool) (Status, error) {
	t.Helper()
	if !inline {
		st, _, err := run(t, l)
		return st, err
	}
	type result struct {
		st  Status
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := l.Run(context.Background())
		done <- result{st, err}
	}()
	select {
	case r := <-done:
		return r.st, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return within 20s")
		return Status{}, nil
	}
}

// run runs l, failing the test if it takes more than a few seconds.
func run(t *testing.T, l *Launch) (Status, time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	st, err := l.Run(ctx)
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("Run did not return within 20s: %+v, %v", st, err)
	}
	return st, took, err
}

func TestLaunchPassesTheExitStatusOn(t *testing.T) {
	for _, inline := range []bool{false, true} {
		for _, code := range []int{0, 1, 3, 125, 126, 127} {
			l, stdout, stderr := newFake(t, "exit", strconv.Itoa(code))
			st, err := runBoth(t, l, inline)
			if err != nil {
				t.Fatalf("inline %v, exit %d: Run: %v (stderr %q)", inline, code, err, stderr)
			}
			if diff := cmp.Diff(st, Status{ExitCode: code}); diff != "" {
				t.Errorf("inline %v, exit %d: status (-got +want):\n%s", inline, code, diff)
			}
			if stdout.String() != "out\n" || stderr.String() != "err\n" {
				t.Errorf("inline %v, exit %d: stdout %q, stderr %q; want \"out\\n\", \"err\\n\"", inline, code, stdout, stderr)
			}
		}
	}
}

func TestLaunchArgv(t *testing.T) {
	l, _, _ := newFake(t, "exit", "0")
	filter, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer filter.Close()
	// The filter is descriptor 3: the status pipe comes after Files.
	l.Files = []*os.File{filter}
	l.Args = []string{"--seccomp", "3", "--"}
	if _, _, err := run(t, l); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(strings.TrimPrefix(l.Env[1], "FAKE_ARGV="))
	if err != nil {
		t.Fatal(err)
	}
	if want := "--json-status-fd 4 --seccomp 3 -- exit 0\n"; string(got) != want {
		t.Errorf("bwrap's argv: %q, want %q", got, want)
	}
}

func TestLaunchSetupError(t *testing.T) {
	for _, inline := range []bool{false, true} {
		for _, mode := range []string{"setup-fails", "dies-after-start"} {
			// bwrap's own failures exit 1, as a command's exit 1 does:
			// only the missing exit-code report tells them apart.
			l, _, stderr := newFake(t, mode)
			st, err := runBoth(t, l, inline)
			var se *SetupError
			if !errors.As(err, &se) || se.ExitCode != 1 {
				t.Errorf("inline %v, %s: Run = %+v, %v; want a *SetupError with exit status 1", inline, mode, st, err)
			}
			if mode == "setup-fails" && !strings.Contains(stderr.String(), "Can't mount proc") {
				t.Errorf("inline %v, %s: bwrap's message did not reach stderr: %q", inline, mode, stderr)
			}
		}
	}
}

func TestLaunchTimeout(t *testing.T) {
	l, _, _ := newFake(t, "sleep", "30")
	l.Limits.Timeout = 200 * time.Millisecond
	st, took, err := run(t, l)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(st, Status{ExitCode: ExitTimedOut, TimedOut: true}); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
	if took > 10*time.Second {
		t.Errorf("a 200ms timeout took %v", took)
	}
}

func TestLaunchContextCancelled(t *testing.T) {
	l, _, _ := newFake(t, "sleep", "30")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := l.Run(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run = %v, want %v", err, context.DeadlineExceeded)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("cancelling took %v", took)
	}
}

func TestLaunchMaxOutput(t *testing.T) {
	// Beyond the limit output is dropped and the command runs on to its
	// own end.
	l, stdout, _ := newFake(t, "print", "100000")
	l.Limits.MaxOutput = 1000
	st, _, err := run(t, l)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(st, Status{ExitCode: 0, StdoutTruncated: true}); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
	if stdout.String() != strings.Repeat("x", 1000) {
		t.Errorf("stdout: %d bytes, want the first 1000", stdout.Len())
	}

	// The limit counts across writes.
	l, stdout, _ = newFake(t, "print-slowly")
	l.Limits.MaxOutput = 1000
	if st, _, err := run(t, l); err != nil || st != (Status{StdoutTruncated: true}) || stdout.String() != strings.Repeat("x", 1000) {
		t.Errorf("2000 bytes in 200-byte writes under a 1000-byte limit: %+v, %v, %d bytes", st, err, stdout.Len())
	}

	// Within the limit nothing is cut.
	l, stdout, _ = newFake(t, "print", "1000")
	l.Limits.MaxOutput = 1000
	if st, _, err := run(t, l); err != nil || st != (Status{}) || stdout.Len() != 1000 {
		t.Errorf("1000 bytes under a 1000-byte limit: %+v, %v, %d bytes", st, err, stdout.Len())
	}
}

func TestLaunchKillOnOverflow(t *testing.T) {
	// The command would write forever: the overflow has to kill it.
	l, stdout, _ := newFake(t, "flood")
	l.Limits = Limits{MaxOutput: 4096, KillOnOverflow: true}
	st, took, err := run(t, l)
	if err != nil {
		t.Fatal(err)
	}
	want := Status{ExitCode: 128 + int(syscall.SIGKILL), Overflowed: true, StdoutTruncated: true}
	if diff := cmp.Diff(st, want); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
	if stdout.Len() != 4096 {
		t.Errorf("stdout: %d bytes, want 4096", stdout.Len())
	}
	if took > 10*time.Second {
		t.Errorf("killing on overflow took %v", took)
	}
}

func TestLaunchCredential(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: Launch.Credential changes the user bwrap runs as")
	}
	const nobody = 65534
	l, stdout, stderr := newFake(t, "id")
	l.Credential = &syscall.Credential{Uid: nobody, Gid: nobody}
	st, _, err := run(t, l)
	if err != nil || st != (Status{}) {
		t.Fatalf("Run = %+v, %v (stderr %q)", st, err, stderr)
	}
	// bwrap runs as the credential's user, in /, which it can reach.
	if want := "65534\n65534\n/\n"; stdout.String() != want {
		t.Errorf("uid, gid, cwd: %q, want %q", stdout, want)
	}
}

// The status reader gives what a json.Decoder over the stream gives, for
// what bwrap writes (one line, or over several lines with the
// namespaces' ids) and for what it does not.
func TestStatusReportsRead(t *testing.T) {
	type result struct {
		PID, Code      int
		Started, Ended bool
	}
	decoder := func(stream string) (r result) {
		dec := json.NewDecoder(strings.NewReader(stream))
		for {
			var m struct {
				ChildPID *int `json:"child-pid"`
				ExitCode *int `json:"exit-code"`
			}
			if dec.Decode(&m) != nil {
				return r
			}
			if m.ChildPID != nil {
				r.PID, r.Started = *m.ChildPID, true
			}
			if m.ExitCode != nil {
				r.Code, r.Ended = *m.ExitCode, true
			}
		}
	}
	for _, stream := range []string{
		"{ \"child-pid\": 12 }\n{ \"exit-code\": 3 }\n",
		"{\n    \"child-pid\": 4242,\n    \"cgroup-namespace\": 4026531835,\n    \"ipc-namespace\": 4026532281,\n    \"mnt-namespace\": 4026532279\n}\n{\n    \"exit-code\": 0\n}\n",
		`{"child-pid": 7}`,                            // no exit: the command did not end
		`{"child-pid": 7} junk {"exit-code": 1}`,      // the decoder stops at junk
		`{"child-pid": 7, "exit-code": -1}`,           // both in one
		`{"child-pid": 1e2}{"exit-code": 01}`,         // not integers: encoding/json decides
		`{"child-pid": 99999999999999999999}`,         // too large for an int
		`{"note": "a } in a string", "child-pid": 5}`, // braces in strings
		`{"child\u002dpid": 6}`,                       // an escaped key
		`{"exit-code": 2`,                             // cut off
		``,
		`{}`,
	} {
		s := newStatusReports()
		s.read(strings.NewReader(stream))
		got := result{PID: s.childPID, Code: s.exitCode, Started: s.childPID != 0, Ended: s.exited}
		if diff := cmp.Diff(got, decoder(stream)); diff != "" {
			t.Errorf("read(%q) (-got +json.Decoder):\n%s", stream, diff)
		}
		s.close()
	}
}
