package doctor

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/shannot-project/shannot/internal/companion"
	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// Host is what Diagnose reads and runs on the machine.
type Host interface {
	// ReadFile reads a file: the sysctls under /proc/sys, /proc/self/status.
	ReadFile(name string) ([]byte, error)
	// Stat stats a file: AppArmor's profiles for bwrap, bwrap itself
	// (for its setuid bit).
	Stat(name string) (fs.FileInfo, error)
	// FindBwrap finds the bwrap that shannot's sandboxes would use.
	FindBwrap() (string, error)
	// BwrapVersion is what bwrap --version prints, trimmed.
	BwrapVersion(bwrap string) (string, error)
	// UserNamespace runs bwrap in a new user namespace as shannot runs
	// it: as id when set (shannot runs as root), else as this process.
	// A bwrap that ran and failed is an *ExitError; one that did not
	// finish within UserNamespaceTimeout is ErrTimeout.
	UserNamespace(bwrap string, id *identity.Identity) error
	// Libseccomp is the version of the libseccomp that compiles JSON
	// policies, and where it is when that is shannot-seccomp; "" when
	// there is none.
	Libseccomp() string
	// UID and EUID are this process's real and effective user ids.
	UID() int
	EUID() int
	// SandboxIdentity is who root-run sandboxes start as; nil, nil when
	// shannot is not root.
	SandboxIdentity() (*identity.Identity, error)
}

// UserNamespaceTimeout bounds System's user namespace probe.
const UserNamespaceTimeout = 10 * time.Second

// ErrTimeout is the user namespace probe not finishing in time.
var ErrTimeout = errors.New("bwrap did not finish within 10s")

// ExitError is bwrap failing to create a user namespace.
type ExitError struct {
	Stderr string // what bwrap said, trimmed
	Err    error  // from exec.Cmd.Wait: an *exec.ExitError
}

func (e *ExitError) Error() string { return "bwrap --unshare-user failed: " + e.Stderr }
func (e *ExitError) Unwrap() error { return e.Err }

// System is the Host this process runs on. What depends on who called
// shannot (which bwrap may be used, who a root-run sandbox is) comes
// from its two functions; the rest it reads itself.
type System struct {
	// Bwrap finds bwrap as the commands that run sandboxes do.
	Bwrap func() (string, error)
	// Identity is who root-run sandboxes start as; nil, nil when
	// shannot is not root.
	Identity func() (*identity.Identity, error)
}

var _ Host = System{}

func (System) ReadFile(name string) ([]byte, error)  { return os.ReadFile(name) }
func (System) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }
func (s System) FindBwrap() (string, error)          { return s.Bwrap() }
func (System) UID() int                              { return os.Getuid() }
func (System) EUID() int                             { return os.Geteuid() }

func (s System) SandboxIdentity() (*identity.Identity, error) { return s.Identity() }

// Libseccomp is the libseccomp linked in (a cgo build), else the one
// shannot-seccomp reports, found as a launch finds it (strictly when
// doctor runs as root: never through PATH).
func (System) Libseccomp() string {
	if v := seccomp.LibraryVersion(); v != "" {
		return v + ", linked into shannot"
	}
	h := seccomp.Helper{Find: func() (string, error) { return companion.Find(seccomp.HelperName, os.Geteuid() == 0) }}
	v, err := h.Version()
	if err != nil || v == "" {
		return ""
	}
	path, _ := h.Path()
	return v + ", in " + path
}

func (System) BwrapVersion(bwrap string) (string, error) {
	v, err := exec.Command(bwrap, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("running %s --version: %w", bwrap, err)
	}
	return strings.TrimSpace(string(v)), nil
}

// UserNamespace runs bwrap the way shannot does, with /bin/true inside.
func (System) UserNamespace(bwrap string, id *identity.Identity) error {
	cmd := exec.Command(bwrap, "--unshare-user", "--disable-userns", "--unshare-pid", "--cap-drop", "ALL",
		"--ro-bind", "/", "/", "--", "/bin/true")
	if id != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: id.UID, Gid: id.GID, Groups: id.Groups}}
		cmd.Dir = "/"
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return &ExitError{Stderr: strings.TrimSpace(stderr.String()), Err: err}
		}
		return nil
	case <-time.After(UserNamespaceTimeout):
		cmd.Process.Kill()
		return ErrTimeout
	}
}
