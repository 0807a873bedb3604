package identity

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestRangeCheck(t *testing.T) {
	for _, tc := range []struct {
		r       Range
		wantErr string
	}{
		{DefaultRange, ""},
		{Range{First: 70000, Count: 1}, ""},
		{Range{First: 0x70000000, Count: 0}, "count must be at least 1"},
		{Range{First: 1000, Count: 10}, "among the uids of accounts"},
		{Range{First: 0, Count: 10}, "among the uids of accounts"},
		{Range{First: 1<<31 - 10, Count: 10}, "keep it below 2147483647"},
		{Range{First: 1<<31 - 11, Count: 10}, ""},
		{Range{First: 0xffffff00, Count: 0xffffffff}, "keep it below"},
	} {
		err := tc.r.Check()
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%+v.Check() = %v, want %q", tc.r, err, tc.wantErr)
		}
	}
}

// Concurrent leases never share a uid; a uid taken on the host is
// skipped; a released uid can be leased again; a full range says so.
func TestPoolAllocate(t *testing.T) {
	taken := map[uint32]bool{70001: true}
	p := &Pool{Range: Range{First: 70000, Count: 3}, LockDir: t.TempDir(), Groups: []uint32{4}, GroupNames: []string{"adm"},
		inUse: func(uid uint32) (string, bool) { return "test", taken[uid] }}
	a, err := p.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint32]bool{a.UID: true, b.UID: true}
	if len(got) != 2 || got[70001] || a.GID != a.UID || b.GID != b.UID {
		t.Fatalf("leases %v and %v: want 70000 and 70002, each its own gid", a.Identity, b.Identity)
	}
	if a.GroupNames[0] != "adm" || a.Groups[0] != 4 || !strings.HasPrefix(a.User, "shannot-run-") {
		t.Errorf("lease %v: want the pool's groups and a shannot-run- name", a.Identity)
	}
	if _, err := p.Allocate(); !errors.Is(err, ErrExhausted) {
		t.Fatalf("third lease of a 3-uid range with one taken: %v, want ErrExhausted", err)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	c, err := p.Allocate()
	if err != nil || c.UID != a.UID {
		t.Fatalf("after Release: %v, %v; want uid %d again", c, err, a.UID)
	}
	b.Release()
	c.Release()
	if _, err := (&Pool{Range: Range{First: 10, Count: 1}, LockDir: t.TempDir()}).Allocate(); err == nil {
		t.Error("a pool over account uids was accepted")
	}
}

func TestProcessesOf(t *testing.T) {
	// Nothing runs as a uid of the default range on a test machine.
	if pids := processesOf(DefaultRange.First + DefaultRange.Count - 1); len(pids) != 0 {
		t.Errorf("processes of an unused uid: %v", pids)
	}
}

// A process left under a uid of the range whose lock nobody holds (its
// shannot died with SIGKILL) is killed by the next Allocate's reaping;
// one under a uid a live run holds is left alone.
func TestReapOrphans(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("starting processes under uids of the range needs root")
	}
	r := Range{First: DefaultRange.First + DefaultRange.Count - 2, Count: 2}
	dir := t.TempDir()
	start := func(uid uint32) *exec.Cmd {
		t.Helper()
		c := exec.Command("sleep", "30")
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Process.Kill(); c.Wait() })
		return c
	}
	orphan, held := start(r.First), start(r.First+1)
	// The orphan's uid was leased once (its lock file exists, free now
	// that its holder is gone); the other's is held by a live run.
	once, err := lockUID(dir, r.First)
	if err != nil {
		t.Fatal(err)
	}
	once.Close()
	lock, err := lockUID(dir, r.First+1)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	(&Pool{Range: r, LockDir: dir}).reapOrphans(dir)
	err = orphan.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Errorf("the orphan under uid %d: %v, want killed by SIGKILL", r.First, err)
	}
	if err := held.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("the process of a held uid was hit: %v", err)
	}
	if l, err := lockUID(dir, r.First); err != nil {
		t.Errorf("the orphan's uid stayed locked after its processes died: %v", err)
	} else {
		l.Close()
	}
}

// A process under a uid of the range that shannot never leased (no lock
// file) is someone else's: it is not killed.
func TestReapOrphansLeavesUnleasedUIDs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("starting processes under uids of the range needs root")
	}
	r := Range{First: DefaultRange.First + DefaultRange.Count - 3, Count: 1}
	dir := t.TempDir()
	c := exec.Command("sleep", "30")
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: r.First, Gid: r.First}}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { c.Process.Kill(); c.Wait() }()
	(&Pool{Range: r, LockDir: dir}).reapOrphans(dir)
	if err := c.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process under a never-leased uid was killed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, strconv.FormatUint(uint64(r.First), 10))); err == nil {
		t.Error("reaping made a lock file")
	}
}

// Lock files are the uids of live runs (and of dead ones, for
// reapOrphans): Release removes its own, and a uid skipped because the
// host uses it leaves none behind.
func TestLockFilesAreLiveRunsOnly(t *testing.T) {
	dir := t.TempDir()
	taken := map[uint32]bool{70001: true}
	p := &Pool{Range: Range{First: 70000, Count: 2}, LockDir: dir,
		inUse: func(uid uint32) (string, bool) { return "test", taken[uid] }}
	a, err := p.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	names := func() []string {
		ents, _ := os.ReadDir(dir)
		var out []string
		for _, e := range ents {
			out = append(out, e.Name())
		}
		return out
	}
	if got := names(); len(got) != 1 || got[0] != "70000" {
		t.Errorf("while 70000 is leased (70001 taken): lock files %v, want [70000]", got)
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if got := names(); len(got) != 0 {
		t.Errorf("after Release: lock files %v, want none", got)
	}
	b, err := p.Allocate()
	if err != nil || b.UID != 70000 {
		t.Fatalf("after Release: %v, %v; want 70000 again", b, err)
	}
	b.Release()
}
