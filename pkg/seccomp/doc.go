// Package seccomp compiles, checks and explains the seccomp filters that
// bwrap installs in the sandbox.
//
// bwrap's --seccomp FD reads a raw classic-BPF program: an array of 8-byte
// struct sock_filter instructions. This package produces such programs
// from OCI runtime-spec seccomp policies (the JSON of Docker, Podman and
// runc) with libseccomp, and reads existing ones.
//
// # Policies
//
// [ParsePolicy] checks a policy and names the JSON pointer of every
// problem ([PolicyError]); [Policy.Resolve] evaluates Docker's archMap and
// includes/excludes for a [Host]; [Filter.Compile] compiles with
// libseccomp (cgo: built without cgo it returns [ErrNoLibseccomp]).
// [Open] and [FromBytes] do all of it for a file or embedded bytes, with
// a content-addressed [Cache], and return a [Loaded] filter whose File
// (the BPF file itself, or a sealed memfd) is handed to bwrap.
//
// # Simulation
//
// The simulator is package [bpfsim] (pure Go, no libseccomp): decoding
// with the kernel's checks, running and tracing with the kernel's
// semantics, disassembly, path lengths, the start check and the
// instrumentation for a tracer. This package's [Program], [Call],
// [Action], [Decode], [CheckStart] and the rest are bpfsim's under the
// names its API has always had; a policy's actions and calls are the
// simulator's.
package seccomp
