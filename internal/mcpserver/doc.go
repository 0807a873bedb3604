// Package mcpserver serves shannot's sandbox to LLM agents over the Model
// Context Protocol (github.com/modelcontextprotocol/go-sdk), on stdio.
//
// Tools:
//
//   - run_command {command: [argv], profile?, timeout_s?, max_output_bytes?, stdin?}:
//     the command's structured result (sandbox.Report) as structured
//     content and as readable text;
//   - list_profiles: name, description, allowed commands, network on/off;
//   - read_file {path, max_bytes?, profile?} and list_directory {path, profile?}:
//     cat and ls run inside the sandbox; the server never reads the host
//     itself.
//
// Refusals (a command not allowed or not found, a timeout) are tool
// errors worded for a model: what was refused, why, and what is allowed.
// Commands never get the server's standard input (the protocol stream)
// nor its environment. At most MaxConcurrent commands run at once; the
// others wait. Logs go to stderr, never to stdout.
//
// The protocol stream is read through [Transport]: a message longer than
// [MaxFrame], nested deeper than [MaxDepth], not JSON or not one JSON-RPC
// message is answered with a JSON-RPC error and skipped, and the session
// goes on.
package mcpserver
