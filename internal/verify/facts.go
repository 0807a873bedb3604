package verify

// Facts is what the probe saw inside the sandbox. It travels from the
// probe to Run as JSON on the probe's standard output.
type Facts struct {
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
	// OverflowUID is the uid the kernel shows for an unmapped one
	// (/proc/sys/kernel/overflowuid, 65534 unless changed), -1 when it
	// cannot be read. A probe running as that very uid (user nobody) sees
	// /proc as its own whether or not it is root, so ProcOwner alone
	// cannot tell there.
	OverflowUID int `json:"overflow_uid"`
	// Writable counts the files under /proc (outside the per-process
	// directories) and /sys that the probe may write; WritableSome names
	// the first few.
	Writable     int      `json:"writable"`
	WritableSome []string `json:"writable_some,omitempty"`
	// PID1 is /proc/1/comm: the host's init under the processes view,
	// the sandbox's own process 1 otherwise.
	PID1 string `json:"pid1"`
	// Init is what the probe could do to process 1: "kill" (signal 0),
	// "environ", "mem" (opened for reading), "root" (readlink): "ok" or
	// an errno's name.
	Init map[string]string `json:"init"`
	// LandlockABI is the kernel's Landlock ABI as the probe saw it (0:
	// none, or the filter denies asking), and Parent what signal 0 to
	// the probe's parent (bwrap, outside the sandbox's Landlock domain)
	// gave: EPERM where shannot-init scoped signals to the sandbox.
	LandlockABI int    `json:"landlock_abi"`
	Parent      string `json:"parent"`
	// Sockets is what socket(2) gave for "inet" (AF_INET, SOCK_STREAM),
	// "unix" (AF_UNIX, SOCK_STREAM) and "netlink" (AF_NETLINK,
	// NETLINK_ROUTE): "ok" or an errno's name.
	Sockets map[string]string `json:"sockets"`
	// Seccomp is the Seccomp line of /proc/self/status inside (0 none,
	// 2 a filter), SeccompFilters its Seccomp_filters line (how many
	// filters are stacked); -1 when unreadable.
	Seccomp        int `json:"seccomp"`
	SeccompFilters int `json:"seccomp_filters"`
	// Calls is what each call the probe was asked to make (a label of
	// probeCalls) gave: "ok" or an errno's name.
	Calls map[string]string `json:"calls,omitempty"`
	// Plan is set by Run: what the filter was to do, for the seccomp
	// check.
	Plan SeccompPlan `json:"-"`
	// Failed is set by Run when the probe did not run or said nothing
	// it could read; Evaluate then reports only that.
	Failed string `json:"-"`
}
