#!/bin/sh
# Creates the unprivileged system user that a root-run shannot starts its
# sandboxes as (see internal/identity and docs/security.md), unless it
# exists. Run as root by `make install`, `make demo` and the .deb.
set -eu
user=shannot-sandbox
if getent passwd "$user" >/dev/null 2>&1; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "sandbox-user: $user does not exist; as root, run: $0" >&2
	exit 0
fi
useradd --system --user-group --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin --comment "shannot sandboxes" "$user"
echo "sandbox-user: created system user $user"
