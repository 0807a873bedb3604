// Package hostpath opens host paths for the binds of a root-run sandbox
// without following a symlink that anyone but root could have planted.
//
// bwrap resolves a bind source by its path, and creates missing mount
// points, with the permissions of whoever runs it. A root-owned profile
// may bind a path inside a directory a user can write (an application's
// log directory); that user could then turn the path into a symlink to a
// root-only directory between shannot's check and bwrap's mount. So a
// root-run shannot resolves every source itself, component by component
// from an open descriptor (openat with O_PATH|O_NOFOLLOW), follows a
// symlink only when the directory holding it is root's and writable by
// nobody else, and hands bwrap the descriptor it ended on (--ro-bind-fd):
// what was checked is what is mounted.
//
// Open also says whether the whole chain of directories it passed is
// root's alone (Resolved.Trusted): a mount point bwrap creates inside a
// bind is safe only below such a chain (see Below).
package hostpath
