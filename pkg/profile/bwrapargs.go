package profile

import (
	"fmt"
	"strings"
)

// BwrapOptionArity is how many arguments each bwrap option (0.8) takes,
// so that additional_args can be read without mistaking a value for an
// option.
var BwrapOptionArity = map[string]int{
	"--unshare-all": 0, "--share-net": 0, "--unshare-user": 0, "--unshare-user-try": 0, "--unshare-ipc": 0,
	"--unshare-pid": 0, "--unshare-net": 0, "--unshare-uts": 0, "--unshare-cgroup": 0, "--unshare-cgroup-try": 0,
	"--clearenv": 0, "--new-session": 0, "--die-with-parent": 0, "--as-pid-1": 0, "--disable-userns": 0,
	"--assert-userns-disabled": 0,
	"--userns":                 1, "--userns2": 1, "--pidns": 1, "--uid": 1, "--gid": 1, "--hostname": 1, "--chdir": 1,
	"--unsetenv": 1, "--lock-file": 1, "--sync-fd": 1, "--remount-ro": 1, "--exec-label": 1, "--file-label": 1,
	"--proc": 1, "--dev": 1, "--tmpfs": 1, "--mqueue": 1, "--dir": 1, "--seccomp": 1, "--add-seccomp-fd": 1,
	"--block-fd": 1, "--userns-block-fd": 1, "--info-fd": 1, "--json-status-fd": 1, "--cap-add": 1,
	"--cap-drop": 1, "--perms": 1, "--size": 1, "--argv0": 1,
	"--setenv": 2, "--bind": 2, "--bind-try": 2, "--dev-bind": 2, "--dev-bind-try": 2, "--ro-bind": 2,
	"--ro-bind-try": 2, "--file": 2, "--bind-data": 2, "--ro-bind-data": 2, "--symlink": 2, "--chmod": 2,
}

// unmodelled are bwrap options a profile's additional_args may not use:
// they take descriptors shannot does not hand over, or change the
// sandbox's files in ways View does not follow, so the command checked
// could differ from the command run.
var unmodelled = map[string]string{
	"--overlay-src": "overlays are not modelled", "--overlay": "overlays are not modelled",
	"--tmp-overlay": "overlays are not modelled", "--ro-overlay": "overlays are not modelled",
	"--bind-fd": "it takes a descriptor", "--ro-bind-fd": "it takes a descriptor",
	"--file": "it takes a descriptor", "--bind-data": "it takes a descriptor", "--ro-bind-data": "it takes a descriptor",
	"--args": "it takes a descriptor", "--userns": "it takes a descriptor", "--userns2": "it takes a descriptor",
	"--pidns": "it takes a descriptor", "--sync-fd": "it takes a descriptor", "--block-fd": "it takes a descriptor",
	"--userns-block-fd": "it takes a descriptor", "--info-fd": "it takes a descriptor",
	"--json-status-fd": "shannot uses it itself", "--seccomp": "use seccomp_profile", "--add-seccomp-fd": "use seccomp_profile",
}

// checkAdditionalArgs refuses additional_args that shannot cannot follow:
// unknown options, options in unmodelled, stray words (bwrap would take
// a stray word for the command), and "--".
func checkAdditionalArgs(args []string, fail func(ptr, format string, args ...any) error) error {
	ptr := func(i int) string { return fmt.Sprintf("/additional_args/%d", i) }
	for i := 0; i < len(args); i++ {
		opt := args[i]
		if opt == "--" {
			return fail(ptr(i), `"--" would end bwrap's options early and change which command runs; remove it`)
		}
		if why, ok := unmodelled[opt]; ok {
			return fail(ptr(i), "%s is not supported in additional_args: %s", opt, why)
		}
		n, known := BwrapOptionArity[opt]
		switch {
		case known && i+n >= len(args):
			return fail(ptr(i), "%s needs %d argument(s)", opt, n)
		case known:
			i += n
		case strings.HasPrefix(opt, "-"):
			return fail(ptr(i), "unknown bwrap option %q", opt)
		default:
			return fail(ptr(i), "%q is not a bwrap option: bwrap would run it as the command", opt)
		}
	}
	return nil
}
