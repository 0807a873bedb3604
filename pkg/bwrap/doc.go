// Package bwrap turns a shannot profile into a bubblewrap command line.
// Running it is package launch's.
//
// [Args] is a pure function from a profile to bwrap's options; every
// sandbox it describes, whatever the profile says, has:
//
//   - --die-with-parent, so nothing of the sandbox outlives shannot;
//   - --new-session, so the command cannot push keystrokes into the
//     caller's terminal with TIOCSTI (CVE-2017-5226);
//   - --cap-drop ALL, because bwrap run by root otherwise keeps every
//     capability and a command could remount / read-write;
//   - --clearenv followed by the profile's variables, so the caller's
//     environment (tokens, agent sockets) never reaches the command;
//   - new IPC, PID, UTS and cgroup namespaces, a new network namespace
//     and user namespace unless the profile turns them off, and
//     --disable-userns so the command cannot create nested user
//     namespaces;
//   - its own /proc and /dev, with the kernel's knobs under /proc
//     ([ProcMasks]) covered read-only, then the profile's tmpfs and bind
//     mounts ordered by depth so that a deeper mount masks a shallower
//     one (by descriptor, [Options.BindFDs], when shannot runs as root);
//   - "--" before the command, so a command named like a bwrap option
//     stays a command.
//
// [View] models the sandbox's file system from the same mounts so that a
// command can be found, and checked against allowed_commands, before
// anything is launched. [Quote] renders a command line a shell reads
// back as the same words.
package bwrap
