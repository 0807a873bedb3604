package profile

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/shannot-project/shannot/internal/jsonerr"
)

// bwrapOption is one option of bwrap 0.8 as a profile's additional_args
// sees it. additional_args are deny-by-default: an option is allowed
// only when it is known to keep a read-only sandbox read-only (it
// narrows the sandbox, or changes only what is inside its own tmpfs),
// and every other option, known or not, is refused.
type bwrapOption struct {
	arity int
	// refused says why a profile may not use the option and what to use
	// instead; "" for an allowed option.
	refused string
	// check checks an allowed option's arguments and returns what is
	// wrong with them, or "".
	check func(c *argsCheck, args []string) string
}

// Reasons shared by several refused options.
const (
	useBinds       = `it mounts a host path past the checks binds make (sources canonicalised, /proc refused, symlinks not followed as root); use binds, read-only unless "read_only": false, "optional": true for -try`
	takesFD        = "it takes a file descriptor that shannot does not hand over"
	joinsNamespace = "it would join a namespace of another process"
	notNeeded      = "a read-only sandbox does not need it, and it is not known to be safe"
)

var bwrapOptions = map[string]bwrapOption{
	// Namespaces: unsharing more is always allowed.
	"--unshare-all": {}, "--unshare-user": {}, "--unshare-user-try": {}, "--unshare-ipc": {},
	"--unshare-pid": {}, "--unshare-net": {}, "--unshare-uts": {}, "--unshare-cgroup": {},
	"--unshare-cgroup-try": {}, "--disable-userns": {}, "--assert-userns-disabled": {},
	"--share-net":   {refused: `it gives the sandbox the host's network; set "network_isolation": false instead`},
	"--userns":      {arity: 1, refused: joinsNamespace},
	"--userns2":     {arity: 1, refused: joinsNamespace},
	"--pidns":       {arity: 1, refused: joinsNamespace},
	"--uid":         {arity: 1, refused: "the sandbox's identity is shannot's to choose"},
	"--gid":         {arity: 1, refused: "the sandbox's identity is shannot's to choose"},
	"--hostname":    {arity: 1, check: nonEmpty},
	"--new-session": {}, "--die-with-parent": {},
	"--as-pid-1": {refused: "shannot relies on bwrap's own pid 1 to reap the command's processes and pass signals on"},

	// The environment.
	"--clearenv": {},
	"--setenv":   {arity: 2, check: checkSetenv},
	"--unsetenv": {arity: 1, check: func(_ *argsCheck, a []string) string { return varName(a[0]) }},
	"--chdir":    {arity: 1, check: absolute},
	"--argv0":    {arity: 1, refused: "it changes the command's argv[0], by which a multi-call binary picks what to run: the command checked against allowed_commands would not be the one that runs"},

	// Capabilities: dropping is allowed, adding never.
	"--cap-drop": {arity: 1, check: nonEmpty},
	"--cap-add":  {arity: 1, refused: "it gives the command capabilities back; the command must hold none"},

	// Host paths: only through binds.
	"--bind": {arity: 2, refused: useBinds}, "--bind-try": {arity: 2, refused: useBinds},
	"--ro-bind": {arity: 2, refused: useBinds}, "--ro-bind-try": {arity: 2, refused: useBinds},
	"--dev-bind":     {arity: 2, refused: "it gives the sandbox host devices; remove it: the sandbox has its own /dev"},
	"--dev-bind-try": {arity: 2, refused: "it gives the sandbox host devices; remove it: the sandbox has its own /dev"},
	"--bind-fd":      {arity: 2, refused: takesFD}, "--ro-bind-fd": {arity: 2, refused: takesFD},
	"--file": {arity: 2, refused: takesFD}, "--bind-data": {arity: 2, refused: takesFD},
	"--ro-bind-data": {arity: 2, refused: takesFD}, "--args": {arity: 1, refused: takesFD},
	"--lock-file": {arity: 1, refused: "it opens a host path as bwrap's user; " + notNeeded},
	"--chmod":     {arity: 2, refused: "it changes the mode of a file, which through a writable bind is the host's"},

	// The sandbox's own file system: tmpfs, directories and symlinks in
	// it, outside every bind.
	"--tmpfs":      {arity: 1, check: checkTmpfs},
	"--dir":        {arity: 1, check: checkCreated},
	"--symlink":    {arity: 2, check: checkSymlink},
	"--perms":      {arity: 1, check: octal},
	"--size":       {arity: 1, check: decimal},
	"--remount-ro": {arity: 1, check: absolute},
	"--proc":       {arity: 1, refused: "the sandbox already has its own /proc; a second one would not get the protections shannot gives /proc (its kernel knobs read-only)"},
	"--dev":        {arity: 1, refused: "the sandbox already has its own /dev"},
	"--mqueue":     {arity: 1, refused: notNeeded},

	// What shannot sets up itself, or cannot follow.
	"--seccomp":         {arity: 1, refused: "use seccomp_profile"},
	"--add-seccomp-fd":  {arity: 1, refused: "use seccomp_profile"},
	"--exec-label":      {arity: 1, refused: "SELinux labels are not supported"},
	"--file-label":      {arity: 1, refused: "SELinux labels are not supported"},
	"--sync-fd":         {arity: 1, refused: takesFD},
	"--block-fd":        {arity: 1, refused: takesFD},
	"--userns-block-fd": {arity: 1, refused: takesFD},
	"--info-fd":         {arity: 1, refused: takesFD},
	"--json-status-fd":  {arity: 1, refused: "shannot uses it itself"},
	"--help":            {refused: "bwrap would print its help instead of running the command"},
	"--version":         {refused: "bwrap would print its version instead of running the command"},
	// Newer bwrap's overlays: not in 0.8, and not modelled.
	"--overlay-src": {arity: 1, refused: "overlays are not supported"}, "--overlay": {arity: 3, refused: "overlays are not supported"},
	"--tmp-overlay": {arity: 1, refused: "overlays are not supported"}, "--ro-overlay": {arity: 1, refused: "overlays are not supported"},
}

// BwrapOptionArity is how many arguments each bwrap option shannot
// knows takes, allowed or not, so that additional_args can be read
// without mistaking a value for an option.
var BwrapOptionArity = func() map[string]int {
	m := make(map[string]int, len(bwrapOptions))
	for name, o := range bwrapOptions {
		m[name] = o.arity
	}
	return m
}()

// AllowedBwrapOptions lists the options additional_args may use, sorted.
func AllowedBwrapOptions() []string {
	var out []string
	for name, o := range bwrapOptions {
		if o.refused == "" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// argsCheck is what the checks of additional_args know of the profile.
type argsCheck struct {
	binds   []Bind            // the profile's, resolved
	targets map[string]string // mounted target -> pointer of its mount
	ptr     string            // the option's pointer
}

// checkAdditionalArgs refuses additional_args that are not known to be
// safe: refused and unknown options, bad arguments to allowed ones,
// stray words (bwrap would take a stray word for the command), and "--".
func checkAdditionalArgs(p *Profile, targets map[string]string, fail func(ptr, format string, args ...any) error) error {
	args := p.AdditionalArgs
	ptr := func(i int) string { return fmt.Sprintf("/additional_args/%d", i) }
	for i := 0; i < len(args); i++ {
		opt := args[i]
		o, known := bwrapOptions[opt]
		switch {
		case opt == "--":
			return fail(ptr(i), `"--" would end bwrap's options early and change which command runs; remove it`)
		case known && o.refused != "":
			return fail(ptr(i), "%s is refused in additional_args: %s", opt, o.refused)
		case known && i+o.arity >= len(args):
			return fail(ptr(i), "%s needs %d argument(s)", opt, o.arity)
		case known:
			if o.check != nil {
				c := &argsCheck{binds: p.Binds, targets: targets, ptr: ptr(i)}
				if msg := o.check(c, args[i+1:i+1+o.arity]); msg != "" {
					return fail(ptr(i), "%s %s", opt, msg)
				}
			}
			i += o.arity
		case strings.HasPrefix(opt, "-"):
			return fail(ptr(i), "unknown bwrap option %s: additional_args takes only the options known to be safe (see \"additional_args\" in docs/profiles.md)",
				jsonerr.Quote(opt))
		default:
			return fail(ptr(i), "%s is not a bwrap option: bwrap would run it as the command", jsonerr.Quote(opt))
		}
	}
	return nil
}

func nonEmpty(_ *argsCheck, a []string) string {
	if a[0] == "" {
		return "needs a non-empty argument"
	}
	return ""
}

func absolute(_ *argsCheck, a []string) string {
	if !strings.HasPrefix(a[0], "/") {
		return fmt.Sprintf("%s: must be an absolute path", jsonerr.Quote(a[0]))
	}
	return ""
}

func octal(_ *argsCheck, a []string) string {
	if n, err := strconv.ParseUint(a[0], 8, 32); err != nil || n > 0o7777 {
		return fmt.Sprintf("%s: must be an octal mode such as 0755", jsonerr.Quote(a[0]))
	}
	return ""
}

func decimal(_ *argsCheck, a []string) string {
	if _, err := strconv.ParseUint(a[0], 10, 64); err != nil {
		return fmt.Sprintf("%s: must be a size in bytes", jsonerr.Quote(a[0]))
	}
	return ""
}

func varName(name string) string {
	if name == "" || strings.ContainsAny(name, "=") {
		return fmt.Sprintf("%s: not a valid variable name: it must be non-empty and contain no '='", jsonerr.Quote(name))
	}
	return ""
}

// loaderVars change what code a command loads or runs, whatever the
// command: the dynamic loader's and libc's, shells', interpreters' and
// programs that start others (pagers, editors).
var (
	loaderVarPrefixes = []string{"LD_", "GCONV_", "GLIBC_", "MALLOC_", "BASH_FUNC_", "PYTHON", "PERL", "RUBY",
		"NODE_", "GIT_", "LUA_", "JAVA_", "_JAVA_", "JDK_", "DYLD_"}
	loaderVars = []string{"GETCONF_DIR", "HOSTALIASES", "LOCALDOMAIN", "LOCPATH", "NIS_PATH", "NLSPATH",
		"RESOLV_HOST_CONF", "RES_OPTIONS", "BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND",
		"IFS", "TCLLIBPATH", "PAGER", "MANPAGER", "LESSOPEN", "LESSCLOSE", "EDITOR", "VISUAL", "SYSTEMD_PAGER",
		"OPENSSL_CONF", "OPENSSL_ENGINES", "SSLKEYLOGFILE"}
)

// dangerousVar says why name may not be set through additional_args, or "".
func dangerousVar(name string) string {
	if name == "PATH" {
		return `set PATH in "environment", where shannot checks that it lists only absolute directories`
	}
	if slices.Contains(loaderVars, name) || slices.ContainsFunc(loaderVarPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
		return "it changes what code the command loads or runs, so the command checked against allowed_commands is not all that runs; remove it"
	}
	return ""
}

func checkSetenv(_ *argsCheck, a []string) string {
	if msg := varName(a[0]); msg != "" {
		return msg
	}
	if why := dangerousVar(a[0]); why != "" {
		return fmt.Sprintf("%s is refused: %s", a[0], why)
	}
	return ""
}

// checkCreated checks a path bwrap creates in the sandbox (a directory,
// a symlink, a tmpfs mount point): it must be a sandbox path binds could
// use, and outside every bind, where creating it would go through the
// host's files (and, as root, through symlinks found there).
func checkCreated(c *argsCheck, a []string) string {
	target, err := sandboxPath(a[len(a)-1])
	if err != nil {
		return err.Error()
	}
	if target == "/" {
		return "/: the sandbox's root is bwrap's; choose a path below it"
	}
	for i, b := range c.binds {
		if target != b.Target && (b.Target == "/" || strings.HasPrefix(target, b.Target+"/")) {
			return fmt.Sprintf("%s is inside the bind of %s at %s (/binds/%d): bwrap would create it through the host's files there; choose a path outside the binds, or use tmpfs_paths",
				jsonerr.Clip(target), jsonerr.Clip(b.Source), b.Target, i)
		}
	}
	return ""
}

func checkTmpfs(c *argsCheck, a []string) string {
	if msg := checkCreated(c, a); msg != "" {
		return msg
	}
	target, _ := sandboxPath(a[0])
	if first, ok := c.targets[target]; ok {
		return fmt.Sprintf("%s: %s is already mounted by %s; keep one of them", a[0], jsonerr.Clip(target), first)
	}
	c.targets[target] = c.ptr
	return ""
}

func checkSymlink(c *argsCheck, a []string) string {
	link := a[0]
	if link == "" {
		return "needs a non-empty link target"
	}
	// bwrap makes the link while it sets up, when the host's root is
	// at /oldroot and the sandbox's at /newroot: a later mount through
	// a link leading there, or up out of /newroot, would land on the host.
	for _, part := range strings.Split(link, "/") {
		if part == ".." {
			return fmt.Sprintf("%s: the link target may not contain \"..\"", jsonerr.Quote(link))
		}
	}
	clean := path.Clean("/" + link)
	for _, p := range []string{"/oldroot", "/newroot"} {
		if clean == p || strings.HasPrefix(clean, p+"/") {
			return fmt.Sprintf("%s: the link target may not lead into %s, bwrap's view of the host while it sets up", jsonerr.Quote(link), p)
		}
	}
	return checkCreated(c, a)
}
