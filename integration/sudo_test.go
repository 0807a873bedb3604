//go:build integration

package integration

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The sudo set-up: shannot installed root-owned, a profile in
// /etc/shannot/profiles, an audit log configured in /etc/shannot, and a
// sudoers drop-in, as docs/sudoers.md describes. It is built once, on
// first use, and removed when the tests end.
const (
	sudoPrefix  = "/opt/shannot-it"
	sudoBin     = sudoPrefix + "/bin/shannot"
	sudoersFile = "/etc/sudoers.d/shannot-it"
	openProfile = "/etc/shannot/profiles/it-open.json"
	configFile  = "/etc/shannot/config.json"
)

var (
	sudoOnce    sync.Once
	sudoErr     error
	sudoUser    identity
	auditLog    string
	sudoCleanup []func()
)

// sudoers is the drop-in: the rule docs/sudoers.md recommends, which
// pins the profile, and a careless one that lets the user pass anything
// to shannot, so that the tests can show shannot itself holding.
func sudoers() string {
	return fmt.Sprintf(`# shannot integration tests (removed when they end)
%[1]s ALL=(root) NOPASSWD: %[2]s --profile diagnostics run *, %[2]s --profile it-open run *
%[1]s ALL=(root) NOPASSWD:SETENV: %[2]s *
%[1]s ALL=(root) NOPASSWD:SETENV: %[3]s *
`, testUser, sudoBin, sudoPrefix+"/lone/bin/shannot")
}

func setUpSudo(t *testing.T) {
	t.Helper()
	asRoot(t)
	_, err := exec.LookPath("sudo")
	need(t, err == nil, "sudo not installed (make test installs it)")
	sudoOnce.Do(func() { sudoErr = installForSudo(t) })
	if sudoErr != nil {
		t.Fatalf("setting up sudo: %v", sudoErr)
	}
}

func installForSudo(t *testing.T) error {
	sudoUser = unprivileged(t)
	// unprivileged(t) made the home under a test-scoped name; keep it.
	for _, d := range []string{sudoPrefix, sudoPrefix + "/bin", "/etc/shannot", "/etc/shannot/profiles"} {
		if _, err := os.Stat(d); os.IsNotExist(err) {
			if err := os.Mkdir(d, 0o755); err != nil {
				return err
			}
			d := d
			sudoCleanup = append(sudoCleanup, func() { os.Remove(d) })
		}
	}
	if err := copyFile(shannot, sudoBin, 0o755); err != nil {
		return err
	}
	sudoCleanup = append(sudoCleanup, func() { os.Remove(sudoBin) })
	// shannot mcp runs the shannot-mcp beside it.
	if err := copyFile(shannotMCP, sudoPrefix+"/bin/shannot-mcp", 0o755); err != nil {
		return err
	}
	sudoCleanup = append(sudoCleanup, func() { os.Remove(sudoPrefix + "/bin/shannot-mcp") })
	// Host-view sandboxes start with the shannot-init beside it.
	if err := copyFile(filepath.Join(filepath.Dir(shannot), "shannot-init"), sudoPrefix+"/bin/shannot-init", 0o755); err != nil {
		return err
	}
	sudoCleanup = append(sudoCleanup, func() { os.Remove(sudoPrefix + "/bin/shannot-init") })
	if err := installFile(openProfile, `{"name": "it-open", "description": "integration tests: the host read-only, no command list, no user namespace isolation asked",
		"binds": [{"source": "/", "target": "/"}], "tmpfs_paths": ["/tmp"], "user_namespace_isolation": false,
		"environment": {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}}`, 0o644); err != nil {
		return err
	}
	logDir, err := os.MkdirTemp("", "shannot-it-audit-")
	if err != nil {
		return err
	}
	auditLog = filepath.Join(logDir, "audit.jsonl")
	sudoCleanup = append(sudoCleanup, func() { os.RemoveAll(logDir) })
	if err := installFile(configFile, fmt.Sprintf(`{"audit_log": %q}`, auditLog), 0o644); err != nil {
		return err
	}
	// Validate the drop-in with visudo before it goes live.
	draft := filepath.Join(logDir, "sudoers")
	if err := os.WriteFile(draft, []byte(sudoers()), 0o440); err != nil {
		return err
	}
	if out, err := exec.Command("visudo", "-cf", draft).CombinedOutput(); err != nil {
		return fmt.Errorf("visudo -cf: %v: %s", err, out)
	}
	return installFile(sudoersFile, sudoers(), 0o440)
}

// installFile writes a root-owned file, restoring what was there when
// the tests end.
func installFile(path, body string, mode os.FileMode) error {
	old, readErr := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		return err
	}
	os.Chmod(path, mode)
	sudoCleanup = append(sudoCleanup, func() {
		if readErr == nil {
			os.WriteFile(path, old, mode)
		} else {
			os.Remove(path)
		}
	})
	return nil
}

func tearDownSudo() {
	for i := len(sudoCleanup) - 1; i >= 0; i-- {
		sudoCleanup[i]()
	}
}

// sudo runs `sudo -n [VAR=value...] shannot ARGS...` as the test user.
func sudo(t *testing.T, env []string, args ...string) result {
	t.Helper()
	c := exec.Command("sudo", append(append(append([]string{"-n"}, env...), sudoBin), args...)...)
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + sudoUser.home, "SHANNOT_PROFILE=" + filepath.Join(sudoUser.home, "evil.json")}
	c.Dir = sudoUser.home
	c.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
	var out, errOut strings.Builder
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(time.Minute, func() { c.Process.Kill() })
	defer timer.Stop()
	c.Wait()
	return result{stdout: out.String(), stderr: errOut.String(), code: c.ProcessState.ExitCode()}
}

// evilProfile writes, as the test user would, a profile that would open
// the host if shannot used it: a read-write bind of / and a tell-tale
// tmpfs.
func evilProfile(t *testing.T, dir string) string {
	t.Helper()
	f := filepath.Join(dir, "evil.json")
	body := `{"name": "evil", "binds": [{"source": "/", "target": "/", "read_only": false}], "tmpfs_paths": ["/evil-was-used"]}`
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chown(f, int(sudoUser.cred.Uid), int(sudoUser.cred.Gid))
	return f
}

func lastAudit(t *testing.T) map[string]any {
	t.Helper()
	f, err := os.Open(auditLog)
	if err != nil {
		t.Fatalf("audit log: %v", err)
	}
	defer f.Close()
	var last string
	s := bufio.NewScanner(f)
	for s.Scan() {
		last = s.Text()
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(last), &rec); err != nil {
		t.Fatalf("audit line %q: %v", last, err)
	}
	return rec
}

func hostUnchanged(t *testing.T, marker string) {
	t.Helper()
	if _, err := os.Lstat(marker); err == nil {
		os.Remove(marker)
		t.Fatalf("the sandbox changed the host: %s exists", marker)
	}
}

// trustedDir makes a directory below the root-owned install prefix, so
// that only what a test does to it decides whether it is trusted.
func trustedDir(t *testing.T, name string) string {
	t.Helper()
	d, err := os.MkdirTemp(sudoPrefix, name+"-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(d, 0o755)
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func marker(name string) string {
	return fmt.Sprintf("/etc/shannot-it-%s-%d", name, time.Now().UnixNano())
}

func TestSudoDiagnosticsRunIsAudited(t *testing.T) {
	setUpSudo(t)
	r := sudo(t, nil, "--profile", "diagnostics", "run", "uname", "-s")
	if r.code != 0 || r.stdout != "Linux\n" {
		t.Fatalf("exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	rec := lastAudit(t)
	argv, _ := json.Marshal(rec["argv"])
	if rec["user"] != testUser || string(argv) != `["uname","-s"]` || rec["exit_status"] != 0.0 ||
		rec["profile"] != "builtin:diagnostics.json" || len(fmt.Sprint(rec["profile_sha256"])) != 64 ||
		len(fmt.Sprint(rec["filter_sha256"])) != 64 || rec["time"] == nil || rec["duration_ms"] == nil {
		t.Errorf("audit record %v", rec)
	}
	// A refused command is audited too, with its status and reason.
	r = sudo(t, nil, "--profile", "diagnostics", "run", "rm", "-rf", "/etc")
	rec = lastAudit(t)
	if r.code != 126 || rec["exit_status"] != 126.0 || !strings.Contains(fmt.Sprint(rec["error"]), "not allowed") {
		t.Errorf("refused run: exit %d, audit %v", r.code, rec)
	}
}

func TestSudoCannotWriteEtc(t *testing.T) {
	setUpSudo(t)
	m := marker("write")
	r := sudo(t, nil, "--profile", "it-open", "run", "sh", "-c", "echo pwned > "+m)
	hostUnchanged(t, m)
	if r.code == 0 || !strings.Contains(r.stderr, "Read-only file system") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}

func TestSudoCannotRemountRoot(t *testing.T) {
	setUpSudo(t)
	m := marker("remount")
	r := sudo(t, nil, "--profile", "it-open", "run", "sh", "-c", "mount -o remount,rw,bind / && touch "+m)
	hostUnchanged(t, m)
	if r.code == 0 || !strings.Contains(r.stderr, "must be superuser") && !strings.Contains(r.stderr, "permission denied") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}

func TestSudoInheritedDescriptorIsUnusable(t *testing.T) {
	setUpSudo(t)
	files, unchanged := writableFD7(t)
	c := exec.Command("sudo", "-n", sudoBin, "--profile", "it-open", "run", "sh", "-c", "echo pwned >&7")
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + sudoUser.home}
	c.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
	c.ExtraFiles = files
	out, _ := c.CombinedOutput()
	if !unchanged() {
		t.Errorf("the sandbox wrote through the caller's fd 7 (output %q)", out)
	}
}

func TestSudoCannotRegainCapabilities(t *testing.T) {
	setUpSudo(t)
	// it-open asks for no user namespace isolation; under sudo shannot
	// gives one anyway, with nested ones disabled.
	r := sudo(t, nil, "--profile", "it-open", "run", "sh", "-c",
		"grep CapEff /proc/self/status; unshare -Ur sh -c 'mount -t tmpfs none /mnt && echo MOUNTED'")
	if !strings.Contains(r.stdout, "CapEff:\t0000000000000000") {
		t.Errorf("the command holds capabilities: %q", r.stdout)
	}
	if strings.Contains(r.stdout, "MOUNTED") || !strings.Contains(r.stderr, "unshare failed") {
		t.Errorf("a nested user namespace gave capabilities back: %q %q", r.stdout, r.stderr)
	}
	r = sudo(t, nil, "--profile", "it-open", "run", "--dry-run", "true")
	for _, want := range []string{"--unshare-user --disable-userns", "--cap-drop ALL"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run under sudo lacks %s: %s", want, r.stdout)
		}
	}
}

func TestSudoTIOCSTIDoesNotReachTheTerminal(t *testing.T) {
	setUpSudo(t)
	_, err := exec.LookPath("script")
	need(t, err == nil, "script(1) not installed (util-linux)")
	// script(1) gives sudo and shannot a real terminal; the command
	// tries to push "id\n" into it.
	inner := fmt.Sprintf(`sudo -n %s --profile it-open run perl -e 'for (split //, "id\n") { ioctl(STDIN, 0x5412, $_) or die "TIOCSTI: $!\n" } print "INJECTED\n"'`, sudoBin)
	c := exec.Command("script", "-qec", inner, "/dev/null")
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + sudoUser.home, "TERM=dumb"}
	c.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
	out, _ := c.CombinedOutput()
	if strings.Contains(string(out), "INJECTED") || !strings.Contains(string(out), "TIOCSTI: ") {
		t.Errorf("TIOCSTI was not refused: %q", out)
	}
}

func TestSudoRefusesTheCallersProfileFlag(t *testing.T) {
	setUpSudo(t)
	evil := evilProfile(t, sudoUser.home)
	r := sudo(t, nil, "--profile", evil, "run", "ls", "/")
	if r.code != 125 || !strings.Contains(r.stderr, "is not trusted") || strings.Contains(r.stdout, "evil-was-used") {
		t.Errorf("exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestSudoIgnoresShannotProfileEnvironment(t *testing.T) {
	setUpSudo(t)
	evil := evilProfile(t, sudoUser.home)
	for _, v := range []string{"SHANNOT_PROFILE", "SANDBOX_PROFILE"} {
		r := sudo(t, []string{v + "=" + evil}, "run", "ls", "/")
		if r.code != 0 || strings.Contains(r.stdout, "evil-was-used") {
			t.Errorf("%s: exit %d, %q %q", v, r.code, r.stdout, r.stderr)
		}
	}
}

func TestSudoIgnoresAProfileInTheCallersHome(t *testing.T) {
	setUpSudo(t)
	dir := filepath.Join(sudoUser.home, ".config", "shannot")
	os.MkdirAll(dir, 0o755)
	evil := evilProfile(t, dir)
	os.Rename(evil, filepath.Join(dir, "profile.json"))
	r := sudo(t, []string{"HOME=" + sudoUser.home}, "run", "ls", "/")
	if r.code != 0 || strings.Contains(r.stdout, "evil-was-used") {
		t.Errorf("exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestSudoRefusesAProfileInAWritableDirectory(t *testing.T) {
	setUpSudo(t)
	// Root-owned, but in a directory the caller can write: they could
	// replace it at will.
	dir := trustedDir(t, "writable")
	os.Chown(dir, int(sudoUser.cred.Uid), int(sudoUser.cred.Gid))
	f := filepath.Join(dir, "p.json")
	os.WriteFile(f, []byte(`{"name": "p"}`), 0o644)
	r := sudo(t, nil, "--profile", f, "run", "ls", "/")
	if r.code != 125 || !strings.Contains(r.stderr, "is not trusted: "+dir+" is owned by uid") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}

func TestSudoRefusesAPolicyInAWritableDirectory(t *testing.T) {
	setUpSudo(t)
	dir := trustedDir(t, "policy")
	os.Chmod(dir, 0o777)
	policy := filepath.Join(dir, "allow-all.json")
	os.WriteFile(policy, []byte(`{"defaultAction": "SCMP_ACT_ALLOW"}`), 0o644)
	prof := "/etc/shannot/profiles/it-policy.json"
	if err := installFile(prof, fmt.Sprintf(`{"name": "it-policy", "seccomp_profile": %q,
		"binds": [{"source": "/usr", "target": "/usr"}, {"source": "/bin", "target": "/bin", "optional": true},
		{"source": "/lib", "target": "/lib", "optional": true}, {"source": "/lib64", "target": "/lib64", "optional": true}]}`, policy), 0o644); err != nil {
		t.Fatal(err)
	}
	r := sudo(t, nil, "--profile", "it-policy", "run", "ls", "/")
	if r.code != 125 || !strings.Contains(r.stderr, "is not trusted: "+dir+" is writable by group or others (mode 0777)") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}

func TestSudoRefusesASymlinkTheCallerOwns(t *testing.T) {
	setUpSudo(t)
	// The link points at a trusted profile now; the caller could point it
	// anywhere later.
	link := filepath.Join(sudoUser.home, "link.json")
	os.Remove(link)
	os.Symlink(openProfile, link)
	os.Lchown(link, int(sudoUser.cred.Uid), int(sudoUser.cred.Gid))
	r := sudo(t, nil, "--profile", link, "run", "true")
	if r.code != 125 || !strings.Contains(r.stderr, "is not trusted") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
}

func TestSudoRefusesTheCallersBwrap(t *testing.T) {
	setUpSudo(t)
	m := filepath.Join(mkdir(t, "bwrap"), "evil-bwrap-ran")
	evil := filepath.Join(sudoUser.home, "evil-bwrap")
	os.WriteFile(evil, []byte("#!/bin/sh\ntouch "+m+"\n"), 0o755)
	os.Chown(evil, int(sudoUser.cred.Uid), int(sudoUser.cred.Gid))
	r := sudo(t, nil, "--bwrap", evil, "run", "ls", "/")
	if r.code != 125 || !strings.Contains(r.stderr, "--bwrap: refused when shannot runs as root for another user") {
		t.Errorf("--bwrap: exit %d, %q", r.code, r.stderr)
	}
	r = sudo(t, []string{"BWRAP=" + evil, "PATH=" + sudoUser.home + ":/usr/bin:/bin"}, "run", "ls", "/")
	if r.code != 0 {
		t.Errorf("$BWRAP and $PATH: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(m); err == nil {
		t.Error("the caller's bwrap ran as root")
	}
}

func TestSudoRefusesLooseningOptions(t *testing.T) {
	setUpSudo(t)
	r := sudo(t, nil, "run", "--force", "ls", "/")
	if r.code != 125 || !strings.Contains(r.stderr, "--force (of run): refused") {
		t.Errorf("--force: exit %d, %q", r.code, r.stderr)
	}
	r = sudo(t, nil, "seccomp", "compile", "readonly", "/etc/shannot-it-written.bpf")
	hostUnchanged(t, "/etc/shannot-it-written.bpf")
	if r.code != 125 || !strings.Contains(r.stderr, "refused") {
		t.Errorf("seccomp compile to a file: exit %d, %q", r.code, r.stderr)
	}
	// Reading root's files through shannot is no way around permissions.
	r = sudo(t, nil, "seccomp", "inspect", "/etc/shadow")
	if r.code != 125 || !strings.Contains(r.stderr, "not readable by everyone") {
		t.Errorf("inspect /etc/shadow: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestSudoSignalsDoNotSkipTheAuditLog(t *testing.T) {
	setUpSudo(t)
	// The operator ends the run with a signal (sudo relays it): shannot
	// passes it on to the command and still writes the record.
	c := exec.Command("sudo", "-n", sudoBin, "--profile", "it-open", "run", "--json", "sh", "-c", "echo started; sleep 7.75")
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + sudoUser.home}
	c.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
	var out strings.Builder
	c.Stdout = &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return pgrep("sleep 7.75") })
	c.Process.Signal(syscall.SIGTERM)
	c.Wait()
	rec := lastAudit(t)
	argv, _ := json.Marshal(rec["argv"])
	if !strings.Contains(string(argv), "sleep 7.75") || rec["exit_status"] != 143.0 {
		t.Errorf("audit after SIGTERM: %v (stdout %q)", rec, out.String())
	}
	if !strings.Contains(out.String(), `"exit_code":143`) {
		t.Errorf("the JSON result was not printed: %q", out.String())
	}
}

func TestSudoCannotProbeRootOnlyDirectories(t *testing.T) {
	setUpSudo(t)
	// Whether a file exists in a directory the caller cannot search must
	// not show through shannot's messages.
	dir := trustedDir(t, "private")
	os.Chmod(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "exists.json"), []byte(`{"name": "x"}`), 0o644)
	exists := sudo(t, nil, "--profile", filepath.Join(dir, "exists.json"), "run", "true")
	missing := sudo(t, nil, "--profile", filepath.Join(dir, "missing.json"), "run", "true")
	strip := func(s, name string) string {
		return strings.ReplaceAll(lastLine(s), name, "NAME")
	}
	if exists.code != 125 || missing.code != 125 || strip(exists.stderr, "exists") != strip(missing.stderr, "missing") ||
		!strings.Contains(exists.stderr, "is not searchable by everyone") {
		t.Errorf("existing: %d %q\nmissing: %d %q", exists.code, exists.stderr, missing.code, missing.stderr)
	}
}
