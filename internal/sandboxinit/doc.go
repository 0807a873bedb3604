// Package sandboxinit is shannot-init, the first program of a sandbox
// that shares a view of the host (host_view): bwrap runs it in place of
// the command, it confines itself with Landlock, then execs the command.
//
// Why: a read-only mount does not stop every write. The kernel does not
// apply it to FIFOs (a line written into a FIFO of the caller's under a
// read-only bind reaches the reader on the host) nor to pathname UNIX
// sockets, and signals and abstract UNIX sockets do not go through the
// file system at all. Landlock closes those by path and by domain, but
// it forbids mounting, so it cannot be applied around bwrap: it must be
// applied inside the finished sandbox, by the sandbox's first process.
//
// What it restricts (each as far as the kernel's Landlock ABI goes; see
// Rules): every kind of write and of creation in the file system, except
// beneath the sandbox's own writable mounts (its tmpfs paths, its /dev,
// writable binds); connecting to pathname UNIX sockets outside them
// (ABI 9); TCP bind and connect (ABI 4); signals and abstract UNIX
// sockets towards any process outside the sandbox (ABI 6). Reading and
// executing are not restricted: that is the read-only bind's job.
//
// This package is the protocol between shannot and shannot-init (Args,
// Parse), internal to one version of shannot, and links nothing else:
// the Landlock code is in cmd/shannot-init, so that the launching
// binary does not carry it.
package sandboxinit
