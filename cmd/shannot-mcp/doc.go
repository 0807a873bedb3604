// Shannot-mcp serves shannot's read-only sandbox to LLM agents over the
// Model Context Protocol, on standard input and output.
//
// Usage:
//
//	shannot-mcp [--profile P]... [--max-concurrent N] [--target HOST,...]
//	shannot-mcp install --client claude-code|claude-desktop|codex|lmstudio|all|auto [--write] [--profile P]...
//	shannot-mcp test [--profile P]...
//	shannot mcp ARG...    (the same: shannot execs shannot-mcp ARG...)
//
// The tools are run_command, list_profiles, read_file and
// list_directory, and the structured disk_usage, memory, processes,
// search_files, grep_content and journal, each in one of the offered
// profiles' sandboxes (default: the built-in minimal and the shipped
// ones); twelve prompts and the profiles as resources
// (shannot://profiles/NAME) go with them. test starts the server as a
// client would and runs ls / in it. Logs go to standard error.
//
// For example:
//
//	$ shannot-mcp --profile diagnostics
//	$ shannot-mcp install --client claude-code --write
//	$ sudo shannot-mcp --profile diagnostics
//
// It is its own binary so that shannot, which starts sandboxes, links
// neither the MCP SDK (with net/http and TLS) nor the TOML writer of
// install: "shannot mcp" finds shannot-mcp beside itself, then in
// /usr/local/libexec/shannot, /usr/libexec/shannot, /usr/lib/shannot,
// /usr/local/bin and /usr/bin, and under sudo only a root-owned one that
// only root could have written, never through the caller's PATH.
//
// Run as root, shannot-mcp starts every sandbox as the unprivileged user
// shannot-sandbox; through sudo it takes only the flags known safe for
// the caller, and writes the audit log, as shannot does. See docs/mcp.md
// or shannot-mcp(1).
//
// This file and main.go are all of the command: the CLI lives in
// internal/mcpcli, on internal/cli.
package main
