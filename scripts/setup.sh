#!/bin/sh
# Installs what building and testing shannot needs on Debian or Ubuntu,
# and only what is missing. Used by `make demo`, and with "test" by
# `make test` (and so .ci/run), whose integration tests also need sudo
# and script(1).
set -eu

need=""
command -v bwrap >/dev/null 2>&1 || need="$need bubblewrap"
command -v gcc >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
pkg-config --exists libseccomp 2>/dev/null || need="$need libseccomp-dev"
command -v go >/dev/null 2>&1 || need="$need golang-go"
# Tests run commands as an unprivileged user created with useradd.
command -v useradd >/dev/null 2>&1 || need="$need passwd"
if [ "${1:-}" = test ]; then
	command -v sudo >/dev/null 2>&1 || need="$need sudo"
	command -v script >/dev/null 2>&1 || need="$need bsdutils"
	command -v perl >/dev/null 2>&1 || need="$need perl-base"
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
fi

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
	$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086 # word splitting of the package list is meant
	$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi

# go.mod names the Go it needs; Go 1.21 and later fetch it by themselves.
if ! go version >/dev/null 2>&1 || ! go list -m >/dev/null 2>&1; then
	echo "setup: this Go ($(go version 2>/dev/null || echo none)) cannot build shannot;" >&2
	echo "setup: install Go 1.21 or later (https://go.dev/doc/install, or golang-1.2x from backports)" >&2
	exit 1
fi

# A root-run shannot starts sandboxes as an unprivileged system user; the
# demo runs as whoever runs make. (The integration tests create it when
# missing, and remove it again.)
if [ "${1:-}" != test ] && [ "$(id -u)" -eq 0 ]; then
	"$(dirname "$0")/sandbox-user.sh"
fi
