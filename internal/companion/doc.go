// Package companion finds shannot's companion binaries — shannot-mcp,
// the MCP server, and the helpers that a launch does not link (the
// seccomp compiler) — so that the binary that starts sandboxes stays
// small and one command line can still reach them all.
//
// # Where it looks
//
// [Find] looks, in this order, and takes the first candidate that is a
// regular, executable file:
//
//  1. beside the running binary (the directory of [os.Executable], which
//     on Linux is /proc/self/exe, symlinks resolved): NAME;
//  2. that directory's ../libexec/shannot/NAME, for an install under any
//     PREFIX;
//  3. the install directories in [Dirs]: /usr/local/libexec/shannot,
//     /usr/libexec/shannot, /usr/lib/shannot, /usr/local/bin, /usr/bin;
//  4. only when strict is false, the caller's PATH.
//
// # Strict
//
// strict is for a hostile caller: shannot running as root on behalf of
// someone else (sudo). Then PATH is never consulted, and a candidate is
// taken only when [trust] trusts it — the file and every directory and
// symlink on its way owned by root and writable by neither group nor
// others — so that nobody but root could have put it there or could
// replace it before it runs. A candidate that exists but fails the check
// is skipped, and named in the error when nothing is found. The path
// returned is then the one trust resolved and checked, symlinks
// followed.
//
// # Errors
//
// When nothing is found, Find returns a [*NotFoundError], one line that
// names what was searched, what was refused and why, and how to install
// the binary.
package companion
