package launch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// startInSession starts a sleeper that leads a session of its own in a
// user namespace of its own, as a sandbox's first process does.
func startInSession(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	c := exec.Command("sleep", "30")
	c.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Cloneflags: unix.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: os.Getuid(), HostID: os.Getuid(), Size: 1}}}
	if err := c.Start(); err != nil {
		t.Skipf("a user namespace for the test's sleeper: %v", err)
	}
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", c.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	return c, ns
}

func killedBySIGKILL(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
}

// A record whose lock is free is a dead run's: its session's processes
// in its user namespace are killed and the record removed. A live run's
// record (locked) and a record whose namespace is another are left, with
// their processes.
func TestReapDeadRuns(t *testing.T) {
	dir := t.TempDir()
	dead, deadNS := startInSession(t)
	live, _ := startInSession(t)
	other, _ := startInSession(t)
	write := func(pid int, ns string) string {
		name := filepath.Join(dir, fmt.Sprint(pid))
		if err := os.WriteFile(name, []byte(fmt.Sprintf("%d %s\n", pid, ns)), 0o600); err != nil {
			t.Fatal(err)
		}
		return name
	}
	deadRec := write(dead.Process.Pid, deadNS)
	liveRec := recordRun(dir, live.Process.Pid)
	if liveRec == nil {
		t.Fatal("recordRun made no record")
	}
	defer liveRec.Close()
	otherRec := write(other.Process.Pid, "user:[1]") // not its namespace
	if left := ReapDeadRuns(dir, uint32(os.Getuid())); len(left) != 0 {
		t.Errorf("survivors: %v", left)
	}
	if err := dead.Wait(); !killedBySIGKILL(err) {
		t.Errorf("the dead run's process: %v, want killed", err)
	}
	for _, c := range []*exec.Cmd{live, other} {
		if err := c.Process.Signal(syscall.Signal(0)); err != nil {
			t.Errorf("process %d was hit: %v", c.Process.Pid, err)
		}
	}
	if _, err := os.Stat(deadRec); err == nil {
		t.Error("the dead run's record stayed")
	}
	if _, err := os.Stat(liveRec.Name()); err != nil {
		t.Errorf("the live run's record was removed: %v", err)
	}
	_ = otherRec // nothing of it was alive: the record goes, the process stays
}
