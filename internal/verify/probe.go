package verify

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ProbeCommand is the hidden shannot command that Run starts inside the
// sandbox; it calls Probe with the paths given by WriteFlag and prints
// the Facts as JSON.
const ProbeCommand = "__probe"

// WriteFlag is the probe's flag naming a path to try to write to; it is
// given once per path, and a path is never split at commas.
const WriteFlag = "write"

// Probe collects the facts inside the sandbox it runs in: it tries to
// write to each of writes, and reads the network interfaces, its
// capabilities, its environment, /proc's owner and what it may write
// under /proc and /sys. It changes nothing it finds: a file it creates
// to test a directory is removed again.
func Probe(writes []string) (*Facts, error) {
	facts := &Facts{UID: os.Getuid(), Writes: map[string]string{}, Environ: os.Environ(), Caps: map[string]string{}}
	for _, p := range writes {
		facts.Writes[p] = tryWrite(p)
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("listing network interfaces: %w", err)
	}
	for _, i := range ifaces {
		facts.Interfaces = append(facts.Interfaces, i.Name)
	}
	sort.Strings(facts.Interfaces)
	if err := readCaps(facts.Caps); err != nil {
		return nil, err
	}
	facts.ProcOwner = -1
	if st, err := os.Stat("/proc"); err == nil {
		facts.ProcOwner = int(st.Sys().(*syscall.Stat_t).Uid)
	}
	facts.OverflowUID = -1
	if b, err := os.ReadFile("/proc/sys/kernel/overflowuid"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			facts.OverflowUID = n
		}
	}
	facts.Writable, facts.WritableSome = countWritable("/proc", "/sys")
	sort.Strings(facts.WritableSome)
	if b, err := os.ReadFile("/proc/1/comm"); err == nil {
		facts.PID1 = strings.TrimSpace(string(b))
	}
	facts.Init = map[string]string{
		"kill":    errnoName(unix.Kill(1, 0)),
		"environ": openRead("/proc/1/environ"),
		"mem":     openRead("/proc/1/mem"),
	}
	_, err = os.Readlink("/proc/1/root")
	facts.Init["root"] = errnoName(err)
	facts.Sockets = map[string]string{
		"inet":    trySocket(unix.AF_INET, unix.SOCK_STREAM, 0),
		"unix":    trySocket(unix.AF_UNIX, unix.SOCK_STREAM, 0),
		"netlink": trySocket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE),
	}
	return facts, nil
}

// errnoName is "ok" for nil, else the errno's name (or the error).
func errnoName(err error) string {
	if err == nil {
		return "ok"
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return unix.ErrnoName(errno)
	}
	return err.Error()
}

// openRead opens p for reading and closes it again.
func openRead(p string) string {
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		unix.Close(fd)
	}
	return errnoName(err)
}

// trySocket creates a socket and closes it again.
func trySocket(family, typ, proto int) string {
	fd, err := unix.Socket(family, typ|unix.SOCK_CLOEXEC, proto)
	if err == nil {
		unix.Close(fd)
	}
	return errnoName(err)
}

// tryWrite tries to create a file in the directory p, or to open the
// file p for writing, and reports "ok" or the errno's name.
func tryWrite(p string) string {
	target, flags := p, unix.O_WRONLY|unix.O_APPEND|unix.O_CLOEXEC
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		target = filepath.Join(p, fmt.Sprintf(".shannot-verify-%d", os.Getpid()))
		flags = unix.O_WRONLY | unix.O_CREAT | unix.O_EXCL | unix.O_CLOEXEC
	}
	fd, err := unix.Open(target, flags, 0o600)
	if err != nil {
		var errno unix.Errno
		if errors.As(err, &errno) {
			return unix.ErrnoName(errno)
		}
		return err.Error()
	}
	unix.Close(fd)
	if target != p {
		unix.Unlink(target)
	}
	return "ok"
}

// readCaps reads the Cap* lines of /proc/self/status into into.
func readCaps(into map[string]string) error {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.HasPrefix(k, "Cap") {
			into[k] = strings.TrimSpace(v)
		}
	}
	return s.Err()
}

// countWritable walks roots and counts the files and directories this
// process may write (access(2) with the effective ids: a read-only mount
// answers EROFS), leaving out /proc's per-process directories, which are
// the sandbox's own.
func countWritable(roots ...string) (n int, some []string) {
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if filepath.Dir(p) == "/proc" && (isPID(d.Name()) || d.Name() == "self" || d.Name() == "thread-self") {
				return filepath.SkipDir
			}
			if d.Type()&fs.ModeSymlink != 0 {
				return nil
			}
			if unix.Faccessat(unix.AT_FDCWD, p, unix.W_OK, unix.AT_EACCESS) == nil {
				n++
				if len(some) < 5 {
					some = append(some, p)
				}
			}
			return nil
		})
	}
	return n, some
}

func isPID(name string) bool {
	return name != "" && strings.Trim(name, "0123456789") == ""
}
