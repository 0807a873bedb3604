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
// write to each of writes, makes each of calls (labels of probeCalls),
// and reads the network interfaces, its capabilities and seccomp state,
// its environment, /proc's owner and what it may write under /proc and
// /sys. It changes nothing it finds: a file it creates to test a
// directory is removed again.
//
// It uses no call a filter may deny without a fallback where the
// operation itself can be tried: whether a file may be written is seen
// by opening it for writing, not by faccessat2.
func Probe(writes, calls []string) (*Facts, error) {
	facts := &Facts{UID: os.Getuid(), Writes: map[string]string{}, Environ: os.Environ(), Caps: map[string]string{}}
	for _, p := range writes {
		facts.Writes[p] = tryWrite(p)
	}
	for _, label := range calls {
		if facts.Calls == nil {
			facts.Calls = map[string]string{}
		}
		c, ok := findCall(label)
		if !ok {
			facts.Calls[label] = "unknown call"
			continue
		}
		facts.Calls[label] = errnoName(c.do())
	}
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("listing network interfaces: %w", err)
	}
	for _, i := range ifaces {
		facts.Interfaces = append(facts.Interfaces, i.Name)
	}
	sort.Strings(facts.Interfaces)
	status, err := readStatus("/proc/self/status")
	if err != nil {
		return nil, err
	}
	for k, v := range status {
		if strings.HasPrefix(k, "Cap") {
			facts.Caps[k] = v
		}
	}
	facts.Seccomp, facts.SeccompFilters = statusInt(status, "Seccomp"), statusInt(status, "Seccomp_filters")
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
	if abi, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION); errno == 0 {
		facts.LandlockABI = int(abi)
	}
	facts.Parent = errnoName(unix.Kill(os.Getppid(), 0))
	facts.Sockets = map[string]string{
		"inet":       trySocket(unix.AF_INET, unix.SOCK_STREAM, 0),
		"inet-dgram": trySocket(unix.AF_INET, unix.SOCK_DGRAM, 0),
		"unix":       trySocket(unix.AF_UNIX, unix.SOCK_STREAM, 0),
		"unix-dgram": trySocket(unix.AF_UNIX, unix.SOCK_DGRAM, 0),
		"netlink":    trySocket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE),
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
		return errnoString(errno)
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

// readStatus reads a /proc/PID/status file: its lines by key.
func readStatus(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lines := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok {
			lines[k] = strings.TrimSpace(v)
		}
	}
	return lines, s.Err()
}

// statusInt is a number in a status file's lines, -1 when it is not
// there (Seccomp_filters is new in Linux 5.9).
func statusInt(lines map[string]string, key string) int {
	n, err := strconv.Atoi(lines[key])
	if err != nil {
		return -1
	}
	return n
}

// countWritable walks roots and counts the files and directories this
// process may write, leaving out /proc's per-process directories, which
// are the sandbox's own. A regular file is opened for writing (and
// closed unwritten: a read-only mount answers EROFS, a file's mode
// EACCES); a directory is asked with plain faccessat(2) and the real
// ids, which are the effective ones in the sandbox (faccessat2, which
// unix.Faccessat tries first when given AT_EACCESS, is denied by many
// filters without a fallback the kernel makes, and x/sys's emulation
// of it misses read-only mounts).
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
			if writable(p, d) {
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

// writable says whether p, found as d in a walk, may be written: see
// countWritable. Other kinds of files (sockets, devices) are not tried.
func writable(p string, d fs.DirEntry) bool {
	switch {
	case d.IsDir():
		return unix.Faccessat(unix.AT_FDCWD, p, unix.W_OK, 0) == nil
	case d.Type().IsRegular():
		fd, err := unix.Open(p, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
		if err != nil {
			return false
		}
		unix.Close(fd)
		return true
	}
	return false
}

func isPID(name string) bool {
	return name != "" && strings.Trim(name, "0123456789") == ""
}
