// Package invoker decides what a hostile caller may ask of shannot.
//
// When shannot runs as root on behalf of another user (sudo, doas,
// pkexec, a setuid binary), every command, flag and hidden command is
// refused unless this package's table lists it as safe for such a
// caller: a command or flag added to the CLI later is refused under sudo
// until someone decides, here, that it is safe. The table is the whole
// policy; the CLI asks Admit before any command runs.
package invoker
