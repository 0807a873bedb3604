package doctor

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/shannot-project/shannot/internal/identity"
)

// Status is how a finding turned out.
type Status string

const (
	OK   Status = "ok"
	Warn Status = "warn" // shannot works, but the host could be safer or more capable
	Fail Status = "fail" // shannot's sandboxes cannot run, or not as they should
)

// Finding is one line of `shannot doctor`.
type Finding struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Failed reports whether any finding is a failure.
func Failed(findings []Finding) bool {
	for _, f := range findings {
		if f.Status == Fail {
			return true
		}
	}
	return false
}

// The AppArmor profiles that let bwrap create user namespaces where
// kernel.apparmor_restrict_unprivileged_userns is 1.
var apparmorProfiles = []string{"/etc/apparmor.d/bwrap-userns-restrict", "/etc/apparmor.d/bwrap"}

// Diagnose checks, in this order: bwrap (found, version, setuid); the
// sysctls that allow unprivileged user namespaces and Ubuntu's AppArmor
// restriction; as root, the sandbox user; a real bwrap run in a user
// namespace; seccomp support; libseccomp; dev.tty.legacy_tiocsti. A
// sysctl the kernel does not have is not reported.
func Diagnose(h Host) []Finding {
	var out []Finding
	add := func(f Finding) { out = append(out, f) }

	b, err := h.FindBwrap()
	if err != nil {
		b = ""
		add(Finding{"bwrap", Fail, err.Error(), "apt-get install bubblewrap (Debian, Ubuntu) or dnf install bubblewrap (Fedora)"})
	} else {
		version := "unknown version"
		if v, err := h.BwrapVersion(b); err == nil {
			version = v
		}
		setuid := "not setuid"
		if st, err := h.Stat(b); err == nil && st.Mode()&fs.ModeSetuid != 0 {
			setuid = "setuid root"
		}
		add(Finding{"bwrap", OK, fmt.Sprintf("%s, %s, %s", b, version, setuid), ""})
	}

	if v, ok := sysctl(h, "kernel.unprivileged_userns_clone"); ok && v == "0" {
		add(Finding{"kernel.unprivileged_userns_clone", Fail, "0: unprivileged user namespaces are disabled",
			"sysctl -w kernel.unprivileged_userns_clone=1 (and set it in /etc/sysctl.d/ to keep it)"})
	}
	if v, ok := sysctl(h, "user.max_user_namespaces"); ok {
		if n, _ := strconv.Atoi(v); n == 0 {
			add(Finding{"user.max_user_namespaces", Fail, "0: no user namespaces can be created",
				"sysctl -w user.max_user_namespaces=15000 (and set it in /etc/sysctl.d/)"})
		} else {
			add(Finding{"user.max_user_namespaces", OK, v, ""})
		}
	}
	if v, ok := sysctl(h, "kernel.apparmor_restrict_unprivileged_userns"); ok && v == "1" {
		f := Finding{Check: "kernel.apparmor_restrict_unprivileged_userns", Status: OK,
			Detail: "1, and an AppArmor profile lets bwrap create user namespaces"}
		if !exists(h, apparmorProfiles...) {
			f.Status = Warn
			f.Detail = "1: AppArmor restricts unprivileged user namespaces and no bwrap profile is installed"
			f.Fix = "install Ubuntu's profile for bwrap (apt-get install apparmor-profiles, then apparmor_parser -r /etc/apparmor.d/bwrap-userns-restrict): shannot starts bwrap unprivileged even as root"
		}
		add(f)
	}
	id, idErr := h.SandboxIdentity()
	if h.EUID() == 0 {
		if idErr != nil {
			add(Finding{"sandbox user", Fail, idErr.Error(), identity.CreateHint})
		} else {
			add(Finding{"sandbox user", OK, "root-run sandboxes start as " + id.String(), ""})
		}
	}
	if b != "" {
		add(userNamespace(h, b, id))
	}

	if st, err := h.ReadFile("/proc/self/status"); err == nil && bytes.Contains(st, []byte("\nSeccomp:")) {
		add(Finding{"seccomp", OK, "the kernel supports seccomp filters", ""})
	} else {
		add(Finding{"seccomp", Fail, "the kernel does not report seccomp support (CONFIG_SECCOMP_FILTER)", "use a kernel built with CONFIG_SECCOMP_FILTER=y"})
	}
	if v := h.Libseccomp(); v != "" {
		add(Finding{"libseccomp", OK, v + " (compiles JSON policies)", ""})
	} else {
		add(Finding{"libseccomp", Warn, "shannot-seccomp (libseccomp) not found: .bpf filters and the built-in policies only", "install the shannot package, which ships shannot-seccomp, or run make install"})
	}
	if v, ok := sysctl(h, "dev.tty.legacy_tiocsti"); ok {
		f := Finding{Check: "dev.tty.legacy_tiocsti", Status: OK, Detail: v + ": TIOCSTI is disabled for unprivileged processes"}
		if v != "0" {
			f.Status = Warn
			f.Detail = v + ": TIOCSTI is allowed; shannot's --new-session and the readonly seccomp policy stop it anyway"
			f.Fix = "sysctl -w dev.tty.legacy_tiocsti=0 closes it for every program on this host"
		}
		add(f)
	}
	return out
}

// userNamespace is the finding of a real bwrap run: as id when set, else
// as this process's uid.
func userNamespace(h Host, bwrap string, id *identity.Identity) Finding {
	who := fmt.Sprintf("uid %d", h.UID())
	if id != nil {
		who = id.String()
	}
	err := h.UserNamespace(bwrap, id)
	var exit *ExitError
	switch {
	case err == nil:
		return Finding{"user namespace", OK, "bwrap creates one as " + who, ""}
	case errors.As(err, &exit):
		// bwrap's own words, not a Go error's: what it says when the
		// kernel or AppArmor refuses the namespace.
		fix := "see the sysctls above"
		if strings.Contains(exit.Stderr, "uid map") || strings.Contains(exit.Stderr, "Permission denied") {
			fix = "unprivileged user namespaces are blocked (sysctl or AppArmor above); allow them, or run shannot as root"
		}
		return Finding{"user namespace", Fail, exit.Error(), fix}
	default:
		return Finding{"user namespace", Fail, err.Error(), ""}
	}
}

// sysctl is the value of the sysctl name ("kernel.foo"), read from
// /proc/sys; false when the kernel has no such setting.
func sysctl(h Host, name string) (string, bool) {
	b, err := h.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// exists reports whether any of paths exists.
func exists(h Host, paths ...string) bool {
	for _, p := range paths {
		if _, err := h.Stat(p); err == nil {
			return true
		}
	}
	return false
}
