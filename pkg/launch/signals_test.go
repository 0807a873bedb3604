package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The catcher's cases run in a child process (this test binary again,
// with SIGNALS_CASE set): they signal themselves, and the test reads how
// the child ended.
func init() {
	if c := os.Getenv("SIGNALS_CASE"); c != "" {
		os.Exit(signalsCase(c))
	}
}

// caught waits until the catcher has enabled its signals.
func caught() {
	for {
		signals.mu.Lock()
		n := signals.notified
		signals.mu.Unlock()
		if n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func signalsCase(name string) int {
	self := func() { _ = unix.Kill(os.Getpid(), unix.SIGTERM) }
	switch name {
	case "nobody-takes":
		// Caught early, no run there to take it: it acts as uncaught.
		CatchSignals()
		caught()
		self()
	case "released":
		// A run took the signals and has ended.
		signals.take(func(os.Signal) {})()
		self()
	case "another-catches":
		// Something else catches it too (a privileged run's audit
		// does): it goes there, and the process lives on.
		other := make(chan os.Signal, 1)
		signal.Notify(other, unix.SIGTERM)
		CatchSignals()
		caught()
		self()
		select {
		case <-other:
			return 3
		case <-time.After(10 * time.Second):
			return 4
		}
	case "taken":
		// A run takes it, then lets go: the first signal reaches the
		// run, the second ends the process.
		CatchSignals()
		ch := make(chan os.Signal, 1)
		release := signals.take(func(s os.Signal) { ch <- s })
		self()
		select {
		case s := <-ch:
			if s != unix.SIGTERM {
				return 5
			}
		case <-time.After(10 * time.Second):
			return 6
		}
		release()
		self()
	default:
		return 2
	}
	time.Sleep(10 * time.Second)
	return 0 // the signal did not end the process
}

func TestCatcher(t *testing.T) {
	for _, tc := range []struct {
		name string
		exit int // -1: killed by SIGTERM
	}{
		{"nobody-takes", -1},
		{"released", -1},
		{"another-catches", 3},
		{"taken", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := exec.Command(os.Args[0], "-test.run=^$")
			c.Env = append(os.Environ(), "SIGNALS_CASE="+tc.name)
			out, err := c.CombinedOutput()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			ws := c.ProcessState.Sys().(syscall.WaitStatus)
			got := ws.ExitStatus()
			if ws.Signaled() {
				got = -1
				if ws.Signal() != syscall.SIGTERM {
					got = -100 - int(ws.Signal())
				}
			}
			if got != tc.exit {
				t.Errorf("child ended with %s; want %d (-1: killed by SIGTERM)\n%s", describe(ws), tc.exit, out)
			}
		})
	}
}

func describe(ws syscall.WaitStatus) string {
	if ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return fmt.Sprintf("exit %d", ws.ExitStatus())
}

// A signal forwarded before bwrap has reported the sandbox's pid waits
// for the report, and one held when bwrap ends without it is dropped.
func TestForwardHoldsUntilTheSandboxPid(t *testing.T) {
	var got []syscall.Signal
	s := newStatusReports()
	s.deliver = func(sig syscall.Signal) { got = append(got, sig) }
	s.forward(unix.SIGTERM)
	if len(got) != 0 {
		t.Fatalf("delivered before the sandbox's pid: %v", got)
	}
	s.read(strings.NewReader(fmt.Sprintf(`{"child-pid": %d}`, os.Getpid())))
	if len(got) != 1 || got[0] != unix.SIGTERM {
		t.Errorf("after the report: delivered %v, want [SIGTERM]", got)
	}
	s.close()

	got = nil
	s = newStatusReports()
	s.deliver = func(sig syscall.Signal) { got = append(got, sig) }
	s.forward(unix.SIGINT)
	s.read(strings.NewReader(""))
	if len(got) != 0 {
		t.Errorf("bwrap ended without a report: delivered %v, want nothing", got)
	}
}
