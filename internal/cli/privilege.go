package cli

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/internal/trust"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// invoker is who asked for this run of shannot.
type invoker struct {
	// privileged is true when shannot runs as root on behalf of another
	// user: through sudo, doas or pkexec, as a setuid binary, or in a
	// session that another user logged into (the audit login uid). Then
	// everything the caller controls is hostile. When in doubt, it is.
	privileged bool
	name       string
	uid        int
}

func whoInvoked() invoker {
	uid := os.Getuid()
	inv := invoker{uid: uid, name: userName(uid)}
	if os.Geteuid() != 0 {
		return inv
	}
	// The elevating tools say who called them, and the caller cannot
	// unset their variables. Without any, the session's login uid (set
	// at login, kept across sudo and su) tells a root login from another
	// user's.
	switch {
	case os.Getenv("SUDO_UID") != "":
		return elevated(os.Getenv("SUDO_UID"), os.Getenv("SUDO_USER"))
	case os.Getenv("PKEXEC_UID") != "":
		return elevated(os.Getenv("PKEXEC_UID"), "")
	case os.Getenv("DOAS_USER") != "":
		return elevated("", os.Getenv("DOAS_USER"))
	case uid != 0: // setuid root
		inv.privileged = true
	default:
		if login, ok := loginUID(); ok && login != 0 {
			inv = invoker{privileged: true, uid: login, name: userName(login)}
		}
	}
	return inv
}

// elevated is a privileged invoker known by uid, name, or both.
func elevated(uid, name string) invoker {
	inv := invoker{privileged: true, name: name}
	if n, err := strconv.Atoi(uid); err == nil {
		inv.uid = n
	} else if u, err := user.Lookup(name); err == nil {
		inv.uid, _ = strconv.Atoi(u.Uid)
	}
	if inv.name == "" {
		inv.name = userName(inv.uid)
	}
	return inv
}

// loginUID is the audit login uid of this session, when one is set.
func loginUID() (int, bool) {
	b, err := os.ReadFile("/proc/self/loginuid")
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 32)
	if err != nil || n == 4294967295 { // (uid_t)-1: not set
		return 0, false
	}
	return int(n), true
}

func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(uid)
}

// errRefused is what shannot says to a caller asking, through sudo, for
// something that would let them choose or loosen the sandbox.
var errRefused = errors.New("refused when shannot runs as root for another user")

func refused(what string) error { return fmt.Errorf("%s: %w", what, errRefused) }

// opener opens the files that decide what the sandbox is: as root for
// another user, only files no one but root could have written. Either
// way only regular files, opened non-blocking (see capread.Open).
func (who invoker) opener() capread.Opener {
	if who.privileged {
		return trust.Open
	}
	return capread.Open
}

// profileSearch is where profiles are looked for: the caller's
// environment and home count only when the caller is not hostile.
func (who invoker) profileSearch(ref string) profile.Search {
	s := profile.DefaultSearch(ref)
	if who.privileged {
		s.Getenv = nil
		s.Home = ""
	}
	return s
}

// seccompOptions are the options filters are opened and compiled with.
func (who invoker) seccompOptions() seccomp.Options {
	cache := seccomp.DefaultCache()
	if cache != nil && who.privileged {
		cache.Open = trust.Open
	}
	return seccomp.Options{Cache: cache, Host: seccomp.ThisHost(), Open: who.opener(), Compiler: who.seccompCompiler()}
}

// findBwrap finds bwrap: for a hostile caller, only in the system's
// locations, root-owned, and never where --bwrap or $BWRAP say.
func (who invoker) findBwrap(flag string) (string, error) {
	if !who.privileged {
		if flag == "" {
			flag = os.Getenv("BWRAP")
		}
		return launch.FindBwrap(flag, os.Getenv("PATH"))
	}
	if flag != "" {
		return "", refused("--bwrap")
	}
	b, err := launch.FindBwrap("", "")
	if err != nil {
		return "", err
	}
	f, err := trust.Open(b)
	if err != nil {
		return "", err
	}
	f.Close()
	return b, nil
}

// callerOf is who called the app that c belongs to (Env.Caller).
func callerOf(c *cli.Context) invoker { return appCaller(c.App) }

// appCaller is Env.Caller of an app New built.
func appCaller(app *cli.App) invoker {
	inv, _ := app.Metadata[callerKey].(invoker)
	return inv
}

// callerKey is where New keeps Env.Caller in the app's metadata.
const callerKey = "shannot.caller"
