// Shannot runs a command inside a read-only bubblewrap sandbox described
// by a JSON profile, so that people, scripts and LLM agents can look at a
// machine without being able to change it.
//
// Usage:
//
//	shannot [--profile P] run [--dry-run] [--json] [--timeout D] [--] COMMAND [ARG...]
//	shannot [--profile P] COMMAND [ARG...]    (the same as run)
//	shannot [--profile P] export | verify
//	shannot profile list | validate FILE...
//	shannot seccomp compile | inspect | explain | presets
//	shannot doctor
//	shannot mcp [--profile P]... | mcp install --client C
//	shannot --target HOST[,HOST...] run COMMAND [ARG...]
//
// The profile is a path or the name of an installed or shipped one
// (minimal, readonly, diagnostics, systemd); without --profile it is
// $SHANNOT_PROFILE, ~/.config/shannot/profile.json,
// /etc/shannot/profile.json, then the built-in minimal.
//
// For example:
//
//	$ shannot --profile diagnostics run df -h
//	$ shannot run --json --timeout 10s -- cat /etc/os-release
//	$ sudo shannot --profile diagnostics run journalctl -n 50 --no-pager
//
// The exit status is the command's own; 128+N when signal N killed it;
// 124 when --timeout did; 125 when shannot or bwrap failed; 126 when the
// profile does not allow the command; 127 when it does not exist inside
// the sandbox.
//
// Run as root (through sudo, as an MCP server), shannot never gives the
// command host uid 0: bwrap starts as the unprivileged user
// shannot-sandbox, and a caller through sudo may use only the commands
// and flags known safe for them. See docs/usage.md, docs/security.md and
// docs/sudoers.md, or shannot(1).
//
// This file and main.go are all of the command: the CLI lives in
// internal/cli, the pipeline in pkg/.
package main
