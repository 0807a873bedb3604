package profile

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/shannot-project/shannot/internal/jsonerr"
	"github.com/shannot-project/shannot/pkg/bwrap/option"
)

// bwrapRule is what additional_args may do with one bwrap option; its
// name and arity are package option's. additional_args are
// deny-by-default: an option is allowed only when it is known to keep a
// read-only sandbox read-only (it narrows the sandbox, or changes only
// what is inside its own tmpfs), and every other option, known or not,
// is refused.
type bwrapRule struct {
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
	noOverlays     = "overlays are not supported"
	noLabels       = "SELinux labels are not supported"
	noIdentity     = "the sandbox's identity is shannot's to choose"
	noHostDevices  = "it gives the sandbox host devices; remove it: the sandbox has its own /dev"
	useSeccomp     = "use seccomp_profile"
)

// bwrapRules holds a rule for every option of package option (a test
// checks that the two name the same options).
var bwrapRules = map[string]bwrapRule{
	// Namespaces: unsharing more is always allowed.
	option.UnshareAll: {}, option.UnshareUser: {}, option.UnshareUserTry: {}, option.UnshareIPC: {},
	option.UnsharePID: {}, option.UnshareNet: {}, option.UnshareUTS: {}, option.UnshareCgroup: {},
	option.UnshareCgroupTry: {}, option.DisableUserns: {}, option.AssertUsernsDisabled: {},
	option.ShareNet:   {refused: `it gives the sandbox the host's network; set "network_isolation": false instead`},
	option.Userns:     {refused: joinsNamespace},
	option.Userns2:    {refused: joinsNamespace},
	option.Pidns:      {refused: joinsNamespace},
	option.UID:        {refused: noIdentity},
	option.GID:        {refused: noIdentity},
	option.Hostname:   {check: nonEmpty},
	option.NewSession: {}, option.DieWithParent: {},
	option.AsPID1: {refused: "shannot relies on bwrap's own pid 1 to reap the command's processes and pass signals on"},

	// The environment.
	option.Clearenv: {},
	option.Setenv:   {check: checkSetenv},
	option.Unsetenv: {check: func(_ *argsCheck, a []string) string { return varName(a[0]) }},
	option.Chdir:    {check: absolute},
	option.Argv0:    {refused: "it changes the command's argv[0], by which a multi-call binary picks what to run: the command checked against allowed_commands would not be the one that runs"},

	// Capabilities: dropping is allowed, adding never.
	option.CapDrop: {check: nonEmpty},
	option.CapAdd:  {refused: "it gives the command capabilities back; the command must hold none"},

	// Host paths: only through binds.
	option.Bind: {refused: useBinds}, option.BindTry: {refused: useBinds},
	option.ROBind: {refused: useBinds}, option.ROBindTry: {refused: useBinds},
	option.DevBind: {refused: noHostDevices}, option.DevBindTry: {refused: noHostDevices},
	option.BindFD: {refused: takesFD}, option.ROBindFD: {refused: takesFD},
	option.File: {refused: takesFD}, option.BindData: {refused: takesFD},
	option.ROBindData: {refused: takesFD}, option.Args: {refused: takesFD},
	option.LockFile: {refused: "it opens a host path as bwrap's user; " + notNeeded},
	option.Chmod:    {refused: "it changes the mode of a file, which through a writable bind is the host's"},

	// The sandbox's own file system: tmpfs, directories and symlinks in
	// it, outside every bind.
	option.Tmpfs:     {check: checkTmpfs},
	option.Dir:       {check: checkCreated},
	option.Symlink:   {check: checkSymlink},
	option.Perms:     {check: octal},
	option.Size:      {check: decimal},
	option.RemountRO: {check: absolute},
	option.Proc:      {refused: "the sandbox already has its own /proc; a second one would not get the protections shannot gives /proc (its kernel knobs read-only)"},
	option.Dev:       {refused: "the sandbox already has its own /dev"},
	option.Mqueue:    {refused: notNeeded},

	// What shannot sets up itself, or cannot follow.
	option.Seccomp:       {refused: useSeccomp},
	option.AddSeccompFD:  {refused: useSeccomp},
	option.ExecLabel:     {refused: noLabels},
	option.FileLabel:     {refused: noLabels},
	option.SyncFD:        {refused: takesFD},
	option.BlockFD:       {refused: takesFD},
	option.UsernsBlockFD: {refused: takesFD},
	option.InfoFD:        {refused: takesFD},
	option.JSONStatusFD:  {refused: "shannot uses it itself"},
	option.Help:          {refused: "bwrap would print its help instead of running the command"},
	option.Version:       {refused: "bwrap would print its version instead of running the command"},
	// Newer bwrap's overlays: not in 0.8, and not modelled.
	option.OverlaySrc: {refused: noOverlays}, option.Overlay: {refused: noOverlays},
	option.TmpOverlay: {refused: noOverlays}, option.ROOverlay: {refused: noOverlays},
}

// rule is the rule for a known option: one package option knows but
// bwrapRules forgot is refused, deny-by-default.
func rule(name string) bwrapRule {
	if r, ok := bwrapRules[name]; ok {
		return r
	}
	return bwrapRule{refused: notNeeded}
}

// AllowedBwrapOptions lists the options additional_args may use, sorted.
func AllowedBwrapOptions() []string {
	var out []string
	for _, o := range option.All() {
		if rule(o.Name).refused == "" {
			out = append(out, o.Name)
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
		o, known := option.Lookup(opt)
		r := rule(opt)
		switch {
		case opt == option.End:
			return fail(ptr(i), `"--" would end bwrap's options early and change which command runs; remove it`)
		case known && r.refused != "":
			return fail(ptr(i), "%s is refused in additional_args: %s", opt, r.refused)
		case known && i+o.Arity >= len(args):
			return fail(ptr(i), "%s needs %d argument(s)", opt, o.Arity)
		case known:
			if r.check != nil {
				c := &argsCheck{binds: p.Binds, targets: targets, ptr: ptr(i)}
				if msg := r.check(c, args[i+1:i+1+o.Arity]); msg != "" {
					return fail(ptr(i), "%s %s", opt, msg)
				}
			}
			i += o.Arity
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
