package launch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// A sandbox that shares the host's PID namespace has no process 1 of its
// own whose death takes every process of the run with it: a command that
// forks and exits leaves its child running on the host. What still binds
// them is the session: bwrap --new-session makes the sandbox's first
// process (the pid bwrap reports as "child-pid") a session leader, every
// process it starts inherits that session, and the host-view seccomp
// policy refuses setsid, so none can leave it. killSession ends the run
// by killing every process of that session that runs as the run's uid.

// procStat is what killSession needs of /proc/PID/stat.
type procStat struct {
	PID     int
	Comm    string
	State   byte
	PPID    int
	PGRP    int
	Session int
}

// parseStat parses /proc/PID/stat (proc(5)): "pid (comm) state ppid pgrp
// session ...". comm is whatever the process named itself, up to 15
// bytes, spaces and parentheses included: it ends at the last ')'.
func parseStat(b []byte) (procStat, error) {
	var st procStat
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return st, errors.New("no (comm) field")
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return st, fmt.Errorf("pid: %w", err)
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 4 || len(f[0]) != 1 {
		return st, errors.New("too few fields after (comm)")
	}
	st.PID, st.Comm, st.State = pid, string(b[open+1:end]), f[0][0]
	for i, p := range []*int{&st.PPID, &st.PGRP, &st.Session} {
		if *p, err = strconv.Atoi(f[i+1]); err != nil {
			return st, fmt.Errorf("field %d: %w", i+4, err)
		}
	}
	return st, nil
}

// parseRealUID returns the real uid from /proc/PID/status's "Uid:" line
// (real, effective, saved, file system).
func parseRealUID(b []byte) (uint32, error) {
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Uid:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			n, err := strconv.ParseUint(f[0], 10, 32)
			return uint32(n), err
		}
	}
	return 0, errors.New("no Uid line")
}

// member reads pid's stat and status and says whether it is a process of
// session sid running as uid, and its process group.
func member(pid, sid int, uid uint32) (st procStat, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return st, false
	}
	if st, err = parseStat(b); err != nil || st.Session != sid {
		return st, false
	}
	b, err = os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return st, false
	}
	u, err := parseRealUID(b)
	return st, err == nil && u == uid
}

// sessionKillBudget bounds killSession.
const sessionKillBudget = 3 * time.Second

// killSession SIGKILLs every process of session sid whose real uid is
// uid, scanning /proc again until a scan finds none alive (zombies are
// dead: they cannot fork) or budget runs out; it returns the pids still
// alive then. A process of another session, or of another uid, is never
// signalled: each is checked through a pidfd opened before the check, so
// that a pid reused meanwhile is not hit. Its process group is killed as
// well (kill(-pgrp)): that is atomic with respect to fork, so a chain of
// processes that fork and exit faster than /proc can be read is taken at
// once. A group never spans sessions, and it cannot be freed and reused
// while the member just checked lives.
func killSession(sid int, uid uint32, budget time.Duration) []int {
	return killSessionIf(sid, uid, budget, nil)
}

// killSessionIf is killSession for the members for which also(pid) holds
// (every member when also is nil).
func killSessionIf(sid int, uid uint32, budget time.Duration, also func(pid int) bool) []int {
	if sid <= 1 {
		return nil
	}
	deadline := time.Now().Add(budget)
	for {
		alive := scanKill(sid, uid, also)
		if len(alive) == 0 || time.Now().After(deadline) {
			return alive
		}
		time.Sleep(time.Millisecond)
	}
}

// scanKill is one round of killSession: it returns the members it found
// alive (and has just sent SIGKILL).
func scanKill(sid int, uid uint32, also func(pid int) bool) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var alive []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, ok := member(pid, sid, uid); !ok {
			continue
		}
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			continue // gone
		}
		// The pidfd is the process that has pid now: if it is still a
		// member, the pidfd is that member.
		if st, ok := member(pid, sid, uid); ok && (also == nil || also(pid)) {
			if st.PGRP > 1 {
				_ = unix.Kill(-st.PGRP, unix.SIGKILL)
			}
			_ = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
			if st.State != 'Z' && st.State != 'X' {
				alive = append(alive, pid)
			}
		}
		unix.Close(fd)
	}
	return alive
}

// LeftoverError says that processes of a run that shares the host's PID
// namespace were still alive when the run's cleanup gave up.
type LeftoverError struct {
	Session int
	PIDs    []int
}

func (e *LeftoverError) Error() string {
	return fmt.Sprintf("processes of the sandbox's session %d survive SIGKILL: %v", e.Session, e.PIDs)
}
