//go:build integration

package integration

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The remote tests start their own sshd processes on loopback: hosts A
// and B (their keys in a temporary known_hosts), C (a key nobody knows)
// and a dead host that accepts connections and never answers. Nothing of
// the machine's own ssh configuration is read or changed.
type sshHosts struct {
	dir     string
	config  string // ssh -F file: the user key and the temporary known_hosts
	a, b, c string // root@127.0.0.1:PORT
	dead    string
	pids    []int
	deadLn  net.Listener
}

var (
	sshOnce sync.Once
	sshEnv  *sshHosts
	sshErr  error
)

func setUpSSH(t *testing.T) *sshHosts {
	t.Helper()
	asRoot(t) // sshd must run as root to log users in
	_, err := exec.LookPath("/usr/sbin/sshd")
	need(t, err == nil, "sshd not installed (make test installs openssh-server)")
	_, err = exec.LookPath("ssh")
	need(t, err == nil, "ssh not installed (make test installs openssh-client)")
	sshOnce.Do(func() { sshEnv, sshErr = startSSHHosts() })
	if sshErr != nil {
		t.Fatalf("starting sshd: %v", sshErr)
	}
	return sshEnv
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startSSHHosts() (*sshHosts, error) {
	dir, err := os.MkdirTemp(work, "ssh-")
	if err != nil {
		return nil, err
	}
	os.Chmod(dir, 0o755)
	h := &sshHosts{dir: dir}
	run := func(name string, args ...string) error {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s %v: %v: %s", name, args, err, out)
		}
		return nil
	}
	if err := run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, "user_key")); err != nil {
		return nil, err
	}
	pub, _ := os.ReadFile(filepath.Join(dir, "user_key.pub"))
	os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o644)
	os.MkdirAll("/run/sshd", 0o755) // sshd's privilege separation directory
	var known []string
	for i, name := range []string{"a", "b", "c"} {
		key := filepath.Join(dir, "host_key_"+name)
		if err := run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key); err != nil {
			return nil, err
		}
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		cfg := filepath.Join(dir, "sshd_config_"+name)
		pidFile := filepath.Join(dir, "sshd_"+name+".pid")
		os.WriteFile(cfg, []byte(fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PidFile %s
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
LogLevel ERROR
`, port, key, filepath.Join(dir, "authorized_keys"), pidFile)), 0o644)
		if err := run("/usr/sbin/sshd", "-f", cfg, "-E", filepath.Join(dir, "sshd_"+name+".log")); err != nil {
			return nil, err
		}
		if err := waitPidFile(pidFile); err != nil {
			return nil, err
		}
		pidData, _ := os.ReadFile(pidFile)
		var pid int
		fmt.Sscan(string(pidData), &pid)
		h.pids = append(h.pids, pid)
		target := fmt.Sprintf("root@127.0.0.1:%d", port)
		hostPub, _ := os.ReadFile(key + ".pub")
		if i < 2 { // C's key stays unknown
			known = append(known, fmt.Sprintf("[127.0.0.1]:%d %s", port, strings.TrimSpace(string(hostPub))))
		}
		switch name {
		case "a":
			h.a = target
		case "b":
			h.b = target
		case "c":
			h.c = target
		}
	}
	os.WriteFile(filepath.Join(dir, "known_hosts"), []byte(strings.Join(known, "\n")+"\n"), 0o644)
	h.config = filepath.Join(dir, "ssh_config")
	os.WriteFile(h.config, []byte(fmt.Sprintf(`Host *
  IdentityFile %s
  IdentitiesOnly yes
  UserKnownHostsFile %s
  GlobalKnownHostsFile /dev/null
`, filepath.Join(dir, "user_key"), filepath.Join(dir, "known_hosts"))), 0o644)

	// The dead host: accepts TCP and never says a word.
	if h.deadLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	go func() {
		var held []net.Conn
		for {
			conn, err := h.deadLn.Accept()
			if err != nil {
				for _, c := range held {
					c.Close()
				}
				return
			}
			held = append(held, conn)
		}
	}()
	h.dead = fmt.Sprintf("root@%s", h.deadLn.Addr())
	sudoCleanup = append(sudoCleanup, h.stop)
	return h, nil
}

func waitPidFile(p string) error {
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(p); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s never appeared", p)
}

// stopSSHHosts ends the sshd processes the remote tests started, if they
// started any: the run must leave no process of its own behind.
func stopSSHHosts() {
	if sshEnv != nil {
		sshEnv.stop()
	}
}

func (h *sshHosts) stop() {
	// What remote install put in root's home (the test hosts share it).
	if path, err := remotePath(shannot); err == nil {
		os.Remove(filepath.Join(rootHome(), path))
	}
	for _, pid := range h.pids {
		if p, err := os.FindProcess(pid); err == nil {
			p.Kill()
		}
	}
	if h.deadLn != nil {
		h.deadLn.Close()
	}
}

// shannotSSH runs shannot with the test's ssh configuration.
func (h *sshHosts) shannot(t *testing.T, args ...string) result {
	t.Helper()
	return identity{name: "root", home: h.dir}.run(t, opts{}, append([]string{"--ssh-config", h.config, "--connect-timeout", "3s"}, args...)...)
}

func (h *sshHosts) install(t *testing.T, target string) {
	t.Helper()
	r := h.shannot(t, "remote", "install", target)
	if r.code != 0 || !strings.Contains(r.stdout, target+": installed ~/.cache/shannot/shannot-") {
		t.Fatalf("remote install %s: exit %d, %q %q", target, r.code, r.stdout, r.stderr)
	}
}

// uninstall removes the binary remote install puts in place. The test
// "hosts" are sshd processes of this machine, so they share root's home.
func (h *sshHosts) uninstall(t *testing.T) {
	t.Helper()
	path, err := remotePath(shannot)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(rootHome(), path))
}

// rootHome is where sshd starts root's commands.
func rootHome() string {
	if u, err := user.Lookup("root"); err == nil {
		return u.HomeDir
	}
	return "/root"
}

func TestRemoteRunOnOneHost(t *testing.T) {
	h := setUpSSH(t)
	h.uninstall(t)
	t.Cleanup(func() { h.uninstall(t) })
	// No shannot on the host yet: the error says what to run.
	r := h.shannot(t, "--target", h.b, "run", "ls", "/")
	if r.code != 125 || !strings.Contains(r.stderr, "shannot is not installed here; run: shannot remote install HOST") {
		t.Errorf("before install: exit %d, %q", r.code, r.stderr)
	}
	h.install(t, h.a)
	h.install(t, h.b)
	r = h.shannot(t, "--target", h.a, "run", "ls", "/")
	if r.code != 0 || !strings.Contains(r.stdout, "usr\n") || r.stderr != "" {
		t.Errorf("ls /: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	// Standard input reaches the remote command.
	open := writeProfile(t, open())
	c := identity{name: "root", home: h.dir}.cmd(opts{stdin: strings.NewReader("over ssh\n")}, "--ssh-config", h.config, "--target", h.a, "--profile", open, "run", "cat")
	out, err := c.Output()
	if err != nil || string(out) != "over ssh\n" {
		t.Errorf("stdin: %q, %v", out, err)
	}
}

func TestRemoteQuoting(t *testing.T) {
	h := setUpSSH(t)
	h.install(t, h.a)
	open := writeProfile(t, open())
	args := []string{"a b", `it's "quoted"`, "$HOME", "$(id)", "`id`", "; rm -rf /", "*", "new\nline", "back\\slash", "--bind", ""}
	r := h.shannot(t, append([]string{"--target", h.a, "--profile", open, "run", "printf", "[%s]"}, args...)...)
	want := ""
	for _, a := range args {
		want += "[" + a + "]"
	}
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d\ngot  %q\nwant %q\n%s", r.code, r.stdout, want, r.stderr)
	}
}

func TestRemoteExitStatusAndSignals(t *testing.T) {
	h := setUpSSH(t)
	h.install(t, h.a)
	open := writeProfile(t, open())
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--profile", open, "run", "sh", "-c", "exit 42"}, 42, ""},
		{[]string{"--profile", open, "run", "sh", "-c", "kill -9 $$"}, 137, ""},
		{[]string{"--profile", open, "run", "sh", "-c", "kill -TERM $$"}, 143, ""},
		{[]string{"run", "rm", "-rf", "/tmp"}, 126, "is not allowed by profile \"minimal\""},
		{[]string{"--profile", open, "run", "no-such-command"}, 127, "not found inside the sandbox"},
		{[]string{"--profile", open, "run", "--timeout", "1s", "sleep", "30"}, 124, "timed out after 1s"},
	} {
		r := h.shannot(t, append([]string{"--target", h.a}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want %d, %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	// A command's own 255 is not ssh failing, when its result arrives.
	j255, r := runJSON(t, identity{name: "root", home: h.dir}, opts{}, "--ssh-config", h.config, "--target", h.a, "--profile", open, "run", "--json", "sh", "-c", "exit 255")
	if r.code != 255 || j255.ExitCode != 255 || j255.Status != "failed" {
		t.Errorf("exit 255 with --json: exit %d, %+v", r.code, j255)
	}
	// --json: the remote's result, with the host added.
	j, r := runJSON(t, identity{name: "root", home: h.dir}, opts{}, "--ssh-config", h.config, "--target", h.a, "--profile", open, "run", "--json", "sh", "-c", "echo out; exit 3")
	if r.code != 3 || j.ExitCode != 3 || j.Stdout != "out\n" {
		t.Errorf("--json: exit %d, %+v", r.code, j)
	}
}

func TestRemoteSeccompFilterWorks(t *testing.T) {
	h := setUpSSH(t)
	h.install(t, h.a)
	profile := seccompProfile(t, "policy.json", map[string]string{"policy.json": `{"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}`})
	r := h.shannot(t, "--target", h.a, "--profile", profile, "run", "mkdir", "/tmp/x")
	if r.code != 1 || !strings.Contains(r.stderr, "Permission denied") {
		t.Errorf("mkdir under the filter, remotely: exit %d, %q", r.code, r.stderr)
	}
	r = h.shannot(t, "--target", h.a, "--profile", profile, "run", "sh", "-c", "echo allowed")
	if r.code != 0 || r.stdout != "allowed\n" {
		t.Errorf("an allowed call, remotely: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

func TestRemoteFleet(t *testing.T) {
	h := setUpSSH(t)
	h.install(t, h.a)
	h.install(t, h.b)
	list := filepath.Join(mkdir(t, "fleet"), "hosts.txt")
	os.WriteFile(list, []byte("# the fleet\n"+h.a+"\n\n"+h.dead+"\n"+h.b+"\n"), 0o644)
	for _, spec := range []string{h.a + "," + h.dead + "," + h.b, "@" + list} {
		start := time.Now()
		r := h.shannot(t, "--target", spec, "run", "--timeout", "5s", "ls", "/")
		took := time.Since(start)
		if r.code != 1 || !strings.Contains(r.stderr, "shannot: 3 hosts: 2 ok, 0 failed, 1 unreachable") {
			t.Errorf("%s: exit %d, %q", spec, r.code, r.stderr)
		}
		for _, host := range []string{h.a, h.b} {
			if !strings.Contains(r.stdout, host+": usr\n") {
				t.Errorf("%s: no prefixed output from %s:\n%s", spec, host, r.stdout)
			}
		}
		if !strings.Contains(r.stderr, "shannot: "+h.dead+": unreachable") {
			t.Errorf("%s: the dead host is not reported: %q", spec, r.stderr)
		}
		if took > 30*time.Second {
			t.Errorf("%s: the dead host held the fleet for %s", spec, took)
		}
	}
	// --json: one object per host, with its status.
	r := h.shannot(t, "--target", h.a+","+h.dead, "run", "--timeout", "5s", "--json", "ls", "/")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.Contains(r.stdout, `"status":"unreachable"`) || !strings.Contains(r.stdout, `"host":"`+h.a+`"`) ||
		!strings.Contains(r.stdout, `"status":"ok"`) {
		t.Errorf("fleet --json:\n%s", r.stdout)
	}
	// All well: exit 0.
	r = h.shannot(t, "--target", h.a+","+h.b, "run", "ls", "/")
	if r.code != 0 || !strings.Contains(r.stderr, "2 hosts: 2 ok, 0 failed, 0 unreachable") {
		t.Errorf("healthy fleet: exit %d, %q", r.code, r.stderr)
	}
}

func TestRemoteUnknownHostKeyIsRefused(t *testing.T) {
	h := setUpSSH(t)
	r := h.shannot(t, "--target", h.c, "run", "ls", "/")
	if r.code != 125 || !strings.Contains(r.stderr, "Host key verification failed") || r.stdout != "" {
		t.Errorf("exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	r = h.shannot(t, "remote", "install", h.c)
	if r.code != 125 || !strings.Contains(r.stderr, "Host key verification failed") {
		t.Errorf("install to an unknown host: exit %d, %q", r.code, r.stderr)
	}
}

// remotePath is where remote install puts a binary, as internal/remote names it.
func remotePath(binary string) (string, error) {
	f, err := os.Open(binary)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return "", err
	}
	return ".cache/shannot/shannot-" + hex.EncodeToString(sum.Sum(nil))[:16], nil
}

func TestRemoteMCP(t *testing.T) {
	h := setUpSSH(t)
	h.install(t, h.a)
	id := identity{name: "root", home: h.dir}
	cmd := id.cmd(opts{}, "--ssh-config", h.config, "mcp", "--profile", writeProfile(t, open()), "--profile", "minimal", "--target", h.a)
	client := mcp.NewClient(&mcp.Implementation{Name: "shannot-integration", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	res, rep := call(t, s, "run_command", map[string]any{"command": []string{"sh", "-c", "echo remote; exit 4"}})
	if res.IsError || rep.ExitCode != 4 || rep.Stdout != "remote\n" || !strings.Contains(text(res), "host "+h.a+": exit code 4") {
		t.Errorf("run_command on %s: %v %+v %q", h.a, res.IsError, rep, text(res))
	}
	res, _ = call(t, s, "run_command", map[string]any{"command": []string{"rm", "/x"}, "profile": "minimal"})
	if !res.IsError || !strings.Contains(text(res), "on "+h.a+": command \"rm\" (/usr/bin/rm) is not allowed by profile \"minimal\"") {
		t.Errorf("refused remotely: %v %q", res.IsError, text(res))
	}
	res, _ = call(t, s, "run_command", map[string]any{"command": []string{"ls"}, "host": "elsewhere"})
	if !res.IsError || !strings.Contains(text(res), `no host "elsewhere" is offered; the hosts are: `+h.a) {
		t.Errorf("unknown host: %v %q", res.IsError, text(res))
	}
}

// hostileRemote puts a script where remote install puts shannot on the
// test hosts (they share root's home): a "remote shannot" that ignores
// its envelope and sends what the script says.
func (h *sshHosts) hostileRemote(t *testing.T, script string) {
	t.Helper()
	path, err := remotePath(shannot)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(rootHome(), path)
	os.MkdirAll(filepath.Dir(file), 0o755)
	if err := os.WriteFile(file, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.uninstall(t) })
}

// headWriter keeps the first bytes written to it and counts the rest.
type headWriter struct {
	head []byte
	n    int64
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := 1<<20 - len(w.head); room > 0 {
		w.head = append(w.head, p[:min(room, len(p))]...)
	}
	w.n += int64(len(p))
	return len(p), nil
}

// runCounted runs shannot against the test hosts with stdout counted,
// not kept: a run that is not cut would fill memory.
func (h *sshHosts) runCounted(t *testing.T, args ...string) (*headWriter, string, int, time.Duration) {
	t.Helper()
	c := identity{name: "root", home: h.dir}.cmd(opts{}, append([]string{"--ssh-config", h.config, "--connect-timeout", "3s"}, args...)...)
	out := &headWriter{}
	var errOut strings.Builder
	c.Stdout, c.Stderr = out, &headWriterString{&errOut}
	// Its own process group, so that the ssh it runs dies with it.
	if c.SysProcAttr == nil {
		c.SysProcAttr = &syscall.SysProcAttr{}
	}
	c.SysProcAttr.Setpgid = true
	c.WaitDelay = 5 * time.Second
	start := time.Now()
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(30*time.Second, func() { syscall.Kill(-c.Process.Pid, syscall.SIGKILL) })
	defer timer.Stop()
	c.Wait()
	return out, errOut.String(), c.ProcessState.ExitCode(), time.Since(start)
}

// headWriterString keeps at most 1 MiB of stderr.
type headWriterString struct{ b *strings.Builder }

func (w *headWriterString) Write(p []byte) (int, error) {
	if room := 1<<20 - w.b.Len(); room > 0 {
		w.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// TestRemoteOutputIsCappedLocally: a remote that sends more than the
// run's limits let a shannot send is cut off, whatever it sends, and the
// local side says so on one line.
func TestRemoteOutputIsCappedLocally(t *testing.T) {
	h := setUpSSH(t)
	open := writeProfile(t, open())
	for _, tc := range []struct {
		name, script string
		args         []string
		stdout       int64 // bytes passed on, at most
		stderr       int   // bytes passed on before shannot's line
		want         string
	}{
		{"endless stdout", "exec cat /dev/zero", []string{"run", "--max-output", "1KiB", "ls"}, 1024, 0,
			"sent more than 1024 bytes on stdout, more than its shannot may under these limits; the connection was cut"},
		{"endless stderr", "exec cat /dev/zero >&2", []string{"run", "--max-output", "1KiB", "ls"}, 0, 1024 + 64<<10,
			"sent more than 66560 bytes on stderr"},
		// Finite, so that a local side that does not cap still ends.
		{"--json, 200 MB", "exec head -c 200000000 /dev/zero", []string{"run", "--json", "--max-output", "1KiB", "ls"}, 64 << 10, 0,
			"bytes on stdout, more than its shannot may under these limits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.hostileRemote(t, tc.script)
			out, stderr, code, took := h.runCounted(t, append([]string{"--target", h.a, "--profile", open}, tc.args...)...)
			passed, line, _ := strings.Cut(stderr, "shannot: ")
			if code != 125 || out.n > tc.stdout || took > 20*time.Second || len(passed) != tc.stderr ||
				!strings.HasPrefix(line, h.a+" sent more than") || !strings.Contains(line, tc.want) || strings.Count(line, "\n") != 1 {
				t.Errorf("exit %d after %s, %d bytes on stdout, stderr %d bytes then %.500q; want 125, at most %d bytes, %d, %q",
					code, took, out.n, len(passed), line, tc.stdout, tc.stderr, tc.want)
			}
			if strings.Contains(tc.name, "json") {
				var j jsonResult
				if err := json.Unmarshal(out.head, &j); err != nil || j.Status != "failed" || j.ExitCode != 125 || !strings.Contains(j.Error, tc.want) {
					t.Errorf("--json: %v %+v", err, j)
				}
			}
		})
	}
	// A result object well formed but with more output than the limit:
	// cut to the limit and flagged, as a local run.
	t.Run("--json, output over the limit", func(t *testing.T) {
		h.hostileRemote(t, `printf '{"exit_code":0,"signal":null,"timed_out":false,"duration_ms":1,"stdout":"%s","stdout_encoding":"utf-8","stderr":"","stderr_encoding":"utf-8","stdout_truncated":false,"stderr_truncated":false,"profile":"p","command":["ls"]}\n' $(head -c 5000 /dev/zero | tr '\0' a)`)
		j, r := runJSON(t, identity{name: "root", home: h.dir}, opts{}, "--ssh-config", h.config, "--target", h.a, "--profile", open, "run", "--json", "--max-output", "1KiB", "ls")
		if r.code != 0 || len(j.Stdout) != 1024 || !j.StdoutTruncated || j.Status != "ok" {
			t.Errorf("exit %d, %d bytes, truncated %v, %q", r.code, len(j.Stdout), j.StdoutTruncated, r.stderr)
		}
	})
	t.Run("mcp", func(t *testing.T) {
		h.hostileRemote(t, "exec head -c 200000000 /dev/zero")
		id := identity{name: "root", home: h.dir}
		cmd := id.cmd(opts{}, "--ssh-config", h.config, "mcp", "--profile", open, "--target", h.a)
		client := mcp.NewClient(&mcp.Implementation{Name: "shannot-integration", Version: "1"}, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for i := 0; i < 2; i++ { // and the server serves on
			res, _ := call(t, s, "run_command", map[string]any{"command": []string{"ls"}, "max_output_bytes": 1024})
			if !res.IsError || !strings.Contains(text(res), "could not run on "+h.a+": "+h.a+" sent more than") {
				t.Errorf("call %d: %v %.300q", i, res.IsError, text(res))
			}
		}
	})
}
