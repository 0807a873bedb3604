#!/bin/sh
# Fails when generated files do not match what the code generates now:
#  - golden files: every package whose tests take -update has its tests
#    run with -update in a scratch copy of the tree; its testdata/ must
#    come out as it is here (no golden file rewritten or added);
#  - generated Go: pkg/seccomp's system call table and pkg/sandbox's
#    precompiled policies are regenerated and must come out as committed;
#  - man pages: no man page is committed (make man generates them from the
#    CLI), so they must at least render without a troff warning.
# Used by .ci/run (make check-generated); it changes nothing here.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$scratch"

status=0
# Golden files go through internal/testutil.Golden, which owns -update.
pkgs=$(grep -l 'testutil\.Golden(' $(git ls-files '*_test.go') | xargs -n1 dirname | sort -u)
[ -n "$pkgs" ] || { echo "check-generated: no test uses testutil.Golden: nothing would be checked" >&2; exit 1; }
for d in $pkgs; do
	echo "check-generated: go test ./$d -update (in a scratch copy)"
	(cd "$scratch" && $GO test -count=1 "./$d" -update >/dev/null) || {
		echo "check-generated: go test ./$d -update failed" >&2
		status=1
		continue
	}
	if ! diff -ru "$d/testdata" "$scratch/$d/testdata"; then
		echo "check-generated: $d/testdata differs from what 'go test ./$d -update' writes; run it and commit the result" >&2
		status=1
	fi
done
[ -n "$pkgs" ] || { echo "check-generated: no golden tests found" >&2; status=1; }

# Generated Go: the system call table (from libseccomp) and the shipped
# policies compiled for x86_64, regenerated in the scratch copy.
gen() { # what, files..., -- command...
	what=$1
	shift
	files=
	while [ "$1" != -- ]; do files="$files $1"; shift; done
	shift
	echo "check-generated: $what (in a scratch copy)"
	(cd "$scratch" && CGO_ENABLED=1 "$@") || { echo "check-generated: $* failed" >&2; status=1; return; }
	for f in $files; do
		if ! diff -r "$f" "$scratch/$f" >/dev/null; then
			diff -ru "$f" "$scratch/$f" | head -20
			echo "check-generated: $f differs from what '$*' writes; run go generate ./$(dirname "$f") and commit the result" >&2
			status=1
		fi
	done
}
gen "the system call table" pkg/seccomp/syscalls_table.go -- $GO run ./pkg/seccomp/internal/gensyscalls -o pkg/seccomp/syscalls_table.go
gen "the precompiled built-in policies" pkg/sandbox/precompiled.go pkg/sandbox/precompiled -- $GO run ./pkg/sandbox/internal/genbpf -dir pkg/sandbox

command -v man >/dev/null 2>&1 || { echo "check-generated: man not installed (scripts/setup.sh test installs man-db)" >&2; exit 1; }
for page in "shannot 1 shannot.1" "shannot 5 shannot-profile.5" "shannot-mcp 1 shannot-mcp.1"; do
	set -- $page
	$GO run "./cmd/$1" __man "$2" >"$scratch/$3"
	[ -s "$scratch/$3" ] || { echo "check-generated: $1 __man $2 printed nothing" >&2; status=1; }
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$scratch/$3" 2>&1 >/dev/null)
	if [ -n "$warnings" ]; then
		echo "check-generated: man page $3 renders with warnings:" >&2
		echo "$warnings" >&2
		status=1
	fi
done
[ "$status" -ne 0 ] || echo "check-generated: golden files, generated Go and man pages are up to date"
exit "$status"
