package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
