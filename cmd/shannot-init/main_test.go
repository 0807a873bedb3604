package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	ll "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// childEnv makes the test binary run Main on its arguments instead of
// the tests: Landlock cannot be undone, so each confinement is a process.
const childEnv = "SHANNOT_INIT_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(Main(os.Args[1:], os.Stderr))
	}
	os.Exit(m.Run())
}

// runInit runs Main in a child process with args and returns its output
// and exit status.
func runInit(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

func needLandlock(t *testing.T) {
	t.Helper()
	if abi, err := ll.LandlockGetABIVersion(); err != nil || abi < 6 {
		t.Skipf("the kernel's Landlock ABI is %d (%v); these checks need 6 (signal and abstract socket scopes)", abi, err)
	}
}

// TestConfinesWrites is the reason for shannot-init: a FIFO the process
// may write by its mode, outside the writable mounts, must not open for
// writing; a file beneath a writable mount must.
func TestConfinesWrites(t *testing.T) {
	needLandlock(t)
	dir := t.TempDir()
	allowed := filepath.Join(dir, "tmp")
	if err := os.Mkdir(allowed, 0o700); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("before\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// O_RDWR: a FIFO opens without waiting for a reader.
	script := `(exec 3<>"$1") 2>/dev/null && echo fifo-opened; (echo x >> "$2") 2>/dev/null && echo plain-written; ` +
		`echo y > "$3/new" && echo allowed-written; mkfifo "$3/f2" && echo allowed-fifo-made; mkfifo "$4" 2>/dev/null && echo outside-fifo-made; true`
	out, code := runInit(t, "--write", allowed, "--write", "/dev", "--", "/bin/sh", "-c", script, "sh", fifo, plain, allowed, filepath.Join(dir, "f3"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, want := range []string{"allowed-written", "allowed-fifo-made"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q: a write beneath a writable mount was refused", out, want)
		}
	}
	for _, bad := range []string{"fifo-opened", "plain-written", "outside-fifo-made"} {
		if strings.Contains(out, bad) {
			t.Errorf("output %q has %q: a write outside the writable mounts went through", out, bad)
		}
	}
	if b, _ := os.ReadFile(plain); string(b) != "before\n" {
		t.Errorf("%s changed to %q", plain, b)
	}
}

// TestScopesSignalsAndSockets: a signal to a process outside the domain
// and a connection to an abstract socket outside it are refused, as are
// TCP connections; inside, the command may signal its own children.
func TestScopesSignalsAndSockets(t *testing.T) {
	needLandlock(t)
	ln, err := net.Listen("unix", "@shannot-init-test-"+filepath.Base(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	// Debian's python3, not a shim on PATH (pyenv's writes to /dev/null).
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skipf("%s is needed to make the socket calls: %v", py, err)
	}
	script := `
import os, signal, socket, sys
def attempt(what, f):
    try:
        f(); print(what, "ok")
    except OSError as e:
        print(what, e.errno)
attempt("kill-parent", lambda: os.kill(os.getppid(), 0))
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
attempt("abstract", lambda: s.connect("\0" + sys.argv[1]))
t = socket.socket()
attempt("tcp", lambda: t.connect(("127.0.0.1", int(sys.argv[2]))))
pid = os.fork()
if pid == 0:
    signal.pause()
attempt("kill-child", lambda: os.kill(pid, signal.SIGKILL))
os.waitpid(pid, 0)
`
	port := tcp.Addr().(*net.TCPAddr).Port
	out, code := runInit(t, "--", py, "-c", script, ln.Addr().String()[1:], itoa(port))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	want := "kill-parent 1\nabstract 1\ntcp 13\nkill-child ok\n" // EPERM, EPERM, EACCES
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestBadArgumentsAreSetupErrors(t *testing.T) {
	out, code := runInit(t, "--bogus")
	if code != 125 || !strings.HasPrefix(out, "shannot-init: ") || strings.Count(out, "\n") != 1 {
		t.Errorf("exit %d, output %q: want 125 and one line from shannot-init", code, out)
	}
}

func TestCommandNotFound(t *testing.T) {
	out, code := runInit(t, "--", "no-such-command-shannot")
	if code != 127 || !strings.Contains(out, "no-such-command-shannot: command not found") {
		t.Errorf("exit %d, output %q: want 127, command not found", code, out)
	}
}

// The command gets the standard streams and nothing else: not the
// init's descriptor, not one bwrap left open.
func TestOnlyStandardStreamsReachTheCommand(t *testing.T) {
	f, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(os.Args[0], "--fd", "3", "--", "/bin/sh", "-c", "ls /proc/self/fd")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.ExtraFiles = []*os.File{f, f} // descriptors 3 and 4
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	// ls's own directory descriptor is 3 again.
	if got := strings.Fields(string(out)); !cmp.Equal(got, []string{"0", "1", "2", "3"}) {
		t.Errorf("descriptors of the command: %q, want 0 1 2 and ls's own 3", got)
	}
}
