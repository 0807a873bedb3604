// Package mcpserver serves shannot's sandbox to LLM agents over the Model
// Context Protocol (github.com/modelcontextprotocol/go-sdk), on stdio:
// the server behind `shannot mcp`.
//
// # Use
//
//	srv, err := mcpserver.New(mcpserver.Options{Profiles: profiles, Sandbox: cfg, Log: log})
//	if err != nil {
//		return err
//	}
//	return srv.Serve(ctx) // until the client goes away or ctx ends
//
// [Server.ServeStreams] serves other streams; [Server.MCP] gives the
// protocol server itself, for a transport of the caller's.
//
// # Tools
//
//   - run_command {command: [argv], profile?, timeout_s?, max_output_bytes?, stdin?, host?}:
//     the command's result ([sandbox.Report], the object of
//     `shannot run --json`) as structured content, and as readable text
//     for the model.
//   - list_profiles: each offered profile's name, description, allowed
//     commands, network on or off, seccomp, and which is the default (the
//     first of [Options.Profiles]); the hosts, if any.
//   - read_file {path, max_bytes?, profile?, host?} and
//     list_directory {path, profile?, host?}: `cat -- PATH` and
//     `ls -la -- PATH` run inside the sandbox. The server never reads the
//     host itself: the model sees what the sandbox sees.
//   - disk_usage {paths?}, memory, processes {sort_by?, limit?},
//     search_files {root, name, type?, max_depth?, max_results?},
//     grep_content {pattern, path, fixed?, ignore_case?, max_matches?},
//     journal {unit?, priority?, lines?}, each with profile? and host?:
//     one command (df, cat /proc/meminfo, ps, find, grep, journalctl) run
//     as run_command runs it, its output parsed here (parse.go: pure
//     functions, tested on captured output) into structured content with
//     an output schema, plus a short text; [RunInfo] says how it ran.
//     Without a profile, the first offered one that allows the command.
//     grep's pattern always follows "--"; find's root must be absolute.
//
// # Prompts and resources
//
// [Prompts] are twelve investigations (system-health-check ...
// monitor-service-health), each naming the shipped profile it needs and
// suggesting only calls that profile runs, as "`TOOL {arguments}`" lines;
// [PromptDef.Render] fills and checks their arguments. The resources are
// [ProfilesURI] (the listing) and ProfilesURI/NAME for each offered
// profile, also as the template shannot://profiles/{name}: the profile
// as `shannot export` prints it ([Export]), then its seccomp policy
// summarised ([PolicySummary]).
//
// # Self-test
//
// [SelfTest] is `mcp test`: it starts a server command as a client would,
// lists what it offers, runs ls / in the minimal profile and prints a
// preview.
//
// # Limits
//
// A call runs for [DefaultTimeout] and keeps [DefaultMaxOutput] bytes of
// each stream unless it asks otherwise, and may ask for at most
// [MaxTimeout] and [MaxMaxOutput]. At most [Options.MaxConcurrent]
// commands (default [DefaultMaxConcurrent]) run at once; the others wait.
// A client's cancellation kills its command's sandbox. Commands get
// /dev/null as stdin, never the protocol stream (a call's stdin argument
// supplies input), and only the profile's environment, never the
// server's.
//
// # Refusals
//
// A command not allowed or not found, an unknown profile or host, a
// sandbox that cannot be set up come back as tool errors worded for a
// model: what was refused, why, and what is allowed instead; each wraps
// its cause where it has one. A timeout is a result marked as an error,
// with the output read until then.
//
// # The protocol stream
//
// The stream is read through [Transport]: a message longer than
// [MaxFrame], nested deeper than [MaxDepth], not JSON or not one JSON-RPC
// message is answered with a JSON-RPC error and skipped, and the session
// goes on. Logs go to [Options.Log] (shannot: stderr), never to stdout.
//
// # Remote hosts and auditing
//
// With [Options.Hosts], commands run on those hosts through
// [Options.Remote] instead of this machine. [Options.Audit], when set, is
// told of every local run before the command starts and when it ends;
// when the session's context ends, the runs still in flight are killed
// and audited before [Server.ServeStreams] returns.
//
// # See also
//
// Package clientconfig (internal/mcpserver/clientconfig) writes the entry
// that makes a client start this server (`shannot mcp install`).
// docs/mcp.md is the user's documentation.
package mcpserver
