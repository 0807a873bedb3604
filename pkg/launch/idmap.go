package launch

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/pkg/bwrap/option"
)

// HostIDMap is the uid_map and gid_map a root-run shannot writes for the
// sandbox's user namespace (Launch.MapHostIDs): every host id is itself
// inside, so that ps, ls -l and ss name the host's users. bwrap alone
// maps only the sandbox's own uid, and every other owner reads as
// nobody.
//
// Mapping ids gives the command no power over them: it still runs as
// its own unprivileged uid with no capabilities and no_new_privs (bwrap
// sets it; setuid and file capabilities are dead), the kernel's checks
// compare the same host ids as before, and ptrace-style access to a
// process outside still needs CAP_SYS_PTRACE over that process's
// namespace. What it changes is what the ids are called.
const HostIDMap = "0 0 4294967295\n"

// nsGetOwnerUID is NS_GET_OWNER_UID (linux/nsfs.h): the uid that made a
// user namespace.
const nsGetOwnerUID = 0xb704

// idMapper holds the two pipes of one run's id mapping: bwrap reports
// its sandbox child's pid on info (--info-fd), and that child waits on
// block (--userns-block-fd) until the maps are written.
type idMapper struct {
	infoR, infoW   *os.File
	blockR, blockW *os.File
}

func newIDMapper() (*idMapper, error) {
	m := &idMapper{}
	var err error
	if m.infoR, m.infoW, err = os.Pipe(); err != nil {
		return nil, err
	}
	if m.blockR, m.blockW, err = os.Pipe(); err != nil {
		m.close()
		return nil, err
	}
	return m, nil
}

// args are bwrap's options for the pipes, given the descriptors bwrap
// sees them on.
func (m *idMapper) args(infoFD, blockFD int) []string {
	return []string{option.InfoFD, strconv.Itoa(infoFD), option.UsernsBlockFD, strconv.Itoa(blockFD)}
}

// started closes the ends bwrap holds.
func (m *idMapper) started() {
	m.infoW.Close()
	m.blockR.Close()
}

func (m *idMapper) close() {
	for _, f := range []*os.File{m.infoR, m.infoW, m.blockR, m.blockW} {
		if f != nil {
			f.Close()
		}
	}
}

// errNoChild means bwrap ended before it made the sandbox: its own
// message says why, and the run reports it as a set-up failure.
var errNoChild = errors.New("bwrap reported no sandbox process")

// mapIDs waits for bwrap's report of its child, writes HostIDMap for the
// child's user namespace and lets the child go on. owner is the uid
// bwrap runs as: only a user namespace that uid made gets the maps, so a
// pid that was somehow reused by another process's namespace never does.
func (m *idMapper) mapIDs(owner uint32) error {
	defer m.blockW.Close()
	var info struct {
		ChildPID *int `json:"child-pid"`
	}
	if err := json.NewDecoder(bufio.NewReader(m.infoR)).Decode(&info); err != nil || info.ChildPID == nil {
		return errNoChild
	}
	pid := *info.ChildPID
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return fmt.Errorf("sandbox process %d: %w", pid, err)
	}
	defer unix.Close(pidfd)
	dir, err := os.Open("/proc/" + strconv.Itoa(pid))
	if err != nil {
		return err
	}
	defer dir.Close()
	// Alive after /proc/PID was opened: the directory is that process's.
	if err := unix.PidfdSendSignal(pidfd, 0, nil, 0); err != nil {
		return fmt.Errorf("sandbox process %d ended before its ids were mapped: %w", pid, err)
	}
	if err := checkOwner(dir, owner); err != nil {
		return err
	}
	for _, name := range []string{"uid_map", "gid_map"} {
		if err := writeAt(dir, name, HostIDMap); err != nil {
			return fmt.Errorf("writing /proc/%d/%s: %w", pid, name, err)
		}
	}
	_, err = m.blockW.Write([]byte{'1'})
	return err
}

// checkOwner refuses a user namespace that the expected uid did not make.
func checkOwner(dir *os.File, owner uint32) error {
	fd, err := unix.Openat(int(dir.Fd()), "ns/user", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var uid uint32
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), nsGetOwnerUID, uintptr(unsafe.Pointer(&uid))); e != 0 {
		return fmt.Errorf("owner of the sandbox's user namespace: %w", e)
	}
	if uid != owner {
		return fmt.Errorf("the sandbox's user namespace belongs to uid %d, not to bwrap's %d", uid, owner)
	}
	return nil
}

// writeAt writes data to the file name under dir in one write(2), as
// uid_map and gid_map need.
func writeAt(dir *os.File, name, data string) error {
	fd, err := unix.Openat(int(dir.Fd()), name, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = unix.Write(fd, []byte(data))
	return err
}
