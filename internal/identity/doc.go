// Package identity chooses who a root-run sandbox is on the host.
//
// bwrap started by root maps the sandbox's uid 0 to host uid 0, and root
// without capabilities is still root: it writes most sysctls on the owner
// bits alone, reads every root-owned file with an owner-read bit, and
// bwrap itself resolves bind sources and creates mount points as root
// through symlinks a caller may control. So when shannot runs as root it
// never starts bwrap as root: it starts it as an unprivileged system user
// (DefaultUser, created by make install, the .deb and the test set-up),
// with only the supplementary groups the administrator grants for read
// access (DefaultGroups: adm for /var/log, systemd-journal for the
// journal). Inside the sandbox that user is an ordinary uid of the host.
//
// Groups that would give back what root was taken away for (root, shadow,
// disk, kmem, sudo, docker, ...) are refused, whoever configures them.
package identity
