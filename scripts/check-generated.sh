#!/bin/sh
# Fails when generated files do not match what the code generates now:
#  - golden files: every package whose tests take -update has its tests
#    run with -update in a scratch copy of the tree; its testdata/ must
#    come out as it is here (no golden file rewritten or added);
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
[ "$status" -ne 0 ] || echo "check-generated: golden files and man pages are up to date"
exit "$status"
