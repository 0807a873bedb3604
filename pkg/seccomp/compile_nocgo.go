//go:build !cgo

package seccomp

import "errors"

// ErrNoLibseccomp is returned by the functions that need libseccomp when
// shannot was built without cgo.
var ErrNoLibseccomp = errors.New("this shannot was built without cgo, so without libseccomp: it can use .bpf filters but not compile JSON policies")

// OptimizeLevel is libseccomp's optimisation level (see compile_cgo.go).
const OptimizeLevel = 2

// LibraryVersion is empty: there is no libseccomp in this build.
func LibraryVersion() string { return "" }

// Compiled is a filter compiled to a BPF program.
type Compiled struct {
	Program  []byte
	Unknown  []string
	Warnings []string
	Rules    int
}

// Compile needs libseccomp.
func (f *Filter) Compile(strict bool) (*Compiled, error) { return nil, ErrNoLibseccomp }

// SyscallNumber needs libseccomp.
func SyscallNumber(name, arch string) (int32, error) { return 0, ErrNoLibseccomp }

// SyscallName needs libseccomp: it always returns "".
func SyscallName(nr int32, arch string) string { return "" }
