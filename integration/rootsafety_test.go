//go:build integration

package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/sys/unix"
)

// Issue 11: a root-run sandbox must not change the host, read its secrets
// or be steered by the caller. Each test runs as root and through real
// sudo as the hostile test user (the careless rule `shannot *`), and as
// the unprivileged user where that says something.

var shippedProfiles = []string{"minimal", "readonly", "diagnostics", "systemd"}

// swappiness reads the host's vm.swappiness.
func swappiness(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/vm/swappiness")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// sudoOrRoot runs shannot as root directly, or through sudo as the test
// user.
type runner struct {
	name string
	run  func(t *testing.T, args ...string) result
}

func rootAndSudo(t *testing.T) []runner {
	t.Helper()
	root := asRoot(t)
	setUpSudo(t)
	return []runner{
		{"root", func(t *testing.T, args ...string) result { return root.run(t, opts{}, args...) }},
		{"sudo", func(t *testing.T, args ...string) result { return sudo(t, nil, args...) }},
	}
}

func TestRootSandboxCannotWriteSysctls(t *testing.T) {
	before := swappiness(t)
	n, _ := strconv.Atoi(before)
	want := strconv.Itoa(n%100 + 1)
	t.Cleanup(func() {
		if now := swappiness(t); now != before {
			os.WriteFile("/proc/sys/vm/swappiness", []byte(before), 0)
			t.Errorf("vm.swappiness changed from %s to %s (restored)", before, now)
		}
	})
	for _, r := range rootAndSudo(t) {
		t.Run(r.name, func(t *testing.T) {
			res := r.run(t, "--profile", "diagnostics", "run", "sysctl", "-w", "vm.swappiness="+want)
			if res.code == 0 {
				t.Errorf("sysctl -w exited 0: %q %q", res.stdout, res.stderr)
			}
			// minimal has no sysctl, but find writes files.
			res = r.run(t, "--profile", "minimal", "run", "find", "/proc/sys/vm/swappiness", "-fprintf", "/proc/sys/vm/swappiness", want+`\n`)
			if res.code == 0 {
				t.Errorf("find -fprintf exited 0: %q", res.stderr)
			}
			if got := swappiness(t); got != before {
				t.Fatalf("the sandbox wrote vm.swappiness: %s -> %s", before, got)
			}
		})
	}
}

// verify's own checks: the sandbox's uid is not host root, and nothing
// under /proc (outside processes) or /sys is writable, for every shipped
// profile, as root, through sudo and as the unprivileged user.
func TestShippedProfilesAreNotHostRoot(t *testing.T) {
	runners := rootAndSudo(t)
	u := unprivileged(t)
	runners = append(runners, runner{"user", func(t *testing.T, args ...string) result { return u.run(t, opts{}, args...) }})
	for _, r := range runners {
		for _, p := range shippedProfiles {
			t.Run(r.name+"/"+p, func(t *testing.T) {
				res := r.run(t, "--profile", p, "verify")
				for _, want := range []string{"ok  host identity", "ok  kernel settings"} {
					if !strings.Contains(strings.Join(strings.Fields(res.stdout), "  "), strings.Join(strings.Fields(want), "  ")) {
						t.Errorf("verify lacks %q (exit %d):\n%s%s", want, res.code, res.stdout, res.stderr)
					}
				}
				if res.code != 0 {
					t.Errorf("verify exited %d:\n%s%s", res.code, res.stdout, res.stderr)
				}
			})
		}
	}
}

// The control: bwrap run by root the way shannot used to run it, with
// shannot's probe inside, is host root and finds writable
// kernel files (bwrap covers /proc/sys for root, not all of /proc). This
// is what verify now catches.
func TestControlRootBwrapIsHostRoot(t *testing.T) {
	asRoot(t)
	self, err := os.Open(shannot)
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	c := exec.Command("bwrap", "--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-net", "--cap-drop", "ALL",
		"--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--", "/proc/self/fd/3", "__probe")
	c.ExtraFiles = []*os.File{self}
	out, err := c.Output()
	if err != nil {
		t.Fatalf("probe under root bwrap: %v", err)
	}
	var facts struct {
		UID       int `json:"uid"`
		ProcOwner int `json:"proc_owner"`
		Writable  int `json:"writable"`
	}
	if err := json.Unmarshal(out, &facts); err != nil {
		t.Fatal(err)
	}
	if facts.ProcOwner != facts.UID || facts.Writable == 0 {
		t.Fatalf("root bwrap without shannot: %+v; want host root with many writable kernel files", facts)
	}
}

func TestRootSandboxKeepsSecrets(t *testing.T) {
	secrets := []string{"/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/proc/slabinfo", "/proc/vmallocinfo", "/proc/pagetypeinfo", "/proc/timer_list"}
	keys, _ := filepath.Glob("/etc/ssh/ssh_host_*_key")
	need(t, len(keys) > 0, "no SSH host keys (openssh-server generates them; make test installs it)")
	secrets = append(secrets, keys...)
	for _, r := range rootAndSudo(t) {
		t.Run(r.name, func(t *testing.T) {
			for _, s := range secrets {
				if _, err := os.Stat(s); err != nil {
					continue
				}
				res := r.run(t, "--profile", "diagnostics", "run", "head", "-c", "64", s)
				if res.code == 0 || res.stdout != "" {
					t.Errorf("%s was read through diagnostics: exit %d, %q", s, res.code, res.stdout)
				}
			}
			// Root's key descriptions are root's.
			res := r.run(t, "--profile", "diagnostics", "run", "cat", "/proc/keys")
			if strings.Contains(res.stdout, "_uid.0") || strings.Contains(res.stdout, " 0 65534 ") {
				t.Errorf("/proc/keys shows root's keys: %q", res.stdout)
			}
		})
	}
}

// Read access comes from the groups granted to the sandbox user: a
// root:adm 0640 log reads through diagnostics.
func TestRootSandboxReadsLogsThroughGroups(t *testing.T) {
	log := fmt.Sprintf("/var/log/shannot-it-%d.log", os.Getpid())
	if err := os.WriteFile(log, []byte("adm can read this\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(log) })
	if err := exec.Command("chgrp", "adm", log).Run(); err != nil {
		t.Fatal(err)
	}
	os.Chmod(log, 0o640)
	for _, r := range rootAndSudo(t) {
		t.Run(r.name, func(t *testing.T) {
			res := r.run(t, "--profile", "diagnostics", "run", "tail", "-n", "1", log)
			if res.code != 0 || res.stdout != "adm can read this\n" {
				t.Errorf("tail %s: exit %d, %q %q", log, res.code, res.stdout, res.stderr)
			}
			res = r.run(t, "--profile", "diagnostics", "run", "id", "-u")
			if res.code != 0 || strings.TrimSpace(res.stdout) == "0" {
				t.Errorf("id -u in the sandbox: exit %d, %q", res.code, res.stdout)
			}
		})
	}
}

// userTree makes a directory tree owned by the hostile test user, as an
// application's log directory would be.
func userTree(t *testing.T, name string) string {
	t.Helper()
	d := filepath.Join(mkdir(t, name), "app")
	if err := os.Mkdir(d, 0o755); err != nil {
		t.Fatal(err)
	}
	uid, gid := int(sudoUser.cred.Uid), int(sudoUser.cred.Gid)
	os.Chown(filepath.Dir(d), uid, gid)
	os.Chown(d, uid, gid)
	return d
}

// asUser runs a shell command as the hostile test user.
func asUser(t *testing.T, script string) {
	t.Helper()
	c := exec.Command("sh", "-c", script)
	c.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("as %s: %s: %v: %s", testUser, script, err, out)
	}
}

// rootOnly makes a directory only root can read, holding a secret.
func rootOnly(t *testing.T) string {
	t.Helper()
	d := mkdir(t, "root-only")
	os.Chmod(d, 0o700)
	os.WriteFile(filepath.Join(d, "secret"), []byte("root's secret\n"), 0o600)
	return d
}

func TestSudoBindSourceSymlinkIsNotFollowed(t *testing.T) {
	runners := rootAndSudo(t)
	app := userTree(t, "applogs")
	secret := rootOnly(t)
	for _, rw := range []bool{false, true} {
		name := fmt.Sprintf("it-applogs-%v", rw)
		installFile(filepath.Join("/etc/shannot/profiles", name+".json"), fmt.Sprintf(`{"name": %q,
			"binds": [{"source": "/usr", "target": "/usr"}, {"source": "/bin", "target": "/bin", "optional": true},
			          {"source": "/lib", "target": "/lib", "optional": true}, {"source": "/lib64", "target": "/lib64", "optional": true},
			          {"source": %q, "target": "/logs", "read_only": %v}],
			"environment": {"PATH": "/usr/bin:/bin"}}`, name, filepath.Join(app, "logs"), !rw), 0o644)
	}
	// A real directory the user owns binds: the profile means it.
	asUser(t, fmt.Sprintf("mkdir %s/logs && echo mine > %s/logs/own", app, app))
	for _, r := range runners {
		res := r.run(t, "--profile", "it-applogs-false", "run", "cat", "/logs/own")
		if res.code != 0 || res.stdout != "mine\n" {
			t.Fatalf("%s: the user's own directory did not bind: exit %d %q %q", r.name, res.code, res.stdout, res.stderr)
		}
	}
	// The user turns it into a symlink to a root-only directory.
	asUser(t, fmt.Sprintf("rm -r %s/logs && ln -s %s %s/logs", app, secret, app))
	for _, r := range runners {
		for _, rw := range []string{"false", "true"} {
			t.Run(r.name+"/rw="+rw, func(t *testing.T) {
				res := r.run(t, "--profile", "it-applogs-"+rw, "run", "cat", "/logs/secret")
				if res.code != 125 || strings.Contains(res.stdout, "secret") || !strings.Contains(res.stderr, "follows no symlink a user could have planted") {
					t.Errorf("exit %d, stdout %q, stderr %q; want 125 and the symlink refused", res.code, res.stdout, res.stderr)
				}
				res = r.run(t, "--profile", "it-applogs-"+rw, "run", "sh", "-c", "echo x > /logs/planted")
				if _, err := os.Stat(filepath.Join(secret, "planted")); err == nil {
					t.Errorf("wrote into the root-only directory through the symlink (exit %d)", res.code)
				}
			})
		}
	}
}

// Every root-run sandbox is the same host user: a file one leaves on the
// host (a setuid copy of a shell in a writable bind) would give anyone
// that user, with power over every other sandbox. So a root run binds
// nothing writable; a user's own run may.
func TestRootRefusesWritableBinds(t *testing.T) {
	runners := rootAndSudo(t)
	dir := mkdir(t, "world-writable")
	os.Chmod(dir, 0o1777)
	installFile("/etc/shannot/profiles/it-rw.json", fmt.Sprintf(`{"name": "it-rw",
		"binds": [{"source": "/usr", "target": "/usr"}, {"source": "/bin", "target": "/bin", "optional": true},
		          {"source": "/lib", "target": "/lib", "optional": true}, {"source": "/lib64", "target": "/lib64", "optional": true},
		          {"source": %q, "target": "/work", "read_only": false}],
		"environment": {"PATH": "/usr/bin:/bin"}}`, dir), 0o644)
	for _, r := range runners {
		t.Run(r.name, func(t *testing.T) {
			res := r.run(t, "--profile", "it-rw", "run", "sh", "-c", "cp /bin/sh /work/sh && chmod 6755 /work/sh")
			if res.code != 125 || !strings.Contains(res.stderr, "a writable bind is refused when shannot runs as root") {
				t.Errorf("exit %d, %q; want 125 and the writable bind refused", res.code, res.stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Fatalf("the root-run sandbox wrote on the host: %v", entries)
			}
		})
	}
	u := unprivileged(t)
	res := u.run(t, opts{}, "--profile", "/etc/shannot/profiles/it-rw.json", "run", "sh", "-c", "echo mine > /work/f")
	if res.code != 0 {
		t.Fatalf("a user's own run with a writable bind: exit %d, %q", res.code, res.stderr)
	}
}

func TestSudoNestedMountPointIsNotRedirected(t *testing.T) {
	runners := rootAndSudo(t)
	proj := userTree(t, "proj")
	target := mkdir(t, "rootdir") // root-owned: where the user wants an empty file
	installFile("/etc/shannot/profiles/it-nested.json", fmt.Sprintf(`{"name": "it-nested",
		"binds": [{"source": "/usr", "target": "/usr"}, {"source": "/bin", "target": "/bin", "optional": true},
		          {"source": "/lib", "target": "/lib", "optional": true}, {"source": "/lib64", "target": "/lib64", "optional": true},
		          {"source": %q, "target": "/proj"}, {"source": "/etc/hostname", "target": "/proj/conf/hostname"}],
		"environment": {"PATH": "/usr/bin:/bin"}}`, proj), 0o644)
	asUser(t, fmt.Sprintf("ln -s /oldroot%s %s/conf", target, proj))
	for _, r := range runners {
		t.Run(r.name, func(t *testing.T) {
			res := r.run(t, "--profile", "it-nested", "run", "ls", "/proj")
			if res.code != 125 || !strings.Contains(res.stderr, "is a mount point inside the bind of") || !strings.Contains(res.stderr, "makes no mount point a user could redirect") {
				t.Errorf("exit %d, %q %q; want 125 and the mount point refused", res.code, res.stdout, res.stderr)
			}
			if entries, _ := os.ReadDir(target); len(entries) != 0 {
				t.Fatalf("a mount point was created on the host through the user's symlink: %v", entries)
			}
		})
	}
}

func TestSudoRefusesWhatIsNotKnownSafe(t *testing.T) {
	setUpSudo(t)
	proof := filepath.Join(mkdir(t, "proxy"), "ran")
	os.Chmod(filepath.Dir(proof), 0o777)
	for _, args := range [][]string{
		{"--ssh-option", "ProxyCommand=/bin/sh -c 'id > " + proof + "'", "remote", "install", "127.0.0.1"},
		{"remote", "install", "--binary", "/etc/shadow", "127.0.0.1"},
		{"--ssh-config", "/etc/shadow", "remote", "install", "127.0.0.1"},
		{"__probe", "--write", "/etc/shadow", "--write", "/root/x"},
		{"__complete", "run"},
		{"completion", "bash"},
		{"mcp", "install", "--client", "claude-code"},
		{"--target", "127.0.0.1", "run", "ls"},
		{"run", "--force", "ls"},
		{"profile", "validat", "x.json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			res := sudo(t, nil, args...)
			if res.code != 125 || strings.Count(res.stderr, "\n") != 1 || res.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 125 and one line", res.code, res.stdout, res.stderr)
			}
			if _, err := os.Stat(proof); err == nil {
				t.Fatal("the caller's ProxyCommand ran as root")
			}
		})
	}
}

// auditEvents returns the audit records (start and end, not the
// continuation records that hold a long argv) whose argv contains mark.
func auditEvents(t *testing.T, mark string) []map[string]any {
	var out []map[string]any
	for _, rec := range auditLines(t, mark) {
		if rec["event"] != "argv" {
			out = append(out, rec)
		}
	}
	return out
}

// auditLines returns every line of the audit file that contains mark.
func auditLines(t *testing.T, mark string) []map[string]any {
	t.Helper()
	f, err := os.Open(auditLog)
	if err != nil {
		t.Fatalf("audit log: %v", err)
	}
	defer f.Close()
	var out []map[string]any
	s := bufio.NewScanner(f)
	s.Buffer(nil, 1<<20)
	for s.Scan() {
		if strings.Contains(s.Text(), mark) {
			var rec map[string]any
			if err := json.Unmarshal(s.Bytes(), &rec); err != nil {
				t.Fatalf("audit line %q: %v", s.Text(), err)
			}
			out = append(out, rec)
		}
	}
	return out
}

// sudoShell runs script as the test user; "$SHANNOT" in it is sudo -n
// and the installed shannot.
func sudoShell(t *testing.T, script string) result {
	t.Helper()
	c := exec.Command("bash", "-c", script)
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + sudoUser.home, "SHANNOT=sudo -n " + sudoBin}
	c.Dir = sudoUser.home
	c.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
	var out, errOut strings.Builder
	c.Stdout, c.Stderr = &out, &errOut
	c.Run()
	return result{stdout: out.String(), stderr: errOut.String(), code: c.ProcessState.ExitCode()}
}

// canLiftLimits says whether root here may raise hard resource limits
// (CAP_SYS_RESOURCE, which some containers withhold).
func canLiftLimits(t *testing.T) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return caps&(1<<unix.CAP_SYS_RESOURCE) != 0
		}
	}
	t.Fatal("no CapEff in /proc/self/status")
	return false
}

// The caller's resource limits, which sudo passes on, cannot end a run
// between its start and its audit record: shannot lifts them, and where
// root may not lift a hard limit, refuses to run at all.
func TestSudoResourceLimitsDoNotSkipTheAudit(t *testing.T) {
	setUpSudo(t)
	lift := canLiftLimits(t)
	t.Logf("root may lift hard limits here: %v", lift)
	refused := func(t *testing.T, res result, mark, limit string) {
		t.Helper()
		if res.code != 125 || !strings.Contains(res.stderr, "limit on "+limit) || !strings.Contains(res.stderr, "cannot be lifted") {
			t.Errorf("exit %d, %q; want 125 and the limit named", res.code, res.stderr)
		}
		for _, e := range auditEvents(t, mark) {
			if e["event"] == "start" {
				t.Errorf("a refused run has a start record: %v", e)
			}
		}
	}
	t.Run("soft ulimit -t", func(t *testing.T) {
		mark := fmt.Sprintf("softcpu-%d", os.Getpid())
		// shannot copies the output it truncates: a second of CPU is soon
		// spent, and the kernel would kill it before its audit record.
		res := sudoShell(t, `ulimit -S -t 1; $SHANNOT --profile it-open run --timeout 3s --max-output 1KiB sh -c 'cat /dev/zero; : `+mark+`' >/dev/null`)
		if res.code != 124 {
			t.Errorf("exit %d, %q; want 124 (timed out), not killed", res.code, res.stderr)
		}
		events := auditEvents(t, mark)
		if len(events) != 2 || events[0]["event"] != "start" || events[1]["event"] != "end" || events[1]["exit_status"] != 124.0 {
			t.Errorf("audit records %v; want a start and an end with status 124", events)
		}
	})
	t.Run("hard ulimit -t", func(t *testing.T) {
		mark := fmt.Sprintf("hardcpu-%d", os.Getpid())
		res := sudoShell(t, `ulimit -t 1; $SHANNOT --profile it-open run --timeout 3s --max-output 1KiB sh -c 'cat /dev/zero; : `+mark+`' >/dev/null`)
		if !lift {
			refused(t, res, mark, "CPU time")
			return
		}
		events := auditEvents(t, mark)
		if res.code != 124 || len(events) != 2 || events[1]["exit_status"] != 124.0 {
			t.Errorf("exit %d (%q), audit records %v; want 124 and a start and an end", res.code, res.stderr, events)
		}
	})
	t.Run("ulimit -f", func(t *testing.T) {
		mark := fmt.Sprintf("fsize-%d", os.Getpid())
		// 300 KB of arguments (a word may be 128 KiB at most).
		res := sudoShell(t, `a=$(head -c 100000 /dev/zero | tr '\0' x); ulimit -f 1; $SHANNOT --profile it-open run true `+mark+` "$a" "$a" "$a"`)
		if !lift {
			refused(t, res, mark, "file size")
			return
		}
		events := auditEvents(t, mark)
		if res.code != 0 || len(events) != 2 || events[1]["truncated"] != true {
			t.Errorf("exit %d (%q), audit records %v; want 0 and a start and an end, shortened", res.code, res.stderr, events)
		}
	})
	t.Run("long arguments", func(t *testing.T) {
		mark := fmt.Sprintf("long-%d", os.Getpid())
		res := sudoShell(t, `a=$(head -c 100000 /dev/zero | tr '\0' x); $SHANNOT --profile it-open run true `+mark+` "$a" "$a" "$a"`)
		events := auditEvents(t, mark)
		if res.code != 0 || len(events) != 2 || events[1]["truncated"] != true {
			t.Fatalf("exit %d (%q), audit records %v; want 0 and a start and an end, shortened", res.code, res.stderr, events)
		}
		parts := 0
		sha, _ := events[0]["argv_sha256"].(string)
		if len(sha) != 64 {
			t.Fatalf("no argv_sha256 in %v", events[0])
		}
		for _, e := range auditLines(t, sha) {
			b, _ := json.Marshal(e)
			if len(b) > 8<<10+512 {
				t.Errorf("audit record of %d bytes: larger than syslog may take", len(b))
			}
			if e["event"] == "argv" {
				parts++
			}
		}
		// The whole argv (300 KB) is in continuation records, for the
		// start and for the end.
		if parts < 2*300000/(8<<10) {
			t.Errorf("%d continuation records; want the whole argv twice", parts)
		}
	})
	t.Run("max-output", func(t *testing.T) {
		res := sudo(t, nil, "--profile", "it-open", "run", "--json", "--max-output", "100GiB", "cat", "/dev/zero")
		if res.code != 125 || !strings.Contains(res.stderr, "--max-output is at most") {
			t.Errorf("exit %d, %q", res.code, res.stderr)
		}
	})
}

// Under sudo the MCP server audits each run before it starts and when it
// ends, and a signal the caller sends (sudo relays it) ends the session
// only after the runs in flight are killed and audited.
func TestSudoMCPAuditsEveryRun(t *testing.T) {
	setUpSudo(t)
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			mark := fmt.Sprintf("mcp-%d-%d", os.Getpid(), sig)
			cmd := exec.Command("sudo", "-n", sudoBin, "mcp", "--profile", "it-open", "--profile", "diagnostics")
			cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + sudoUser.home}
			cmd.Dir = sudoUser.home
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			client := mcp.NewClient(&mcp.Implementation{Name: "shannot-integration", Version: "1"}, nil)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			s, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
			if err != nil {
				t.Fatalf("connecting to sudo shannot mcp: %v", err)
			}
			defer s.Close()
			// A short run first: its start and end, with the filter.
			_, rep := call(t, s, "run_command", map[string]any{"profile": "diagnostics", "command": []string{"uname", "-s"}})
			if rep.ExitCode != 0 {
				t.Fatalf("uname through sudo mcp: %+v", rep)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				s.CallTool(ctx, &mcp.CallToolParams{Name: "run_command", Arguments: map[string]any{
					"profile": "it-open", "command": []string{"sh", "-c", "sleep 30; : " + mark}, "timeout_s": 40}})
			}()
			waitFor(t, func() bool { return pgrep("sleep 30") })
			cmd.Process.Signal(sig)
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("the call did not end after the signal")
			}
			cmd.Wait()
			if strings.Contains(stderr.String(), "goroutine ") {
				t.Errorf("a stack dump reached the caller: %q", stderr.String())
			}
			events := auditEvents(t, mark)
			if len(events) != 2 || events[0]["event"] != "start" || events[1]["event"] != "end" {
				t.Fatalf("audit records of the signalled run: %v; want a start and an end", events)
			}
		})
	}
	events := auditEvents(t, `"uname"`)
	if len(events) < 2 || events[len(events)-2]["event"] != "start" || events[len(events)-1]["filter_sha256"] == nil {
		t.Errorf("audit records of uname: %v; want a start and an end naming the filter", events)
	}
}

// A command that leaves its standard input non-blocking must not leave
// the caller's terminal (the same open file) so.
func TestStreamFlagsAreRestored(t *testing.T) {
	for _, id := range identities(t) {
		t.Run(id.name, func(t *testing.T) {
			// A blocking pipe of raw descriptors: os.Pipe's are
			// non-blocking for Go's poller, and File.Fd would change them.
			var p [2]int
			if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
				t.Fatal(err)
			}
			r, w := os.NewFile(uintptr(p[0]), "r"), os.NewFile(uintptr(p[1]), "w")
			defer r.Close()
			defer w.Close()
			res := id.run(t, opts{stdin: r}, "--profile", writeProfile(t, open()), "run", "perl", "-MFcntl", "-e",
				"fcntl(STDIN, F_SETFL, O_NONBLOCK) or die qq{fcntl: $!\\n}; print qq{set\\n}")
			if res.code != 0 || res.stdout != "set\n" {
				t.Fatalf("exit %d, %q %q", res.code, res.stdout, res.stderr)
			}
			flags, err := unix.FcntlInt(uintptr(p[0]), unix.F_GETFL, 0)
			if err != nil {
				t.Fatal(err)
			}
			if flags&unix.O_NONBLOCK != 0 {
				t.Fatal("the caller's standard input was left non-blocking")
			}
		})
	}
}

// A root MCP server's client is as hostile as any: what it runs is not
// host root either.
func TestRootMCPServerIsNotHostRoot(t *testing.T) {
	before := swappiness(t)
	s := mcpSession(t, asRoot(t), "--profile", "diagnostics")
	_, rep := call(t, s, "run_command", map[string]any{"profile": "diagnostics", "command": []string{"sysctl", "-w", "vm.swappiness=1"}})
	if rep.ExitCode == 0 || swappiness(t) != before {
		os.WriteFile("/proc/sys/vm/swappiness", []byte(before), 0)
		t.Fatalf("sysctl -w through MCP: exit %d, vm.swappiness %s (was %s)", rep.ExitCode, swappiness(t), before)
	}
	_, rep = call(t, s, "read_file", map[string]any{"profile": "diagnostics", "path": "/etc/shadow"})
	if rep.ExitCode == 0 || strings.Contains(rep.Stdout, "root:") {
		t.Errorf("read_file /etc/shadow through MCP: exit %d, %q", rep.ExitCode, rep.Stdout)
	}
	_, rep = call(t, s, "run_command", map[string]any{"profile": "diagnostics", "command": []string{"id", "-u"}})
	if rep.ExitCode != 0 || strings.TrimSpace(rep.Stdout) == "0" {
		t.Errorf("id -u through MCP: exit %d, %q", rep.ExitCode, rep.Stdout)
	}
}

// cgroupV2 is where the unified cgroup hierarchy is mounted, or "".
func cgroupV2(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if pre, post, ok := strings.Cut(line, " - "); ok && strings.HasPrefix(post, "cgroup2 ") {
			if f := strings.Fields(pre); len(f) > 4 {
				return f[4]
			}
		}
	}
	return ""
}

// A caller whose session sits in a cgroup delegated to them (systemd's
// user@UID.service) could SIGKILL root's shannot through cgroup.kill
// between the start and the end record. shannot moves itself out of
// such a cgroup first, so the run goes on and its end is recorded.
func TestSudoCallersCgroupCannotKillTheRun(t *testing.T) {
	setUpSudo(t)
	v2 := cgroupV2(t)
	need(t, v2 != "", "no cgroup2 hierarchy mounted")
	_, hadOurs := os.Stat(filepath.Join(v2, "shannot"))
	deleg := filepath.Join(v2, fmt.Sprintf("shannot-it-deleg-%d", os.Getpid()))
	if err := os.Mkdir(deleg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Remove(filepath.Join(deleg, "c"))
		os.Remove(deleg)
		if hadOurs != nil {
			os.Remove(filepath.Join(v2, "shannot")) // only when empty, and only if this test made it
		}
	})
	// What systemd does for user@UID.service: the subtree is the user's.
	for _, f := range []string{"", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control"} {
		if err := os.Chown(filepath.Join(deleg, f), int(sudoUser.cred.Uid), int(sudoUser.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	mark := fmt.Sprintf("cgkill-%d", os.Getpid())
	script := `read go; mkdir "$D/c" && echo $$ > "$D/c/cgroup.procs" || exit 9
$SHANNOT --profile it-open run sh -c 'sleep 3; : ` + mark + `' >/dev/null 2>&1 &
sleep 1.5; echo 1 > "$D/c/cgroup.kill"; wait`
	c := exec.Command("bash", "-c", script)
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + sudoUser.home, "SHANNOT=sudo -n " + sudoBin, "D=" + deleg}
	c.Dir = sudoUser.home
	c.SysProcAttr = &syscall.SysProcAttr{Credential: sudoUser.cred}
	stdin, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	// Root puts the caller's shell in the delegated cgroup, as systemd would.
	if err := os.WriteFile(filepath.Join(deleg, "cgroup.procs"), []byte(strconv.Itoa(c.Process.Pid)), 0); err != nil {
		t.Fatal(err)
	}
	stdin.Write([]byte("go\n"))
	c.Wait()
	if c.ProcessState.ExitCode() == 9 {
		t.Fatalf("the caller could not enter its own cgroup: %s", out.String())
	}
	var events []map[string]any
	waitFor(t, func() bool { events = auditEvents(t, mark); return len(events) >= 2 })
	if events[0]["event"] != "start" || events[1]["event"] != "end" || events[1]["exit_status"] != 0.0 {
		t.Fatalf("audit records %v; want a start and an end with status 0: the run went on", events)
	}
}
