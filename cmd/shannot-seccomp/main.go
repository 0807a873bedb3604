//go:build cgo

// Command shannot-seccomp compiles seccomp filters with libseccomp for
// shannot, which is built without cgo so that a launch loads no dynamic
// library (issue 14). shannot finds it beside itself or in
// $(PREFIX)/libexec/shannot (under sudo never through the caller's
// PATH: see internal/companion), runs it on a cache miss and for
// `shannot seccomp compile`, and checks what it answers as it checks its
// cache (the program's digest, then seccomp.CheckBPF).
//
// It reads one JSON request on standard input (a filter resolved by
// shannot: pkg/seccomp's Filter) and writes one JSON answer on standard
// output: the program, or the error in one line. It takes no options
// but -version, which prints the libseccomp version it is linked with.
// It is not meant to be run by hand.
package main

import (
	"fmt"
	"os"

	"github.com/shannot-project/shannot/pkg/seccomp"
)

func main() {
	switch {
	case len(os.Args) == 2 && (os.Args[1] == "-version" || os.Args[1] == "--version"):
		fmt.Println(seccomp.LibraryVersion())
		return
	case len(os.Args) > 1:
		fmt.Fprintf(os.Stderr, "%s: no arguments but -version; it reads a filter from shannot on standard input\n", seccomp.HelperName)
		os.Exit(2)
	}
	if err := seccomp.ServeHelper(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", seccomp.HelperName, err)
		os.Exit(1)
	}
}
