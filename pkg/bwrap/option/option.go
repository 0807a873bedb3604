package option

// bwrap's options, each spelt once. Every name here is in [known], and
// every entry of known is one of these.
const (
	// Namespaces and the process.
	UnshareAll           = "--unshare-all"
	UnshareUser          = "--unshare-user"
	UnshareUserTry       = "--unshare-user-try"
	UnshareIPC           = "--unshare-ipc"
	UnsharePID           = "--unshare-pid"
	UnshareNet           = "--unshare-net"
	UnshareUTS           = "--unshare-uts"
	UnshareCgroup        = "--unshare-cgroup"
	UnshareCgroupTry     = "--unshare-cgroup-try"
	DisableUserns        = "--disable-userns"
	AssertUsernsDisabled = "--assert-userns-disabled"
	ShareNet             = "--share-net"
	Userns               = "--userns"
	Userns2              = "--userns2"
	Pidns                = "--pidns"
	UID                  = "--uid"
	GID                  = "--gid"
	Hostname             = "--hostname"
	NewSession           = "--new-session"
	DieWithParent        = "--die-with-parent"
	AsPID1               = "--as-pid-1"

	// The environment.
	Clearenv = "--clearenv"
	Setenv   = "--setenv"
	Unsetenv = "--unsetenv"
	Chdir    = "--chdir"
	Argv0    = "--argv0"

	// Capabilities.
	CapDrop = "--cap-drop"
	CapAdd  = "--cap-add"

	// Host paths and descriptors.
	Bind       = "--bind"
	BindTry    = "--bind-try"
	ROBind     = "--ro-bind"
	ROBindTry  = "--ro-bind-try"
	DevBind    = "--dev-bind"
	DevBindTry = "--dev-bind-try"
	BindFD     = "--bind-fd"
	ROBindFD   = "--ro-bind-fd"
	File       = "--file"
	BindData   = "--bind-data"
	ROBindData = "--ro-bind-data"
	Args       = "--args"
	LockFile   = "--lock-file"
	Chmod      = "--chmod"

	// The sandbox's own file system.
	Tmpfs     = "--tmpfs"
	Dir       = "--dir"
	Symlink   = "--symlink"
	Perms     = "--perms"
	Size      = "--size"
	RemountRO = "--remount-ro"
	Proc      = "--proc"
	Dev       = "--dev"
	Mqueue    = "--mqueue"

	// Seccomp, labels, descriptors, bwrap itself.
	Seccomp       = "--seccomp"
	AddSeccompFD  = "--add-seccomp-fd"
	ExecLabel     = "--exec-label"
	FileLabel     = "--file-label"
	SyncFD        = "--sync-fd"
	BlockFD       = "--block-fd"
	UsernsBlockFD = "--userns-block-fd"
	InfoFD        = "--info-fd"
	JSONStatusFD  = "--json-status-fd"
	Help          = "--help"
	Version       = "--version"

	// Newer bwrap's overlays (not in 0.8).
	OverlaySrc = "--overlay-src"
	Overlay    = "--overlay"
	TmpOverlay = "--tmp-overlay"
	ROOverlay  = "--ro-overlay"
)

// End ends bwrap's options: the command follows it. It is not an option
// and not in the table.
const End = "--"

// Model is what shannot models of an option's effect on the sandbox's
// file system (see bwrap.View).
type Model int

const (
	// Unmodelled options change nothing that shannot follows.
	Unmodelled Model = iota
	// BindMount options (SRC DEST) show the host path SRC at DEST.
	BindMount
	// MakeSymlink (TEXT DEST) makes DEST a symlink to TEXT.
	MakeSymlink
	// MakeDir options (DEST) make DEST a directory of bwrap's own: a
	// tmpfs, an empty directory, /proc or /dev.
	MakeDir
	// SetCwd (DIR) is the command's working directory.
	SetCwd
)

// Option is what shannot knows of one bwrap option.
type Option struct {
	Name  string
	Arity int // how many arguments follow it
	Model Model
}

// known is every bwrap option shannot knows. A slice of constants, laid
// out by the linker: nothing is built at start-up.
var known = [...]Option{
	{UnshareAll, 0, Unmodelled}, {UnshareUser, 0, Unmodelled}, {UnshareUserTry, 0, Unmodelled},
	{UnshareIPC, 0, Unmodelled}, {UnsharePID, 0, Unmodelled}, {UnshareNet, 0, Unmodelled},
	{UnshareUTS, 0, Unmodelled}, {UnshareCgroup, 0, Unmodelled}, {UnshareCgroupTry, 0, Unmodelled},
	{DisableUserns, 0, Unmodelled}, {AssertUsernsDisabled, 0, Unmodelled}, {ShareNet, 0, Unmodelled},
	{Userns, 1, Unmodelled}, {Userns2, 1, Unmodelled}, {Pidns, 1, Unmodelled},
	{UID, 1, Unmodelled}, {GID, 1, Unmodelled}, {Hostname, 1, Unmodelled},
	{NewSession, 0, Unmodelled}, {DieWithParent, 0, Unmodelled}, {AsPID1, 0, Unmodelled},

	{Clearenv, 0, Unmodelled}, {Setenv, 2, Unmodelled}, {Unsetenv, 1, Unmodelled},
	{Chdir, 1, SetCwd}, {Argv0, 1, Unmodelled},

	{CapDrop, 1, Unmodelled}, {CapAdd, 1, Unmodelled},

	{Bind, 2, BindMount}, {BindTry, 2, BindMount}, {ROBind, 2, BindMount}, {ROBindTry, 2, BindMount},
	{DevBind, 2, BindMount}, {DevBindTry, 2, BindMount},
	// By descriptor: the source is not a path shannot can follow.
	{BindFD, 2, Unmodelled}, {ROBindFD, 2, Unmodelled},
	{File, 2, Unmodelled}, {BindData, 2, Unmodelled}, {ROBindData, 2, Unmodelled}, {Args, 1, Unmodelled},
	{LockFile, 1, Unmodelled}, {Chmod, 2, Unmodelled},

	{Tmpfs, 1, MakeDir}, {Dir, 1, MakeDir}, {Symlink, 2, MakeSymlink},
	{Perms, 1, Unmodelled}, {Size, 1, Unmodelled}, {RemountRO, 1, Unmodelled},
	{Proc, 1, MakeDir}, {Dev, 1, MakeDir}, {Mqueue, 1, Unmodelled},

	{Seccomp, 1, Unmodelled}, {AddSeccompFD, 1, Unmodelled},
	{ExecLabel, 1, Unmodelled}, {FileLabel, 1, Unmodelled},
	{SyncFD, 1, Unmodelled}, {BlockFD, 1, Unmodelled}, {UsernsBlockFD, 1, Unmodelled},
	{InfoFD, 1, Unmodelled}, {JSONStatusFD, 1, Unmodelled},
	{Help, 0, Unmodelled}, {Version, 0, Unmodelled},

	{OverlaySrc, 1, Unmodelled}, {Overlay, 3, Unmodelled}, {TmpOverlay, 1, Unmodelled}, {ROOverlay, 1, Unmodelled},
}

// Lookup returns what shannot knows of the option name, and whether it
// knows it at all.
func Lookup(name string) (Option, bool) {
	for _, o := range known {
		if o.Name == name {
			return o, true
		}
	}
	return Option{}, false
}

// All returns every option shannot knows, in the table's order.
func All() []Option { return append([]Option(nil), known[:]...) }
