#!/bin/sh
# Installs what building and testing shannot needs on Debian or Ubuntu,
# and only what is missing. Used by `make demo`, and with "test" by
# `make test` (and so .ci/run), whose integration tests also need sudo
# and script(1). Go comes from scripts/go-toolchain.sh when the host has
# none new enough (Debian 12's golang-go is 1.19).
set -eu
cd "$(dirname "$0")/.."

need=""
command -v bwrap >/dev/null 2>&1 || need="$need bubblewrap"
command -v gcc >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
pkg-config --exists libseccomp 2>/dev/null || need="$need libseccomp-dev"
# The Go that go.mod needs: fetched below when missing; that takes curl
# (or wget), unzip and the CA certificates.
if ./scripts/go-toolchain.sh fetches; then
	command -v curl >/dev/null 2>&1 || command -v wget >/dev/null 2>&1 || need="$need curl"
	command -v unzip >/dev/null 2>&1 || need="$need unzip"
	[ -e /etc/ssl/certs/ca-certificates.crt ] || need="$need ca-certificates"
fi
# As root, the demo creates the sandbox user and the tests an unprivileged
# one, with useradd. (Not root: neither, and /usr/sbin is not on $PATH.)
if [ "$(id -u)" -eq 0 ]; then
	command -v useradd >/dev/null 2>&1 || need="$need passwd"
fi
if [ "${1:-}" = test ]; then
	command -v sudo >/dev/null 2>&1 || need="$need sudo"
	command -v script >/dev/null 2>&1 || need="$need bsdutils"
	command -v perl >/dev/null 2>&1 || need="$need perl-base"
	# The seccomp guide's own Python compiler (integration/seccomp_guide_test.go).
	/usr/bin/python3 -c 'import seccomp' 2>/dev/null || need="$need python3-seccomp"
	# seccomp learn's tests check what it learned against strace's view.
	command -v strace >/dev/null 2>&1 || need="$need strace"
	# Packaging tests: build a .deb, check it, read its man page.
	command -v dpkg-deb >/dev/null 2>&1 || need="$need dpkg-dev"
	command -v lintian >/dev/null 2>&1 || need="$need lintian"
	command -v man >/dev/null 2>&1 || need="$need man-db"
	command -v make >/dev/null 2>&1 || need="$need make"
	# Completion tests: the zsh and fish scripts.
	command -v zsh >/dev/null 2>&1 || need="$need zsh"
	command -v fish >/dev/null 2>&1 || need="$need fish"
	# Remote tests: their own sshd processes on loopback.
	[ -x /usr/sbin/sshd ] || need="$need openssh-server"
	command -v ssh >/dev/null 2>&1 || need="$need openssh-client"
	# The MCP end-to-end test: the official TypeScript SDK's client, run
	# with node; the test fetches the SDK itself (npm ci, pinned versions).
	command -v node >/dev/null 2>&1 || need="$need nodejs"
	command -v npm >/dev/null 2>&1 || need="$need npm"
fi

# wait_unlocked FILE: wait while a process holds a POSIX lock on FILE (as
# apt and dpkg lock theirs), for up to 5 minutes.
wait_unlocked() {
	inode=$(stat -c %i "$1" 2>/dev/null) || return 0
	waited=0
	while grep -q ":$inode " /proc/locks 2>/dev/null; do
		if [ "$waited" -ge 300 ]; then
			echo "setup: $1 is still locked after 5 minutes (another apt-get or dpkg?)" >&2
			return 0 # apt-get says who holds it
		fi
		[ "$waited" -gt 0 ] || echo "setup: waiting for another apt-get or dpkg to release $1 (up to 5 minutes)" >&2
		sleep 2
		waited=$((waited + 2))
	done
}

if [ -n "$need" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		as_root=""
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		as_root="sudo"
	else
		echo "setup: missing:$need" >&2
		echo "setup: run as root:  apt-get update && apt-get install -y$need" >&2
		exit 1
	fi
	echo "setup: installing:$need"
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "setup: no apt-get here; install the equivalent of:$need" >&2
		exit 1
	fi
	# Another apt or dpkg (unattended-upgrades, say) may hold the locks:
	# wait up to 5 minutes for them rather than fail. apt-get waits for
	# dpkg's with DPkg::Lock::Timeout, but not for the lists' (update).
	lock="-o DPkg::Lock::Timeout=300"
	wait_unlocked /var/lib/apt/lists/lock
	# shellcheck disable=SC2086 # word splitting of $lock and the package list is meant
	$as_root env DEBIAN_FRONTEND=noninteractive apt-get $lock update -qq
	# shellcheck disable=SC2086
	$as_root env DEBIAN_FRONTEND=noninteractive apt-get $lock install -y -qq $need >/dev/null
fi

# go.mod names the Go it needs: the host's when new enough, else the
# pinned release unpacked in bin/go-toolchain (the Makefile finds it).
./scripts/go-toolchain.sh install

# A root-run shannot starts sandboxes as an unprivileged system user; the
# demo runs as whoever runs make. (The integration tests create it when
# missing, and remove it again.)
if [ "${1:-}" != test ] && [ "$(id -u)" -eq 0 ]; then
	./scripts/sandbox-user.sh
fi
