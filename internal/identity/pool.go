package identity

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Range is a block of host uids, and the gids of the same numbers, that
// no account and no other tool uses: root-run sandboxes that share the
// host's processes each get one of them for the run (a Lease), as
// systemd's DynamicUser does.
type Range struct {
	First uint32 `json:"first"`
	Count uint32 `json:"count"`
}

// DefaultRange is 0x7ffe0000 (2147352576) and the 65535 numbers after
// it: above the ranges useradd hands out for /etc/subuid (100000 up to
// 600100000 by default), systemd's DynamicUser (61184-65519) and its
// container ranges (524288-1879048191), and SSSD's default ID-mapping
// range for directory users (200000-2000200000), whose accounts the
// passwd check cannot see (shannot reads /etc/passwd, not NSS); and
// below 2^31, where tools that read uids as signed numbers go wrong.
var DefaultRange = Range{First: 0x7ffe0000, Count: 1 << 16}

// DefaultLockDir holds one lock file per uid in use; only root may
// write it.
const DefaultLockDir = "/run/shannot/uids"

// Check refuses a range that could hold an account or root's uid.
func (r Range) Check() error {
	last := uint64(r.First) + uint64(r.Count) - 1
	switch {
	case r.Count == 0:
		return errors.New("sandbox_uids: count must be at least 1")
	case r.First < 65536:
		return fmt.Errorf("sandbox_uids: first %d is among the uids of accounts (below 65536); choose a block above them, such as the default %d", r.First, DefaultRange.First)
	case last >= 1<<31-1:
		return fmt.Errorf("sandbox_uids: the block ends at %d; keep it below 2147483647 (tools read uids as signed numbers, and 4294967295 is -1)", last)
	}
	return nil
}

// Pool leases per-run identities from a Range.
type Pool struct {
	Range Range
	// LockDir holds the lock files; "" is DefaultLockDir.
	LockDir string
	// Groups and GroupNames are the supplementary groups every lease
	// gets, as Lookup resolved them (the granted groups).
	Groups     []uint32
	GroupNames []string
	// inUse reports whether a uid or gid is taken on this host: an
	// account, a group, a running process. nil: the real host.
	inUse func(uid uint32) (string, bool)
}

// Lease is one run's identity, held until Release.
type Lease struct {
	*Identity
	lock *os.File
}

// ErrExhausted is returned by Allocate when every uid of the range is
// leased or taken.
var ErrExhausted = errors.New("no free uid in the sandbox uid range")

// Allocate leases a uid (and the gid of the same number) nobody uses:
// no account or group has it, no process runs as it, and no other run
// holds its lock. The lock is held until Release.
func (p *Pool) Allocate() (*Lease, error) {
	if err := p.Range.Check(); err != nil {
		return nil, err
	}
	dir := p.LockDir
	if dir == "" {
		dir = DefaultLockDir
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sandbox uid locks: %w", err)
	}
	inUse := p.inUse
	if inUse == nil {
		inUse = hostInUse
		p.reapOrphans(dir)
	}
	start := rand.Uint32N(p.Range.Count)
	tries := min(p.Range.Count, 256)
	for i := range tries {
		uid := p.Range.First + (start+i)%p.Range.Count
		_, statErr := os.Lstat(lockName(dir, uid))
		f, err := lockUID(dir, uid)
		if err != nil {
			if errors.Is(err, unix.EWOULDBLOCK) {
				continue
			}
			return nil, err
		}
		if _, taken := inUse(uid); taken {
			// A lock file says that shannot leased the uid (reapOrphans
			// trusts it): one made only to look is removed again; one of
			// a dead run whose leftovers survived reaping stays.
			if errors.Is(statErr, fs.ErrNotExist) {
				os.Remove(f.Name())
			}
			f.Close()
			continue
		}
		name := "shannot-run-" + strconv.FormatUint(uint64(uid), 10)
		return &Lease{Identity: &Identity{User: name, UID: uid, GID: uid,
			Groups: append([]uint32(nil), p.Groups...), GroupNames: append([]string(nil), p.GroupNames...), Dynamic: true}, lock: f}, nil
	}
	return nil, fmt.Errorf("%w (%d tried from %d): raise sandbox_uids' count in /etc/shannot/config.json", ErrExhausted, tries, p.Range.First)
}

// reapOrphans kills what runs under a uid of the range whose lock no
// live run holds: the leftovers of a run whose shannot was killed with
// SIGKILL, which ran no cleanup (bwrap dies with it, a double-forked
// process does not). Such a uid has no account or group (those are
// never leased, and never touched here); the lock is free because the
// flock died with its holder. The uid is then killed as Release kills
// (until none is left, 3 seconds at most) and given back. One scan of
// /proc finds every such uid, so the next root-run host view cleans up
// after every dead run, not only the one whose uid it happens to draw.
func (p *Pool) reapOrphans(dir string) {
	for _, uid := range p.Range.uidsRunning() {
		s := strconv.FormatUint(uint64(uid), 10)
		if _, err := user.LookupId(s); err == nil {
			continue
		}
		if _, err := user.LookupGroupId(s); err == nil {
			continue
		}
		// Only a uid shannot leased has a lock file: a process under a
		// uid of the range that shannot never handed out (a container's
		// mapping an administrator let overlap) is not ours to kill, and
		// Allocate merely skips it.
		f, err := lockExisting(dir, uid)
		if err != nil {
			continue // never leased, a live run holds it, or the lock cannot be taken
		}
		orphan := &Lease{Identity: &Identity{UID: uid, GID: uid}, lock: f}
		// What survives keeps the lock while this process lives, and
		// Allocate skips the uid while its processes do.
		_ = orphan.Release()
	}
}

// uidsRunning lists the uids of the range that some process runs as
// (real, effective, saved or file system uid), from /proc.
func (r Range) uidsRunning() []uint32 {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var uids []uint32
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		for _, u := range statusUIDs("/proc/" + e.Name() + "/status") {
			if u >= r.First && u-r.First < r.Count && !slices.Contains(uids, u) {
				uids = append(uids, u)
			}
		}
	}
	return uids
}

// lockUID takes the lock of uid, without waiting, making its lock file
// if there is none.
func lockUID(dir string, uid uint32) (*os.File, error) {
	return lockFile(dir, uid, os.O_CREATE)
}

// lockExisting is lockUID for a uid that has a lock file already.
func lockExisting(dir string, uid uint32) (*os.File, error) {
	return lockFile(dir, uid, 0)
}

// lockName is the lock file of uid.
func lockName(dir string, uid uint32) string {
	return filepath.Join(dir, strconv.FormatUint(uint64(uid), 10))
}

func lockFile(dir string, uid uint32, create int) (*os.File, error) {
	name := lockName(dir, uid)
	f, err := os.OpenFile(name, os.O_RDWR|create|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sandbox uid lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	// Release removes the file before it lets go of the lock: a lock
	// taken on a file opened just before that removal is a lock on
	// nothing, and another run may hold the uid through the new file.
	// Only the file the name still leads to counts.
	var held, named unix.Stat_t
	if unix.Fstat(int(f.Fd()), &held) != nil || unix.Lstat(name, &named) != nil || held.Dev != named.Dev || held.Ino != named.Ino {
		f.Close()
		return nil, unix.EWOULDBLOCK
	}
	return f, nil
}

// unlock removes the lease's lock file, then lets go of the lock: the
// files under the lock directory are then the uids of live runs, and of
// dead runs whose leftovers reapOrphans is to kill.
func (l *Lease) unlock() {
	_ = os.Remove(l.lock.Name())
	l.lock.Close()
	l.lock = nil
}

// releaseBudget bounds Release's killing.
const releaseBudget = 3 * time.Second

// Release kills whatever still runs as the lease's uid (a process the
// command left behind in the host's PID namespace must not meet the
// next run that gets the uid), scanning again until a scan finds none,
// and only then gives the uid back. launch.Launch.KillSession has
// already killed the run's session; this catches anything else of the
// uid. When something survives the budget, it returns an error and
// keeps the lock: the uid stays out of use while this process lives
// (and after, until no process has it: Allocate checks).
func (l *Lease) Release() error {
	if l == nil || l.lock == nil {
		return nil
	}
	deadline := time.Now().Add(releaseBudget)
	for {
		pids := processesOf(l.UID)
		if len(pids) == 0 {
			l.unlock()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes of sandbox uid %d survive SIGKILL: %v; the uid stays leased", l.UID, pids)
		}
		for _, pid := range pids {
			killPID(pid, l.UID)
		}
		time.Sleep(time.Millisecond)
	}
}

// killPID sends SIGKILL to pid through a pidfd, once the pidfd is known
// to be a process of uid: a pid reused meanwhile is not hit.
func killPID(pid int, uid uint32) {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	if runsAs(pid, uid) {
		_ = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
	}
}

// hostInUse reports what on this host already uses uid (or the gid of
// the same number).
func hostInUse(uid uint32) (string, bool) {
	s := strconv.FormatUint(uint64(uid), 10)
	if u, err := user.LookupId(s); err == nil {
		return "user " + u.Username, true
	}
	if g, err := user.LookupGroupId(s); err == nil {
		return "group " + g.Name, true
	}
	if pids := processesOf(uid); len(pids) > 0 {
		return fmt.Sprintf("process %d", pids[0]), true
	}
	return "", false
}

// processesOf lists the processes whose real, effective, saved or file
// system uid is uid, from /proc/PID/status.
func processesOf(uid uint32) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && runsAs(pid, uid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// runsAs says whether uid is among pid's real, effective, saved and file
// system uids.
func runsAs(pid int, uid uint32) bool {
	return slices.Contains(statusUIDs("/proc/"+strconv.Itoa(pid)+"/status"), uid)
}

// statusUIDs are the real, effective, saved and file system uids of the
// Uid: line of a /proc/PID/status file; nil when it cannot be read, and
// for a zombie, which runs nothing and only waits for its parent.
func statusUIDs(name string) []uint32 {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		if state, ok := strings.CutPrefix(line, "State:"); ok && strings.HasPrefix(strings.TrimSpace(state), "Z") {
			return nil
		}
		rest, ok := strings.CutPrefix(line, "Uid:")
		if !ok {
			continue
		}
		var uids []uint32
		for _, f := range strings.Fields(rest) {
			if n, err := strconv.ParseUint(f, 10, 32); err == nil {
				uids = append(uids, uint32(n))
			}
		}
		return uids
	}
	return nil
}
