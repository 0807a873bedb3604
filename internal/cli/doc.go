// Package cli is shannot's command line, on urfave/cli v2: it reads
// flags, calls the pipeline in pkg/ and the engines in internal/, and
// returns errors. [Run] is the one place that prints "shannot: <error>"
// and picks the exit status (the command's own, 124 timeout, 125 shannot
// or bwrap, 126 not allowed, 127 not found).
//
// [New] builds the app from an [Env]: its streams and who called it. The
// caller decides what is allowed: internal/invoker tells a hostile
// caller (sudo, doas, pkexec, setuid, another user's login) from a root
// login, once, in main; guard.go makes every command at every depth ask internal/invoker's
// table before it runs under such a caller, and rootrun.go starts
// sandboxes as the unprivileged identity whenever shannot is root. The
// package holds no mutable state of its own: what a command needs of the
// caller it reads from its context (callerOf).
//
// One file per command, each its flags and wiring: run.go (with
// runresult.go, the result shared with a remote run's receiving end),
// export.go, verify.go and probe.go, profilecmd.go, seccompcmd.go and a
// file per seccomp subcommand (seccompcompile.go, seccompinspect.go,
// seccompexplain.go, learn.go and learnrun.go), doctor.go, mcpcmd.go,
// remotecmd.go, remoterun.go (--target), remoteexec.go (the receiving
// end), completion.go and complete.go, and man.go (the man pages, in
// builds without the urfave_cli_no_docs tag). Shared by the commands:
// flags.go (every flag's name, spelt once), sandboxcfg.go (the profile
// and the sandbox's configuration from the flags), audit.go,
// version.go, implicitrun.go, companion.go (shannot-mcp's app on this
// CLI). The engines are elsewhere: internal/traced (explain, learn),
// internal/remote, internal/verify, internal/doctor, pkg/.
package cli
