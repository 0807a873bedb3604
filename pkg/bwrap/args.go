package bwrap

import (
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/shannot-project/shannot/pkg/bwrap/option"
	"github.com/shannot-project/shannot/pkg/profile"
)

// Options are what a run adds to the profile's sandbox.
type Options struct {
	// SeccompFD is the descriptor bwrap reads the BPF filter from; 0, the
	// zero value, means no filter (descriptor 0 is the command's stdin).
	SeccompFD int
	// ForceUserNS gives the command a user namespace in which it cannot
	// create others (--unshare-user --disable-userns) even when the
	// profile turns user namespace isolation off: shannot sets it when it
	// runs as root.
	ForceUserNS bool
	// BindFDs, when set, holds for each of the profile's binds the
	// descriptor (as bwrap sees it) of its source, opened by the caller:
	// bwrap then mounts what the descriptor holds (--ro-bind-fd) instead
	// of resolving the path itself. 0 keeps the bind by path; a negative
	// number leaves the bind out (an optional source that is missing).
	BindFDs []int
	// HostIDMap says that the caller writes the user namespace's uid and
	// gid maps itself, once bwrap has made it (launch.Launch.MapHostIDs):
	// bwrap then gets --unshare-user alone, because bwrap 0.8 refuses
	// --disable-userns beside the --userns-block-fd that the caller's
	// maps need. The seccomp filter must then refuse new user namespaces
	// (pkg/sandbox checks that it does).
	HostIDMap bool
}

// ProcMasks are the kernel's knobs under /proc, outside the per-process
// directories, covered read-only by the host's own (a bind made after
// --proc). bwrap covers some of them only when access(W_OK) succeeds,
// which procfs never answers for /proc/sys: without these, a process
// that owns the files (host root) writes sysctls, and through
// kernel.core_pattern runs code outside every namespace.
var ProcMasks = []string{"/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus", "/proc/fs",
	"/proc/pressure", "/proc/mtrr", "/proc/acpi", "/proc/driver"}

// Mount is one file system operation of the sandbox, in bwrap's terms.
type Mount struct {
	Op     string // an option of bwrap's that makes a mount: --proc, --dev, --tmpfs, --dir, --symlink or a bind
	Source string // host path of a bind, or the text of a symlink
	Target string // path inside the sandbox
	// FD, when not 0, is the descriptor of the bind's source, which the
	// bind mounts instead of Source (--ro-bind-fd, --bind-fd).
	FD int
}

func (m Mount) args() []string {
	if m.FD > 0 {
		op := option.ROBindFD
		if m.Op == option.Bind || m.Op == option.BindTry {
			op = option.BindFD
		}
		return []string{op, strconv.Itoa(m.FD), m.Target}
	}
	if o, _ := option.Lookup(m.Op); o.Model == option.MakeDir {
		return []string{m.Op, m.Target}
	}
	return []string{m.Op, m.Source, m.Target}
}

func (m Mount) isBind() bool {
	o, _ := option.Lookup(m.Op)
	return o.Model == option.BindMount
}

// Mounts returns the sandbox's mounts in the order bwrap performs them:
// its own /proc and /dev, then the profile's tmpfs and binds, shallowest
// target first, so that a mount on a deeper path masks a shallower one.
//
// A profile sharing the host's file systems (host_view "filesystems")
// starts from the host's / bound read-only, recursively: bwrap makes
// every mount below it read-only too, and df's statfs of each gives the
// host's numbers. One sharing the host's processes gets the host's /proc
// bound read-only (recursively) instead of a procfs of its own, which
// only a PID namespace of its own could mount; the ProcMasks go over
// either.
func Mounts(p *profile.Profile) []Mount { return mounts(p, nil) }

// mounts is Mounts with the binds' sources given by descriptor (see
// Options.BindFDs).
func mounts(p *profile.Profile, fds []int) []Mount {
	var ms []Mount
	if p.Shares(profile.ViewFilesystems) {
		ms = append(ms, Mount{Op: option.ROBind, Source: "/", Target: "/"})
	}
	if p.Shares(profile.ViewProcesses) {
		ms = append(ms, Mount{Op: option.ROBind, Source: "/proc", Target: "/proc"})
	} else {
		ms = append(ms, Mount{Op: option.Proc, Target: "/proc"})
	}
	for _, m := range ProcMasks {
		ms = append(ms, Mount{Op: option.ROBindTry, Source: m, Target: m})
	}
	ms = append(ms, Mount{Op: option.Dev, Target: "/dev"})
	for _, t := range p.TmpfsPaths {
		ms = append(ms, Mount{Op: option.Tmpfs, Target: t})
	}
	for i, b := range p.Binds {
		op := option.Bind
		if b.ReadOnly {
			op = option.ROBind
		}
		if b.Optional {
			op += "-try"
		}
		m := Mount{Op: op, Source: b.Source, Target: b.Target}
		if i < len(fds) {
			if fds[i] < 0 {
				continue
			}
			m.FD = fds[i]
		}
		ms = append(ms, m)
	}
	// Each target's depth once: the comparisons asked for it 170 times
	// for a shipped profile, a path.Clean each.
	sort.Stable(byDepth{ms, depths(ms)})
	return ms
}

// byDepth sorts mounts by the depth of their targets, outermost first.
type byDepth struct {
	ms    []Mount
	depth []int
}

func (b byDepth) Len() int           { return len(b.ms) }
func (b byDepth) Less(i, j int) bool { return b.depth[i] < b.depth[j] }
func (b byDepth) Swap(i, j int) {
	b.ms[i], b.ms[j] = b.ms[j], b.ms[i]
	b.depth[i], b.depth[j] = b.depth[j], b.depth[i]
}

func depths(ms []Mount) []int {
	d := make([]int, len(ms))
	for i, m := range ms {
		d[i] = depth(m.Target)
	}
	return d
}

func depth(p string) int {
	p = path.Clean(p)
	if p == "/" {
		return 0
	}
	return strings.Count(p, "/")
}

// Args returns bwrap's options for the profile's sandbox, ending with
// "--": the command follows them.
func Args(p *profile.Profile, opts Options) []string {
	args := []string{option.DieWithParent, option.NewSession}
	switch {
	case opts.HostIDMap:
		args = append(args, option.UnshareUser)
	case p.UserNamespaceIsolation || opts.ForceUserNS:
		args = append(args, option.UnshareUser, option.DisableUserns)
	}
	// A view the profile shares with the host (host_view) is the host's
	// namespace: no new one.
	args = append(args, option.UnshareIPC)
	if !p.Shares(profile.ViewProcesses) {
		args = append(args, option.UnsharePID)
	}
	if !p.Shares(profile.ViewHostname) {
		args = append(args, option.UnshareUTS)
	}
	args = append(args, option.UnshareCgroupTry)
	if p.NetworkIsolation && !p.Shares(profile.ViewNetwork) {
		args = append(args, option.UnshareNet)
	}
	args = append(args, option.CapDrop, "ALL", option.Clearenv)
	keys := make([]string, 0, len(p.Environment))
	for k := range p.Environment {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, option.Setenv, k, p.Environment[k])
	}
	for _, m := range mounts(p, opts.BindFDs) {
		args = append(args, m.args()...)
	}
	if opts.SeccompFD > 0 {
		args = append(args, option.Seccomp, strconv.Itoa(opts.SeccompFD))
	}
	args = append(args, p.AdditionalArgs...)
	return append(args, option.End)
}

// Quote renders argv as one line that a POSIX shell reads back as the
// same words.
func Quote(argv []string) string {
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = quoteWord(a)
	}
	return strings.Join(out, " ")
}

func quoteWord(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:=,+@%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
