// Package remote runs shannot's sandboxes on other hosts over the
// system's OpenSSH client, so that users' keys, agents, ~/.ssh/config,
// jump hosts and host-key checking work as they already do.
//
// The remote host needs bwrap and a shannot binary, installed once by
// [Install] (`shannot remote install HOST`): the local binary is copied
// over the SSH connection into ~/.cache/shannot/ under a name made of its
// own SHA-256, and the copy's checksum is verified on the remote before
// it is put in place. Each run then sends an [Envelope] — the profile
// exactly as `shannot export` prints it locally, the seccomp program
// exactly as `shannot seccomp inspect` shows it, the command and the
// limits — base64-encoded as one argument of the remote command line. The
// remote shell never parses the command's arguments, so spaces, quotes,
// $, ;, * and newlines arrive as they were typed. The remote shannot
// checks the profile against its own host (bind sources must exist
// there) and refuses a filter compiled for another architecture.
//
// The remote is not trusted to keep the limits it was sent: [SSH.ExecCapped]
// passes on at most what [CapsFor] says an honest remote shannot sends
// under them, kills ssh at the first byte more and returns an
// [*OverflowError]; [CapOutput] cuts a --json result's output fields to
// the limit.
//
// ssh runs with BatchMode and strict host-key checking unless the user's
// own ssh configuration sets them otherwise (read with `ssh -G`); nothing
// here turns host-key checking off.
package remote
