package launch

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want procStat
		err  bool
	}{
		{"plain", "1234 (sleep) S 1 1234 1234 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 123 5 6\n",
			procStat{PID: 1234, Comm: "sleep", State: 'S', PPID: 1, PGRP: 1234, Session: 1234}, false},
		{"comm with spaces", "77 (tmux: server) R 1 70 71 0",
			procStat{PID: 77, Comm: "tmux: server", State: 'R', PPID: 1, PGRP: 70, Session: 71}, false},
		// A process names itself: ") S 1 1 1" inside comm must not be
		// taken for the fields.
		{"comm with parentheses", "4242 (a) S 1 1 1 (b) S 99 4242 5000 0 -1",
			procStat{PID: 4242, Comm: "a) S 1 1 1 (b", State: 'S', PPID: 99, PGRP: 4242, Session: 5000}, false},
		{"comm of one paren", "5 ()) Z 4 3 2 0",
			procStat{PID: 5, Comm: ")", State: 'Z', PPID: 4, PGRP: 3, Session: 2}, false},
		{"empty comm", "6 () S 1 6 6",
			procStat{PID: 6, Comm: "", State: 'S', PPID: 1, PGRP: 6, Session: 6}, false},
		{"comm with newline", "8 (x\ny) S 1 8 9 0",
			procStat{PID: 8, Comm: "x\ny", State: 'S', PPID: 1, PGRP: 8, Session: 9}, false},
		{"truncated", "9 (sh) S 1 9", procStat{}, true},
		{"no comm", "9 sh S 1 9 9", procStat{}, true},
		{"bad pid", "x9 (sh) S 1 9 9", procStat{}, true},
		{"bad session", "9 (sh) S 1 9 nine", procStat{}, true},
		{"bad state", "9 (sh) SS 1 9 9", procStat{}, true},
		{"empty", "", procStat{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat([]byte(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("parseStat(%q) error %v, want error %v", tt.in, err, tt.err)
			}
			if err == nil {
				if d := cmp.Diff(got, tt.want); d != "" {
					t.Errorf("parseStat(%q) (-got +want):\n%s", tt.in, d)
				}
			}
		})
	}
}

func TestParseRealUID(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want uint32
		err  bool
	}{
		{"status", "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1001\t1002\t1003\nGid:\t100\t100\t100\t100\n", 1000, false},
		{"leased", "Uid:\t1879048193\t1879048193\t1879048193\t1879048193\n", 0x70000001, false},
		{"name looks like a Uid line", "Name:\tUid: 0\nUid:\t42\t42\t42\t42\n", 42, false},
		{"no Uid line", "Name:\tx\nGid:\t0\t0\t0\t0\n", 0, true},
		{"empty Uid line", "Uid:\n", 0, true},
		{"bad uid", "Uid:\t-1\t0\t0\t0\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRealUID([]byte(tt.in))
			if (err != nil) != tt.err || (err == nil && got != tt.want) {
				t.Errorf("parseRealUID(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

// killSession kills the processes of the session it is given, only
// those of the uid it is given, and never one of another session (this
// test's own, another sleep's).
func TestKillSession(t *testing.T) {
	start := func() *exec.Cmd {
		c := exec.Command("sleep", "30")
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := c.Start(); err != nil {
			t.Fatalf("starting sleep: %v", err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		return c
	}
	target, other := start(), start()
	uid := uint32(os.Getuid())
	// Another uid: nothing is signalled.
	if left := killSession(target.Process.Pid, uid+1, 50*time.Millisecond); len(left) != 0 {
		t.Errorf("killSession under another uid found %v", left)
	}
	if err := target.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("a process of another uid's filter was killed: %v", err)
	}
	if left := killSession(target.Process.Pid, uid, time.Second); len(left) != 0 {
		t.Errorf("killSession left %v", left)
	}
	done := make(chan error, 1)
	go func() { done <- target.Wait() }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("the session's process is still alive")
	}
	if err := other.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process of another session was killed: %v", err)
	}
	if err := syscall.Kill(os.Getpid(), 0); err != nil {
		t.Errorf("this process: %v", err)
	}
	if left := killSession(1, uid, time.Second); left != nil {
		t.Errorf("killSession(1) = %v, want nothing done", left)
	}
}
