// Package seccomp opens and checks the seccomp filters that bwrap installs
// in the sandbox.
//
// bwrap's --seccomp FD reads a raw classic-BPF program: an array of 8-byte
// struct sock_filter instructions, as libseccomp's seccomp_export_bpf
// writes it. [OpenBPF] opens such a file once, checks it (non-empty, a
// whole number of instructions, at most [MaxInstructions]) and returns the
// open file, whose descriptor is handed to bwrap. Nothing re-opens the
// path later, so the file checked is the file used.
package seccomp
