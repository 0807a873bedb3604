package launch

import (
	"errors"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/internal/systrace"
)

// A traced run is the same run: status, output, limits.
func TestTracedLaunch(t *testing.T) {
	for _, code := range []int{0, 1, 3, 126} {
		l, stdout, stderr := newFake(t, "exit", strconv.Itoa(code))
		started := 0
		l.Tracer = &systrace.Tracer{Started: func(int) { started++ }}
		st, _, err := run(t, l)
		if err != nil {
			t.Fatalf("exit %d: Run: %v (stderr %q)", code, err, stderr)
		}
		if diff := cmp.Diff(st, Status{ExitCode: code}); diff != "" {
			t.Errorf("exit %d: status (-got +want):\n%s", code, diff)
		}
		if stdout.String() != "out\n" || stderr.String() != "err\n" || started != 1 {
			t.Errorf("exit %d: stdout %q, stderr %q, started %d times", code, stdout, stderr, started)
		}
	}
	l, _, _ := newFake(t, "dies-after-start")
	l.Tracer = &systrace.Tracer{}
	var se *SetupError
	if _, _, err := run(t, l); !errors.As(err, &se) || se.ExitCode != 1 {
		t.Errorf("traced setup failure: %v", err)
	}
	l, _, _ = newFake(t, "sleep", "30")
	l.Tracer = &systrace.Tracer{}
	l.Limits.Timeout = 200e6
	if st, took, err := run(t, l); err != nil || !st.TimedOut || took.Seconds() > 10 {
		t.Errorf("traced timeout: %+v after %s, %v", st, took, err)
	}
	l, stdout, _ := newFake(t, "print", "5000")
	l.Tracer = &systrace.Tracer{}
	l.Limits.MaxOutput = 100
	if st, _, err := run(t, l); err != nil || !st.StdoutTruncated || stdout.Len() != 100 {
		t.Errorf("traced --max-output: %+v, %d bytes, %v", st, stdout.Len(), err)
	}
}

// With StatusUnreported, a run whose exit code bwrap never reported but
// whose sandbox started ends with bwrap's own exit status.
func TestStatusUnreported(t *testing.T) {
	l, _, _ := newFake(t, "dies-after-start")
	l.StatusUnreported = true
	if st, _, err := run(t, l); err != nil || st.ExitCode != 1 {
		t.Errorf("dies-after-start, status unreported: %+v, %v; want exit 1", st, err)
	}
	// Before the sandbox started, it is still bwrap's failure.
	l, _, _ = newFake(t, "setup-fails")
	l.StatusUnreported = true
	var se *SetupError
	if _, _, err := run(t, l); !errors.As(err, &se) {
		t.Errorf("setup-fails, status unreported: %v; want a *SetupError", err)
	}
}
