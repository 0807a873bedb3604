//go:build integration

// Package integration runs the built bin/shannot against the real bwrap
// and the real kernel, as root and as an unprivileged user.
//
// Run it with `make test` (or `make integration`), which builds the binary
// first and passes its path in $SHANNOT_BIN. Tests skip only with a reason
// (no bwrap, not root), and never skip when $CI is set: there, a missing
// prerequisite is a failure.
package integration
