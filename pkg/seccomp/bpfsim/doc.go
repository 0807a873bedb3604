// Package bpfsim runs seccomp's classic-BPF programs offline, with the
// kernel's semantics, in pure Go: no libseccomp, no cgo, no kernel.
//
// bwrap's --seccomp FD reads an array of 8-byte struct sock_filter
// instructions. [Decode] turns one into a [Program]. It accepts exactly
// what the kernel accepts as a seccomp filter (the checks of
// bpf_check_classic and seccomp_check_filter: only aligned 32-bit loads
// inside struct seccomp_data, no constant shift of 32 or more, jumps
// inside the program, a return last, no scratch slot read before it is
// stored...) and refuses the rest, naming the instruction.
// [Program.Run] and [Program.Trace] (which also counts instructions) then
// run it on a [Call] with the kernel's semantics, not
// golang.org/x/net/bpf's VM's: a shift by X uses the low 5 bits of X, a
// division by an X of 0 makes the program return 0, "len" is 64. A test
// runs random programs under the real kernel and compares.
//
// On top of the simulator: [Program.Disassemble] and [Listing] (with the
// call names a caller's table gives), [Program.Architectures] and
// [Program.Paths] (instructions per call), [CheckStart] and [Hazards]
// (the calls every command needs to start, and those whose denial breaks
// some), [DeniesStatusWrite], and [Instrument], which rewrites a program
// so that the actions worth knowing about reach a tracer
// (internal/systrace). The architectures modelled are the little-endian
// ones ([ArchNames]): programs and struct seccomp_data are read as
// little-endian.
//
// pkg/seccomp, which compiles OCI policies into such programs, imports
// this package and exports its types under its own names.
package bpfsim
