#!/bin/sh
# Finds, or fetches, a Go that can build shannot: the one on $PATH when it
# is at least what go.mod asks for, else the release pinned below, taken
# from the Go module proxy as the golang.org/toolchain module (what the go
# command itself does with GOTOOLCHAIN) and unpacked in bin/go-toolchain/.
# This is how `make demo` works on a Debian 12 whose golang-go is 1.19, or
# on a host with no Go at all.
#
#   go-toolchain.sh [path]   print the go command to use; never downloads.
#                            With none at hand, it prints a command that
#                            says so and fails (the Makefile's GO).
#   go-toolchain.sh install  fetch and unpack the pinned Go, when needed.
#   go-toolchain.sh fetches  exit 0 when install would download, else 1.
#   go-toolchain.sh missing  explain what is missing, and fail.
#
# The download is checked against the module's go.sum hash (h1:, pinned
# here as go.sum pins it, so the proxy's word is not taken alone), then the
# unpacked go must report its version. $GOPROXY's first URL is used when
# set. Downloads need curl or wget, and unzip.
set -eu

# The release fetched, and its golang.org/toolchain hashes as the checksum
# database records them. To move the pin: change the version and take each
# h1: from the database's lookup of
# golang.org/toolchain@v0.0.1-goX.Y.Z.linux-ARCH (through the proxy:
# $GOPROXY/sumdb/sum.golang.org/lookup/...).
pin=go1.26.8
h1_amd64=ZOmGe1OnfREDMIdb1Qi4G9JSuDPBLGExZMQ4nis1RXM=
h1_arm64=sYL/O6MqS68ML0kjsQ36WoYIpJqkw60TxizWUYUKQMc=

root=$(cd "$(dirname "$0")/.." && pwd)
cache=$root/bin/go-toolchain

die() {
	echo "go-toolchain: $*" >&2
	exit 1
}

# The least Go that go.mod accepts: its toolchain line, else its go line.
need=$(sed -n 's/^toolchain go\([0-9][^ ]*\).*/\1/p' "$root/go.mod")
[ -n "$need" ] || need=$(sed -n 's/^go \([0-9][^ ]*\).*/\1/p' "$root/go.mod")
[ -n "$need" ] || die "no go line in $root/go.mod"

# atleast A B: version A (1.26.8, 1.26rc1, 1.26) is B or later. A release
# candidate comes before the .0 release, as in Go's own ordering.
atleast() {
	awk -v a="$1" -v b="$2" '
	function part(v, i,   f, n) {
		n = split(v, f, ".")
		if (i > n) return (i == 3 && f[2] ~ /[a-z]/) ? -1 : 0
		if (i == 2 && f[2] ~ /[a-z]/) return f[2] + 0
		return f[i] + 0
	}
	BEGIN {
		for (i = 1; i <= 3; i++) {
			x = part(a, i); y = part(b, i)
			if (x != y) exit !(x > y)
		}
		exit 0
	}'
}

# version GO: the version GO reports (1.26.8), or nothing. Run outside the
# module, with GOTOOLCHAIN=local, so that a go of 1.21 or later neither
# refuses go.mod nor switches to another toolchain by itself.
version() {
	v=$(cd / && GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null) || return 0
	v=${v%% *}
	echo "${v#go}"
}

case $(uname -m) in
x86_64 | amd64) arch=amd64 h1=$h1_amd64 ;;
aarch64 | arm64) arch=arm64 h1=$h1_arm64 ;;
*) arch=$(uname -m) h1= ;;
esac
module=v0.0.1-$pin.linux-$arch
dir=$cache/$pin.linux-$arch
pinned=$dir/bin/go

# found: the go to use, or nothing.
found() {
	if sys=$(command -v go 2>/dev/null) && v=$(version "$sys") && [ -n "$v" ] && atleast "$v" "$need"; then
		echo "$sys"
	elif [ -x "$pinned" ] && [ "$(version "$pinned")" = "${pin#go}" ]; then
		echo "$pinned"
	fi
}

install() {
	[ -z "$(found)" ] || return 0
	atleast "${pin#go}" "$need" || die "go.mod needs Go $need, newer than the $pin pinned in $0: move the pin"
	[ -n "$h1" ] || die "no Go release pinned for $(uname -m) in $0; install Go $need or later (https://go.dev/dl)"
	command -v unzip >/dev/null 2>&1 || die "unzip is needed to unpack Go (apt-get install unzip)"

	proxy=${GOPROXY:-https://proxy.golang.org}
	proxy=${proxy%%[,|]*}
	case $proxy in
	http://* | https://*) ;;
	*) die "GOPROXY=$GOPROXY names no proxy to fetch $pin from; install Go $need or later" ;;
	esac
	url=${proxy%/}/golang.org/toolchain/@v/$module.zip

	mkdir -p "$cache"
	# A module of its own, so that ./... in shannot's module leaves the Go
	# tree out (its test/ and misc/ hold packages of their own).
	printf 'module go-toolchain\n' >"$cache/go.mod"
	tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "go-toolchain: $(found_text); fetching $pin ($module) from $proxy" >&2
	if command -v curl >/dev/null 2>&1; then
		curl -fsSL --retry 3 -o "$tmp/go.zip" "$url" || die "downloading $url failed"
	elif command -v wget >/dev/null 2>&1; then
		wget -q --tries=3 -O "$tmp/go.zip" "$url" || die "downloading $url failed"
	else
		die "curl or wget is needed to download Go (apt-get install curl)"
	fi
	(cd "$tmp" && unzip -q go.zip -d tree) || die "unpacking $url failed"
	rm "$tmp/go.zip"

	# go.sum's h1: the SHA-256 of the lines "SHA256  NAME" of every file
	# of the module zip, sorted by name (golang.org/x/mod/sumdb/dirhash).
	got=$(cd "$tmp/tree" && find golang.org -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
	want=$(printf %s "$h1" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	[ "$got" = "$want" ] || die "$url does not match its pinned hash h1:$h1; nothing was installed"

	src=$tmp/tree/golang.org/toolchain@$module
	# Module zips keep no file modes: make the commands executable, as the
	# go command does when it switches toolchains.
	find "$src/bin" "$src/pkg/tool" -type f -exec chmod 0755 {} +
	[ "$(version "$src/bin/go")" = "${pin#go}" ] || die "the unpacked $src/bin/go does not run as $pin"
	rm -rf "$dir"
	mv "$src" "$dir"
	echo "go-toolchain: $pin unpacked in ${dir#"$root"/}" >&2
}

found_text() {
	if sys=$(command -v go 2>/dev/null); then
		echo "$sys is go$(version "$sys"), and shannot needs Go $need or later"
	else
		echo "no go on \$PATH, and shannot needs Go $need or later"
	fi
}

case ${1:-path} in
path)
	go=$(found)
	if [ -n "$go" ]; then
		echo "$go"
	else
		echo "$root/scripts/go-toolchain.sh missing"
	fi
	;;
install) install ;;
fetches) [ -z "$(found)" ] ;;
missing) die "$(found_text): run ./scripts/setup.sh (make setup) to fetch $pin into bin/go-toolchain" ;;
*) die "usage: $0 [path|install|fetches|missing]" ;;
esac
