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
// [Decode] turns a program into a [Program] that runs offline. It
// accepts exactly what the kernel accepts as a seccomp filter (the
// checks of bpf_check_classic and seccomp_check_filter: only aligned
// 32-bit loads inside struct seccomp_data, no constant shift of 32 or
// more, jumps inside the program, a return last, no scratch slot read
// before it is stored...) and refuses the rest, naming the instruction.
// [Program.Run] and [Program.Trace] (which also counts instructions)
// then run it with the kernel's semantics, not golang.org/x/net/bpf's
// VM's: a shift by X uses the low 5 bits of X, a division by an X of 0
// makes the program return 0, "len" is 64. A test runs random programs
// under the real kernel and compares. [CheckStart] uses the simulator
// to refuse filters under which no command can start; `shannot seccomp
// explain` to say what happens to a call; tests to check compiled
// programs without a kernel.
package seccomp
