//go:build integration

package integration

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// repoRoot is the checkout the integration tests run in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "Makefile")); err != nil {
		t.Fatalf("no Makefile in %s: %v", root, err)
	}
	return root
}

func mustRun(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	c := exec.Command(name, args...)
	c.Dir = dir
	c.Env = append(os.Environ(), env...)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// files lists the regular files and symlinks below root, relative to it.
func files(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestMakeInstallAndUninstall(t *testing.T) {
	root := repoRoot(t)
	dest := mkdir(t, "destdir")
	mustRun(t, root, nil, "make", "--no-print-directory", "install", "DESTDIR="+dest, "PREFIX=/opt/sh")
	want := []string{
		"opt/sh/bin/shannot",
		"opt/sh/bin/shannot-mcp",
		"opt/sh/libexec/shannot/shannot-init",
		"opt/sh/libexec/shannot/shannot-seccomp",
		"opt/sh/share/bash-completion/completions/shannot",
		"opt/sh/share/bash-completion/completions/shannot-mcp",
		"opt/sh/share/fish/vendor_completions.d/shannot-mcp.fish",
		"opt/sh/share/fish/vendor_completions.d/shannot.fish",
		"opt/sh/share/man/man1/shannot-mcp.1",
		"opt/sh/share/man/man1/shannot.1",
		"opt/sh/share/man/man5/shannot-profile.5",
		"opt/sh/share/shannot/profile.schema.json",
		"opt/sh/share/shannot/profiles/diagnostics.json",
		"opt/sh/share/shannot/profiles/minimal.json",
		"opt/sh/share/shannot/profiles/readonly.json",
		"opt/sh/share/shannot/profiles/seccomp/default.json",
		"opt/sh/share/shannot/profiles/seccomp/hostview.json",
		"opt/sh/share/shannot/profiles/seccomp/readonly.json",
		"opt/sh/share/shannot/profiles/systemd.json",
		"opt/sh/share/zsh/site-functions/_shannot",
		"opt/sh/share/zsh/site-functions/_shannot-mcp",
	}
	if got := files(t, dest); !slices.Equal(got, want) {
		t.Errorf("installed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The installed binary finds the installed profiles next to it.
	out := mustRun(t, root, nil, filepath.Join(dest, "opt/sh/bin/shannot"), "profile", "list")
	if !strings.Contains(out, filepath.Join(dest, "opt/sh/share/shannot/profiles/diagnostics.json")) {
		t.Errorf("profile list does not show the installed profiles:\n%s", out)
	}
	// The installed schema is the one the binary validates with.
	schema, err := os.ReadFile(filepath.Join(dest, "opt/sh/share/shannot/profile.schema.json"))
	if out := mustRun(t, root, nil, filepath.Join(dest, "opt/sh/bin/shannot"), "profile", "schema"); err != nil || out != string(schema) {
		t.Errorf("installed profile.schema.json (%v) is not what shannot profile schema prints", err)
	}
	// shannot mcp runs the shannot-mcp installed beside it.
	if out := mustRun(t, root, []string{"PATH=/usr/bin:/bin"}, filepath.Join(dest, "opt/sh/bin/shannot"), "mcp", "--version"); !strings.HasPrefix(out, "shannot-mcp ") {
		t.Errorf("the installed shannot mcp --version: %q", out)
	}
	mustRun(t, root, nil, "make", "--no-print-directory", "uninstall", "DESTDIR="+dest, "PREFIX=/opt/sh")
	if got := files(t, dest); len(got) != 0 {
		t.Errorf("uninstall left: %v", got)
	}
	if _, err := os.Stat(filepath.Join(dest, "opt/sh/share/shannot")); err == nil {
		t.Error("uninstall left share/shannot")
	}
}

func TestDebianPackage(t *testing.T) {
	asRoot(t)
	for _, tool := range []string{"dpkg-deb", "lintian", "man"} {
		_, err := exec.LookPath(tool)
		need(t, err == nil, tool+" not installed (make test installs it)")
	}
	// The test installs and purges its own package: a shannot package, or
	// the configuration one leaves behind, is the host's and stays.
	switch status := packageStatus(); {
	case strings.HasSuffix(status, " installed"):
		t.Fatalf("a shannot package is installed already (%s); this test installs and purges its own, and leaves the host's alone: remove it first (dpkg --purge shannot)", status)
	case status != "" && !strings.HasSuffix(status, " not-installed"):
		t.Fatalf("dpkg knows a shannot package (%s), its configuration files in /etc/shannot perhaps; this test purges only what it installs, and leaves the host's alone: if they are not wanted, run dpkg --purge shannot", status)
	}
	// Another test's fixture (the sudo set-up) may hold the conffile's
	// place: dpkg would ask what to do. Put it aside while the package is
	// tried.
	if old, err := os.ReadFile("/etc/shannot/config.json"); err == nil {
		os.Remove("/etc/shannot/config.json")
		t.Cleanup(func() {
			os.MkdirAll("/etc/shannot/profiles", 0o755)
			os.WriteFile("/etc/shannot/config.json", old, 0o644)
		})
	}
	root := repoRoot(t)
	deb := strings.TrimSpace(lastLine(mustRun(t, root, nil, "make", "--no-print-directory", "deb")))
	deb = filepath.Join(root, deb)
	if out, err := exec.Command("lintian", "--fail-on", "error", deb).CombinedOutput(); err != nil {
		t.Errorf("lintian reports errors: %v\n%s", err, out)
	}
	before := systemFiles(t)
	// From here on, whatever dpkg knows of shannot is this test's doing.
	t.Cleanup(func() {
		if status := packageStatus(); status != "" && !strings.HasSuffix(status, " not-installed") {
			if out, err := dpkg("--purge", "shannot"); err != nil {
				t.Errorf("purging the package this test installed: %v\n%s", err, out)
			}
		}
	})
	mustDpkg(t, "-i", deb)

	out := mustRun(t, "/", nil, "/usr/bin/shannot", "--profile", "diagnostics", "verify")
	if !strings.Contains(out, "checks passed") {
		t.Errorf("verify from /usr/bin:\n%s", out)
	}
	if out := mustRun(t, "/", nil, "/usr/bin/shannot", "--version"); !strings.Contains(out, "libseccomp: 2.") {
		t.Errorf("--version: %s", out)
	}
	if out := mustRun(t, "/", nil, "man", "-w", "shannot"); strings.TrimSpace(out) != "/usr/share/man/man1/shannot.1.gz" {
		t.Errorf("man -w shannot: %q", out)
	}
	if out := mustRun(t, "/", nil, "man", "-w", "5", "shannot-profile"); !strings.Contains(out, "shannot-profile.5.gz") {
		t.Errorf("man -w 5 shannot-profile: %q", out)
	}
	if out := mustRun(t, "/", nil, "man", "-w", "shannot-mcp"); strings.TrimSpace(out) != "/usr/share/man/man1/shannot-mcp.1.gz" {
		t.Errorf("man -w shannot-mcp: %q", out)
	}
	if out := mustRun(t, "/", nil, "/usr/bin/shannot", "mcp", "--version"); !strings.HasPrefix(out, "shannot-mcp ") {
		t.Errorf("/usr/bin/shannot mcp --version: %q", out)
	}
	if out := mustRun(t, "/", nil, "bash", "-c", `source /usr/share/bash-completion/completions/shannot-mcp
COMP_WORDS=(shannot-mcp ins); COMP_CWORD=1; _shannot_mcp; echo "${COMPREPLY[@]}"`); out != "install\n" {
		t.Errorf("bash completion of 'shannot-mcp ins<TAB>': %q", out)
	}
	completion := mustRun(t, "/", nil, "bash", "-c", `source /usr/share/bash-completion/completions/shannot
COMP_WORDS=(shannot pro); COMP_CWORD=1; _shannot; echo "${COMPREPLY[@]}"
COMP_WORDS=(shannot --profile di); COMP_CWORD=2; _shannot; echo "${COMPREPLY[@]}"`)
	if completion != "profile\ndiagnostics\n" {
		t.Errorf("bash completion of 'shannot pro<TAB>' and '--profile di<TAB>': %q", completion)
	}
	installed := strings.Fields(mustRun(t, "/", nil, "dpkg-query", "-L", "shannot"))

	mustDpkg(t, "-r", "shannot")
	after := systemFiles(t)
	// dpkg -r keeps conffiles, as Debian does; --purge removes them.
	added := difference(after, before)
	if !slices.Equal(added, []string{"/etc/shannot/config.json"}) {
		t.Errorf("after dpkg -r, files left besides the conffile: %v", added)
	}
	mustDpkg(t, "--purge", "shannot")
	if left := difference(systemFiles(t), before); len(left) != 0 {
		t.Errorf("after dpkg --purge, files left: %v", left)
	}
	for _, f := range installed {
		if st, err := os.Stat(f); err == nil && !st.IsDir() && !slices.Contains(before, f) {
			t.Errorf("%s is still there", f)
		}
	}
}

// packageStatus is dpkg's status of the shannot package ("install ok
// installed", "deinstall ok config-files", ...), or "" when dpkg has never
// heard of it.
func packageStatus() string {
	out, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", "shannot").Output()
	return strings.TrimSpace(string(out))
}

// dpkgLockWait bounds how long dpkg calls wait for another apt-get or
// dpkg (unattended-upgrades, say) to finish.
const dpkgLockWait = 5 * time.Minute

// dpkgFrontendLock is the lock apt and dpkg take for a whole run.
const dpkgFrontendLock = "/var/lib/dpkg/lock-frontend"

// dpkg runs dpkg as apt-get does: holding dpkg's frontend lock itself,
// after waiting for it up to dpkgLockWait, and telling dpkg so with
// DPKG_FRONTEND_LOCKED. dpkg alone would fail at once when the lock is
// held.
func dpkg(args ...string) ([]byte, error) {
	unlock, err := lockDpkg(dpkgFrontendLock, dpkgLockWait, func(pid int) {
		fmt.Fprintf(os.Stderr, "integration: waiting for another apt-get or dpkg (pid %d) to release %s, up to %v\n", pid, dpkgFrontendLock, dpkgLockWait)
	})
	if err != nil {
		return nil, err
	}
	defer unlock()
	c := exec.Command("dpkg", args...)
	c.Dir = "/"
	c.Env = append(os.Environ(), "DPKG_FRONTEND_LOCKED=1")
	out, err := c.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("dpkg %s: %w", strings.Join(args, " "), err)
	}
	return out, nil
}

func mustDpkg(t *testing.T, args ...string) string {
	t.Helper()
	out, err := dpkg(args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return string(out)
}

// lockDpkg takes the write lock on path that apt and dpkg take (a POSIX
// record lock over the whole file), waiting up to wait for its holder,
// and calls waiting once with the holder's pid when it has to wait.
func lockDpkg(path string, wait time.Duration, waiting func(pid int)) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening dpkg's lock: %w", err)
	}
	deadline := time.Now().Add(wait)
	told := false
	for {
		lk := unix.Flock_t{Type: unix.F_WRLCK}
		err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EACCES) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		holder := unix.Flock_t{Type: unix.F_WRLCK}
		unix.FcntlFlock(f.Fd(), unix.F_GETLK, &holder)
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%s is still held by pid %d after %v: another apt-get or dpkg is running", path, holder.Pid, wait)
		}
		if !told {
			waiting(int(holder.Pid))
			told = true
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestDpkgWaitsForTheLock holds dpkg's lock as another apt-get would (an
// open file description lock conflicts with the POSIX lock lockDpkg
// takes, even in one process) and checks that lockDpkg waits for it,
// says so, and gives up after its bound.
func TestDpkgWaitsForTheLock(t *testing.T) {
	lockFile := filepath.Join(mkdir(t, "dpkg"), "lock-frontend")
	other, err := os.OpenFile(lockFile, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	hold := unix.Flock_t{Type: unix.F_WRLCK}
	if err := unix.FcntlFlock(other.Fd(), unix.F_OFD_SETLK, &hold); err != nil {
		t.Fatal(err)
	}

	// Held past the bound: an error naming the lock.
	start := time.Now()
	_, err = lockDpkg(lockFile, 300*time.Millisecond, func(int) {})
	if err == nil || !strings.Contains(err.Error(), lockFile) || time.Since(start) < 300*time.Millisecond {
		t.Fatalf("lockDpkg with the lock held throughout: %v after %v; want an error after 300ms", err, time.Since(start))
	}

	// Released within the bound: it waits, says so once, then holds it.
	var told int
	go func() {
		time.Sleep(time.Second)
		unlock := unix.Flock_t{Type: unix.F_UNLCK}
		unix.FcntlFlock(other.Fd(), unix.F_OFD_SETLK, &unlock)
	}()
	start = time.Now()
	unlock, err := lockDpkg(lockFile, time.Minute, func(int) { told++ })
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if took := time.Since(start); took < time.Second || told != 1 {
		t.Errorf("lockDpkg returned after %v, having said it waits %d times; want after the 1s the lock was held, once", took, told)
	}
	if err := unix.FcntlFlock(other.Fd(), unix.F_OFD_SETLK, &hold); err == nil {
		t.Error("lockDpkg returned without holding the lock")
	}
}

// systemFiles lists the files under the directories the package uses.
func systemFiles(t *testing.T) []string {
	var out []string
	for _, d := range []string{"/usr/bin", "/usr/share/shannot", "/usr/share/man/man1", "/usr/share/man/man5",
		"/usr/share/bash-completion/completions", "/usr/share/zsh", "/usr/share/fish", "/usr/share/doc/shannot", "/etc/shannot"} {
		for _, f := range files(t, d) {
			out = append(out, filepath.Join(d, f))
		}
	}
	sort.Strings(out)
	return out
}

func difference(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestStaticBinary(t *testing.T) {
	needBwrap(t)
	root := repoRoot(t)
	mustRun(t, root, nil, "make", "--no-print-directory", "static")
	bin := filepath.Join(root, "bin", "shannot-static")
	out, _ := exec.Command("ldd", bin).CombinedOutput()
	if !strings.Contains(string(out), "not a dynamic executable") {
		t.Errorf("ldd %s: %s", bin, out)
	}
	if v := mustRun(t, root, nil, bin, "--version"); !strings.Contains(v, "statically linked") || !strings.Contains(v, "libseccomp: 2.") {
		t.Errorf("--version: %s", v)
	}
	// It runs a sandbox, under a compiled JSON policy too.
	if ls := mustRun(t, "/", nil, bin, "--profile", "readonly", "run", "ls", "/"); !strings.Contains(ls, "usr") {
		t.Errorf("ls /: %s", ls)
	}
}
