// Package sandbox runs one command in a profile's sandbox: it resolves
// the command inside the sandbox and checks allowed_commands, opens (and
// compiles) the seccomp filter and checks that a command can start under
// it, builds bwrap's arguments, and runs bwrap with limits on time and
// output. It is what `shannot run`, `shannot verify` and the MCP server
// share.
//
//	p, err := profile.Open(profile.Origin{Path: "readonly.json", Builtin: true}, nil)
//	if err != nil { ... }
//	sb, err := sandbox.Prepare(p, []string{"ls", "/"}, sandbox.Config{Bwrap: "/usr/bin/bwrap"})
//	if err != nil { ... } // 126 / 127, or a bad filter: *seccomp.Error, *seccomp.PolicyError
//	defer sb.Close()
//	res, err := sb.Capture(ctx, nil, launch.Limits{Timeout: 30 * time.Second, MaxOutput: 1 << 20}, false)
//
// (the package's Example). A zero [Config] field means the default: a
// JSON policy is compiled for this host ([seccomp.ThisHost]) unless
// Config.Seccomp.Host says otherwise.
//
// [Result] is the structured outcome; [Result.Report] turns it into the
// JSON object of `run --json` and the MCP tools, with binary output
// base64-encoded and flagged.
package sandbox
