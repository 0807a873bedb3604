//go:build integration

package integration

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testUser is the unprivileged account the tests create when run as root.
const testUser = "shannot-it"

var (
	shannot string // the binary under test, copied where every user can run it
	// shannotMCP is the MCP server's binary under test, copied beside
	// shannot, where "shannot mcp" finds it.
	shannotMCP string
	work       string // a directory every user can read, for profiles and fixtures
)

func TestMain(m *testing.M) {
	os.Exit(setup(m))
}

func setup(m *testing.M) int {
	src := os.Getenv("SHANNOT_BIN")
	if src == "" {
		src, _ = filepath.Abs("../bin/shannot")
	}
	if _, err := os.Stat(src); err != nil {
		fmt.Fprintf(os.Stderr, "integration: %s: %v (run `make build`, or set SHANNOT_BIN)\n", src, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "shannot-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	work = dir
	shannot = filepath.Join(dir, "shannot")
	if err := copyFile(src, shannot, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mcpSrc := os.Getenv("SHANNOT_MCP_BIN")
	if mcpSrc == "" {
		mcpSrc = filepath.Join(filepath.Dir(src), "shannot-mcp")
	}
	shannotMCP = filepath.Join(dir, "shannot-mcp")
	if err := copyFile(mcpSrc, shannotMCP, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "integration: %s: %v (run `make build`, or set SHANNOT_MCP_BIN)\n", mcpSrc, err)
		return 1
	}
	// shannot-seccomp, which compiles JSON policies, beside shannot as
	// make build leaves it: shannot finds it there (internal/companion).
	// Without it the tests that compile a JSON policy fail, each saying
	// shannot-seccomp was not found; the rest run.
	seccompSrc := os.Getenv("SHANNOT_SECCOMP_BIN")
	if seccompSrc == "" {
		seccompSrc = filepath.Join(filepath.Dir(src), "shannot-seccomp")
	}
	if err := copyFile(seccompSrc, filepath.Join(dir, "shannot-seccomp"), 0o755); err != nil {
		if os.Getenv("SHANNOT_SECCOMP_BIN") != "" {
			fmt.Fprintf(os.Stderr, "integration: %s: %v\n", seccompSrc, err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "integration: warning: %s: %v: JSON policies will not compile (run `make build`, or set SHANNOT_SECCOMP_BIN)\n", seccompSrc, err)
	}
	// shannot-init, the first program of every host-view sandbox, beside
	// shannot as make build leaves it.
	initSrc := os.Getenv("SHANNOT_INIT_BIN")
	if initSrc == "" {
		initSrc = filepath.Join(filepath.Dir(src), "shannot-init")
	}
	if err := copyFile(initSrc, filepath.Join(dir, "shannot-init"), 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "integration: %s: %v (run `make build`, or set SHANNOT_INIT_BIN)\n", initSrc, err)
		return 1
	}
	if os.Geteuid() != 0 {
		defer tearDownSudo()
		return m.Run()
	}
	remove, err := ensureSandboxUser()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	code := func() int {
		defer tearDownSudo()
		defer stopSSHHosts()
		return m.Run()
	}()
	// The tests leave the host's accounts as they found them: a user
	// left behind is a failure of the run.
	if err := removeTestUser(); err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		code = 1
	}
	if err := remove(); err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		code = 1
	}
	return code
}

// sandboxUser is the account a root-run shannot starts bwrap as.
const sandboxUser = "shannot-sandbox"

// ensureSandboxUser creates the sandbox user as scripts/sandbox-user.sh
// does (make install, the .deb), when it is missing, and returns how to
// remove it again: the tests leave the host's accounts as they found them.
func ensureSandboxUser() (remove func() error, err error) {
	if _, err := user.Lookup(sandboxUser); err == nil {
		return func() error { return nil }, nil
	}
	out, err := exec.Command("../scripts/sandbox-user.sh").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("creating %s: %v: %s", sandboxUser, err, out)
	}
	return func() error { return userdel(sandboxUser) }, nil
}

// createdTestUser is set when unprivileged created testUser, which
// removeTestUser then removes once the tests are over. A testUser that
// was there before the run is left alone.
var createdTestUser bool

func removeTestUser() error {
	if !createdTestUser {
		return nil
	}
	return userdel(testUser)
}

// userdel removes a user the tests created with --user-group, and so its
// group too (userdel leaves it where USERGROUPS_ENAB is off).
func userdel(name string) error {
	if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
		return fmt.Errorf("removing the user %s the tests created: userdel: %v: %s", name, err, out)
	}
	if _, err := user.Lookup(name); err == nil {
		return fmt.Errorf("userdel %s succeeded, but the user is still there", name)
	}
	if _, err := user.LookupGroup(name); err == nil {
		if out, err := exec.Command("groupdel", name).CombinedOutput(); err != nil {
			return fmt.Errorf("removing the group %s the tests created: groupdel: %v: %s", name, err, out)
		}
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// need skips the test for reason, or fails it under CI, where every
// prerequisite is installed by .ci/run.
func need(t *testing.T, ok bool, reason string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("prerequisite missing in CI: %s", reason)
	}
	t.Skip(reason)
}

func needBwrap(t *testing.T) {
	t.Helper()
	_, err := exec.LookPath("bwrap")
	need(t, err == nil, "bwrap not found; install bubblewrap")
}

// identity is who runs shannot in a test.
type identity struct {
	name string
	cred *syscall.Credential // nil: the test process's own
	home string
}

// identities returns root and an unprivileged user when the tests run as
// root, or just the current (unprivileged) user otherwise.
func identities(t *testing.T) []identity {
	t.Helper()
	needBwrap(t)
	if os.Geteuid() != 0 {
		return []identity{{name: "user", home: mkdir(t, "home-self")}}
	}
	return []identity{{name: "root", home: mkdir(t, "home-root")}, unprivileged(t)}
}

func asRoot(t *testing.T) identity {
	t.Helper()
	needBwrap(t)
	need(t, os.Geteuid() == 0, "needs root (run the integration tests as root, as CI does)")
	return identity{name: "root", home: mkdir(t, "home-root")}
}

// unprivileged returns the test user, creating it on first use (and
// then removing it when the tests end).
func unprivileged(t *testing.T) identity {
	t.Helper()
	u, err := user.Lookup(testUser)
	if err != nil {
		out, err := exec.Command("useradd", "--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", testUser).CombinedOutput()
		if err != nil {
			t.Fatalf("useradd %s: %v: %s", testUser, err, out)
		}
		createdTestUser = true
		if u, err = user.Lookup(testUser); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	home := mkdir(t, "home-"+testUser)
	if err := os.Chown(home, uid, gid); err != nil {
		t.Fatal(err)
	}
	return identity{name: testUser, cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, home: home}
}

// mkdir makes a directory under work that every user can read.
func mkdir(t *testing.T, name string) string {
	t.Helper()
	d, err := os.MkdirTemp(work, name+"-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// writeProfile writes a profile every user can read and returns its path.
func writeProfile(t *testing.T, body string) string {
	t.Helper()
	f := filepath.Join(mkdir(t, "profile"), "profile.json")
	if err := os.WriteFile(f, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// result is what one run of shannot did.
type result struct {
	stdout, stderr string
	code           int
}

// opts changes how shannot is started.
type opts struct {
	env   []string   // added to a minimal environment
	files []*os.File // extra descriptors, from fd 3 on
	stdin io.Reader
}

func (id identity) cmd(o opts, args ...string) *exec.Cmd { return id.cmdOf(shannot, o, args...) }

// mcpCmd is cmd for shannot-mcp.
func (id identity) mcpCmd(o opts, args ...string) *exec.Cmd { return id.cmdOf(shannotMCP, o, args...) }

func (id identity) cmdOf(bin string, o opts, args ...string) *exec.Cmd {
	c := exec.Command(bin, args...)
	c.Env = append([]string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=" + id.home}, o.env...)
	c.ExtraFiles = o.files
	c.Stdin = o.stdin
	c.Dir = work
	if id.cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: id.cred}
	}
	return c
}

// run runs shannot as id and waits for it (at most a minute).
func (id identity) run(t *testing.T, o opts, args ...string) result {
	t.Helper()
	c := id.cmd(o, args...)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	if err := c.Start(); err != nil {
		t.Fatalf("starting %v: %v", args, err)
	}
	timer := time.AfterFunc(time.Minute, func() { c.Process.Kill() })
	defer timer.Stop()
	err := c.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running %v: %v", args, err)
	}
	return result{stdout: out.String(), stderr: errOut.String(), code: c.ProcessState.ExitCode()}
}

// open is a profile with no allowed_commands, for tests that need a shell.
func open(binds ...string) string {
	var b strings.Builder
	b.WriteString(`{"name": "open", "binds": [
		{"source": "/usr", "target": "/usr"},
		{"source": "/bin", "target": "/bin", "optional": true},
		{"source": "/lib", "target": "/lib", "optional": true},
		{"source": "/lib64", "target": "/lib64", "optional": true}`)
	for _, x := range binds {
		b.WriteString(",\n\t\t" + x)
	}
	b.WriteString(`],
	"tmpfs_paths": ["/tmp"],
	"environment": {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "SANDBOX_MARK": "profile"}}`)
	return b.String()
}

// writableFD7 opens a host file writable by anyone and returns it as the
// extra files that put it on descriptor 7 (ExtraFiles[i] is fd 3+i), and
// a check that the file still holds what it held.
func writableFD7(t *testing.T) (files []*os.File, unchanged func() bool) {
	t.Helper()
	host := filepath.Join(mkdir(t, "fd"), "target")
	os.WriteFile(host, []byte("original\n"), 0o666)
	os.Chmod(host, 0o666)
	f, err := os.OpenFile(host, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(); null.Close() })
	return []*os.File{null, null, null, null, f}, func() bool {
		b, _ := os.ReadFile(host)
		return string(b) == "original\n"
	}
}
