package seccomp

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/shannot-project/shannot/internal/capread"
)

// Loaded is a filter ready to hand to bwrap.
type Loaded struct {
	// File holds the program, positioned at its start: the BPF file
	// itself, or a sealed memfd for a compiled policy.
	File    *os.File
	Program []byte
	Source  string // the file, or the name of the embedded policy
	SHA256  string // of the source's bytes
	Policy  bool   // compiled from an OCI JSON policy
	Cached  bool   // taken from the cache instead of compiled
	// Precompiled is a shipped policy compiled when shannot was built.
	Precompiled bool
	Unknown     []string
	// Library is the libseccomp that compiled a policy ("" for a BPF
	// file).
	Library string
	// Warnings are one line each, naming the policy and the JSON pointer
	// of a rule that may not do what it says (see Filter.Warnings).
	Warnings []string

	// Decoding a program checks it as the kernel would and disassembles
	// it: about 0.8 million instructions for the shipped readonly
	// policy, which a launch asked for four times. Decoded does it once
	// for the Program it was given.
	decoded   *Program
	decodeErr error
	decodedOf []byte
}

// Close releases the filter's file.
func (l *Loaded) Close() error { return l.File.Close() }

// Decoded is Decode(l.Program), worked out at the first call and again
// only when Program has been replaced. The program returned is shared:
// its users only read it.
func (l *Loaded) Decoded() (*Program, error) {
	if l.decodedOf == nil || !sameSlice(l.decodedOf, l.Program) {
		l.decoded, l.decodeErr = Decode(l.Program)
		l.decodedOf = l.Program
	}
	return l.decoded, l.decodeErr
}

// sameSlice says whether a and b are the same bytes in memory.
func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// Options control how a filter is read and a policy compiled.
type Options struct {
	Strict bool   // unknown call names are errors
	Cache  *Cache // nil: always compile
	Host   Host
	Open   capread.Opener // opens filter files; nil: capread.Open
	// Compiler compiles JSON policies on a cache miss; nil: libseccomp
	// in this process (ErrNoLibseccomp without cgo).
	Compiler Compiler
}

// Open loads the filter at path. A BPF program is checked (see CheckBPF)
// and used as is; an OCI JSON policy is compiled, or taken from the
// cache, into a sealed memfd. Nothing is written to disk but the cache.
func Open(path string, opts Options) (*Loaded, error) {
	open := opts.Open
	if open == nil {
		open = capread.Open
	}
	f, err := open(path)
	var ne *capread.NotRegularError
	if errors.As(err, &ne) {
		return nil, &Error{File: path, Msg: notRegular(ne.Kind)}
	}
	if err != nil {
		return nil, &Error{File: path, Msg: describe(err), Err: err}
	}
	data, err := readFilterFile(f)
	if err != nil {
		f.Close()
		return nil, &Error{File: path, Err: err}
	}
	if IsPolicy(data) {
		f.Close()
		return compilePolicy(path, data, opts)
	}
	if err := CheckBPF(data); err != nil {
		f.Close()
		return nil, &Error{File: path, Err: err}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, &Error{File: path, Err: err}
	}
	return &Loaded{File: f, Program: data, Source: path, SHA256: sha(data)}, nil
}

// FromBytes loads a filter held in memory (an embedded policy); name
// names it in errors.
func FromBytes(name string, data []byte, opts Options) (*Loaded, error) {
	if IsPolicy(data) {
		return compilePolicy(name, data, opts)
	}
	f, err := MemFile(name, data)
	if err != nil {
		return nil, err
	}
	return &Loaded{File: f, Program: data, Source: name, SHA256: sha(data)}, nil
}

func notRegular(kind string) string {
	return "is " + kind + ", not a regular file: give a BPF program or an OCI JSON policy"
}

// readFilterFile reads a regular file of at most MaxPolicySize bytes.
func readFilterFile(f *os.File) ([]byte, error) {
	data, err := capread.Read(f, MaxPolicySize, false)
	var ne *capread.NotRegularError
	switch {
	case errors.As(err, &ne):
		return nil, errors.New(notRegular(ne.Kind))
	case errors.Is(err, capread.ErrTooLarge):
		return nil, fmt.Errorf("is larger than %d bytes, too large for a policy or a BPF program", MaxPolicySize)
	}
	return data, err
}

// CompilePolicy parses, resolves for opts.Host and compiles the policy
// in data, without the cache. name names it in errors.
func CompilePolicy(name string, data []byte, opts Options) (*Filter, *Compiled, error) {
	p, err := ParsePolicy(data, name)
	if err != nil {
		return nil, nil, err
	}
	f, err := p.Resolve(opts.Host)
	if err != nil {
		return nil, nil, &PolicyError{File: name, Err: err}
	}
	comp, err := opts.compiler().Compile(f, opts.Strict)
	if err != nil {
		var pe *PolicyError
		if errors.As(err, &pe) || errors.Is(err, ErrNoLibseccomp) {
			return nil, nil, err
		}
		return nil, nil, &PolicyError{File: name, Err: err}
	}
	return f, comp, nil
}

func compilePolicy(name string, data []byte, opts Options) (*Loaded, error) {
	id, err := opts.compiler().Identity()
	if err != nil {
		return nil, &PolicyError{File: name, Err: err}
	}
	sum := sha(data)
	key := cacheKey(sum, opts.Host, opts.Strict, id)
	l := &Loaded{Source: name, SHA256: sum, Policy: true}
	comp := opts.Cache.get(key)
	if comp != nil {
		l.Cached = true
	} else {
		if _, comp, err = CompilePolicy(name, data, opts); err != nil {
			return nil, err
		}
		// A cache that cannot be written only costs the next launch a compile.
		_ = opts.Cache.put(key, comp)
	}
	f, err := MemFile(name, comp.Program)
	if err != nil {
		return nil, err
	}
	l.File, l.Program, l.Unknown, l.Library = f, comp.Program, comp.Unknown, comp.Library
	for _, w := range comp.Warnings {
		l.Warnings = append(l.Warnings, "seccomp policy "+name+": "+w)
	}
	return l, nil
}

func sha(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}
