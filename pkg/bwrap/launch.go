package bwrap

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// systemBwraps are where bwrap is looked for when neither --bwrap nor
// $PATH names one.
var systemBwraps = []string{"/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"}

// ErrBwrapNotFound is returned by FindBwrap when no bwrap executable is found.
var ErrBwrapNotFound = errors.New("bwrap not found; install bubblewrap (apt-get install bubblewrap, dnf install bubblewrap)")

// FindBwrap returns the bwrap to run: explicit if set, else the first
// bwrap in pathEnv, else the first of the system locations. An empty
// pathEnv searches only the system locations.
func FindBwrap(explicit, pathEnv string) (string, error) {
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return "", fmt.Errorf("bwrap %q: %w", explicit, unwrapExecError(err))
		}
		return filepath.Abs(p)
	}
	var candidates []string
	for _, d := range filepath.SplitList(pathEnv) {
		if filepath.IsAbs(d) {
			candidates = append(candidates, filepath.Join(d, "bwrap"))
		}
	}
	for _, c := range append(candidates, systemBwraps...) {
		if fi, err := os.Stat(c); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return c, nil
		}
	}
	return "", ErrBwrapNotFound
}

func unwrapExecError(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// Launch is one run of bwrap.
type Launch struct {
	Bwrap string   // bwrap executable
	Args  []string // bwrap's options, from Args, ending with "--"
	Argv  []string // the command and its arguments
	// Files are handed to bwrap as descriptors 3, 4, ... in order; the
	// seccomp filter's descriptor in Args must match its place here.
	Files  []*os.File
	Env    []string // bwrap's own environment (the command's is set by --setenv)
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// SetupError means bwrap failed before the command ran: its own message
// went to the command's stderr.
type SetupError struct {
	ExitCode int // bwrap's exit status, or -1 when it was killed
}

func (e *SetupError) Error() string {
	if e.ExitCode < 0 {
		return "bwrap was killed before the sandbox was set up"
	}
	return fmt.Sprintf("bwrap could not set up the sandbox (exit status %d; its message is above); 'shannot doctor' checks this host", e.ExitCode)
}

// Status is how the sandboxed command ended.
type Status struct {
	// ExitCode is the command's exit status, or 128+N when signal N
	// killed it (as bwrap and shells report it).
	ExitCode int
}

// forwarded are the signals that a run passes on to the command instead
// of dying from them.
var forwarded = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2}

// Run starts bwrap, forwards SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1
// and SIGUSR2 to the command and waits for it to end. It returns the
// command's status, or a *SetupError when bwrap failed before the command
// ran.
//
// bwrap reports the command's exit status on a --json-status-fd pipe
// only once the command has really run; that tells a command's exit 1
// apart from bwrap's own failures, which also exit 1.
func (l *Launch) Run() (Status, error) {
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return Status{}, err
	}
	defer statusR.Close()
	files := append(append([]*os.File(nil), l.Files...), statusW)
	statusFD := 3 + len(files) - 1

	argv := append([]string{l.Bwrap, optJSONStatusFD, strconv.Itoa(statusFD)}, l.Args...)
	argv = append(argv, l.Argv...)
	cmd := &exec.Cmd{
		Path:       l.Bwrap,
		Args:       argv,
		Env:        l.Env,
		Stdin:      l.Stdin,
		Stdout:     l.Stdout,
		Stderr:     l.Stderr,
		ExtraFiles: files,
		SysProcAttr: &syscall.SysProcAttr{
			// Own process group: a terminal's Ctrl-C reaches shannot,
			// which hands it to the command; bwrap itself must not die
			// of it and take the sandbox down with SIGKILL.
			Setpgid: true,
			// If shannot dies, bwrap dies, and --die-with-parent takes
			// the sandbox with it.
			Pdeathsig: unix.SIGKILL,
		},
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)

	// Pdeathsig fires when the thread that started bwrap exits: keep
	// this goroutine on its thread until bwrap has been reaped.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	err = cmd.Start()
	statusW.Close()
	if err != nil {
		return Status{}, fmt.Errorf("starting %s: %w", l.Bwrap, unwrapExecError(err))
	}

	reports := readStatus(statusR)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case s := <-sigs:
				reports.signalCommand(cmd.Process, s.(syscall.Signal))
			case <-done:
				return
			}
		}
	}()
	waitErr := cmd.Wait()
	close(done)
	wg.Wait()
	exit, ran := reports.result()
	if ran {
		return Status{ExitCode: exit}, nil
	}
	var ee *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &ee) {
		return Status{}, waitErr
	}
	code := cmd.ProcessState.ExitCode()
	return Status{}, &SetupError{ExitCode: code}
}

// statusReports collects what bwrap writes on --json-status-fd.
type statusReports struct {
	mu       sync.Mutex
	childPID int
	exitCode int
	exited   bool
	done     chan struct{}
}

func readStatus(r io.Reader) *statusReports {
	s := &statusReports{done: make(chan struct{})}
	go func() {
		defer close(s.done)
		dec := json.NewDecoder(bufio.NewReader(r))
		for {
			var m struct {
				ChildPID *int `json:"child-pid"`
				ExitCode *int `json:"exit-code"`
			}
			if err := dec.Decode(&m); err != nil {
				return
			}
			s.mu.Lock()
			if m.ChildPID != nil {
				s.childPID = *m.ChildPID
			}
			if m.ExitCode != nil {
				s.exitCode, s.exited = *m.ExitCode, true
			}
			s.mu.Unlock()
		}
	}()
	return s
}

// result waits for bwrap's reports to end and says whether the command
// ran, and with which status.
func (s *statusReports) result() (exitCode int, ran bool) {
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exitCode, s.exited
}

// signalCommand delivers sig to the command. bwrap's pid 1 in the
// sandbox ignores signals it has no handler for, so the signal goes to
// its children: the command. Before the sandbox exists, bwrap gets it.
func (s *statusReports) signalCommand(bwrap *os.Process, sig syscall.Signal) {
	s.mu.Lock()
	pid := s.childPID
	s.mu.Unlock()
	if pid > 0 {
		children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
		if err == nil {
			sent := false
			for _, f := range strings.Fields(string(bytes.TrimSpace(children))) {
				if child, err := strconv.Atoi(f); err == nil {
					sent = unix.Kill(child, sig) == nil || sent
				}
			}
			if sent {
				return
			}
		}
	}
	_ = bwrap.Signal(sig)
}

// CloseInheritedFiles marks every descriptor above 2 close-on-exec, so
// that nothing the caller left open (a writable host file on fd 7, say)
// reaches bwrap and through it the command. Descriptors handed over
// explicitly in Launch.Files are unaffected: exec.Cmd dups them.
func CloseInheritedFiles() error {
	if err := unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err == nil {
		return nil
	}
	// Kernels before 5.11: walk /proc/self/fd.
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("listing open descriptors: %w", err)
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd < 3 {
			continue
		}
		unix.CloseOnExec(fd)
	}
	return nil
}
