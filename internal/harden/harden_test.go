package harden

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

const mountinfo = `25 30 0:22 / /sys/fs/cgroup rw - tmpfs tmpfs rw
26 25 0:23 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
27 25 0:24 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer
28 25 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
29 25 0:26 /inner /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
30 25 0:27 / /sys/fs/cgroup/my\040cg rw - cgroup cgroup rw,name=systemd`

func TestHierarchies(t *testing.T) {
	cgroup := `12:name=systemd:/user.slice
6:freezer:/
4:memory:/process_api/abc
3:pids:/inner/x
1:cpu:/not-mounted
0::/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope`
	got := hierarchies(cgroup, mountinfo)
	want := []Hierarchy{
		{Mount: "/sys/fs/cgroup/my cg", Dir: "/sys/fs/cgroup/my cg/user.slice"},
		{Mount: "/sys/fs/cgroup/freezer", Dir: "/sys/fs/cgroup/freezer"},
		{Mount: "/sys/fs/cgroup/memory", Dir: "/sys/fs/cgroup/memory/process_api/abc"},
		{Mount: "/sys/fs/cgroup/pids", Dir: "/sys/fs/cgroup/pids/x"},
		{Mount: "/sys/fs/cgroup/unified", Dir: "/sys/fs/cgroup/unified/user.slice/user-1000.slice/user@1000.service/app.slice/term.scope", V2: true},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("hierarchies (-got +want):\n%s", diff)
	}
}

func TestDelegated(t *testing.T) {
	h := Hierarchy{Mount: "/cg", Dir: "/cg/user.slice/user@1000.service/app.slice"}
	owners := map[string]uint32{}
	stat := func(p string) (*unix.Stat_t, error) {
		uid, ok := owners[p]
		if !ok {
			return nil, os.ErrNotExist
		}
		return &unix.Stat_t{Uid: uid, Mode: 0o644}, nil
	}
	owners["/cg/cgroup.procs"] = 0
	owners["/cg/user.slice/cgroup.procs"] = 0
	if got := delegated(h, stat); got != "" {
		t.Errorf("root's cgroups: delegated names %q", got)
	}
	owners["/cg/user.slice/user@1000.service/cgroup.kill"] = 1000
	if got := delegated(h, stat); got != "/cg/user.slice/user@1000.service/cgroup.kill" {
		t.Errorf("a user's cgroup above: delegated = %q", got)
	}
	// Above the mount is not the hierarchy's.
	if got := delegated(Hierarchy{Mount: "/cg/user.slice/user@1000.service/app.slice", Dir: "/cg/user.slice/user@1000.service/app.slice"}, stat); got != "" {
		t.Errorf("outside the mount: delegated = %q", got)
	}
}
