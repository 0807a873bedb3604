package sandbox

import (
	"fmt"
	"os"
	"path"
	"slices"

	"github.com/shannot-project/shannot/internal/sandboxinit"
	"github.com/shannot-project/shannot/pkg/bwrap"
	"github.com/shannot-project/shannot/pkg/bwrap/option"
	"github.com/shannot-project/shannot/pkg/profile"
)

// openInit hands shannot-init to bwrap when the profile shares a view of
// the host: there the sandbox's first process confines itself with
// Landlock before it execs the command (see internal/sandboxinit), which
// closes what read-only mounts leave open (FIFOs, UNIX sockets by path)
// and scopes signals and abstract sockets to the sandbox.
func (sb *Sandbox) openInit(cfg Config) error {
	p := sb.Profile
	if len(p.HostView) == 0 {
		return nil
	}
	mounts := bwrap.NewView(bwrap.Mounts(p), p.AdditionalArgs).Mounts()
	writable := writableOf(mounts)
	if err := checkBeneathWritable(p, mounts, writable); err != nil {
		return err
	}
	find := cfg.FindInit
	if find == nil {
		return fmt.Errorf("profile %s shares host views %v, which need %s, and no way to find it was given", p.Origin, p.HostView, sandboxinit.Name)
	}
	name, err := find()
	if err != nil {
		return fmt.Errorf("profile %s shares host views %v: %w", p.Origin, p.HostView, err)
	}
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("profile %s shares host views %v: %w", p.Origin, p.HostView, err)
	}
	sb.initFD = sb.addFile(f)
	if sb.sources == nil {
		sb.sources = map[int]string{}
	}
	sb.sources[sb.initFD] = name
	sb.writable = writable
	return nil
}

// writableOf are the sandbox's own writable mounts among its mounts: its
// /dev, its tmpfs paths, the writable binds a profile asks for (refused
// as root). Beneath them, and nowhere else, shannot-init lets the
// command write.
func writableOf(mounts []bwrap.Mount) []string {
	var out []string
	for _, m := range mounts {
		if writableOp(m.Op) {
			out = append(out, path.Clean(m.Target))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func writableOp(op string) bool {
	switch op {
	case option.Dev, option.Tmpfs, option.Bind, option.BindTry, option.DevBind, option.DevBindTry:
		return true
	}
	return false
}

// checkBeneathWritable refuses a read-only bind of host files beneath one
// of the sandbox's writable mounts (a tmpfs path, /dev): Landlock grants
// by tree and has no exception, so writes would be allowed there, and a
// FIFO of the host's under the bind could be written (a hostile review
// did, through a bind below the tmpfs /home).
func checkBeneathWritable(p *profile.Profile, mounts []bwrap.Mount, writable []string) error {
	for _, m := range mounts {
		if !m.IsBind() || writableOp(m.Op) {
			continue
		}
		t := path.Clean(m.Target)
		for _, w := range writable {
			if t != w && under(t, w) {
				return &profile.Error{File: p.Origin.String(), Pointer: pointerOf(p, m),
					Msg: fmt.Sprintf("the read-only bind at %s is beneath the sandbox's writable %s: a host-view sandbox may write beneath its writable mounts (Landlock has no exceptions), so a FIFO under the bind could be written; bind it outside %s", t, w, w)}
			}
		}
	}
	return nil
}

// CommandArgv is what bwrap runs for argv: argv itself, or, when the
// sandbox has an init (host views), the init on its descriptor followed
// by argv.
func (sb *Sandbox) CommandArgv(argv []string) []string {
	if sb.initFD == 0 {
		return argv
	}
	return sandboxinit.Args(sb.initFD, sb.writable, argv)
}
