package seccomp

import "errors"

// What compiling declares in every build. Compiling itself (Compile,
// LibraryVersion) is libseccomp's, behind cgo in compile_cgo.go;
// compile_nocgo.go stands in for it without cgo, returning
// ErrNoLibseccomp. A shannot built without cgo compiles through the
// shannot-seccomp helper instead ([Helper]); naming and numbering system
// calls needs no libseccomp (syscalls.go).

// ErrNoLibseccomp is returned by Filter.Compile when this binary was
// built without cgo: a JSON policy is then compiled by shannot-seccomp
// ([Helper], given as Options.Compiler), or not at all. Never returned
// in a cgo build.
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
	// Library is the version of the libseccomp that compiled it.
	Library string
}

// inProcess is libseccomp linked into this binary, as a Compiler.
type inProcess struct{}

func (inProcess) Identity() (string, error) { return "libseccomp " + LibraryVersion(), nil }

func (inProcess) Compile(f *Filter, strict bool) (*Compiled, error) { return f.Compile(strict) }

// compiler is opts' Compiler, or libseccomp in this process.
func (opts Options) compiler() Compiler {
	if opts.Compiler != nil {
		return opts.Compiler
	}
	return inProcess{}
}
