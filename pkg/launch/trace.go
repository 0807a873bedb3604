package launch

import (
	"fmt"
	"os"
	"os/exec"
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
// included. The streams are plumbed as startDirect plumbs them.
func startTraced(cmd *exec.Cmd, t *systrace.Tracer) (process, func() (int, error), error) {
	var pl plumbing
	if err := pl.setUp(cmd); err != nil {
		return nil, nil, err
	}
	attr := &syscall.ProcAttr{Dir: cmd.Dir, Env: cmd.Env, Files: pl.files, Sys: cmd.SysProcAttr}
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
		pl.started()
		pl.wait() // the copying goroutines close our ends
		return nil, nil, o.err
	}
	pl.started()
	proc, err := os.FindProcess(pid)
	if err != nil {
		pl.failed()
		return nil, nil, err
	}
	wait := func() (int, error) {
		o := <-done
		copyErr := pl.wait()
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
