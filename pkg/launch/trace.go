package launch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/shannot-project/shannot/internal/systrace"
)

// startTraced starts what cmd describes (path, argv, environment,
// directory, descriptors, SysProcAttr) under the tracer instead of
// through cmd.Start, and returns bwrap's process, for signals, and a
// wait that returns bwrap's exit status (-1 when a signal ended it) once
// the tracer is done and the command's output has been copied.
//
// os/exec cannot be used: the tracer must be the thread that forked
// bwrap, and it reaps every child itself (wait4 on -1), cmd.Wait's
// included. So the plumbing os/exec does is done here: a stream that is
// an *os.File is handed over as it is, any other gets a pipe and a
// goroutine copying it, nil is /dev/null.
func startTraced(cmd *exec.Cmd, t *systrace.Tracer) (*os.Process, func() (int, error), error) {
	var (
		closeAfterStart []*os.File // the child's ends, ours to close once it runs
		closeOnFail     []*os.File // our ends
		copies          sync.WaitGroup
		copyErr         error
		copyMu          sync.Mutex
	)
	fail := func(err error) (*os.Process, func() (int, error), error) {
		for _, f := range append(closeAfterStart, closeOnFail...) {
			f.Close()
		}
		return nil, nil, err
	}
	noteErr := func(err error) {
		if err != nil {
			copyMu.Lock()
			copyErr = errors.Join(copyErr, err)
			copyMu.Unlock()
		}
	}
	devNull := func(flag int) (*os.File, error) {
		f, err := os.OpenFile(os.DevNull, flag, 0)
		if err == nil {
			closeAfterStart = append(closeAfterStart, f)
		}
		return f, err
	}
	var files []uintptr
	// stdin
	switch in := cmd.Stdin.(type) {
	case nil:
		f, err := devNull(os.O_RDONLY)
		if err != nil {
			return fail(err)
		}
		files = append(files, f.Fd())
	case *os.File:
		files = append(files, in.Fd())
	default:
		r, w, err := os.Pipe()
		if err != nil {
			return fail(err)
		}
		closeAfterStart, closeOnFail = append(closeAfterStart, r), append(closeOnFail, w)
		files = append(files, r.Fd())
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
				return fail(err)
			}
			files = append(files, f.Fd())
		case *os.File:
			files = append(files, o.Fd())
		default:
			r, w, err := os.Pipe()
			if err != nil {
				return fail(err)
			}
			closeAfterStart, closeOnFail = append(closeAfterStart, w), append(closeOnFail, r)
			files = append(files, w.Fd())
			copies.Add(1)
			go func() {
				defer copies.Done()
				_, err := io.Copy(o, r)
				r.Close()
				noteErr(err)
			}()
		}
	}
	for _, f := range cmd.ExtraFiles {
		files = append(files, f.Fd())
	}
	attr := &syscall.ProcAttr{Dir: cmd.Dir, Env: cmd.Env, Files: files, Sys: cmd.SysProcAttr}
	if attr.Env == nil {
		attr.Env = []string{}
	}

	tracer := *t
	started := make(chan int, 1)
	tracer.Started = func(pid int) {
		started <- pid
		if t.Started != nil {
			t.Started(pid)
		}
	}
	type outcome struct {
		res *systrace.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := tracer.Run(cmd.Path, cmd.Args, attr)
		done <- outcome{res, err}
	}()
	var pid int
	select {
	case pid = <-started:
	case o := <-done:
		// It never ran traced: the exec failed, or ended at once.
		if o.err == nil {
			o.err = fmt.Errorf("%s ended before it could be traced", cmd.Path)
		}
		for _, f := range closeAfterStart {
			f.Close()
		}
		copies.Wait() // the copying goroutines close our ends
		return nil, nil, o.err
	}
	for _, f := range closeAfterStart {
		f.Close()
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return fail(err)
	}
	wait := func() (int, error) {
		o := <-done
		copies.Wait()
		proc.Release()
		if o.err != nil {
			return -1, o.err
		}
		ws := o.res.Status
		if ws.Exited() {
			return ws.ExitStatus(), copyErr
		}
		return -1, copyErr
	}
	return proc, wait, nil
}
