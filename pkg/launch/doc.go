// Package launch runs bwrap and supervises the sandbox it makes: the
// stage after [bwrap.Args] has built the command line.
//
// [Launch.Run] starts bwrap in its own process group (a terminal's Ctrl-C
// reaches shannot, which passes it on), with a parent-death signal, as the
// [Launch.Credential] user when one is set (a root-run shannot never runs
// bwrap as root), and with the files [Launch.AddFile] hands over on
// descriptors from [FirstFD] on. It reads bwrap's --json-status-fd
// reports: bwrap reports an exit status only once the command really ran,
// which tells bwrap's own set-up failures ([SetupError]) apart from the
// command's exit 1. Signals go to the command through pidfds, never to a
// pid that may have been reused; [Limits] bound time and output, killing
// the whole sandbox through its pid 1. The caller's streams' file status
// flags are put back when the command ends, so a command that leaves a
// terminal non-blocking does not break the caller's shell.
//
// [FindBwrap] finds bwrap; [CloseInheritedFiles], called first thing in
// main, marks every inherited descriptor above 2 close-on-exec, so that
// nothing the caller left open reaches the command.
package launch
