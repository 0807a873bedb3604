package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

// probeName is the hidden command that verify runs inside the sandbox.
const probeName = "__probe"

// probeFacts is what the probe saw inside the sandbox.
type probeFacts struct {
	UID        int               `json:"uid"`
	Writes     map[string]string `json:"writes"` // path -> "ok" or an errno name
	Interfaces []string          `json:"interfaces"`
	Caps       map[string]string `json:"caps"` // CapEff, CapPrm, ... from /proc/self/status
	Environ    []string          `json:"environ"`
	// ProcOwner is the uid /proc's root directory shows in the sandbox.
	// The kernel owns it by host root, so it shows as the probe's own uid
	// exactly when the probe is host root, and as the overflow uid
	// otherwise. (/proc/self/uid_map cannot tell: bwrap nests a second
	// user namespace, and the map names the uid in the first.) -1 when
	// /proc cannot be looked at.
	ProcOwner int `json:"proc_owner"`
	// Writable counts the files under /proc (outside the per-process
	// directories) and /sys that the probe may write; WritableSome names
	// the first few.
	Writable     int      `json:"writable"`
	WritableSome []string `json:"writable_some,omitempty"`
	// Failed is set by verify when the probe did not run.
	Failed string `json:"-"`
}

func probeCommand() *cli.Command {
	return &cli.Command{
		Name:   probeName,
		Hidden: true,
		Usage:  "inside a sandbox: report what it allows (used by verify)",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "write", Usage: "try to write to `PATH`"},
		},
		Action: func(c *cli.Context) error {
			facts := probeFacts{UID: os.Getuid(), Writes: map[string]string{}, Environ: os.Environ(), Caps: map[string]string{}}
			for _, p := range c.StringSlice("write") {
				facts.Writes[p] = tryWrite(p)
			}
			ifaces, err := net.Interfaces()
			if err != nil {
				return fmt.Errorf("listing network interfaces: %w", err)
			}
			for _, i := range ifaces {
				facts.Interfaces = append(facts.Interfaces, i.Name)
			}
			sort.Strings(facts.Interfaces)
			if err := readCaps(facts.Caps); err != nil {
				return err
			}
			facts.ProcOwner = -1
			if st, err := os.Stat("/proc"); err == nil {
				facts.ProcOwner = int(st.Sys().(*syscall.Stat_t).Uid)
			}
			facts.Writable, facts.WritableSome = countWritable("/proc", "/sys")
			sort.Strings(facts.WritableSome)
			return json.NewEncoder(c.App.Writer).Encode(facts)
		},
	}
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
