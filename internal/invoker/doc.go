// Package invoker is who called shannot and what that allows.
//
// [Detect], called once in main, tells a hostile caller (sudo, doas,
// pkexec, setuid, another user's login session) from a user's own run or
// a root login; the [Caller] it returns opens the files that decide the
// sandbox ([Caller.Opener]: only root-written ones for a hostile caller),
// searches for profiles, finds bwrap and the seccomp compiler the way
// such a caller may.
//
// When shannot runs as root on behalf of another user (sudo, doas,
// pkexec, a setuid binary), every command, flag and hidden command is
// refused unless this package's table lists it as safe for such a
// caller: a command or flag added to the CLI later is refused under sudo
// until someone decides, here, that it is safe. The table is the whole
// policy; the CLI asks Admit before any command runs.
package invoker
