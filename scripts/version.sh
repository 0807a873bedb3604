#!/bin/sh
# Prints shannot's version from git, in a form Debian accepts:
# tag v1.2.3 -> 1.2.3; 4 commits later -> 1.2.3+4.gabcdef0; no tag -> 0.0~git42.abcdef0.
set -eu
if d=$(git describe --tags --match 'v[0-9]*' 2>/dev/null); then
	echo "$d" | sed -e 's/^v//' -e 's/-\([0-9]*\)-g\([0-9a-f]*\)$/+\1.g\2/'
elif h=$(git rev-parse --short HEAD 2>/dev/null); then
	echo "0.0~git$(git rev-list --count HEAD).$h"
else
	echo "0.0~unknown"
fi
