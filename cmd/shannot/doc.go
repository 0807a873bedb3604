// Command shannot runs a command inside a read-only bubblewrap sandbox
// described by a JSON profile.
//
// The CLI is thin: each subcommand's file (run.go, verify.go,
// seccompcmd.go, mcpcmd.go, remotecmd.go, doctor.go, ...) reads flags,
// calls the packages under pkg/, and returns an error; main.go is the one
// place that prints "shannot: <error>" and picks the exit status (the
// command's own, 124 timeout, 125 shannot or bwrap, 126 not allowed, 127
// not found). privilege.go decides whether the caller is trusted (see
// docs/security.md). See docs/usage.md for the commands.
package main
