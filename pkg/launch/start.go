package launch

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// process is bwrap's process, to signal: an *os.Process (a traced run's)
// or a *child (startDirect's).
type process interface {
	Signal(os.Signal) error
	Kill() error
}

// startDirect starts what cmd describes (path, argv, environment,
// directory, streams, descriptors, SysProcAttr) as cmd.Start would, and
// returns bwrap's process and a wait that returns bwrap's exit status
// (-1 when a signal ended it) once the command's output has been copied.
// afterExit, when not nil, runs once bwrap has exited and before it is
// reaped (its pid still its own).
//
// It goes through syscall.ForkExec instead of os/exec: the first
// os.StartProcess in a process forks a throw-away child to check that
// clone(CLONE_PIDFD) works (os/pidfd_linux.go), a process creation and
// a wait at every launch, and os/exec adds goroutines and a pidfd of its
// own. bwrap, unreaped, keeps its pid, so signals go to it by pid until
// wait has seen it exit.
func startDirect(cmd *exec.Cmd, afterExit func()) (process, func() (int, error), error) {
	var pl plumbing
	if err := pl.setUp(cmd); err != nil {
		return nil, nil, err
	}
	env := cmd.Env
	if env == nil {
		env = os.Environ() // as os/exec does
	}
	attr := &syscall.ProcAttr{Dir: cmd.Dir, Env: env, Files: pl.files, Sys: cmd.SysProcAttr}
	pid, err := syscall.ForkExec(cmd.Path, cmd.Args, attr)
	if err != nil {
		pl.failed()
		return nil, nil, &os.PathError{Op: "fork/exec", Path: cmd.Path, Err: err}
	}
	pl.started()
	c := &child{pid: pid}
	wait := func() (int, error) {
		var info unix.Siginfo
		for unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil) == unix.EINTR {
		}
		if afterExit != nil {
			afterExit()
		}
		c.mu.Lock()
		c.exited = true
		var ws syscall.WaitStatus
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		for err == syscall.EINTR {
			_, err = syscall.Wait4(pid, &ws, 0, nil)
		}
		c.mu.Unlock()
		copyErr := pl.wait()
		switch {
		case err != nil:
			return -1, os.NewSyscallError("wait4", err)
		case !ws.Exited():
			return -1, nil
		case ws.ExitStatus() == 0 && copyErr != nil:
			// As cmd.Wait: an output that could not be copied is the
			// run's error only when the command succeeded.
			return -1, copyErr
		}
		return ws.ExitStatus(), nil
	}
	return c, wait, nil
}

// child is a process startDirect started. Until it has been reaped its
// pid cannot be another's; exited is set, under mu, before it is.
type child struct {
	pid    int
	mu     sync.Mutex
	exited bool
}

func (c *child) Signal(sig os.Signal) error {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return errors.New("unsupported signal type")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exited {
		return os.ErrProcessDone
	}
	return syscall.Kill(c.pid, s)
}

func (c *child) Kill() error { return c.Signal(syscall.SIGKILL) }

// plumbing hands cmd's streams to a process started without os/exec, as
// os/exec would: an *os.File as it is, any other stream through a pipe
// and a goroutine copying it, nil as /dev/null; then cmd.ExtraFiles.
type plumbing struct {
	files           []uintptr
	closeAfterStart []*os.File // the child's ends, ours to close once it runs
	closeOnFail     []*os.File // our ends
	copies          sync.WaitGroup
	mu              sync.Mutex
	err             error
}

func (p *plumbing) setUp(cmd *exec.Cmd) error {
	devNull := func(flag int) (*os.File, error) {
		f, err := os.OpenFile(os.DevNull, flag, 0)
		if err == nil {
			p.closeAfterStart = append(p.closeAfterStart, f)
		}
		return f, err
	}
	switch in := cmd.Stdin.(type) {
	case nil:
		f, err := devNull(os.O_RDONLY)
		if err != nil {
			p.failed()
			return err
		}
		p.files = append(p.files, f.Fd())
	case *os.File:
		p.files = append(p.files, in.Fd())
	default:
		r, w, err := os.Pipe()
		if err != nil {
			p.failed()
			return err
		}
		p.closeAfterStart, p.closeOnFail = append(p.closeAfterStart, r), append(p.closeOnFail, w)
		p.files = append(p.files, r.Fd())
		// Not waited for: a command that never reads its input must not
		// keep the run waiting on the caller's.
		go func() {
			_, _ = io.Copy(w, in)
			w.Close()
		}()
	}
	for _, out := range []io.Writer{cmd.Stdout, cmd.Stderr} {
		switch o := out.(type) {
		case nil:
			f, err := devNull(os.O_WRONLY)
			if err != nil {
				p.failed()
				return err
			}
			p.files = append(p.files, f.Fd())
		case *os.File:
			p.files = append(p.files, o.Fd())
		default:
			r, w, err := os.Pipe()
			if err != nil {
				p.failed()
				return err
			}
			p.closeAfterStart, p.closeOnFail = append(p.closeAfterStart, w), append(p.closeOnFail, r)
			p.files = append(p.files, w.Fd())
			p.copies.Add(1)
			go func() {
				defer p.copies.Done()
				_, err := io.Copy(o, r)
				r.Close()
				if err != nil {
					p.mu.Lock()
					p.err = errors.Join(p.err, err)
					p.mu.Unlock()
				}
			}()
		}
	}
	for _, f := range cmd.ExtraFiles {
		p.files = append(p.files, f.Fd())
	}
	return nil
}

// started closes the child's ends, once it has them.
func (p *plumbing) started() {
	for _, f := range p.closeAfterStart {
		f.Close()
	}
	p.closeAfterStart = nil
}

// failed closes every end: the child never ran.
func (p *plumbing) failed() {
	for _, f := range append(p.closeAfterStart, p.closeOnFail...) {
		f.Close()
	}
	p.closeAfterStart, p.closeOnFail = nil, nil
}

// wait waits for the output to be copied and returns what failed.
func (p *plumbing) wait() error {
	p.copies.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}
