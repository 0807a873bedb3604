// Package remote runs shannot's sandboxes on other hosts over the
// system's OpenSSH client, so that users' keys, agents, ~/.ssh/config,
// jump hosts and host-key checking work as they already do. It is the
// engine behind `shannot --target HOST run`, `shannot remote install`,
// `shannot remote test`, the hidden `shannot __remote` and the MCP
// server's remote hosts; the CLI only reads flags and calls it.
//
// # Targets and ssh
//
// A [Target] is [user@]host[:port] ([ParseTarget]); [ParseTargets] reads
// a comma-separated list or @FILE. [SSH] says how ssh runs (-F, -o,
// ConnectTimeout). [SSH.Argv] builds the ssh command line, a pure
// function of the target, the remote command and the user's ssh
// configuration for the host; [SSH.Command] reads that configuration
// with `ssh -G` first. BatchMode=yes and StrictHostKeyChecking=yes are
// added unless the configuration sets them (a user's accept-new or no is
// respected): nothing here asks for a password or turns host-key
// checking off. A dry run calls Argv with no configuration, as ssh -G
// would run a Match exec line's command.
//
// [SSH.Exec] runs the command with the given streams and returns its
// exit status; ssh's own failures (its exit status 255, a timeout) are
// an [*UnreachableError], and a configuration ssh -G refuses is a
// [*ConfigError].
//
// # Installing
//
// [SSH.Install] copies a shannot binary over the connection into
// ~/.cache/shannot/ under a name made of its own SHA-256 ([RemotePath]),
// checks the copy's checksum on the host before putting it in place and
// runs it once; [SSH.InstallAll] does so for each host and reports each.
//
// # Checking
//
// [SSH.Check] asks one host whether it can run this binary's sandboxes
// (`shannot remote test`): reached over ssh, the copy Install put there
// present with the local binary's SHA-256, its --version, its `doctor
// --json`; one fixed script, in which only the hex path varies. A
// [Check] says it in one line ([Check.Line]) and whether all is well
// ([Check.OK]); [SSH.CheckAll] checks hosts in parallel and prints a line
// each, in the order given.
//
// # The envelope
//
// Each run sends one [Envelope] ([NewEnvelope]): the profile exactly as
// `shannot export` prints it locally, the seccomp program exactly as
// `shannot seccomp inspect` shows it, the command and the limits,
// base64url-encoded as one word of the remote command line
// ([Envelope.CommandLine]). The remote shell never parses the command's
// arguments, so spaces, quotes, $, ;, * and newlines arrive as typed.
//
// # Receiving
//
// On the host, [Receive] checks what an envelope brings against that
// host: the profile again, its bind sources on this file system, a
// filter compiled for another architecture refused, the command looked up
// in the sandbox. It takes the sandbox configuration and the function
// that runs the sandbox from its caller, so it knows nothing of flags.
//
// # Fleets and results
//
// [Fleet.Run] runs one envelope on one host as if local (output as it
// is, the command's exit status), or on many in parallel: lines prefixed
// with the host, a summary on stderr, exit status 0 only when every host
// ran the command with status 0. Each host's outcome is a [Result]; with
// --json it is printed as one object a line, the remote's report with
// "host" and "status" added. [SSH.RunJSON] and [SSH.Call] (the MCP
// server's remote runs) read the remote's report with the same decoder.
//
// # Limits the remote may not break
//
// The remote is not trusted to keep the limits it was sent:
// [SSH.ExecCapped] passes on at most what [CapsFor] says an honest
// remote shannot sends under them, kills ssh at the first byte more and
// returns an [*OverflowError]; a report's output fields are cut to the
// limit ([CapOutput]) and flagged as truncated.
//
// See docs/remote.md for the user's side of all this.
package remote
