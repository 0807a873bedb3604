package identity

import (
	"errors"
	"fmt"
	"os/user"
	"slices"
	"strconv"
)

// DefaultUser is the account root-run sandboxes are started under.
const DefaultUser = "shannot-sandbox"

// DefaultGroups are granted when the configuration names none; those the
// host does not have are skipped.
var DefaultGroups = []string{"adm", "systemd-journal"}

// refusedGroups would hand the sandbox root's secrets or a way back to
// root: raw disks and memory, the password hashes, sudo, container
// daemons, other users' terminals.
var refusedGroups = []string{"root", "shadow", "disk", "kmem", "sudo", "wheel", "admin",
	"docker", "lxd", "libvirt", "tty", "shannot"}

// CreateHint is how an administrator creates DefaultUser.
const CreateHint = "useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin " + DefaultUser

// Identity is the host user and groups bwrap runs as.
type Identity struct {
	User   string
	UID    uint32
	GID    uint32
	Groups []uint32 // supplementary groups, beside GID
	// GroupNames are the names of Groups, in the same order.
	GroupNames []string
	// Dynamic is set for a uid leased for one run (Pool): no account
	// has it, and User is only a name for messages.
	Dynamic bool
}

// ErrNoUser is returned by Lookup when the configured user does not exist.
var ErrNoUser = errors.New("sandbox user does not exist")

// Lookup resolves the identity: user "" means DefaultUser, groups nil
// DefaultGroups (missing ones skipped); a group named explicitly must
// exist.
func Lookup(userName string, groups []string) (*Identity, error) {
	explicit := groups != nil
	if userName == "" {
		userName = DefaultUser
	}
	if !explicit {
		groups = DefaultGroups
	}
	u, err := user.Lookup(userName)
	if err != nil {
		var unknown user.UnknownUserError
		if errors.As(err, &unknown) {
			hint := "set sandbox_user in /etc/shannot/config.json to an unprivileged system user"
			if userName == DefaultUser {
				hint = "create it with: " + CreateHint + " (make install and the .deb do this)"
			}
			return nil, fmt.Errorf("shannot runs as root and starts sandboxes as user %q, but %w: %s", userName, ErrNoUser, hint)
		}
		return nil, fmt.Errorf("looking up sandbox user %q: %w", userName, err)
	}
	id := &Identity{User: userName}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("sandbox user %q: %w", userName, err)
	}
	if uid == 0 || gid == 0 {
		return nil, fmt.Errorf("sandbox user %q has uid %d and gid %d: it must be an unprivileged user, not root", userName, uid, gid)
	}
	id.UID, id.GID = uint32(uid), uint32(gid)
	if g, err := user.LookupGroupId(u.Gid); err == nil && slices.Contains(refusedGroups, g.Name) {
		return nil, fmt.Errorf("sandbox user %q has primary group %q, which gives back what root is taken away for: choose another", userName, g.Name)
	}
	for _, name := range groups {
		if slices.Contains(refusedGroups, name) {
			return nil, fmt.Errorf("sandbox_groups: group %q is refused: it gives back what root is taken away for (refused: %v)", name, refusedGroups)
		}
		g, err := user.LookupGroup(name)
		if err != nil {
			if !explicit {
				continue
			}
			return nil, fmt.Errorf("sandbox_groups: group %q: %w", name, err)
		}
		n, err := strconv.ParseUint(g.Gid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("sandbox_groups: group %q: %w", name, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("sandbox_groups: group %q has gid 0: refused", name)
		}
		if !slices.Contains(id.Groups, uint32(n)) && uint32(n) != id.GID {
			id.Groups = append(id.Groups, uint32(n))
			id.GroupNames = append(id.GroupNames, name)
		}
	}
	return id, nil
}

// String is the identity as id(1) would name it.
func (id *Identity) String() string {
	s := fmt.Sprintf("%s (uid %d, gid %d", id.User, id.UID, id.GID)
	if len(id.GroupNames) > 0 {
		s += fmt.Sprintf(", groups %v", id.GroupNames)
	}
	return s + ")"
}
