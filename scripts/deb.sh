#!/bin/sh
# Builds dist/shannot_VERSION_ARCH.deb from a staged tree: `make install`
# into it with PREFIX=/usr, then the Debian metadata. Run by `make deb`.
set -eu
: "${VERSION:?set VERSION}"
arch=$(dpkg --print-architecture)
stage=dist/deb/shannot_${VERSION}_$arch
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"

# PIE, as Debian hardens binaries.
GOFLAGS="${GOFLAGS:-} -buildmode=pie" make --no-print-directory install DESTDIR="$stage" PREFIX=/usr VERSION="$VERSION" >/dev/null

# Debian wants compressed man pages and stripped binaries.
gzip -9n "$stage/usr/share/man/man1/shannot.1" "$stage/usr/share/man/man5/shannot-profile.5" \
	"$stage/usr/share/man/man1/shannot-mcp.1"
strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	"$stage/usr/bin/shannot" "$stage/usr/bin/shannot-mcp" "$stage/usr/libexec/shannot/shannot-seccomp" \
	"$stage/usr/libexec/shannot/shannot-init"

# /etc/shannot: the administrator's, kept across upgrades (conffiles).
install -d -m 0755 "$stage/etc/shannot/profiles"
cat > "$stage/etc/shannot/config.json" <<'JSON'
{"audit_log": ""}
JSON
chmod 0644 "$stage/etc/shannot/config.json"

doc="$stage/usr/share/doc/shannot"
install -d -m 0755 "$doc"
cat > "$doc/copyright" <<'COPYRIGHT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: shannot
Source: https://github.com/shannot-project/shannot

Files: *
Copyright: 2026 The shannot authors
License: Apache-2.0

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 can be
 found in the file /usr/share/common-licenses/Apache-2.0.
COPYRIGHT
date=$(date -R -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")
cat > "$doc/changelog" <<CHANGELOG
shannot ($VERSION) unstable; urgency=medium

  * Built from the shannot sources; see CHANGELOG.md upstream.

 -- The shannot authors <shannot-maintainers@users.noreply.github.com>  $date
CHANGELOG
gzip -9n "$doc/changelog"
chmod 0644 "$doc/copyright" "$doc/changelog.gz"

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
# libseccomp2: shannot-mcp links it dynamically (cgo), to compile the
# JSON policies of the profiles it serves.
cat > "$stage/DEBIAN/control" <<CONTROL
Package: shannot
Version: $VERSION
Architecture: $arch
Maintainer: The shannot authors <shannot-maintainers@users.noreply.github.com>
Installed-Size: $size
Depends: bubblewrap, libseccomp2 (>= 2.5), libc6, passwd
Section: admin
Priority: optional
Homepage: https://github.com/shannot-project/shannot
Description: run commands in a read-only bubblewrap sandbox
 shannot runs a command inside a read-only bubblewrap sandbox described by a
 JSON profile, so that people, scripts and LLM agents can look at a machine
 without being able to change it. It compiles OCI seccomp policies, explains
 what a filter does to a system call, is safe behind sudoers rules, and
 serves its sandbox to agents over the Model Context Protocol (shannot-mcp).
CONTROL
echo /etc/shannot/config.json > "$stage/DEBIAN/conffiles"
# The unprivileged user root-run sandboxes start as. Like other system
# users, it stays when the package is removed (it may own files).
cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ] && ! getent passwd shannot-sandbox >/dev/null; then
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "shannot sandboxes" shannot-sandbox
fi
POSTINST
chmod 0755 "$stage/DEBIAN/postinst"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort | xargs md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"
find "$stage" -type d -exec chmod 0755 {} +

dpkg-deb --root-owner-group -Zxz --build "$stage" "dist/shannot_${VERSION}_$arch.deb" >/dev/null
echo "dist/shannot_${VERSION}_$arch.deb"
