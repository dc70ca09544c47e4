#!/usr/bin/env bash
# test_deps — every library the build links and every program the scripts and tests
# call comes from a Debian package that scripts/install-deps.sh lists.
#
# Why: a package installed by hand on the machine CI runs on (libcsv-dev, jq, xxd)
# made CI green while a fresh Debian stopped at `cmake` configure. This test
# configures the build into a temporary directory, takes every *.so / *.a path
# CMakeCache.txt resolved, and asks dpkg which package owns it (following
# symlinks, and the /usr-merged /lib ↔ /usr/lib spellings). Programs are resolved
# the same way; a program found outside dpkg's files (a pyenv shim, /usr/local)
# must also exist in /usr/bin, /bin, /usr/sbin or /sbin from a listed package,
# because that is the copy a fresh machine has.
#
#   tests/deploy/test_deps.sh SOURCE_DIR
set -uo pipefail
SRC=${1:?usage: test_deps.sh SOURCE_DIR}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Programs the Makefile, scripts/ and tests/ call (beyond bash and coreutils basics).
PROGRAMS="cmake make gcc pkg-config git clang clang-format llvm-symbolizer psql pg_isready pg_ctl initdb
postgres java mvn kcat promtool prometheus python3 curl unzip jq xxd gzip zcat iconv
timeout sha256sum setsid flock ss openssl valgrind perf hyperfine debootstrap
cpack dpkg-deb dpkg-shlibdeps man file"

listed=$(awk '/^PACKAGES="/{f=1;next} f&&/^"/{f=0} f{sub(/#.*/,""); for(i=1;i<=NF;i++) print $i}' \
	"$SRC/scripts/install-deps.sh")
[ -n "$listed" ] || { echo "FAIL: no PACKAGES list in scripts/install-deps.sh"; exit 1; }

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# owner PATH: the Debian package that owns PATH (or its target, or its merged-/usr twin)
owner() {
	local p=$1 c o
	for c in "$p" "$(readlink -f "$p")" "${p/#\/usr\//\/}" "$(readlink -f "$p" | sed 's#^/usr/#/#')"; do
		[ -n "$c" ] || continue
		o=$(dpkg -S "$c" 2>/dev/null | grep -v "^diversion by" | head -1 | cut -d: -f1 | cut -d, -f1)
		[ -n "$o" ] && echo "$o" && return 0
	done
	return 1
}

is_listed() { grep -qx "$1" <<<"$listed"; }

# 1. libraries the build links
if ! cmake -S "$SRC" -B "$TMP/build" >"$TMP/cmake.log" 2>&1; then
	cat "$TMP/cmake.log"
	fail "cmake configure failed in a fresh build directory"
else
	nlib=0
	while read -r lib; do
		nlib=$((nlib + 1))
		pkg=$(owner "$lib") || { fail "library $lib belongs to no Debian package"; continue; }
		is_listed "$pkg" || fail "library $lib comes from $pkg, which scripts/install-deps.sh does not install"
	done < <(grep -E ':FILEPATH=/.*\.(so|a)(\.[0-9.]+)?$' "$TMP/build/CMakeCache.txt" | sed 's/.*=//' | sort -u)
	# pkg-config targets record their libraries as *_LINK_LIBRARIES lists
	while read -r lib; do
		nlib=$((nlib + 1))
		pkg=$(owner "$lib") || { fail "library $lib belongs to no Debian package"; continue; }
		is_listed "$pkg" || fail "library $lib comes from $pkg, which scripts/install-deps.sh does not install"
	done < <(grep -E '_LINK_LIBRARIES:INTERNAL=' "$TMP/build/CMakeCache.txt" | sed 's/.*=//' | tr ';' '\n' |
		grep -E '^/.*\.(so|a)' | sort -u)
	[ "$nlib" -gt 5 ] || fail "found only $nlib libraries in CMakeCache.txt; the check is not looking"
	echo "libraries checked: $nlib"
fi

# 2. programs
for prog in $PROGRAMS; do
	# PostgreSQL's server programs live off PATH, where scripts/pg.sh calls them
	path=$(command -v "$prog" 2>/dev/null) || path=$(ls /usr/lib/postgresql/15/bin/"$prog" 2>/dev/null) ||
		{ fail "program $prog is not installed"; continue; }
	pkg=$(owner "$path") || pkg=""
	if [ -z "$pkg" ]; then
		# found outside dpkg (pyenv, /usr/local): the fresh machine's copy is the system one
		for d in /usr/bin /bin /usr/sbin /sbin /usr/lib/postgresql/15/bin; do
			[ -x "$d/$prog" ] && pkg=$(owner "$d/$prog") && break
		done
	fi
	[ -n "$pkg" ] || { fail "program $prog ($path) comes from no Debian package"; continue; }
	is_listed "$pkg" || fail "program $prog ($path) comes from $pkg, which scripts/install-deps.sh does not install"
done

if [ "$fails" -gt 0 ]; then
	echo "test_deps: $fails missing install step(s)"
	exit 1
fi
echo "test_deps: every library and program comes from a listed package"
