// Command golaunch is the floor shannot is measured against: a Go
// program that does nothing but run the bwrap argv it is given.
//
//	golaunch exec  ARGV...   replaces itself with ARGV (execve)
//	golaunch spawn ARGV...   starts ARGV, waits, exits with its status
//	golaunch fork  ARGV...   the same through syscall.ForkExec and wait4,
//	                         as shannot starts bwrap (own process group,
//	                         Pdeathsig): no os/exec, whose first start
//	                         also forks a throw-away child (its pidfd
//	                         probe); the floor of a launcher that stays
//	                         bwrap's parent
//
// An argument "FD<PATH" opens PATH on descriptor FD first, as a shell
// redirection would, so that the seccomp benchmarks can hand bwrap a
// filter on --seccomp's descriptor.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: golaunch exec|spawn|fork [FD<PATH]... ARGV...")
		os.Exit(2)
	}
	mode, argv := os.Args[1], os.Args[2:]
	var extra []*os.File
	for len(argv) > 0 {
		fd, path, ok := strings.Cut(argv[0], "<")
		n, err := strconv.Atoi(fd)
		if !ok || err != nil {
			break
		}
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if mode == "exec" {
			syscall.Dup2(int(f.Fd()), n)
		} else {
			for len(extra) < n-3 {
				extra = append(extra, nil)
			}
			extra = append(extra, f)
		}
		argv = argv[1:]
	}
	switch mode {
	case "exec":
		err := syscall.Exec(argv[0], argv, []string{})
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	case "fork":
		files := []uintptr{0, 1, 2}
		for _, f := range extra {
			fd := ^uintptr(0)
			if f != nil {
				fd = f.Fd()
			}
			files = append(files, fd)
		}
		pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{Env: []string{}, Files: files,
			Sys: &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		var ws syscall.WaitStatus
		for {
			if _, err := syscall.Wait4(pid, &ws, 0, nil); err != syscall.EINTR {
				break
			}
		}
		os.Exit(ws.ExitStatus())
	case "spawn":
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = []string{}
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		cmd.ExtraFiles = extra
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				os.Exit(ee.ExitCode())
			}
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}
