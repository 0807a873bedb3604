package trust

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/bug"
	"github.com/shannot-project/shannot/internal/capread"
)

// Error says why a path is not trusted.
type Error struct {
	Path    string // the path that was asked for
	Culprit string // the file, directory or link that fails
	Reason  string
}

func (e *Error) Error() string {
	if e.Culprit == e.Path {
		return fmt.Sprintf("%s is not trusted: %s", e.Path, e.Reason)
	}
	return fmt.Sprintf("%s is not trusted: %s %s", e.Path, e.Culprit, e.Reason)
}

// maxLinks bounds the symlinks followed, as the kernel's ELOOP does.
const maxLinks = 40

// checker applies the rule below root, trusting owner. The system's is
// root "/" and owner 0; tests use a directory of their own.
type checker struct {
	root  string
	owner uint32
}

var system = checker{root: "/", owner: 0}

// Open opens path for reading if it is trusted, and returns the open
// file. It refuses anything but a regular file on a disk file system
// (see diskFS), and opens it as capread.Open does.
func Open(path string) (*os.File, error) { return system.open(path) }

// CheckDir returns nil when dir and every directory above it are trusted.
func CheckDir(dir string) error { return system.checkDir(dir) }

func (c checker) open(path string) (*os.File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	real, err := c.walk(abs)
	if err != nil {
		return nil, err
	}
	// Judge the file before opening it: opening a device as root can do
	// things (a watchdog starts ticking, a tape rewinds).
	before, err := os.Lstat(real)
	if err != nil {
		return nil, err
	}
	if err := c.checkFile(abs, real, before); err != nil {
		return nil, err
	}
	if err := c.checkFS(abs, real, func(st *unix.Statfs_t) error { return unix.Statfs(real, st) }); err != nil {
		return nil, err
	}
	f, err := capread.OpenFile(real, unix.O_NOFOLLOW, false)
	if err != nil {
		return nil, err
	}
	// And again through the descriptor: what was checked is what is read.
	after, err := f.Stat()
	if err == nil && !os.SameFile(before, after) {
		err = &Error{Path: abs, Culprit: real, Reason: "changed while it was being opened"}
	}
	if err == nil {
		err = c.checkFile(abs, real, after)
	}
	if err == nil {
		err = c.checkFS(abs, real, func(st *unix.Statfs_t) error { return fstatfs(f, st) })
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkFile applies the rule to the file itself.
func (c checker) checkFile(abs, real string, st fs.FileInfo) error {
	if !st.Mode().IsRegular() {
		return &Error{Path: abs, Culprit: real, Reason: "is " + capread.Kind(st.Mode()) + ", not a regular file"}
	}
	if err := c.checkOwner(abs, real, st, false); err != nil {
		return err
	}
	if st.Mode().Perm()&0o004 == 0 {
		return &Error{Path: abs, Culprit: real, Reason: fmt.Sprintf("is not readable by everyone (mode %04o), so it is not shown to other users", st.Mode().Perm())}
	}
	return nil
}

func (c checker) checkDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	_, err = c.walk(abs)
	return err
}

// walk resolves abs component by component, checking every directory
// and symlink it passes and the final component's directory chain, and
// returns the resolved path.
func (c checker) walk(abs string) (string, error) {
	rel, err := filepath.Rel(c.root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", &Error{Path: abs, Culprit: abs, Reason: "is outside " + c.root}
	}
	rest := strings.Split(rel, "/")
	cur := c.root
	st, err := os.Lstat(cur)
	if err != nil {
		return "", err
	}
	if err := c.checkOwner(abs, cur, st, false); err != nil {
		return "", err
	}
	links := 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		if name == "" || name == "." {
			continue
		}
		if name == ".." {
			if cur != c.root {
				cur = filepath.Dir(cur)
			}
			continue
		}
		next := filepath.Join(cur, name)
		st, err := os.Lstat(next)
		if err != nil {
			return "", err
		}
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			if err := c.checkOwner(abs, next, st, true); err != nil {
				return "", err
			}
			links++
			if links > maxLinks {
				return "", &Error{Path: abs, Culprit: next, Reason: "leads through too many symbolic links"}
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(cur, target)
			}
			trel, err := filepath.Rel(c.root, filepath.Clean(target))
			if err != nil || trel == ".." || strings.HasPrefix(trel, "../") {
				return "", &Error{Path: abs, Culprit: next, Reason: "leads outside " + c.root}
			}
			rest = append(strings.Split(trel, "/"), rest...)
			cur = c.root
		case st.IsDir():
			if err := c.checkOwner(abs, next, st, false); err != nil {
				return "", err
			}
			if st.Mode().Perm()&0o001 == 0 {
				return "", &Error{Path: abs, Culprit: next, Reason: fmt.Sprintf("is not searchable by everyone (mode %04o)", st.Mode().Perm())}
			}
			cur = next
		default:
			if len(rest) > 0 {
				return "", &Error{Path: abs, Culprit: next, Reason: "is not a directory"}
			}
			cur = next
		}
	}
	return cur, nil
}

// diskFS are the file systems whose files are what their owner and
// mode say, and hold what was written to them: ordinary disk file
// systems, tmpfs and the read-only image formats. Everything else is
// refused, above all the kernel's pseudo-file systems (procfs, sysfs,
// debugfs, tracefs, securityfs, cgroupfs, ...), where a file's mode
// bits do not say who may read it: /proc/PID/maps is 0444, but the
// kernel shows it only to whoever may ptrace PID, and root may.
var diskFS = map[int64]string{
	unix.EXT4_SUPER_MAGIC:      "ext4", // also ext2 and ext3
	unix.XFS_SUPER_MAGIC:       "xfs",
	unix.BTRFS_SUPER_MAGIC:     "btrfs",
	unix.TMPFS_MAGIC:           "tmpfs",
	unix.RAMFS_MAGIC:           "ramfs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlay",
	unix.SQUASHFS_MAGIC:        "squashfs",
	unix.EROFS_SUPER_MAGIC_V1:  "erofs",
	unix.F2FS_SUPER_MAGIC:      "f2fs",
	0x2fc12fc1:                 "zfs",
	0xca451a4e:                 "bcachefs",
}

// pseudoFS names the refused file systems a user is likely to meet.
var pseudoFS = map[int64]string{
	unix.PROC_SUPER_MAGIC:    "procfs",
	unix.SYSFS_MAGIC:         "sysfs",
	unix.DEBUGFS_MAGIC:       "debugfs",
	unix.TRACEFS_MAGIC:       "tracefs",
	unix.SECURITYFS_MAGIC:    "securityfs",
	unix.CGROUP_SUPER_MAGIC:  "cgroupfs",
	unix.CGROUP2_SUPER_MAGIC: "cgroup2fs",
	unix.BPF_FS_MAGIC:        "bpffs",
	unix.DEVPTS_SUPER_MAGIC:  "devpts",
	unix.EFIVARFS_MAGIC:      "efivarfs",
	unix.PSTOREFS_MAGIC:      "pstore",
	0x62656570:               "configfs",
	unix.FUSE_SUPER_MAGIC:    "a FUSE file system",
	unix.NFS_SUPER_MAGIC:     "NFS",
	unix.HUGETLBFS_MAGIC:     "hugetlbfs",
	0x19800202:               "mqueue",
	unix.NSFS_MAGIC:          "nsfs",
	unix.SELINUX_MAGIC:       "selinuxfs",
	unix.SMACK_MAGIC:         "smackfs",
}

// checkFS applies the rule to the file system the file is on.
func (c checker) checkFS(abs, real string, statfs func(*unix.Statfs_t) error) error {
	var st unix.Statfs_t
	if err := statfs(&st); err != nil {
		return err
	}
	magic := int64(st.Type)
	if _, ok := diskFS[magic]; ok {
		return nil
	}
	name, ok := pseudoFS[magic]
	if !ok {
		name = fmt.Sprintf("a file system of type %#x", magic)
	}
	return &Error{Path: abs, Culprit: real, Reason: "is on " + name + ", whose files are not what their owner and mode say; give a file on a disk file system"}
}

// fstatfs is fstatfs(2) on f's descriptor, without putting f in
// blocking mode as f.Fd() would.
func fstatfs(f *os.File, st *unix.Statfs_t) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.Fstatfs(int(fd), st) }); err != nil {
		return err
	}
	return serr
}

// checkOwner applies the rule to one file, directory or symlink.
func (c checker) checkOwner(abs, path string, st fs.FileInfo, link bool) error {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return bug.Errorf("no stat_t")
	}
	if sys.Uid != c.owner {
		kind := "is owned by uid"
		if link {
			kind = "is a symlink owned by uid"
		}
		return &Error{Path: abs, Culprit: path, Reason: fmt.Sprintf("%s %d, not root", kind, sys.Uid)}
	}
	if !link && st.Mode().Perm()&0o022 != 0 {
		return &Error{Path: abs, Culprit: path, Reason: fmt.Sprintf("is writable by group or others (mode %04o)", sys.Mode&0o7777)}
	}
	return nil
}
