//go:build !cgo

package seccomp

// Without cgo there is no libseccomp: what needs it returns
// ErrNoLibseccomp (see compile.go for what every build declares).

// LibraryVersion is empty: there is no libseccomp in this build.
func LibraryVersion() string { return "" }

// Compile needs libseccomp: it returns ErrNoLibseccomp.
func (f *Filter) Compile(strict bool) (*Compiled, error) { return nil, ErrNoLibseccomp }

// SyscallNumber needs libseccomp: it returns ErrNoLibseccomp.
func SyscallNumber(name, arch string) (int32, error) { return 0, ErrNoLibseccomp }

// SyscallName needs libseccomp: it always returns "".
func SyscallName(nr int32, arch string) string { return "" }
