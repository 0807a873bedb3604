package doctor

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/pkg/launch"
)

// fakeHost answers from a file tree (paths without the leading /) and
// canned values.
type fakeHost struct {
	files      fstest.MapFS
	bwrap      string
	bwrapErr   error
	version    string
	versionErr error
	userNS     error
	userNSAs   *identity.Identity // who UserNamespace was asked to run as
	userNSRan  bool
	libseccomp string
	uid, euid  int
	id         *identity.Identity
	idErr      error
}

func (h *fakeHost) ReadFile(name string) ([]byte, error) {
	return h.files.ReadFile(strings.TrimPrefix(name, "/"))
}
func (h *fakeHost) Stat(name string) (fs.FileInfo, error) {
	return h.files.Stat(strings.TrimPrefix(name, "/"))
}
func (h *fakeHost) FindBwrap() (string, error)                   { return h.bwrap, h.bwrapErr }
func (h *fakeHost) BwrapVersion(string) (string, error)          { return h.version, h.versionErr }
func (h *fakeHost) Libseccomp() string                           { return h.libseccomp }
func (h *fakeHost) UID() int                                     { return h.uid }
func (h *fakeHost) EUID() int                                    { return h.euid }
func (h *fakeHost) SandboxIdentity() (*identity.Identity, error) { return h.id, h.idErr }
func (h *fakeHost) UserNamespace(_ string, id *identity.Identity) error {
	h.userNSRan, h.userNSAs = true, id
	return h.userNS
}

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

// goodHost is a Debian host where everything works, for an unprivileged
// user.
func goodHost() *fakeHost {
	return &fakeHost{
		files: fstest.MapFS{
			"usr/bin/bwrap":                             {Mode: 0o755},
			"proc/sys/user/max_user_namespaces":         file("96363\n"),
			"proc/sys/kernel/unprivileged_userns_clone": file("1\n"),
			"proc/sys/dev/tty/legacy_tiocsti":           file("0\n"),
			"proc/self/status":                          file("Name:\tshannot\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"),
		},
		bwrap: "/usr/bin/bwrap", version: "bubblewrap 0.8.0", libseccomp: "2.5.4",
		uid: 1000, euid: 1000,
	}
}

var sandboxUser = &identity.Identity{User: "shannot-sandbox", UID: 999, GID: 995}

var (
	okBwrap     = Finding{"bwrap", OK, "/usr/bin/bwrap, bubblewrap 0.8.0, not setuid", ""}
	okMaxUserNS = Finding{"user.max_user_namespaces", OK, "96363", ""}
	okUserNS    = Finding{"user namespace", OK, "bwrap creates one as uid 1000", ""}
	okSeccomp   = Finding{"seccomp", OK, "the kernel supports seccomp filters", ""}
	okLib       = Finding{"libseccomp", OK, "2.5.4 (compiles JSON policies)", ""}
	okTIOCSTI   = Finding{"dev.tty.legacy_tiocsti", OK, "0: TIOCSTI is disabled for unprivileged processes", ""}
)

func TestDiagnose(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*fakeHost)
		want   []Finding
	}{
		{"all well", func(*fakeHost) {},
			[]Finding{okBwrap, okMaxUserNS, okUserNS, okSeccomp, okLib, okTIOCSTI}},
		{"unprivileged userns disabled", func(h *fakeHost) {
			h.files["proc/sys/kernel/unprivileged_userns_clone"] = file("0\n")
			h.userNS = &ExitError{Stderr: "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces."}
		}, []Finding{okBwrap,
			{"kernel.unprivileged_userns_clone", Fail, "0: unprivileged user namespaces are disabled",
				"sysctl -w kernel.unprivileged_userns_clone=1 (and set it in /etc/sysctl.d/ to keep it)"},
			okMaxUserNS,
			{"user namespace", Fail, "bwrap --unshare-user failed: bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces.",
				"see the sysctls above"},
			okSeccomp, okLib, okTIOCSTI}},
		{"max_user_namespaces 0", func(h *fakeHost) {
			h.files["proc/sys/user/max_user_namespaces"] = file("0\n")
			h.userNS = &ExitError{Stderr: "bwrap: setting up uid map: Permission denied"}
		}, []Finding{okBwrap,
			{"user.max_user_namespaces", Fail, "0: no user namespaces can be created",
				"sysctl -w user.max_user_namespaces=15000 (and set it in /etc/sysctl.d/)"},
			{"user namespace", Fail, "bwrap --unshare-user failed: bwrap: setting up uid map: Permission denied",
				"unprivileged user namespaces are blocked (sysctl or AppArmor above); allow them, or run shannot as root"},
			okSeccomp, okLib, okTIOCSTI}},
		{"sysctls the kernel lacks are not reported", func(h *fakeHost) {
			delete(h.files, "proc/sys/user/max_user_namespaces")
			delete(h.files, "proc/sys/kernel/unprivileged_userns_clone")
			delete(h.files, "proc/sys/dev/tty/legacy_tiocsti")
		}, []Finding{okBwrap, okUserNS, okSeccomp, okLib}},
		{"AppArmor restriction without a bwrap profile", func(h *fakeHost) {
			h.files["proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = file("1\n")
		}, []Finding{okBwrap, okMaxUserNS,
			{"kernel.apparmor_restrict_unprivileged_userns", Warn, "1: AppArmor restricts unprivileged user namespaces and no bwrap profile is installed",
				"install Ubuntu's profile for bwrap (apt-get install apparmor-profiles, then apparmor_parser -r /etc/apparmor.d/bwrap-userns-restrict): shannot starts bwrap unprivileged even as root"},
			okUserNS, okSeccomp, okLib, okTIOCSTI}},
		{"AppArmor restriction with bwrap-userns-restrict", func(h *fakeHost) {
			h.files["proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = file("1\n")
			h.files["etc/apparmor.d/bwrap-userns-restrict"] = file("profile bwrap ...")
		}, []Finding{okBwrap, okMaxUserNS,
			{"kernel.apparmor_restrict_unprivileged_userns", OK, "1, and an AppArmor profile lets bwrap create user namespaces", ""},
			okUserNS, okSeccomp, okLib, okTIOCSTI}},
		{"AppArmor restriction with a bwrap profile", func(h *fakeHost) {
			h.files["proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = file("1\n")
			h.files["etc/apparmor.d/bwrap"] = file("profile bwrap ...")
		}, []Finding{okBwrap, okMaxUserNS,
			{"kernel.apparmor_restrict_unprivileged_userns", OK, "1, and an AppArmor profile lets bwrap create user namespaces", ""},
			okUserNS, okSeccomp, okLib, okTIOCSTI}},
		{"AppArmor restriction off", func(h *fakeHost) {
			h.files["proc/sys/kernel/apparmor_restrict_unprivileged_userns"] = file("0\n")
		}, []Finding{okBwrap, okMaxUserNS, okUserNS, okSeccomp, okLib, okTIOCSTI}},
		{"bwrap missing: no user namespace run", func(h *fakeHost) {
			h.bwrap, h.bwrapErr = "", launch.ErrBwrapNotFound
		}, []Finding{
			{"bwrap", Fail, launch.ErrBwrapNotFound.Error(), "apt-get install bubblewrap (Debian, Ubuntu) or dnf install bubblewrap (Fedora)"},
			okMaxUserNS, okSeccomp, okLib, okTIOCSTI}},
		{"bwrap setuid, version unknown", func(h *fakeHost) {
			h.files["usr/bin/bwrap"] = &fstest.MapFile{Mode: 0o755 | fs.ModeSetuid}
			h.versionErr = errors.New("exit status 1")
		}, []Finding{
			{"bwrap", OK, "/usr/bin/bwrap, unknown version, setuid root", ""},
			okMaxUserNS, okUserNS, okSeccomp, okLib, okTIOCSTI}},
		{"bwrap cannot start", func(h *fakeHost) {
			h.userNS = errors.New("fork/exec /usr/bin/bwrap: permission denied")
		}, []Finding{okBwrap, okMaxUserNS,
			{"user namespace", Fail, "fork/exec /usr/bin/bwrap: permission denied", ""},
			okSeccomp, okLib, okTIOCSTI}},
		{"bwrap hangs", func(h *fakeHost) { h.userNS = ErrTimeout }, []Finding{okBwrap, okMaxUserNS,
			{"user namespace", Fail, "bwrap did not finish within 10s", ""},
			okSeccomp, okLib, okTIOCSTI}},
		{"seccomp missing", func(h *fakeHost) {
			h.files["proc/self/status"] = file("Name:\tshannot\nNoNewPrivs:\t0\n")
		}, []Finding{okBwrap, okMaxUserNS, okUserNS,
			{"seccomp", Fail, "the kernel does not report seccomp support (CONFIG_SECCOMP_FILTER)", "use a kernel built with CONFIG_SECCOMP_FILTER=y"},
			okLib, okTIOCSTI}},
		{"no /proc/self/status", func(h *fakeHost) { delete(h.files, "proc/self/status") }, []Finding{okBwrap, okMaxUserNS, okUserNS,
			{"seccomp", Fail, "the kernel does not report seccomp support (CONFIG_SECCOMP_FILTER)", "use a kernel built with CONFIG_SECCOMP_FILTER=y"},
			okLib, okTIOCSTI}},
		{"no shannot-seccomp", func(h *fakeHost) { h.libseccomp = "" }, []Finding{okBwrap, okMaxUserNS, okUserNS, okSeccomp,
			{"libseccomp", Warn, "shannot-seccomp (libseccomp) not found: .bpf filters and the built-in policies only", "install the shannot package, which ships shannot-seccomp, or run make install"},
			okTIOCSTI}},
		{"legacy_tiocsti 1", func(h *fakeHost) { h.files["proc/sys/dev/tty/legacy_tiocsti"] = file("1\n") },
			[]Finding{okBwrap, okMaxUserNS, okUserNS, okSeccomp, okLib,
				{"dev.tty.legacy_tiocsti", Warn, "1: TIOCSTI is allowed; shannot's --new-session and the readonly seccomp policy stop it anyway",
					"sysctl -w dev.tty.legacy_tiocsti=0 closes it for every program on this host"}}},
		{"root: the sandbox user runs the user namespace", func(h *fakeHost) {
			h.uid, h.euid, h.id = 0, 0, sandboxUser
		}, []Finding{okBwrap, okMaxUserNS,
			{"sandbox user", OK, "root-run sandboxes start as " + sandboxUser.String(), ""},
			{"user namespace", OK, "bwrap creates one as " + sandboxUser.String(), ""},
			okSeccomp, okLib, okTIOCSTI}},
		{"root: sandbox user missing", func(h *fakeHost) {
			h.uid, h.euid = 0, 0
			h.idErr = errors.New(`shannot runs as root and starts sandboxes as user "shannot-sandbox", but sandbox user does not exist`)
		}, []Finding{okBwrap, okMaxUserNS,
			{"sandbox user", Fail, `shannot runs as root and starts sandboxes as user "shannot-sandbox", but sandbox user does not exist`, identity.CreateHint},
			{"user namespace", OK, "bwrap creates one as uid 0", ""},
			okSeccomp, okLib, okTIOCSTI}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := goodHost()
			tc.change(h)
			got := Diagnose(h)
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
			wantFailed := false
			for _, f := range tc.want {
				wantFailed = wantFailed || f.Status == Fail
			}
			if Failed(got) != wantFailed {
				t.Errorf("Failed = %v, want %v", Failed(got), wantFailed)
			}
			if h.userNSRan != (h.bwrapErr == nil) {
				t.Errorf("user namespace run: %v, want %v (bwrap found: %v)", h.userNSRan, !h.userNSRan, h.bwrapErr == nil)
			}
			if h.userNSRan && h.userNSAs != h.id {
				t.Errorf("user namespace run as %v, want the sandbox identity %v", h.userNSAs, h.id)
			}
		})
	}
}

// A failing bwrap keeps its cause.
func TestExitErrorUnwraps(t *testing.T) {
	cause := errors.New("exit status 1")
	var err error = &ExitError{Stderr: "bwrap: nope", Err: cause}
	if !errors.Is(err, cause) || err.Error() != "bwrap --unshare-user failed: bwrap: nope" {
		t.Errorf("%v: want the cause %v kept", err, cause)
	}
}
