// Package mcpcli is the command line of shannot-mcp, the MCP server's own
// binary: serving the sandbox over stdio ([Command]'s action) and
// "install", which prints or adds a client's configuration entry.
//
// It is built on internal/cli ([cli.RunCompanion]): who called, the
// hardening under sudo, the guard that asks internal/invoker's table
// (shannot-mcp's flags are those of "shannot mcp", its install is "mcp
// install"), the sandbox identity, the audit log, errors and exit
// statuses are shannot's own, not copies. What only the MCP server
// links — the MCP SDK with net/http and TLS, the TOML writer of
// clientconfig — is linked here and not into shannot, whose "mcp"
// command execs shannot-mcp (see internal/companion).
//
// One file per command: mcpcli.go (the app and its flags), serve.go,
// remote.go (--target), install.go, selftest.go (test); flags.go spells
// the flags' names.
package mcpcli
