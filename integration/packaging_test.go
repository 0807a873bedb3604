package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
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
		"opt/sh/share/bash-completion/completions/shannot",
		"opt/sh/share/fish/vendor_completions.d/shannot.fish",
		"opt/sh/share/man/man1/shannot.1",
		"opt/sh/share/man/man5/shannot-profile.5",
		"opt/sh/share/shannot/profiles/diagnostics.json",
		"opt/sh/share/shannot/profiles/minimal.json",
		"opt/sh/share/shannot/profiles/readonly.json",
		"opt/sh/share/shannot/profiles/seccomp/default.json",
		"opt/sh/share/shannot/profiles/seccomp/readonly.json",
		"opt/sh/share/shannot/profiles/systemd.json",
		"opt/sh/share/zsh/site-functions/_shannot",
	}
	if got := files(t, dest); !slices.Equal(got, want) {
		t.Errorf("installed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The installed binary finds the installed profiles next to it.
	out := mustRun(t, root, nil, filepath.Join(dest, "opt/sh/bin/shannot"), "profile", "list")
	if !strings.Contains(out, filepath.Join(dest, "opt/sh/share/shannot/profiles/diagnostics.json")) {
		t.Errorf("profile list does not show the installed profiles:\n%s", out)
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
	status, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", "shannot").Output()
	switch {
	case strings.HasSuffix(string(status), " installed"):
		t.Fatalf("a shannot package is installed already; this test installs and removes its own")
	case strings.Contains(string(status), "config-files"):
		mustRun(t, "/", nil, "dpkg", "--purge", "shannot") // a previous run's conffiles
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
	mustRun(t, root, nil, "dpkg", "-i", deb)
	t.Cleanup(func() { exec.Command("dpkg", "--purge", "shannot").Run() })

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
	completion := mustRun(t, "/", nil, "bash", "-c", `source /usr/share/bash-completion/completions/shannot
COMP_WORDS=(shannot pro); COMP_CWORD=1; _shannot; echo "${COMPREPLY[@]}"
COMP_WORDS=(shannot --profile di); COMP_CWORD=2; _shannot; echo "${COMPREPLY[@]}"`)
	if completion != "profile\ndiagnostics\n" {
		t.Errorf("bash completion of 'shannot pro<TAB>' and '--profile di<TAB>': %q", completion)
	}
	installed := strings.Fields(mustRun(t, "/", nil, "dpkg-query", "-L", "shannot"))

	mustRun(t, "/", nil, "dpkg", "-r", "shannot")
	after := systemFiles(t)
	// dpkg -r keeps conffiles, as Debian does; --purge removes them.
	added := difference(after, before)
	if !slices.Equal(added, []string{"/etc/shannot/config.json"}) {
		t.Errorf("after dpkg -r, files left besides the conffile: %v", added)
	}
	mustRun(t, "/", nil, "dpkg", "--purge", "shannot")
	if left := difference(systemFiles(t), before); len(left) != 0 {
		t.Errorf("after dpkg --purge, files left: %v", left)
	}
	for _, f := range installed {
		if st, err := os.Stat(f); err == nil && !st.IsDir() && !slices.Contains(before, f) {
			t.Errorf("%s is still there", f)
		}
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
