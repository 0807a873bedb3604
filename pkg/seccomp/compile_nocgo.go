//go:build !cgo

package seccomp

// Without cgo there is no libseccomp: what needs it returns
// ErrNoLibseccomp (see compile.go for what every build declares).

// LibraryVersion is empty: there is no libseccomp in this build.
func LibraryVersion() string { return "" }

// Compile needs libseccomp: it returns ErrNoLibseccomp (see Helper for
// the compiler of a build without cgo).
func (f *Filter) Compile(strict bool) (*Compiled, error) { return nil, ErrNoLibseccomp }
