package main

import (
	"fmt"
	"os"
	"os/signal"

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
// kernel enforces by killing shannot (ulimit -t) or failing its writes
// (ulimit -f) would let the caller end a run, or the audit append, at a
// moment of their choosing. Limits go back to unlimited, signals the
// kernel sends for them are ignored, and the sandbox inherits these, not
// the caller's. Where a hard limit cannot be lifted (no CAP_SYS_RESOURCE,
// as in some containers) the run is refused: an audit record that can be
// skipped is not an audit record.
func hardenPrivileged() error {
	signal.Ignore(unix.SIGXFSZ, unix.SIGXCPU)
	for _, r := range []int{unix.RLIMIT_CPU, unix.RLIMIT_FSIZE, unix.RLIMIT_DATA, unix.RLIMIT_AS, unix.RLIMIT_RSS} {
		if unix.Setrlimit(r, &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}) != nil {
			var l unix.Rlimit
			if unix.Getrlimit(r, &l) == nil {
				l.Cur = l.Max
				_ = unix.Setrlimit(r, &l)
			}
		}
	}
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
	for _, r := range []struct {
		res  int
		name string
	}{{unix.RLIMIT_CPU, "CPU time (ulimit -t)"}, {unix.RLIMIT_FSIZE, "file size (ulimit -f)"}} {
		var l unix.Rlimit
		if err := unix.Getrlimit(r.res, &l); err != nil || l.Cur != unix.RLIM_INFINITY {
			return fmt.Errorf("the caller's limit on %s is %d and cannot be lifted (shannot lacks CAP_SYS_RESOURCE): "+
				"refused when shannot runs as root for another user, since the kernel could end the run before its audit record; "+
				"run without lowering it", r.name, l.Cur)
		}
	}
	return nil
}

// maxPrivilegedOutput caps --max-output for a hostile caller: run --json
// holds the output in memory, as root.
const maxPrivilegedOutput = 16 << 20

// maxPrivilegedConcurrent caps mcp --max-concurrent for a hostile caller.
const maxPrivilegedConcurrent = 16
