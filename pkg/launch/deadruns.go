package launch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// A run in the host's PID namespace kills what its command left when it
// ends (KillSession), but a shannot killed with SIGKILL runs no cleanup:
// bwrap dies with it, a double-forked process does not. As root, the
// leased uid says whose it was (identity.Pool reaps it). Run as a user
// there is only the user's own uid, so each such run records itself in
// RunDir while it lives, a file named after its session holding the
// session and the sandbox's user namespace, locked until the run has
// ended; the next run finds the files whose lock is free, and kills
// what still runs in that session, as that uid, in that user namespace
// (which no process outside the dead run shares, and which cannot be
// freed and reused while one of its processes lives).

// deadRunBudget bounds the killing of one dead run's processes.
const deadRunBudget = time.Second

// trackRun records the run in dir once bwrap has reported the sandbox's
// first process, and returns the function that removes the record when
// the run is over (after endSession).
func trackRun(dir string, reports *statusReports) (stop func()) {
	var (
		wg  sync.WaitGroup
		rec *os.File
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			reports.mu.Lock()
			pid := reports.childPID
			reports.mu.Unlock()
			if pid > 0 {
				rec = recordRun(dir, pid)
				return
			}
			select {
			case <-reports.done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() {
		wg.Wait()
		if rec != nil {
			_ = os.Remove(rec.Name())
			rec.Close()
		}
	}
}

// recordRun writes dir/SID ("SID USERNS\n") and holds its lock; nil when
// it cannot (the run then goes on, unrecorded).
func recordRun(dir string, sid int) *os.File {
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/user", sid))
	if err != nil {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(sid)), os.O_RDWR|os.O_CREATE|os.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil
	}
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		f.Close()
		return nil
	}
	if _, err := fmt.Fprintf(f, "%d %s\n", sid, ns); err != nil {
		f.Close()
		return nil
	}
	return f
}

// ReapDeadRuns kills what the dead runs recorded in dir left (see
// trackRun): for each record whose lock is free, every process of its
// session that runs as uid in its user namespace; then it removes the
// record. It returns the pids that survived.
func ReapDeadRuns(dir string, uid uint32) []int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var left []int
	for _, e := range ents {
		name := filepath.Join(dir, e.Name())
		f, err := os.OpenFile(name, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
			f.Close() // a live run's
			continue
		}
		sid, ns, err := parseRunRecord(f)
		if err == nil {
			alive := killSessionIf(sid, uid, deadRunBudget, func(pid int) bool { return inUserNS(pid, ns) })
			left = append(left, alive...)
			if len(alive) > 0 {
				f.Close()
				continue // the record stays, for the next run to try again
			}
		}
		_ = os.Remove(name)
		f.Close()
	}
	return left
}

// nsGetParent is NS_GET_PARENT (linux/nsfs.h): the namespace a user
// namespace was made in, as a new descriptor.
const nsGetParent = 0xb702

// inUserNS says whether pid is in the user namespace ns ("user:[INODE]",
// as /proc/PID/ns/user reads) or in one made inside it: with
// --disable-userns, bwrap makes a second namespace in its first, after
// the record was written, and runs the command there.
func inUserNS(pid int, ns string) bool {
	want, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(ns, "user:["), "]"), 10, 64)
	if err != nil {
		return false
	}
	fd, err := unix.Open(fmt.Sprintf("/proc/%d/ns/user", pid), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	// Two levels up at most: bwrap's namespace, and the one it made in
	// it; the host's own is never the recorded one.
	for range 3 {
		var st unix.Stat_t
		if unix.Fstat(fd, &st) != nil {
			break
		}
		if st.Ino == want {
			unix.Close(fd)
			return true
		}
		parent, err := unix.IoctlRetInt(fd, nsGetParent)
		unix.Close(fd)
		if err != nil {
			return false
		}
		fd = parent
	}
	unix.Close(fd)
	return false
}

// parseRunRecord reads "SID USERNS" from a record.
func parseRunRecord(f *os.File) (sid int, ns string, err error) {
	b := make([]byte, 128)
	n, _ := f.Read(b)
	fields := strings.Fields(string(b[:n]))
	if len(fields) != 2 || !strings.HasPrefix(fields[1], "user:[") {
		return 0, "", errors.New("not a run record")
	}
	sid, err = strconv.Atoi(fields[0])
	if err != nil || sid <= 1 {
		return 0, "", errors.New("not a run record")
	}
	return sid, fields[1], nil
}

// UserRunDir is where an unprivileged run records itself (see
// trackRun): $XDG_RUNTIME_DIR/shannot/runs, else
// ~/.cache/shannot/runs; made 0700, and used only when it is the
// user's own and nobody else's to write. "" when there is none.
func UserRunDir() string {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		base = c
	}
	dir := filepath.Join(base, "shannot", "runs")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	var st unix.Stat_t
	if unix.Lstat(dir, &st) != nil || st.Uid != uint32(os.Getuid()) || st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Mode&0o077 != 0 {
		return ""
	}
	return dir
}
