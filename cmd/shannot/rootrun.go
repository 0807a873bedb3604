package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/hostconfig"
	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/internal/trust"
)

// sandboxIdentity is the unprivileged user bwrap runs as when shannot
// runs as root (a sudo caller, a root MCP server, a root login alike):
// no sandboxed process is ever host root. nil when shannot is not root.
func sandboxIdentity() (*identity.Identity, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	cfg, err := hostconfig.Load(trust.Open)
	if err != nil {
		return nil, err
	}
	return identity.Lookup(cfg.SandboxUser, cfg.SandboxGroups)
}

// hardenPrivileged makes a run for a hostile caller immune to what the
// caller set up before sudo, which passes resource limits on: a limit the
// kernel enforces by killing shannot (ulimit -t), failing its writes
// (ulimit -f) or starving the Go runtime of memory, threads or files
// (-v, -d, -u, -n, -s) would let the caller end a run, or its audit
// append, at a moment of their choosing. Each limit goes back to at
// least what a root login gets, signals the kernel sends for them are
// ignored, and the sandbox inherits these, not the caller's. Where a hard
// limit cannot be lifted (no CAP_SYS_RESOURCE, as in some containers) the
// run is refused: an audit record that can be skipped is not an audit
// record. A crash prints no stacks or registers of root's to the caller.
func hardenPrivileged() error {
	debug.SetTraceback("none")
	signal.Ignore(unix.SIGXFSZ, unix.SIGXCPU)
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	for _, l := range privilegedLimits {
		if err := lift(l.res, l.floor); err != nil {
			return fmt.Errorf("the caller's limit on %s is %s and cannot be lifted to %s (shannot lacks CAP_SYS_RESOURCE): "+
				"refused when shannot runs as root for another user, since the kernel could end the run before its audit record; "+
				"run without lowering it", l.name, err, limitText(l.floor))
		}
	}
	return nil
}

// privilegedLimits are the limits a run for a hostile caller needs, each
// with the least it may be (RLIM_INFINITY: no limit at all).
var privilegedLimits = []struct {
	res   int
	name  string
	floor uint64
}{
	{unix.RLIMIT_CPU, "CPU time (ulimit -t)", unix.RLIM_INFINITY},
	{unix.RLIMIT_FSIZE, "file size (ulimit -f)", unix.RLIM_INFINITY},
	{unix.RLIMIT_DATA, "data size (ulimit -d)", unix.RLIM_INFINITY},
	{unix.RLIMIT_AS, "address space (ulimit -v)", unix.RLIM_INFINITY},
	{unix.RLIMIT_RSS, "resident set (ulimit -m)", unix.RLIM_INFINITY},
	{unix.RLIMIT_STACK, "stack size (ulimit -s)", 8 << 20},
	{unix.RLIMIT_NOFILE, "open files (ulimit -n)", 1024},
	{unix.RLIMIT_NPROC, "processes (ulimit -u)", 4096},
}

// lift raises the soft limit of res to at least floor, raising the hard
// limit first when it is lower; it returns the limit that stands when it
// cannot.
func lift(res int, floor uint64) error {
	var l unix.Rlimit
	if err := unix.Getrlimit(res, &l); err != nil {
		return err
	}
	if atLeast(l.Cur, floor) {
		return nil
	}
	if !atLeast(l.Max, floor) {
		if unix.Setrlimit(res, &unix.Rlimit{Cur: floor, Max: floor}) == nil {
			return nil
		}
	} else if unix.Setrlimit(res, &unix.Rlimit{Cur: floor, Max: l.Max}) == nil {
		return nil
	}
	return errors.New(limitText(l.Max))
}

func atLeast(v, floor uint64) bool {
	return v == unix.RLIM_INFINITY || floor != unix.RLIM_INFINITY && v >= floor
}

func limitText(v uint64) string {
	if v == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return strconv.FormatUint(v, 10)
}

// maxPrivilegedOutput caps --max-output for a hostile caller: run --json
// holds the output in memory, as root.
const maxPrivilegedOutput = 16 << 20

// maxPrivilegedConcurrent caps mcp --max-concurrent for a hostile caller.
const maxPrivilegedConcurrent = 16
