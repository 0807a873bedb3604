//go:build integration

package integration

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A host-view run shares the host's PID namespace, so no pid 1 of its own
// takes its processes with it: shannot kills every process left in the
// run's session (bwrap --new-session) when the run ends. Here a sandboxed
// perl double-forks a child that renames itself and sleeps, and a
// "hopper" keeps forking and exiting for 10 s; once shannot returns,
// neither may be alive, and the caller's own sleep (another session, the
// same uid when unprivileged) must be.
func TestHostViewRunLeavesNothing(t *testing.T) {
	type who struct {
		name string
		run  func(t *testing.T, args ...string) result
		cred *syscall.Credential
	}
	var whos []who
	for _, r := range rootAndSudo(t) {
		whos = append(whos, who{r.name, r.run, nil})
	}
	u := unprivileged(t)
	whos = append(whos, who{"user", func(t *testing.T, args ...string) result { return u.run(t, opts{}, args...) }, u.cred})
	// sleeper double-forks: the grandchild renames itself and sleeps. The
	// leftovers let go of the run's output pipes, as a daemon does, so
	// that nothing but shannot's cleanup ends them.
	sleeper := `$| = 1; if (fork() == 0) { if (fork() == 0) { open STDIN, "</dev/null"; open STDOUT, ">/dev/null"; open STDERR, ">/dev/null"; $0 = $ARGV[0]; sleep 120; exit 0 } exit 0 } print "forked\n"`
	// hopper: a chain of processes that each fork and exit, for 10 s.
	// It keeps the run's stdout open: while any of it lives, the test's
	// read of shannot's output does not end, which no scan of /proc can
	// miss.
	hopper := `$| = 1; if (fork() == 0) { my $end = time + 10; while (time < $end) { my $p = fork(); exit 0 if $p; $0 = $ARGV[0] } exit 0 } print "forked\n"`
	for _, w := range whos {
		for _, v := range []struct{ name, script string }{{"sleeper", sleeper}, {"hopper", hopper}} {
			t.Run(w.name+"/"+v.name, func(t *testing.T) {
				// The control: the caller's own unrelated process, in a
				// session of its own.
				control := exec.Command("sleep", "60.25")
				control.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Credential: w.cred}
				if err := control.Start(); err != nil {
					t.Fatal(err)
				}
				defer func() { control.Process.Kill(); control.Wait() }()
				marker := fmt.Sprintf("shannot-it-left-%d-%s-%s", os.Getpid(), w.name, v.name)
				for _, how := range []struct {
					name string
					args []string
					code int
				}{
					{"exit", nil, 0},
					{"timeout", []string{"--timeout", "1s"}, 124},
				} {
					args := throughFindIn("diagnostics", "perl", "-e", v.script+`; sleep 5 if $ARGV[1]`, marker, map[bool]string{false: "0", true: "1"}[how.args != nil])
					args = append(append(append([]string(nil), args[:3]...), how.args...), args[3:]...)
					start := time.Now()
					res := w.run(t, args...)
					took := time.Since(start)
					if !strings.HasPrefix(res.stdout, "forked\n") || res.code != how.code {
						t.Errorf("%s: %q %q (exit %d, want %d)", how.name, res.stdout, res.stderr, res.code, how.code)
					}
					// The hopper lasts 10 s; the run, 1 s at most, and its
					// cleanup 3 s at most.
					if took > 5*time.Second {
						t.Errorf("%s: shannot's output stayed open %s: something of the run held it", how.name, took.Round(time.Millisecond))
					}
					deadline := time.Now().Add(1500 * time.Millisecond)
					var left []string
					for {
						left = withMarker(marker)
						if len(left) == 0 || time.Now().After(deadline) {
							break
						}
						time.Sleep(50 * time.Millisecond)
					}
					if len(left) > 0 {
						t.Errorf("%s: processes outlived the run (1.5 s after shannot returned): %v", how.name, left)
						killMarked(marker)
					}
				}
				if err := control.Process.Signal(syscall.Signal(0)); err != nil {
					t.Errorf("the caller's own sleep in another session did not survive: %v", err)
				}
			})
		}
	}
}

// Through shannot-mcp's run_command (as root and as the unprivileged
// user), a run that leaves a sleeper, and one that times out: nothing of
// either is alive once the call has answered.
func TestHostViewMCPRunLeavesNothing(t *testing.T) {
	sleeper := `$| = 1; if (fork() == 0) { if (fork() == 0) { open STDIN, "</dev/null"; open STDOUT, ">/dev/null"; open STDERR, ">/dev/null"; $0 = $ARGV[0]; sleep 120; exit 0 } exit 0 } print "forked\n"; sleep 5 if $ARGV[1]`
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			s := connect(t, id.mcpCmd(opts{}, "--profile", "diagnostics"))
			for _, timeout := range []bool{false, true} {
				marker := fmt.Sprintf("shannot-it-mcp-left-%d-%s-%v", os.Getpid(), id.name, timeout)
				args := map[string]any{"command": []string{"find", "/", "-maxdepth", "0", "-exec", "perl", "-e", sleeper, marker, map[bool]string{false: "0", true: "1"}[timeout], ";"}}
				if timeout {
					args["timeout_s"] = 2
				}
				_, rep := call(t, s, "run_command", args)
				if !strings.HasPrefix(rep.Stdout, "forked\n") {
					t.Fatalf("run_command (timeout %v): %+v", timeout, rep)
				}
				deadline := time.Now().Add(1500 * time.Millisecond)
				left := withMarker(marker)
				for len(left) > 0 && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
					left = withMarker(marker)
				}
				if len(left) > 0 {
					t.Errorf("run_command (timeout %v): processes outlived the call: %v", timeout, left)
					killMarked(marker)
				}
			}
		})
	}
}

// A root-run shannot killed with SIGKILL cleans up nothing: bwrap dies
// with it (--die-with-parent), a double-forked process does not. Its uid
// is a leased one whose lock died with shannot, so the next root-run
// host view kills it before it leases (identity.Pool.reapOrphans).
//
// Run as a user there is no leased uid: the run records its session and
// user namespace under the user's runtime or cache directory while it
// lives (launch.ReapDeadRuns), and the next run as that user kills what
// a dead run's record names.
func TestHostViewKilledRunIsReapedByTheNext(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("leased uids are for root runs; run the integration tests as root (CI does)")
	}
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) { killedRunIsReaped(t, id) })
	}
}

func killedRunIsReaped(t *testing.T, id identity) {
	marker := fmt.Sprintf("shannot-it-orphan-%d-%s", os.Getpid(), id.name)
	sleeper := `$| = 1; if (fork() == 0) { if (fork() == 0) { open STDIN, "</dev/null"; open STDOUT, ">/dev/null"; open STDERR, ">/dev/null"; $0 = $ARGV[0]; sleep 120; exit 0 } exit 0 } print "forked\n"; sleep 60`
	c := id.cmdOf(shannot, opts{}, throughFindIn("diagnostics", "perl", "-e", sleeper, marker)...)
	out, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer killMarked(marker)
	buf := make([]byte, 7)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "forked\n" {
		c.Process.Kill()
		c.Wait()
		t.Fatalf("the run did not start its sleeper: %q %v", buf, err)
	}
	c.Process.Kill()
	c.Wait()
	time.Sleep(200 * time.Millisecond)
	left := withMarker(marker)
	if len(left) != 1 {
		t.Fatalf("after SIGKILL of shannot: %v, want the one leftover this test is about", left)
	}
	pid, _ := strconv.Atoi(left[0])
	if uid := procUID(t, pid); id.cred == nil && uid < 65536 {
		t.Fatalf("the leftover runs as uid %d, not a leased one", uid)
	}
	res := id.run(t, opts{}, "--profile", "diagnostics", "run", "uname", "-n")
	if res.code != 0 {
		t.Fatalf("the next run: exit %d %q", res.code, res.stderr)
	}
	if left := withMarker(marker); len(left) != 0 {
		t.Errorf("the next host-view run as %s left the dead run's process alive: %v", id.name, left)
	}
}

// withMarker lists the processes whose command line starts with marker.
func withMarker(marker string) []string {
	var found []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && strings.HasPrefix(string(b), marker) {
			found = append(found, e.Name())
		}
	}
	return found
}

// killMarked kills what a failed run left, so that the next test starts
// clean.
func killMarked(marker string) {
	for range 200 {
		left := withMarker(marker)
		if len(left) == 0 {
			return
		}
		for _, p := range left {
			n, _ := strconv.Atoi(p)
			syscall.Kill(n, syscall.SIGKILL)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
