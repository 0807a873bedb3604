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
// [Decode] turns a program into a [Program] that runs offline:
// [Program.Run] in golang.org/x/net/bpf's VM, [Program.Trace] counting
// instructions. [CheckStart] uses it to refuse filters under which no
// command can start; `shannot seccomp explain` to say what happens to a
// call; tests to check compiled programs without a kernel.
package seccomp
