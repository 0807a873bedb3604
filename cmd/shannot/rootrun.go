package main

import (
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
// caller set up before sudo: resource limits the kernel would enforce by
// killing shannot between the run and its audit record (ulimit -t, -f),
// and the signal an oversized audit append would raise. Limits go back
// to what a root login gets; the sandbox inherits these, not the
// caller's.
func hardenPrivileged() {
	signal.Ignore(unix.SIGXFSZ, unix.SIGXCPU)
	inf := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
	for _, r := range []int{unix.RLIMIT_CPU, unix.RLIMIT_FSIZE, unix.RLIMIT_DATA, unix.RLIMIT_AS, unix.RLIMIT_RSS} {
		_ = unix.Setrlimit(r, &inf)
	}
	_ = unix.Setrlimit(unix.RLIMIT_STACK, &unix.Rlimit{Cur: 8 << 20, Max: unix.RLIM_INFINITY})
	_ = unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: 1024, Max: 1 << 20})
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{Cur: 0, Max: 0})
}

// maxPrivilegedOutput caps --max-output for a hostile caller: run --json
// holds the output in memory, as root.
const maxPrivilegedOutput = 16 << 20
