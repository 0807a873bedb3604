#!/bin/sh
# hermetic.sh COMMAND [ARG...]: runs COMMAND and fails when it changed the
# host outside the temporary directories and Go's own caches: a file
# created or modified in the system's directories (/etc, /usr, /var,
# /root, /home, /opt, ...), a user or group added or removed, a package
# installed or removed, or the work tree it runs in (git status). .ci/run
# runs `go test ./...` (no tags) through it, as root: the unit tests must
# touch nothing else. (Other directories, where other checkouts may be
# edited meanwhile, are not looked at.) $HERMETIC_IGNORE: more directories
# to leave out, space-separated. With --no-files, only users, groups and
# packages are compared: for `make test`, whose integration tests put
# files in /etc and take them away again.
set -eu
files=yes
if [ "${1:-}" = --no-files ]; then
	files=no
	shift
fi
GO=${GO:-go}

snap() {
	getent passwd | cut -d: -f1 | sort >"$1.users"
	getent group | cut -d: -f1 | sort >"$1.groups"
	dpkg-query -W -f='${Package} ${Status}\n' 2>/dev/null | sort >"$1.packages" || :
	git status --porcelain --untracked-files=all --ignored 2>/dev/null | grep -v '^!! bin/' >"$1.worktree" || :
}

state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
snap "$state/before"
touch "$state/stamp"
sleep 1 # mtimes are compared with the stamp's

status=0
ran="$*"
"$@" || status=$?

snap "$state/after"
# What the go command itself keeps: its build and module caches and
# its telemetry counters. Everything else outside /tmp is the tests'.
gocache=$($GO env GOCACHE)
gomodcache=$($GO env GOMODCACHE)
telemetry=$($GO env GOTELEMETRYDIR 2>/dev/null || :)
set -- /proc /sys /dev /run /tmp /var/tmp "$gocache" "$gomodcache" ${telemetry:+"$telemetry"}
# shellcheck disable=SC2086 # the list is split at spaces
for d in ${HERMETIC_IGNORE:-}; do set -- "$@" "$d"; done
prune="-path /proc"
for d; do prune="$prune -o -path $d"; done
roots=
for d in /etc /usr /var /opt /srv /root /home /boot /bin /sbin /lib /lib32 /lib64 /libx32; do
	[ -d "$d" ] && [ ! -L "$d" ] && roots="$roots $d"
done
# shellcheck disable=SC2086 # $roots and $prune are split into find's arguments
[ "$files" = no ] || find $roots -xdev \( $prune \) -prune -o -newer "$state/stamp" -print 2>/dev/null >"$state/changed" || :
checks="users groups packages"
[ "$files" = no ] || checks="$checks worktree"
for what in $checks; do
	if ! diff -u "$state/before.$what" "$state/after.$what" >"$state/diff"; then
		echo "hermetic: $ran changed the $what:" >&2
		cat "$state/diff" >&2
		status=1
	fi
done
if [ "$files" = yes ] && [ -s "$state/changed" ]; then
	echo "hermetic: $ran created or changed files outside its temporary directories:" >&2
	head -50 "$state/changed" >&2
	status=1
fi
if [ "$status" -eq 0 ] && [ "$files" = yes ]; then
	echo "hermetic: $ran touched nothing outside its temporary directories"
elif [ "$status" -eq 0 ]; then
	echo "hermetic: $ran left the host's users, groups and packages as they were"
fi
exit "$status"
