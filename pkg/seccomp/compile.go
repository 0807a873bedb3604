package seccomp

import "errors"

// What compiling declares in every build. Compiling itself (Compile,
// SyscallNumber, SyscallName, LibraryVersion) is libseccomp's, behind
// cgo in compile_cgo.go; compile_nocgo.go stands in for it without cgo,
// returning ErrNoLibseccomp.

// ErrNoLibseccomp is returned by the functions that need libseccomp
// (Compile, SyscallNumber) when shannot was built without cgo; never in a
// cgo build.
var ErrNoLibseccomp = errors.New("this shannot was built without cgo, so without libseccomp: it can use .bpf filters but not compile JSON policies")

// OptimizeLevel is libseccomp's optimisation: 2 lays the rules out as a
// binary tree, which makes the program longer but the path each call
// walks through it much shorter (see docs/performance.md). It is part
// of the cache key, so it is declared without cgo too.
const OptimizeLevel = 2

// Compiled is a filter compiled to a BPF program.
type Compiled struct {
	Program []byte
	// Unknown lists the call names libseccomp does not know (too new for
	// it, or misspelt). They get the default action.
	Unknown []string
	// Warnings are the filter's (see Filter.Warnings).
	Warnings []string
	Rules    int // rules compiled, after Docker conditions
}
