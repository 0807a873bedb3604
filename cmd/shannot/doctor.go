package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/shannot-project/shannot/internal/identity"
	"github.com/shannot-project/shannot/pkg/seccomp"
)

// finding is one line of `shannot doctor`.
type finding struct {
	Check  string `json:"check"`
	Status string `json:"status"` // ok, warn or fail
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

func doctorCommand() *cli.Command {
	return &cli.Command{
		Name:  "doctor",
		Usage: "check that this host can run shannot's sandboxes, and say how to fix what it cannot",
		Description: `Checks bwrap (found, version, setuid), unprivileged user namespaces (the
sysctls and Ubuntu's AppArmor restriction, then a real bwrap run), seccomp
support, dev.tty.legacy_tiocsti, libseccomp and, as root, the unprivileged
user root-run sandboxes start as. Exits 0 unless a check fails.

Examples:
   shannot doctor
   shannot doctor --json`,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print one JSON array"}},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return &usageError{msg: "doctor takes no arguments"}
			}
			findings := diagnose(c)
			failed := false
			for _, f := range findings {
				failed = failed || f.Status == "fail"
			}
			if c.Bool("json") {
				if err := json.NewEncoder(c.App.Writer).Encode(findings); err != nil {
					return err
				}
			} else {
				w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
				for _, f := range findings {
					fmt.Fprintf(w, "%s\t%s\t%s\n", f.Status, f.Check, f.Detail)
					if f.Fix != "" {
						fmt.Fprintf(w, "\t\tfix: %s\n", f.Fix)
					}
				}
				w.Flush()
			}
			if failed {
				return &statusError{code: 1}
			}
			return nil
		},
	}
}

func sysctl(name string) (string, bool) {
	b, err := os.ReadFile("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

func diagnose(c *cli.Context) []finding {
	var out []finding
	add := func(f finding) { out = append(out, f) }

	b, err := findBwrap(c.String("bwrap"))
	if err != nil {
		add(finding{"bwrap", "fail", err.Error(), "apt-get install bubblewrap (Debian, Ubuntu) or dnf install bubblewrap (Fedora)"})
	} else {
		version := "unknown version"
		if v, err := exec.Command(b, "--version").Output(); err == nil {
			version = strings.TrimSpace(string(v))
		}
		setuid := "not setuid"
		if st, err := os.Stat(b); err == nil && st.Mode()&os.ModeSetuid != 0 {
			setuid = "setuid root"
		}
		add(finding{"bwrap", "ok", fmt.Sprintf("%s, %s, %s", b, version, setuid), ""})
	}

	if v, ok := sysctl("kernel.unprivileged_userns_clone"); ok && v == "0" {
		add(finding{"kernel.unprivileged_userns_clone", "fail", "0: unprivileged user namespaces are disabled",
			"sysctl -w kernel.unprivileged_userns_clone=1 (and set it in /etc/sysctl.d/ to keep it)"})
	}
	if v, ok := sysctl("user.max_user_namespaces"); ok {
		if n, _ := strconv.Atoi(v); n == 0 {
			add(finding{"user.max_user_namespaces", "fail", "0: no user namespaces can be created",
				"sysctl -w user.max_user_namespaces=15000 (and set it in /etc/sysctl.d/)"})
		} else {
			add(finding{"user.max_user_namespaces", "ok", v, ""})
		}
	}
	if v, ok := sysctl("kernel.apparmor_restrict_unprivileged_userns"); ok && v == "1" {
		f := finding{Check: "kernel.apparmor_restrict_unprivileged_userns", Status: "ok",
			Detail: "1, and an AppArmor profile lets bwrap create user namespaces"}
		if !fileExists("/etc/apparmor.d/bwrap-userns-restrict") && !fileExists("/etc/apparmor.d/bwrap") {
			f.Status = "warn"
			f.Detail = "1: AppArmor restricts unprivileged user namespaces and no bwrap profile is installed"
			f.Fix = "install Ubuntu's profile for bwrap (apt-get install apparmor-profiles, then apparmor_parser -r /etc/apparmor.d/bwrap-userns-restrict): shannot starts bwrap unprivileged even as root"
		}
		add(f)
	}
	id, idErr := sandboxIdentity()
	if os.Geteuid() == 0 {
		if idErr != nil {
			add(finding{"sandbox user", "fail", idErr.Error(), identity.CreateHint})
		} else {
			add(finding{"sandbox user", "ok", "root-run sandboxes start as " + id.String(), ""})
		}
	}
	if b != "" {
		add(userNamespaceProbe(b, id))
	}

	if st, err := os.ReadFile("/proc/self/status"); err == nil && bytes.Contains(st, []byte("\nSeccomp:")) {
		add(finding{"seccomp", "ok", "the kernel supports seccomp filters", ""})
	} else {
		add(finding{"seccomp", "fail", "the kernel does not report seccomp support (CONFIG_SECCOMP_FILTER)", "use a kernel built with CONFIG_SECCOMP_FILTER=y"})
	}
	if v := seccomp.LibraryVersion(); v != "" {
		add(finding{"libseccomp", "ok", v + " (compiles JSON policies)", ""})
	} else {
		add(finding{"libseccomp", "warn", "this shannot was built without libseccomp: .bpf filters only", "build with CGO_ENABLED=1 and libseccomp-dev"})
	}
	if v, ok := sysctl("dev.tty.legacy_tiocsti"); ok {
		f := finding{Check: "dev.tty.legacy_tiocsti", Status: "ok", Detail: v + ": TIOCSTI is disabled for unprivileged processes"}
		if v != "0" {
			f.Status = "warn"
			f.Detail = v + ": TIOCSTI is allowed; shannot's --new-session and the readonly seccomp policy stop it anyway"
			f.Fix = "sysctl -w dev.tty.legacy_tiocsti=0 closes it for every program on this host"
		}
		add(f)
	}
	return out
}

// userNamespaceProbe runs bwrap the way shannot does: as the current
// user, or as the sandbox user id when shannot runs as root.
func userNamespaceProbe(bwrapPath string, id *identity.Identity) finding {
	cmd := exec.Command(bwrapPath, "--unshare-user", "--disable-userns", "--unshare-pid", "--cap-drop", "ALL",
		"--ro-bind", "/", "/", "--", "/bin/true")
	who := fmt.Sprintf("uid %d", os.Getuid())
	if id != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: id.UID, Gid: id.GID, Groups: id.Groups}}
		cmd.Dir = "/"
		who = id.String()
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		return finding{"user namespace", "fail", err.Error(), ""}
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			msg := strings.TrimSpace(stderr.String())
			fix := "see the sysctls above"
			if strings.Contains(msg, "uid map") || strings.Contains(msg, "Permission denied") {
				fix = "unprivileged user namespaces are blocked (sysctl or AppArmor above); allow them, or run shannot as root"
			}
			return finding{"user namespace", "fail", "bwrap --unshare-user failed: " + msg, fix}
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		return finding{"user namespace", "fail", "bwrap did not finish within 10s", ""}
	}
	return finding{"user namespace", "ok", "bwrap creates one as " + who, ""}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
