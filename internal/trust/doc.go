// Package trust opens files that decide what a sandbox is — profiles,
// seccomp policies and filters, cached programs — only when nobody but
// root could have written or replaced them, as OpenSSH's StrictModes
// does for authorized_keys.
//
// A path is trusted when the file and every directory above it, along
// the path as given and along the path its symlinks lead to, are owned
// by root and writable by neither group nor others, and every symlink on
// the way is owned by root. The file is checked again through the open
// descriptor (fstat), so what was checked is what is read.
//
// The file must also be readable by everyone, and its directories
// searchable: what shannot reads as root for a caller it then shows them
// (in error messages, disassemblies, exports), so it only reads what the
// caller could read anyway. /etc/shadow is root's and trusted, but not
// for this.
package trust
