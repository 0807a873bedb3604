package launch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/shannot-project/shannot/internal/systrace"
	"github.com/shannot-project/shannot/pkg/bwrap/option"
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

// FirstFD is the descriptor the first of Launch.Files gets in bwrap.
const FirstFD = 3

// Launch is one run of bwrap.
type Launch struct {
	Bwrap string   // bwrap executable
	Args  []string // bwrap's options, from Args, ending with "--"
	Argv  []string // the command and its arguments
	// Files are handed to bwrap as descriptors FirstFD, FirstFD+1, ...
	// in order: add them with AddFile, which says which each gets.
	Files  []*os.File
	Env    []string  // bwrap's own environment (the command's is set by --setenv)
	Stdin  io.Reader // nil: /dev/null
	Stdout io.Writer
	Stderr io.Writer
	Limits Limits
	// ForwardSignals passes SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and
	// SIGUSR2 received by this process on to the command, as a command
	// line wrapper should; a server running many commands leaves it off.
	ForwardSignals bool
	// StatusUnreported says that the seccomp filter denies the byte
	// bwrap's child writes on its status pipe once the filter is in place
	// (a filter that lets write reach only stdout and stderr does), so
	// bwrap never reports an exit code. Once bwrap has reported the
	// sandbox's pid, its own exit status is then taken as the command's:
	// bwrap exits with the status of the sandbox's process 1, which is
	// the command's. What is lost is only the telling apart of bwrap
	// failing after that point (exit 1, its message on stderr) from the
	// command's exit 1; nothing is loosened.
	StatusUnreported bool
	// Tracer, when set, runs bwrap and everything it starts under ptrace
	// (see startTraced): for seccomp learn and run --explain-denials. Its
	// callbacks see the calls the (instrumented) filter hands over.
	Tracer *systrace.Tracer
	// Credential, when set, is the host user and groups bwrap runs as
	// (shannot running as root starts it unprivileged); bwrap then starts
	// in /, which that user can always reach.
	Credential *syscall.Credential
	// MapHostIDs has the sandbox's user namespace map every host uid and
	// gid to itself (HostIDMap), written by this process once bwrap has
	// made the namespace: it needs CAP_SETUID and CAP_SETGID here (root),
	// a Credential (bwrap runs as that uid, which must own the
	// namespace), and bwrap options without --disable-userns
	// (bwrap.Options.HostIDMap).
	MapHostIDs bool
	// KillSession says that the sandbox shares the host's PID namespace
	// (no --unshare-pid): when the run ends, however it ends, every
	// process left in the sandbox's session (bwrap --new-session) that
	// runs as the run's uid (Credential's, else this process's) is killed
	// before Run returns; see killSession. With a PID namespace of its
	// own the sandbox needs none of this: its process 1 dying takes every
	// process of the namespace with it.
	KillSession bool
	// RunDir, with KillSession and no Credential (an unprivileged run),
	// is where the run records itself while it lives, and where it first
	// reaps what dead runs left (see trackRun, ReapDeadRuns); "": not.
	RunDir string
}

// procRef holds bwrap's process for an atomic.Pointer.
type procRef struct{ p process }

// Limits bound a run. Zero values mean no limit.
type Limits struct {
	// Timeout kills the whole sandbox when it expires.
	Timeout time.Duration
	// MaxOutput is the most bytes passed on from each of stdout and
	// stderr. Beyond it output is dropped while the command runs on, or
	// the sandbox is killed when KillOnOverflow is set.
	MaxOutput      int64
	KillOnOverflow bool
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
	// killed it (as bwrap and shells report it); 124 when it timed out.
	ExitCode int
	// TimedOut is set when Limits.Timeout killed the sandbox.
	TimedOut bool
	// Overflowed is set when output beyond Limits.MaxOutput killed the
	// sandbox (KillOnOverflow); ExitCode is then 128+SIGKILL.
	Overflowed bool
	// StdoutTruncated and StderrTruncated say that output was dropped.
	StdoutTruncated, StderrTruncated bool
}

// ExitTimedOut is the status of a run killed by its timeout, as
// coreutils timeout(1) reports it.
const ExitTimedOut = 124

// Run starts bwrap and waits for the command to end, enforcing Limits
// and, with ForwardSignals, passing signals on to the command.
// Cancelling ctx kills the sandbox. It returns the command's status, or a
// *SetupError when bwrap failed before the command ran.
//
// bwrap reports the command's exit status on a --json-status-fd pipe
// only once the command has really run; that tells a command's exit 1
// apart from bwrap's own failures, which also exit 1.
func (l *Launch) Run(ctx context.Context) (Status, error) {
	// With nothing that could end the run early (a timeout, an output
	// limit, a context, a session to end, ids to map, a tracer), this
	// goroutine reads bwrap's reports itself, to the pipe's end at bwrap's
	// exit (the sandbox's own PID namespace takes every process that could
	// hold the pipe open with it), and then reaps bwrap: no goroutine to
	// start and wake, which cost about 0.3 ms of every launch.
	inline := ctx.Done() == nil && l.Limits == (Limits{}) && !l.KillSession && !l.MapHostIDs && l.Tracer == nil
	statusR, statusW, err := statusPipe(inline)
	if err != nil {
		return Status{}, err
	}
	defer statusR.Close()
	files := append(append([]*os.File(nil), l.Files...), statusW)
	statusFD := FirstFD + len(files) - 1

	argv := []string{l.Bwrap, option.JSONStatusFD, strconv.Itoa(statusFD)}
	var ids *idMapper
	if l.MapHostIDs {
		if l.Credential == nil {
			return Status{}, errors.New("MapHostIDs needs a Credential: the namespace's owner")
		}
		if ids, err = newIDMapper(); err != nil {
			return Status{}, err
		}
		defer ids.close()
		files = append(files, ids.infoW, ids.blockR)
		argv = append(argv, ids.args(FirstFD+len(files)-2, FirstFD+len(files)-1)...)
	}
	argv = append(append(argv, l.Args...), l.Argv...)
	cmd := &exec.Cmd{
		Path:       l.Bwrap,
		Args:       argv,
		Env:        l.Env,
		Stdin:      l.Stdin,
		ExtraFiles: files,
		SysProcAttr: &syscall.SysProcAttr{
			// Own process group: a terminal's Ctrl-C reaches shannot,
			// which hands it to the command; bwrap itself must not die
			// of it and take the sandbox down with SIGKILL.
			Setpgid: true,
			// If shannot dies, bwrap dies, and --die-with-parent takes
			// the sandbox with it.
			Pdeathsig: unix.SIGKILL,
			// Set after the credentials change, which would clear it.
			Credential: l.Credential,
		},
	}
	if l.Credential != nil {
		cmd.Dir = "/"
	}
	// The command shares the caller's open files: a terminal it leaves
	// non-blocking (O_NONBLOCK) breaks the caller's shell. Put back what
	// was there.
	defer restoreFlags(l.Stdin, l.Stdout, l.Stderr)()
	if l.KillSession && l.Credential == nil && l.RunDir != "" {
		ReapDeadRuns(l.RunDir, uint32(os.Getuid()))
	}
	reports := newStatusReports()
	defer reports.close()
	var st Status
	// bwrap, once started: output can overflow before the start has
	// returned it.
	var bwrap atomic.Pointer[procRef]
	if l.ForwardSignals {
		// Taken before bwrap starts (waiting, if need be, for the
		// catcher to have enabled them: CatchSignals), so that shannot
		// never dies of one while bwrap sets the sandbox up: bwrap dying
		// then can leave its child running (docs/security.md). Delivered
		// from the catcher's goroutine; one that comes before bwrap has
		// reported the sandbox's pid waits for it (forward).
		reports.deliver = func(sig syscall.Signal) {
			if p := bwrap.Load(); p != nil {
				reports.signalCommand(p.p, sig, !l.KillSession)
			}
		}
		defer signals.take(func(s os.Signal) { reports.forward(s.(syscall.Signal)) })()
	}
	kill := func() {
		if p := bwrap.Load(); p != nil {
			reports.kill(p.p)
		}
	}
	var overflowed atomic.Bool
	onOverflow := func() {
		if l.Limits.KillOnOverflow && !overflowed.Swap(true) {
			kill()
		}
	}
	var stdout, stderr *limitWriter
	cmd.Stdout, stdout = limit(l.Stdout, l.Limits.MaxOutput, onOverflow)
	cmd.Stderr, stderr = limit(l.Stderr, l.Limits.MaxOutput, onOverflow)

	// Pdeathsig fires when the thread that started bwrap exits: keep
	// this goroutine on its thread until bwrap has been reaped.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var (
		p        process
		wait     func() (exitCode int, err error)
		leftover error // from endSession, when KillSession
	)
	if l.Tracer != nil {
		p, wait, err = startTraced(cmd, l.Tracer)
	} else {
		var afterExit func()
		if l.KillSession {
			// A process left behind can hold the command's output
			// pipes open, and waiting for the output waits for them:
			// end the session as soon as bwrap has exited (not reaped
			// yet, so its pid stays its own).
			afterExit = func() { leftover = l.endSession(reports) }
		}
		p, wait, err = startDirect(cmd, afterExit)
	}
	if err == nil {
		bwrap.Store(&procRef{p})
		// Output copied before the store could overflow while kill had
		// nothing to kill: the flag says so now (both are atomic, so
		// either onOverflow saw bwrap or this sees the flag).
		if overflowed.Load() && l.Limits.KillOnOverflow {
			kill()
		}
	}
	statusW.Close()
	if ids != nil {
		ids.started()
	}
	if err != nil {
		return Status{}, fmt.Errorf("starting %s: %w", l.Bwrap, unwrapExecError(err))
	}
	if inline {
		reports.read(statusR)
	} else {
		go reports.read(statusR)
	}
	if l.KillSession && l.Credential == nil && l.RunDir != "" {
		defer trackRun(l.RunDir, reports)()
	}
	if ids != nil {
		if err := ids.mapIDs(l.Credential.Uid); err != nil && !errors.Is(err, errNoChild) {
			kill()
			_, _ = wait() // ends the session too (KillSession)
			return Status{}, fmt.Errorf("mapping the sandbox's user ids: %w", err)
		}
	}

	var timedOut atomic.Bool
	if l.Limits.Timeout > 0 {
		timer := time.AfterFunc(l.Limits.Timeout, func() {
			timedOut.Store(true)
			kill()
		})
		defer timer.Stop()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	if ctx.Done() != nil {
		// Only when there is a context: a goroutine, and the thread that
		// may wake for it, cost every launch.
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-ctx.Done():
				kill()
			case <-done:
			}
		}()
	}
	bwrapExit, waitErr := wait()
	close(done)
	wg.Wait()
	exit, ran := reports.result()
	if l.KillSession && l.Tracer != nil {
		leftover = l.endSession(reports)
	}
	st.StdoutTruncated, st.StderrTruncated = stdout.wasTruncated(), stderr.wasTruncated()
	switch {
	case leftover != nil:
		// The run is not over while its processes live on: say so,
		// whatever else happened.
		return st, leftover
	case timedOut.Load():
		st.TimedOut, st.ExitCode = true, ExitTimedOut
		return st, nil
	case overflowed.Load():
		st.Overflowed, st.ExitCode = true, 128+int(unix.SIGKILL)
		return st, nil
	case ctx.Err() != nil:
		return st, ctx.Err()
	case ran:
		st.ExitCode = exit
		return st, nil
	case waitErr != nil:
		return st, waitErr
	case l.StatusUnreported && reports.sandboxStarted() && bwrapExit >= 0:
		st.ExitCode = bwrapExit
		return st, nil
	}
	return st, &SetupError{ExitCode: bwrapExit}
}

// statusPipe makes the pipe of bwrap's reports. Read inline, its read
// end blocks in read(2) on this goroutine's thread, which the kernel
// wakes when bwrap writes: through Go's poller each report took a wake-up
// of the poller's thread and then of this one (locked to it, see Run).
// Read by a goroutine, the poller lets Run's end close it under a reader
// still waiting for a process left behind.
func statusPipe(inline bool) (r, w *os.File, err error) {
	if !inline {
		return os.Pipe()
	}
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, os.NewSyscallError("pipe2", err)
	}
	return os.NewFile(uintptr(fds[0]), "|0"), os.NewFile(uintptr(fds[1]), "|1"), nil
}

// endSession kills what the run left in the host's PID namespace (see
// KillSession), once bwrap is gone: a *LeftoverError when something
// survived.
func (l *Launch) endSession(reports *statusReports) error {
	if !l.KillSession {
		return nil
	}
	uid := uint32(os.Getuid())
	if l.Credential != nil {
		uid = l.Credential.Uid
	}
	sid := reports.sessionID(100 * time.Millisecond)
	if left := killSession(sid, uid, sessionKillBudget); len(left) > 0 {
		return &LeftoverError{Session: sid, PIDs: left}
	}
	return nil
}

// restoreFlags records the file status flags of the streams that are
// files, and the terminal settings of those that are terminals, and
// returns a function that sets them back: a command that ran `stty
// -echo` (a hostile review did) must not leave the caller's terminal
// so. It goes through SyscallConn: File.Fd would itself switch the file
// to blocking mode.
func restoreFlags(streams ...any) func() {
	type saved struct {
		conn  syscall.RawConn
		flags int
		tty   *unix.Termios // nil: not a terminal
	}
	var all []saved
	for _, s := range streams {
		f, ok := s.(*os.File)
		if !ok || f == nil {
			continue
		}
		conn, err := f.SyscallConn()
		if err != nil {
			continue
		}
		sv := saved{conn: conn, flags: -1}
		var ferr error
		if err := conn.Control(func(fd uintptr) {
			sv.flags, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0)
			if t, err := unix.IoctlGetTermios(int(fd), unix.TCGETS); err == nil {
				sv.tty = t
			}
		}); err == nil && ferr == nil {
			all = append(all, sv)
		}
	}
	return func() {
		for _, s := range all {
			s.conn.Control(func(fd uintptr) {
				if now, err := unix.FcntlInt(fd, unix.F_GETFL, 0); err == nil && now != s.flags {
					unix.FcntlInt(fd, unix.F_SETFL, s.flags)
				}
				if s.tty == nil {
					return
				}
				if now, err := unix.IoctlGetTermios(int(fd), unix.TCGETS); err == nil && *now != *s.tty {
					unix.IoctlSetTermios(int(fd), unix.TCSETS, s.tty)
				}
			})
		}
	}
}

// limitWriter passes on at most left bytes, then drops the rest while
// reporting success, so that the command runs on undisturbed.
type limitWriter struct {
	dst        io.Writer
	left       int64
	truncated  atomic.Bool
	onOverflow func()
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) <= w.left {
		w.left -= int64(len(p))
		return w.dst.Write(p)
	}
	if w.left > 0 {
		if _, err := w.dst.Write(p[:w.left]); err != nil {
			return 0, err
		}
		w.left = 0
	}
	if !w.truncated.Swap(true) {
		w.onOverflow()
	}
	return len(p), nil
}

// limit wraps w when max > 0. Without a limit w goes to bwrap as is: an
// *os.File becomes the command's own descriptor, with no copying.
func limit(w io.Writer, max int64, onOverflow func()) (io.Writer, *limitWriter) {
	if max <= 0 {
		return w, nil
	}
	if w == nil {
		w = io.Discard
	}
	lw := &limitWriter{dst: w, left: max, onOverflow: onOverflow}
	return lw, lw
}

func (w *limitWriter) wasTruncated() bool { return w != nil && w.truncated.Load() }

// statusReports collects what bwrap writes on --json-status-fd.
type statusReports struct {
	mu       sync.Mutex
	childPID int
	// childFD is a pidfd for the sandbox's process 1, opened as soon as
	// its pid is known: signals go through it, so that they can never
	// reach another process that reused the pid. -1 until then.
	childFD  int
	exitCode int
	exited   bool
	done     chan struct{}
	// ended is set when read has returned; pending are the signals
	// forward held until bwrap reported the sandbox's pid, which deliver
	// passes on.
	ended   bool
	pending []syscall.Signal
	deliver func(syscall.Signal)
}

// forward passes sig on to the command once bwrap has reported the
// sandbox's pid, holding it until then: signalled before that, bwrap
// itself would get it, and could die while its child lives on. A signal
// held when bwrap ends without a report is dropped: there was no
// command to get it.
func (s *statusReports) forward(sig syscall.Signal) {
	s.mu.Lock()
	if s.childPID == 0 && !s.ended {
		s.pending = append(s.pending, sig)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	if s.deliver != nil {
		s.deliver(sig)
	}
}

func newStatusReports() *statusReports {
	return &statusReports{childFD: -1, done: make(chan struct{})}
}

// close releases the pidfd once the run is over.
func (s *statusReports) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.childFD >= 0 {
		unix.Close(s.childFD)
		s.childFD = -1
	}
}

// read decodes bwrap's reports until the pipe closes, or until what
// comes is not a JSON object.
//
// bwrap writes a few small objects ({"child-pid": N, "cgroup-namespace":
// N, ...} and {"exit-code": N}). They are cut out of the stream by their
// braces and read by report, which falls back to encoding/json for
// anything but plain keys and integers: a json.Decoder here grew the
// reading goroutine's stack three times over at every launch.
func (s *statusReports) read(r io.Reader) {
	defer close(s.done)
	defer func() {
		s.mu.Lock()
		s.ended, s.pending = true, nil
		s.mu.Unlock()
	}()
	var buf []byte
	chunk := make([]byte, 512)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for {
			obj, rest, state := nextObject(buf)
			if state == objectBad {
				return
			}
			if state == objectIncomplete {
				break
			}
			buf = rest
			var m struct {
				ChildPID *int `json:"child-pid"`
				ExitCode *int `json:"exit-code"`
			}
			if !report(obj, &m.ChildPID, &m.ExitCode) && json.Unmarshal(obj, &m) != nil {
				return
			}
			s.mu.Lock()
			var held []syscall.Signal
			if m.ChildPID != nil {
				s.childPID = *m.ChildPID
				if fd, err := unix.PidfdOpen(s.childPID, 0); err == nil {
					s.childFD = fd
				}
				held, s.pending = s.pending, nil
			}
			if m.ExitCode != nil {
				s.exitCode, s.exited = *m.ExitCode, true
			}
			s.mu.Unlock()
			for _, sig := range held {
				s.deliver(sig)
			}
		}
		if err != nil {
			return
		}
	}
}

const (
	objectComplete = iota
	objectIncomplete
	objectBad
)

// nextObject cuts the first JSON object out of buf, after white space:
// from its brace to the matching one, braces inside strings skipped.
func nextObject(buf []byte) (obj, rest []byte, state int) {
	i := 0
	for i < len(buf) && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r') {
		i++
	}
	if i == len(buf) {
		return nil, buf[i:], objectIncomplete
	}
	if buf[i] != '{' {
		return nil, nil, objectBad
	}
	depth, inString := 0, false
	for j := i; j < len(buf); j++ {
		c := buf[j]
		switch {
		case inString && c == '\\':
			j++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return buf[i : j+1], buf[j+1:], objectComplete
			}
		}
	}
	return nil, buf, objectIncomplete
}

// report reads an object of plain keys (no escapes) and integer values
// into pid and code ("child-pid", "exit-code"; others are skipped), as
// encoding/json would. It returns false, having set nothing, for any
// other shape.
func report(obj []byte, pid, code **int) bool {
	var gotPID, gotCode *int
	i := 1 // past '{'
	space := func() {
		for i < len(obj) && (obj[i] == ' ' || obj[i] == '\t' || obj[i] == '\n' || obj[i] == '\r') {
			i++
		}
	}
	space()
	if i < len(obj) && obj[i] == '}' {
		return i == len(obj)-1
	}
	for {
		space()
		if i >= len(obj) || obj[i] != '"' {
			return false
		}
		j := i + 1
		for j < len(obj) && obj[j] != '"' && obj[j] != '\\' {
			j++
		}
		if j >= len(obj) || obj[j] != '"' {
			return false
		}
		key := string(obj[i+1 : j])
		i = j + 1
		space()
		if i >= len(obj) || obj[i] != ':' {
			return false
		}
		i++
		space()
		start := i
		if i < len(obj) && obj[i] == '-' {
			i++
		}
		digits := i
		for i < len(obj) && obj[i] >= '0' && obj[i] <= '9' {
			i++
		}
		// JSON's integers: no leading zero, no fraction or exponent
		// (those, and the values too large for an int, go to
		// encoding/json).
		if i == digits || (obj[digits] == '0' && i > digits+1) || i-digits > 18 {
			return false
		}
		n, err := strconv.Atoi(string(obj[start:i]))
		if err != nil {
			return false
		}
		switch key {
		case "child-pid":
			gotPID = &n
		case "exit-code":
			gotCode = &n
		}
		space()
		if i < len(obj) && obj[i] == ',' {
			i++
			continue
		}
		if i == len(obj)-1 && obj[i] == '}' {
			break
		}
		return false
	}
	*pid, *code = gotPID, gotCode
	return true
}

// kill ends the whole sandbox: SIGKILL to its process 1 takes every
// process of its PID namespace with it, and bwrap follows. os.Process
// signals bwrap through a pidfd of its own.
func (s *statusReports) kill(bwrap process) {
	s.mu.Lock()
	if s.childFD >= 0 && !s.exited {
		_ = unix.PidfdSendSignal(s.childFD, unix.SIGKILL, nil, 0)
	}
	s.mu.Unlock()
	_ = bwrap.Kill()
}

// sandboxStarted says whether bwrap reported the sandbox's pid: it had
// created the sandbox's process 1.
func (s *statusReports) sandboxStarted() bool {
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.childPID > 0
}

// sessionID is the session of every process of the sandbox: bwrap's
// child (the pid it reported, in the host's PID namespace when the
// sandbox shares it) calls setsid (--new-session). 0 when bwrap did not
// report it. Once bwrap has exited its reports are all in the pipe: it
// waits up to d for them to be read (not for the pipe to close, which a
// process left behind could hold open).
func (s *statusReports) sessionID(d time.Duration) int {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.done:
	case <-t.C:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.childPID
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
// its children: the command. Before the sandbox exists, bwrap gets it;
// with waitForCommand (the sandbox has a PID namespace of its own), a
// sandbox whose process 1 lives but has started no command yet is
// waited for instead, up to two seconds: bwrap signalled while it sets
// the sandbox up can die and leave its child running (review of issue
// 14), and the command would never have had the signal.
func (s *statusReports) signalCommand(bwrap process, sig syscall.Signal, waitForCommand bool) {
	sent, waiting := s.signalChildren(sig)
	if sent {
		return
	}
	if !waiting || !waitForCommand {
		_ = bwrap.Signal(sig)
		return
	}
	go func() {
		for range 1000 {
			time.Sleep(2 * time.Millisecond)
			sent, waiting := s.signalChildren(sig)
			if sent || !waiting {
				return
			}
		}
		_ = bwrap.Signal(sig)
	}()
}

// signalChildren sends sig to the children of the sandbox's process 1:
// sent says it reached one; waiting that process 1 lives, with no child
// yet to send it to.
func (s *statusReports) signalChildren(sig syscall.Signal) (sent, waiting bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// While process 1 lives (its pidfd says so), its pid is its own and
	// the children listed under it are the command's processes.
	if s.childFD < 0 || s.exited || unix.PidfdSendSignal(s.childFD, 0, nil, 0) != nil {
		return false, false
	}
	children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", s.childPID, s.childPID))
	if err != nil {
		return false, false
	}
	for _, f := range strings.Fields(string(bytes.TrimSpace(children))) {
		child, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if fd, err := unix.PidfdOpen(child, 0); err == nil {
			sent = unix.PidfdSendSignal(fd, sig, nil, 0) == nil || sent
			unix.Close(fd)
		}
	}
	return sent, !sent
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

// AddFile hands f to bwrap and returns the descriptor bwrap sees it on.
func (l *Launch) AddFile(f *os.File) int {
	l.Files = append(l.Files, f)
	return FirstFD + len(l.Files) - 1
}
