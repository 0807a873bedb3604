#!/bin/bash
# bench/systemd-run/compare.sh: shannot's diagnostics profile against the
# transient unit an operator would otherwise reach for (issue 12),
#
#   systemd-run -p ProtectSystem=strict -p ProtectHome=read-only -p PrivateTmp=yes \
#       -p NoNewPrivileges=yes -p CapabilityBoundingSet= ...
#
# measured with the same probes (probe.py, beside this script: one line
# per probe, what happened and its errno) on both sides. Not part of
# make test or CI. Run as root on Debian 12 (bookworm, amd64), from the
# repository or with SHANNOT_BIN set:
#
#   bench/systemd-run/compare.sh            # prints the table at the end
#
# What it does, and what it undoes:
#  - installs, with apt-get --no-install-recommends, whichever of
#    systemd-container (pinned to the installed systemd's version, so the
#    host's systemd is not upgraded with it) and debootstrap are missing,
#    and purges at the end exactly the packages that apt's plan for that
#    install named (on Debian 12 with systemd installed: those two, no
#    dependencies); a plan that would upgrade a package is refused;
#  - debootstraps a minimal bookworm (systemd, dbus, iproute2, procps,
#    python3, bubblewrap, libnss-systemd for DynamicUser's names) into
#    $WORK/root (about 330 MB) and boots it with systemd-nspawn -b
#    --private-network, its /proc/sys and /sys writable
#    (SYSTEMD_NSPAWN_API_VFS_WRITABLE=yes) as on a host that boots
#    systemd; the host's PID 1 need not be systemd. Inside it a listener
#    unit (TCP on 127.0.0.1, an abstract and a file UNIX socket) and a
#    sleeper per run (root's; nobody's for User=nobody) are the targets,
#    and the probes run in units: without properties (the container's own
#    baseline), with the issue's properties as root, with -p User=nobody,
#    with -p DynamicUser=yes, and with the properties systemd could add;
#    then under shannot (the same binaries, the container's bwrap) as root
#    and as nobody, from a root shell in the container (nsenter); and once
#    each, systemd-run and shannot killed with SIGKILL while their command
#    has a process left behind;
#  - on the host, the same probes under shannot as root and as nobody, and
#    unsandboxed as the control (the root control creates and removes
#    /h-sysd-probe, /etc/h-sysd-probe and /home/h-sysd-probe, and writes
#    vm.swappiness and the transparent_hugepage mode with the values just
#    read: nothing changes); the listener and sleepers are the script's;
#  - creates the shannot-sandbox user (on the host and in the container)
#    if it is missing, and on the host removes it again, holding
#    /tmp/shannot-it.lock meanwhile as the integration tests do;
#  - powers the container off and removes $WORK, and /var/lib/machines
#    and /run/systemd/nspawn when it made them and they are empty (KEEP=1
#    keeps $WORK and the packages, for another run).
# It takes 1 to 3 minutes (70 s on the machine of docs/security.md, 49 s of
# them apt-get, debootstrap and the boot), and changes nothing outside
# $WORK but the packages and the user above, which it restores.
#
# Environment: WORK (default /var/tmp/h-sysd), MIRROR (default
# http://deb.debian.org/debian), SHANNOT_BIN (a directory with shannot and
# shannot-seccomp, and shannot-init where the tree has one; default: built
# from this repository into $WORK/bin).
set -euo pipefail

WORK=${WORK:-/var/tmp/h-sysd}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
KEEP=${KEEP:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ROOT=$WORK/root
RES=$WORK/results
LIB=/usr/local/lib/h-sysd          # inside the container
PROPS=(-p ProtectSystem=strict -p ProtectHome=read-only -p PrivateTmp=yes -p NoNewPrivileges=yes -p CapabilityBoundingSet=)
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
started=$(date +%s)

[ "$(id -u)" = 0 ] || { echo "compare.sh: run as root" >&2; exit 1; }
grep -q '^VERSION_CODENAME=bookworm' /etc/os-release || echo "compare.sh: written for Debian 12 (bookworm); trying anyway" >&2

installed=()      # packages this run installed, purged at the end
# Left by systemd-container's installation (/var/lib/machines) and by
# nspawn (/run/systemd/nspawn): removed at the end if this run made them
# and they are empty.
made_dirs=()
for d in /var/lib/machines /run/systemd/nspawn; do [ -e "$d" ] || made_dirs+=("$d"); done
created_user=0    # the host's shannot-sandbox was created here
pids=()           # processes started here on the host, ended at the end
nspawn_pid=
leader=

cleanup() {
	set +e
	if [ -n "$leader" ] && kill -0 "$leader" 2>/dev/null; then
		nsenter -t "$leader" -a systemctl poweroff
		for _ in $(seq 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
	fi
	if [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null; then
		kill "$nspawn_pid" # nspawn asks the container's systemd to power off
		for _ in $(seq 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
		kill -0 "$nspawn_pid" 2>/dev/null && kill -KILL "$nspawn_pid"
	fi
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -f /tmp/h-sysd-outer-marker
	if [ "$created_user" = 1 ]; then userdel shannot-sandbox; fi
	if [ "$KEEP" != 1 ]; then
		rm -rf --one-file-system "$WORK"
		if [ ${#installed[@]} -gt 0 ]; then
			DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 purge -y "${installed[@]}" >/dev/null &&
				echo "purged: ${installed[*]}"
		fi
		for d in "${made_dirs[@]}"; do
			[ ! -d "$d" ] || { rmdir "$d"/* 2>/dev/null; rmdir "$d"; }
		done
	fi
}
trap cleanup EXIT

# 1. Packages: only what is missing; systemd-container at systemd's version.
want=()
dpkg-query -W -f '${Status}' systemd-container 2>/dev/null | grep -q 'ok installed' ||
	want+=("systemd-container=$(dpkg-query -W -f '${Version}' systemd)")
dpkg-query -W -f '${Status}' debootstrap 2>/dev/null | grep -q 'ok installed' || want+=(debootstrap)
if [ ${#want[@]} -gt 0 ]; then
	# What this install adds (dependencies too), from apt's own plan; a
	# plan that would upgrade anything is refused.
	plan=$(apt-get install -s -y --no-install-recommends "${want[@]}")
	if grep -q '^Inst [^ ]* \[' <<<"$plan"; then
		echo "compare.sh: installing ${want[*]} would upgrade packages:" >&2
		grep '^Inst [^ ]* \[' <<<"$plan" >&2
		exit 1
	fi
	mapfile -t installed < <(awk '/^Inst / {print $2}' <<<"$plan")
	# Another apt-get or dpkg (the integration tests') is waited for.
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${want[@]}" >/dev/null
fi
echo "installed for this run: ${installed[*]:-(nothing)}"

# 2. shannot.
mkdir -p "$WORK" "$RES"
chmod 755 "$WORK"
if [ -z "${SHANNOT_BIN:-}" ]; then
	SHANNOT_BIN=$WORK/bin
	GO=$(cd "$REPO" && ./scripts/go-toolchain.sh)
	# As the Makefile's build target, into $WORK/bin.
	(cd "$REPO" && CGO_ENABLED=0 $GO build -trimpath -tags urfave_cli_no_docs -o "$SHANNOT_BIN/shannot" ./cmd/shannot &&
		CGO_ENABLED=1 $GO build -trimpath -o "$SHANNOT_BIN/shannot-seccomp" ./cmd/shannot-seccomp &&
		if [ -d cmd/shannot-init ]; then CGO_ENABLED=0 $GO build -trimpath -o "$SHANNOT_BIN/shannot-init" ./cmd/shannot-init; fi)
fi
"$SHANNOT_BIN/shannot" --version | head -2

# The probe's profile: diagnostics, with python3 allowed (as the
# integration tests' attacks run perl through find).
profile_json() {
	python3 - "$REPO/profiles/diagnostics.json" <<-'EOF'
	import json, sys
	p = json.load(open(sys.argv[1]))
	p["name"] = "h-sysd-probe"
	p["description"] = "diagnostics, and python3 for bench/systemd-run/probe.py"
	p["allowed_commands"].append("python3")
	p["seccomp_profile"] = "builtin:seccomp/hostview.json"
	print(json.dumps(p, indent=2))
	EOF
}

# 3. The container.
if [ ! -x "$ROOT/usr/lib/systemd/systemd" ]; then
	debootstrap --variant=minbase --include=systemd,systemd-sysv,libnss-systemd,dbus,iproute2,procps,python3,bubblewrap \
		bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
		{ tail "$WORK/debootstrap.log"; exit 1; }
fi
echo h-sysd >"$ROOT/etc/hostname"
mkdir -p "$ROOT$LIB/bin" "$ROOT/etc/ssh" "$ROOT/var/lib/h-sysd/home-nobody" "$ROOT/home/someone"
chown 65534:65534 "$ROOT/var/lib/h-sysd/home-nobody"
# A host key to steal: the container has no sshd.
[ -e "$ROOT/etc/ssh/ssh_host_ed25519_key" ] || install -m 0600 /dev/null "$ROOT/etc/ssh/ssh_host_ed25519_key"
echo "not a key, a 0600 file of root's" >"$ROOT/etc/ssh/ssh_host_ed25519_key"
install -m 0755 "$HERE/probe.py" "$ROOT$LIB/probe.py"
for b in shannot shannot-seccomp shannot-init; do
	[ ! -e "$SHANNOT_BIN/$b" ] || install -m 0755 "$SHANNOT_BIN/$b" "$ROOT$LIB/bin/"
done
profile_json >"$ROOT$LIB/probe-profile.json"
chroot "$ROOT" sh -c 'id shannot-sandbox >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin shannot-sandbox'

SYSTEMD_NSPAWN_API_VFS_WRITABLE=yes setsid systemd-nspawn -D "$ROOT" -M h-sysd -b --private-network \
	--register=no --keep-unit --console=read-only >"$WORK/nspawn.log" 2>&1 </dev/null &
nspawn_pid=$!
for _ in $(seq 120); do
	leader=$(ps --ppid "$nspawn_pid" -o pid= | tr -d ' ' | head -1 || true)
	if [ -n "$leader" ]; then
		state=$(nsenter -t "$leader" -a systemctl is-system-running 2>/dev/null || true)
		case $state in running|degraded) break ;; esac
	fi
	sleep 0.5
done
[ "${state:-}" = running ] || [ "${state:-}" = degraded ] || { echo "the container did not boot: ${state:-no leader}"; tail "$WORK/nspawn.log"; exit 1; }
C() { nsenter -t "$leader" -a "$@"; }
sdversion=$(C systemctl --version | head -1)
echo "container: $sdversion, booted in $(($(date +%s) - started)) s since the start"

rm -f "$ROOT/var/lib/h-sysd/hits"
C systemd-run --quiet --unit=h-sysd-listen /usr/bin/python3 $LIB/probe.py listen 7777 h-sysd-abstract /run/h-sysd.sock /var/lib/h-sysd/hits
for _ in $(seq 50); do grep -q ready "$ROOT/var/lib/h-sysd/hits" 2>/dev/null && break; sleep 0.1; done
C touch /tmp/h-sysd-outer-marker
hits() { grep -vc ready "$1" || true; }

# run_unit NAME SLEEPER_USER [systemd-run properties]: the probes in a
# unit. Every run of the probes gets 60 s.
run_unit() {
	local name=$1 suser=$2; shift 2
	local sprop=() out=$RES/$name.txt before pid
	[ "$suser" = root ] || sprop=(-p User="$suser")
	C systemd-run --quiet --unit="h-sysd-sleeper-$name" "${sprop[@]}" /bin/sleep 600
	pid=$(C systemctl show -p MainPID --value "h-sysd-sleeper-$name")
	before=$(hits "$ROOT/var/lib/h-sysd/hits")
	echo "\$ systemd-run --wait --pipe --quiet $* python3 probe.py probe ..." >"$out.cmd"
	C timeout 60 systemd-run --wait --pipe --quiet "$@" /usr/bin/python3 $LIB/probe.py probe \
		7777 h-sysd-abstract /run/h-sysd.sock "$pid" /tmp/h-sysd-outer-marker "/etc/h-sysd-escaped-$name" "h-sysd-left-$name" >"$out" 2>&1 || true
	sleep 0.5
	after_run "$out" "$before" "$ROOT/var/lib/h-sysd/hits" "$ROOT/etc/h-sysd-escaped-$name" \
		"$(C systemctl is-active "h-sysd-sleeper-$name" || true)" "$(left_in C "$name")"
	C systemctl stop "h-sysd-sleeper-$name" 2>/dev/null || true
}

# left_in C|env NAME: the pids of the process that the probe left
# behind (argv[0] h-sysd-left-NAME), in the container or on the host;
# they are killed, by pid.
left_in() {
	local p
	p=$("$1" pgrep -f "^h-sysd-left-$2 " | tr '\n' ' ' || true)
	# shellcheck disable=SC2086
	[ -z "$p" ] || "$1" kill $p
	echo $p
}

# after_run OUT HITS_BEFORE HITS ESCAPE_FILE SLEEPER_STATE LEFT_PIDS: what
# the probes did, seen from outside.
after_run() {
	local n
	n=$(($(hits "$3") - $2))
	printf 'listeners reached\t%s\n' "$n" >>"$1"
	printf 'sleeper after the run\t%s\n' "$5" >>"$1"
	if [ -n "$6" ]; then
		printf 'the process left behind, after the run\t%s\n' "alive (pid $6)" >>"$1"
	else
		printf 'the process left behind, after the run\t%s\n' "gone" >>"$1"
	fi
	if [ -e "$4" ]; then
		printf 'a unit outside wrote /etc\t%s\n' "yes ($(cat "$4"))" >>"$1"
		rm -f "$4"
	else
		printf 'a unit outside wrote /etc\t%s\n' "no" >>"$1"
	fi
}

run_unit sd-base root
run_unit sd-root root "${PROPS[@]}"
run_unit sd-nobody nobody "${PROPS[@]}" -p User=nobody
run_unit sd-dynamic root "${PROPS[@]}" -p DynamicUser=yes
# What systemd can add to the issue's line (a later ProtectHome= wins).
run_unit sd-hard root "${PROPS[@]}" -p DynamicUser=yes -p ProtectHome=tmpfs -p ProtectKernelTunables=yes \
	-p ProtectControlGroups=yes -p RestrictAddressFamilies=AF_NETLINK

# kill_runner NAME IN CMD...: CMD (a runner of probe.py linger, which
# exits 3 s after it left a process behind) killed with SIGKILL as soon
# as its command has left that process; 4 s later, is the process still
# there? And if so, after one more run of next_run (empty: none)? IN is C
# (in the container) or env (on the host).
kill_runner() {
	local name=$1 in=$2 pidfile=$WORK/runner.pid inner=$WORK/runner.pid job left st; shift 2
	if [ "$in" = C ]; then pidfile=$ROOT/var/lib/h-sysd/runner.pid inner=/var/lib/h-sysd/runner.pid; fi
	rm -f "$pidfile"
	"$in" sh -c 'echo $$ >"$0"; exec "$@"' "$inner" "$@" >"$RES/$name.out" 2>&1 &
	job=$!
	# Until the command has left its process behind (5 s at most).
	for _ in $(seq 50); do
		[ -z "$("$in" pgrep -f "^h-sysd-left-$name " || true)" ] || break
		sleep 0.1
	done
	if [ -z "$("$in" pgrep -f "^h-sysd-left-$name " || true)" ] || ! "$in" kill -KILL "$(cat "$pidfile")"; then
		"$in" kill "$(cat "$pidfile")" 2>/dev/null || true
		wait "$job" && st=0 || st=$?
		printf '%s\t%s\n' "$name" "the command left nothing behind in 5 s (runner status $st: $(head -c 300 "$RES/$name.out"))" >>"$RES/kill-runner.txt"
		return
	fi
	sleep 4
	wait "$job" 2>/dev/null || true
	left=$("$in" pgrep -f "^h-sysd-left-$name " | tr '\n' ' ' || true)
	if [ -n "$left" ] && [ ${#next_run[@]} -gt 0 ]; then
		# shannot as root reaps a SIGKILLed run's leftovers when it next
		# leases a uid: run it once more.
		"$in" "${next_run[@]}" >/dev/null 2>&1 || true
		left="alive (pid ${left% }); after the next run: $(left_in "$in" "$name" | grep -q . && echo alive || echo gone)"
	else
		left=$(left_in "$in" "$name")
		[ -n "$left" ] && left="alive (pid $left)"
	fi
	printf '%s\t%s\n' "$name" "${left:-gone}" >>"$RES/kill-runner.txt"
}
rm -f "$RES/kill-runner.txt"
next_run=()
kill_runner kr-sd C systemd-run --wait --pipe --quiet "${PROPS[@]}" /usr/bin/python3 $LIB/probe.py linger h-sysd-left-kr-sd 3
next_run=($LIB/bin/shannot --profile $LIB/probe-profile.json run id)
kill_runner kr-sh-c C $LIB/bin/shannot --profile $LIB/probe-profile.json run python3 $LIB/probe.py linger h-sysd-left-kr-sh-c 3

# shannot in the same container, from a root shell there (nsenter).
run_shannot_in() {
	local name=$1 suser=$2 sprop=() who=() out=$RES/$1.txt before pid
	[ "$suser" = root ] || { sprop=(-p User=nobody); who=("${NOBODY[@]}"); }
	C systemd-run --quiet --unit="h-sysd-sleeper-$name" "${sprop[@]}" /bin/sleep 600
	pid=$(C systemctl show -p MainPID --value "h-sysd-sleeper-$name")
	before=$(hits "$ROOT/var/lib/h-sysd/hits")
	echo "\$ ${who[*]} shannot --profile probe-profile.json run python3 probe.py probe ..." >"$out.cmd"
	C env -i PATH=/usr/bin:/bin HOME=/var/lib/h-sysd/home-nobody timeout 60 "${who[@]}" $LIB/bin/shannot --profile $LIB/probe-profile.json \
		run python3 $LIB/probe.py probe 7777 h-sysd-abstract /run/h-sysd.sock "$pid" /tmp/h-sysd-outer-marker "/etc/h-sysd-escaped-$name" "h-sysd-left-$name" >"$out" 2>&1 || true
	sleep 0.5
	after_run "$out" "$before" "$ROOT/var/lib/h-sysd/hits" "$ROOT/etc/h-sysd-escaped-$name" \
		"$(C systemctl is-active "h-sysd-sleeper-$name" || true)" "$(left_in C "$name")"
	C systemctl stop "h-sysd-sleeper-$name" 2>/dev/null || true
}
run_shannot_in sh-c-root root
run_shannot_in sh-c-nobody nobody

# The container's own view, outside every unit, for the df and ps lines.
C_df=$(C df -P -h / | tail -1 | awk '{print $1" "$2" size, "$3" used ("$5")"}')
C_ps=$(C sh -c 'ls -d /proc/[0-9]* | wc -l')

C systemctl poweroff
for _ in $(seq 60); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.5; done
leader=

# 4. The host: shannot, and the probes unsandboxed as the control.
exec 9>/tmp/shannot-it.lock
flock 9
if ! id shannot-sandbox >/dev/null 2>&1; then
	useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin shannot-sandbox
	created_user=1
fi
H=$WORK/host
mkdir -p "$H/home-nobody"
chmod 755 "$H"
chown 65534:65534 "$H/home-nobody"
install -m 0755 "$HERE/probe.py" "$H/probe.py"
profile_json >"$H/probe-profile.json"
rm -f "$H/hits"
/usr/bin/python3 "$H/probe.py" listen 0 "h-sysd-abstract-$$" "$H/h-sysd.sock" "$H/hits" &
pids+=($!)
for _ in $(seq 50); do grep -q ready "$H/hits" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/^ready/ {print $2}' "$H/hits")
touch /tmp/h-sysd-outer-marker

# run_host NAME root|nobody sandbox|none
run_host() {
	local name=$1 suser=$2 how=$3 who=() out=$RES/$1.txt before spid state cmd
	[ "$suser" = root ] || who=("${NOBODY[@]}")
	"${who[@]}" /bin/sleep 600 &
	spid=$!
	pids+=("$spid")
	before=$(hits "$H/hits")
	cmd=(/usr/bin/python3 "$H/probe.py" probe "$port" "h-sysd-abstract-$$" "$H/h-sysd.sock" "$spid" /tmp/h-sysd-outer-marker "/etc/h-sysd-escaped-$name" "h-sysd-left-$name")
	if [ "$how" = sandbox ]; then
		echo "\$ ${who[*]} shannot --profile probe-profile.json run python3 probe.py probe ..." >"$out.cmd"
		(cd "$H" && env -i PATH=/usr/bin:/bin HOME="$H/home-nobody" timeout 60 "${who[@]}" "$SHANNOT_BIN/shannot" \
			--profile "$H/probe-profile.json" run python3 "${cmd[@]:1}") >"$out" 2>&1 || true
	else
		echo "\$ ${who[*]} python3 probe.py probe ..." >"$out.cmd"
		(cd "$H" && env -i PATH=/usr/bin:/bin HOME="$H/home-nobody" timeout 60 "${who[@]}" "${cmd[@]}") >"$out" 2>&1 || true
	fi
	sleep 0.5
	if kill -0 "$spid" 2>/dev/null; then state=alive; else state="killed"; fi
	after_run "$out" "$before" "$H/hits" "/etc/h-sysd-escaped-$name" "$state" "$(left_in env "$name")"
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
}
run_host sh-h-root root sandbox
run_host sh-h-nobody nobody sandbox
run_host host-root root none
run_host host-nobody nobody none
next_run=("$SHANNOT_BIN/shannot" --profile "$H/probe-profile.json" run id)
kill_runner kr-sh-h env "$SHANNOT_BIN/shannot" --profile "$H/probe-profile.json" run python3 "$H/probe.py" linger h-sysd-left-kr-sh-h 3
H_df=$(df -P -h / | tail -1 | awk '{print $1" "$2" size, "$3" used ("$5")"}')
H_ps=$(ls -d /proc/[0-9]* | wc -l)
if [ "$created_user" = 1 ]; then userdel shannot-sandbox; created_user=0; fi
flock -u 9

# 5. The table.
echo
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); host: $(uname -srm), $(. /etc/os-release && echo "$PRETTY_NAME"); container: $sdversion"
echo "the container outside every unit: df -h / $C_df; $C_ps processes. The host: df -h / $H_df; $H_ps processes"
for f in "$RES"/*.cmd; do echo "$(basename "$f" .txt.cmd): $(cat "$f")"; done
for k in sd-base sd-root sd-nobody sd-dynamic sd-hard sh-c-root sh-c-nobody sh-h-root sh-h-nobody host-root host-nobody; do
	echo "--- $k: $(cat "$RES/$k.txt.cmd")"
	cat "$RES/$k.txt"
done
echo
python3 - "$RES" <<-'EOF'
	import os, re, sys
	cols = [("sd-base", "unit, no -p (root)"), ("sd-root", "issue's -p (root)"),
	        ("sd-nobody", "+ User=nobody"), ("sd-dynamic", "+ DynamicUser=yes"),
	        ("sd-hard", "+ DynamicUser, ProtectHome=tmpfs, ProtectKernelTunables, ProtectControlGroups, RestrictAddressFamilies=AF_NETLINK"),
	        ("sh-c-root", "shannot, root (container)"), ("sh-c-nobody", "shannot, nobody (container)"),
	        ("sh-h-root", "shannot, root (host)"), ("sh-h-nobody", "shannot, nobody (host)"),
	        ("host-root", "no sandbox, root (host)"), ("host-nobody", "no sandbox, nobody (host)")]
	# The table's cells: the raw lines above, shortened.
	short = [(r"^ok \(created and removed; (\S+) on (\S+)\)$", r"ok (\2)"),
	         (r"^(private|shared) \(.*$", r"\1"),
	         (r"^ok \(read (\d+) bytes\)$", r"ok (\1 B)"),
	         (r"^ok \(wrote .*$", "ok"),
	         (r"^ok \(connected\)$", "ok"),
	         (r"^ok \(left .*$", "ok"),
	         (r"^escaped: a new unit ran as uid (\d+) and wrote.*$", r"escaped: uid \1 wrote /etc"),
	         (r"^uid=(\d+) gid=\d+ groups=(\S+) CapEff=0*(\w*) NoNewPrivs=(\d) Seccomp=(\d)$", r"uid \1 groups \2 caps \3 nnp \4 seccomp \5"),
	         (r"caps  ", "caps 0 "),
	         (r"^exit (\d+): Failed to connect to bus: ", r"exit \1: bus: "),
	         (r"^exit (\d+): Failed to (get property|start transient service unit)[^:]*: ", r"exit \1: "),
	         (r"^exit (\d+): System has not been booted with systemd.*$", r"exit \1: no systemd (host)"),
	         (r"; pid 1: (\S+).*$", r"; pid 1 \1")]
	def cell(v):
	    for a, b in short:
	        v = re.sub(a, b, v)
	    return v.replace("|", "/")
	rows, data = [], {}
	for key, _ in cols:
	    data[key] = {}
	    with open(os.path.join(sys.argv[1], key + ".txt")) as f:
	        for ln in f:
	            name, _, res = ln.rstrip("\n").partition("\t")
	            if not res:
	                name, res = "(other output)", name
	            data[key][name] = res
	            if name not in rows:
	                rows.append(name)
	print("| probe | " + " | ".join(t for _, t in cols) + " |")
	print("|---" * (len(cols) + 1) + "|")
	for r in rows:
	    print("| %s | %s |" % (r, " | ".join(cell(data[k].get(r, "-")) for k, _ in cols)))
	EOF
echo
echo "the runner killed with SIGKILL once its command has left a process behind; that process 4 s later (and after one more root run of shannot --profile probe-profile.json run id):"
echo "(kr-sd: systemd-run with the issue's -p, in the container; kr-sh-c: shannot as root, in the container; kr-sh-h: shannot as root, on the host)"
cat "$RES/kill-runner.txt"
echo "took $(($(date +%s) - started)) s"
