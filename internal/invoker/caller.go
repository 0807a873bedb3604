package invoker

import (
	"errors"
	"fmt"
	"github.com/shannot-project/shannot/internal/sandboxinit"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/shannot-project/shannot/internal/capread"
	"github.com/shannot-project/shannot/internal/companion"
	"github.com/shannot-project/shannot/internal/trust"
	"github.com/shannot-project/shannot/pkg/launch"
	"github.com/shannot-project/shannot/pkg/profile"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// Caller is who asked for this run of shannot, and what that allows.
// Detect builds it once, in main; the zero value is an ordinary user's
// own run.
type Caller struct {
	// privileged is true when shannot runs as root on behalf of another
	// user: through sudo, doas or pkexec, as a setuid binary, or in a
	// session that another user logged into (the audit login uid). Then
	// everything the caller controls is hostile. When in doubt, it is.
	privileged bool
	name       string
	uid        int
	// lookUp: name is to be read from the user database, by User, when
	// it is asked for: most runs never ask (the audit log does), and the
	// lookup reads /etc/passwd.
	lookUp bool
}

// Detect tells who invoked this process: a hostile caller (sudo, doas,
// pkexec, setuid, another user's login) or the user's own run.
func Detect() Caller {
	uid := os.Getuid()
	inv := Caller{uid: uid, lookUp: true}
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
			inv = Caller{privileged: true, uid: login, lookUp: true}
		}
	}
	return inv
}

// Hostile is a caller through sudo, as user name (uid): for tests.
func Hostile(name string, uid int) Caller {
	return Caller{privileged: true, name: name, uid: uid}
}

// elevated is a privileged caller known by uid, name, or both.
func elevated(uid, name string) Caller {
	inv := Caller{privileged: true, name: name}
	if n, err := strconv.Atoi(uid); err == nil {
		inv.uid = n
	} else if u, err := user.Lookup(name); err == nil {
		inv.uid, _ = strconv.Atoi(u.Uid)
	}
	inv.lookUp = inv.name == ""
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

// Privileged is true when shannot runs as root on behalf of another user:
// everything the caller controls is hostile.
func (who Caller) Privileged() bool { return who.privileged }

// User is the caller's name and uid, as the audit log records them.
func (who Caller) User() (string, int) {
	if who.lookUp {
		return userName(who.uid), who.uid
	}
	return who.name, who.uid
}

// ErrRefused is what shannot says to a caller asking, through sudo, for
// something that would let them choose or loosen the sandbox.
var ErrRefused = errors.New("refused when shannot runs as root for another user")

// Refused is ErrRefused for what.
func Refused(what string) error { return fmt.Errorf("%s: %w", what, ErrRefused) }

// Opener opens the files that decide what the sandbox is: as root for
// another user, only files no one but root could have written. Either
// way only regular files, opened non-blocking (see capread.Open).
func (who Caller) Opener() capread.Opener {
	if who.privileged {
		return trust.Open
	}
	return capread.Open
}

// ProfileSearch is where profiles are looked for: the caller's
// environment and home count only when the caller is not hostile.
func (who Caller) ProfileSearch(ref string) profile.Search {
	s := profile.DefaultSearch(ref)
	if who.privileged {
		s.Getenv = nil
		s.Home = ""
	}
	return s
}

// SeccompOptions are the options filters are opened and compiled with.
func (who Caller) SeccompOptions() seccomp.Options {
	cache := seccomp.DefaultCache()
	if cache != nil && who.privileged {
		cache.Open = trust.Open
	}
	return seccomp.Options{Cache: cache, Host: seccomp.ThisHost(), Open: who.Opener(), Compiler: who.SeccompCompiler()}
}

// SeccompCompiler compiles JSON policies for who: nil (libseccomp in
// this process) when it is linked, else the shannot-seccomp helper,
// found beside shannot or in the install directories, and for a hostile
// caller never through PATH (see internal/companion).
func (who Caller) SeccompCompiler() seccomp.Compiler {
	if seccomp.LibraryVersion() != "" {
		return nil
	}
	return &seccomp.Helper{Find: func() (string, error) { return companion.Find(seccomp.HelperName, who.privileged) }}
}

// FindInit finds shannot-init, the first program of a sandbox that
// shares host views (see internal/sandboxinit), as SeccompCompiler finds
// its helper: for a hostile caller never through PATH, and only a file
// trust accepts.
func (who Caller) FindInit() (string, error) {
	return companion.Find(sandboxinit.Name, who.privileged)
}

// FindBwrap finds bwrap: for a hostile caller, only in the system's
// locations, root-owned, and never where --bwrap or $BWRAP say.
func (who Caller) FindBwrap(flag string) (string, error) {
	if !who.privileged {
		if flag == "" {
			flag = os.Getenv("BWRAP")
		}
		return launch.FindBwrap(flag, os.Getenv("PATH"))
	}
	if flag != "" {
		return "", Refused("--bwrap")
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
