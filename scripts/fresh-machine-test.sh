#!/usr/bin/env bash
# fresh-machine-test.sh — prove the two commands on a minimal Debian 12 root.
#
#   scripts/fresh-machine-test.sh [--demo-only | --package-only] [--keep]
#
# What it does, in order:
#   1. debootstrap --variant=minbase bookworm into a new directory under
#      ${DGP_FRESH_DIR:-/var/tmp} (the mirror is the host's first Debian URI);
#   2. copies in the host's apt sources, its apt Acquire settings and its locally
#      added CA certificates — how this machine reaches its package mirrors is the
#      machine's set-up, not the project's — plus /etc/resolv.conf;
#   3. copies this checkout (tracked and untracked files, no build or state
#      directories) to /src/dgp and ../shared to /src/shared;
#   4. inside the root (chroot, with proc, sys and dev mounted): apt-get install make,
#      then `make demo`, `make services-stop`, `make test`; when build/ has a
#      Debian package (make package), also installs it and runs
#      `dgp catalog validate` and `dgp --config /etc/dgp/dgp.conf ping` from /;
#      --demo-only leaves out `make test`, --package-only both `make demo` and
#      `make test` (the package step alone, about 15 min);
#   5. afterwards — also on failure or Ctrl-C — unmounts everything under the root
#      (umount -R) and deletes the root only when /proc/mounts lists nothing under
#      it: a recursive delete through a bind mount of the host's /dev or /sys would
#      destroy the host's.
#
# Needs root and debootstrap (scripts/install-deps.sh installs it). Takes 30–60 min
# on 2 cores; not part of `make test`. Exits with the status of the first failing
# step; the last line says which.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
demo_only=0
package_only=0
keep=0
for a in "$@"; do
	case $a in
	--demo-only) demo_only=1 ;;
	--package-only) package_only=1 ;;
	--keep) keep=1 ;;
	-h | --help)
		sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "fresh-machine-test: unknown argument '$a' (try --help)" >&2
		exit 2
		;;
	esac
done

log() { printf '\n==> fresh-machine-test: %s\n' "$*" >&2; }
die() {
	echo "fresh-machine-test: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null || die "debootstrap not found; run scripts/install-deps.sh"

mirror=$(
	{
		grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
		grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
	} | grep -v -- '-security' | head -1
)
mirror=${mirror:-http://deb.debian.org/debian}

ROOT=$(mktemp -d "${DGP_FRESH_DIR:-/var/tmp}/dgp-fresh.XXXXXX") || die "mktemp failed"
chmod 755 "$ROOT"

mounted_under_root() { awk -v r="$ROOT" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	log "unmounting everything under $ROOT"
	for m in proc sys dev; do
		if mountpoint -q "$ROOT/$m" 2>/dev/null; then
			umount -R "$ROOT/$m" 2>/dev/null || umount -R -l "$ROOT/$m" || true
		fi
	done
	# anything else a step left mounted (e.g. a service's own mounts)
	while read -r m; do umount -R -l "$m" 2>/dev/null || true; done < <(mounted_under_root | sort -r)
	left=$(mounted_under_root)
	if [ -n "$left" ]; then
		echo "fresh-machine-test: still mounted under $ROOT, NOT deleting it:" >&2
		echo "$left" >&2
	elif [ "$keep" -eq 1 ]; then
		echo "fresh-machine-test: kept $ROOT" >&2
	else
		rm -rf --one-file-system "$ROOT"
	fi
	rm -f "$ROOT.debootstrap.log"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "debootstrap --variant=minbase bookworm $ROOT $mirror"
debootstrap --variant=minbase bookworm "$ROOT" "$mirror" >"$ROOT.debootstrap.log" 2>&1 ||
	{ tail -20 "$ROOT.debootstrap.log" >&2; die "debootstrap failed"; }

log "copying the host's apt sources, Acquire settings, CA certificates, resolv.conf"
rm -f "$ROOT/etc/apt/sources.list"
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$ROOT/etc/apt/"
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] && cp "$f" "$ROOT/etc/apt/sources.list.d/"
done
for f in /etc/apt/apt.conf.d/*; do
	[ -f "$f" ] && grep -q 'Acquire::' "$f" && cp "$f" "$ROOT/etc/apt/apt.conf.d/"
done
if [ -d /usr/local/share/ca-certificates ]; then
	mkdir -p "$ROOT/usr/local/share/ca-certificates"
	cp -r /usr/local/share/ca-certificates/. "$ROOT/usr/local/share/ca-certificates/"
fi
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"

log "copying the checkout to /src/dgp and ../shared to /src/shared"
mkdir -p "$ROOT/src/dgp"
(cd "$repo" && tar -cf - --exclude=./build --exclude='./build-*' --exclude=./.run --exclude=./_CPack_Packages .) |
	tar -xf - -C "$ROOT/src/dgp" || die "copying the checkout failed"
if [ -d "$repo/../shared" ]; then
	mkdir -p "$ROOT/src/shared"
	cp -r "$repo/../shared/." "$ROOT/src/shared/"
fi

log "mounting proc, sys, dev"
mount -t proc proc "$ROOT/proc"
mount --rbind /sys "$ROOT/sys" && mount --make-rslave "$ROOT/sys"
mount --rbind /dev "$ROOT/dev" && mount --make-rslave "$ROOT/dev"

in_root() {
	chroot "$ROOT" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "$1"
}

step() {
	local name=$1 cmd=$2
	log "$name"
	if ! in_root "$cmd"; then
		echo "fresh-machine-test: FAILED at: $name" >&2
		exit 1
	fi
}

step "apt-get install make (the README's only prerequisite)" \
	'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends make >/dev/null'
if [ "$package_only" -eq 0 ]; then
	step "make demo" 'cd /src/dgp && make demo && make services-stop'
	if [ "$demo_only" -eq 0 ]; then
		step "make test" 'cd /src/dgp && make test'
	fi
fi
step "make package; install it; dgp catalog validate and dgp ping from / as an operator would" \
	'cd /src/dgp && make package >/dev/null &&
	 DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./build-pkg/dgp_*.deb >/dev/null &&
	 cd / && command -v dgp && dgp --version && man -w dgp 2>/dev/null; test -f /usr/share/man/man1/dgp.1* &&
	 dgp catalog validate | tail -3 &&
	 eval "$(/src/dgp/scripts/services.sh start)" && dgp --config /etc/dgp/dgp.conf ping;
	 rc=$?; /src/dgp/scripts/services.sh stop >/dev/null 2>&1; exit $rc'
log "all steps passed"
