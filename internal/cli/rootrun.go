package cli

import (
	"os"
	"os/signal"
	"runtime/debug"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/harden"
	"github.com/shannot-project/shannot/internal/hostconfig"
	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/internal/trust"
)

// sandboxIdentity is the unprivileged user bwrap runs as when shannot
// runs as root (a sudo caller, a root MCP server, a root login alike):
// no sandboxed process is ever host root. nil when shannot is not root.
func sandboxIdentity() (*identity.Identity, error) {
	id, _, err := sandboxIdentities()
	return id, err
}

// sandboxIdentities is sandboxIdentity and the pool of per-run uids that
// root-run sandboxes sharing the host's processes lease from (the
// configuration's sandbox_uids, with the same granted groups). Both nil
// when shannot is not root.
func sandboxIdentities() (*identity.Identity, *identity.Pool, error) {
	if os.Geteuid() != 0 {
		return nil, nil, nil
	}
	cfg, err := hostconfig.Load(trust.Open)
	if err != nil {
		return nil, nil, err
	}
	id, err := identity.Lookup(cfg.SandboxUser, cfg.SandboxGroups)
	if err != nil {
		return nil, nil, err
	}
	return id, &identity.Pool{Range: cfg.UIDRange(), Groups: id.Groups, GroupNames: id.GroupNames}, nil
}

// hardenPrivileged makes a run for a hostile caller immune to what the
// caller set up before sudo (see internal/harden: resource limits,
// scheduling, the OOM score, a cgroup the caller can kill or freeze), so
// that the caller cannot end a run, or its audit append, at a moment of
// their choosing. Signals the kernel sends for limits are ignored, and a
// crash prints no stacks or registers of root's to the caller.
func hardenPrivileged() error {
	debug.SetTraceback("none")
	signal.Ignore(unix.SIGXFSZ, unix.SIGXCPU)
	return harden.Process()
}

// maxPrivilegedOutput caps --max-output for a hostile caller: run --json
// holds the output in memory, as root.
const maxPrivilegedOutput = 16 << 20
