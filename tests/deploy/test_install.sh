#!/usr/bin/env bash
# test_install.sh BUILD_DIR SOURCE_DIR — what `make package` ships is there and works:
#   - `cmake --install` puts the binary, the man page, bash completion, the
#     configuration, the sample catalog, the systemd units and the documents in place;
#   - the man page renders and has a section per command of `dgp help`;
#   - bash completion completes commands, subcommands and options from the binary;
#   - the installed binary validates its default catalog from / with no settings;
#   - CPack builds a .deb from the same rules, with /etc/dgp/dgp.conf a conffile.
# The package installed in a fresh Debian root: scripts/fresh-machine-test.sh.
set -uo pipefail
BUILD=$(cd "${1:?usage: test_install.sh BUILD_DIR SOURCE_DIR}" && pwd)
SRC=$(cd "${2:?}" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
unset DGP_CONFIG DGP_CATALOG_DIR
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	echo "FAIL $*"
	fail=$((fail + 1))
}

# the prefix the build was configured with (/usr for make package, /usr/local here)
P=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
ETC=$P/etc
[ "$P" = /usr ] && ETC=/etc
DESTDIR="$TMP/root" cmake --install "$BUILD" >"$TMP/install.log" 2>&1 ||
	{ cat "$TMP/install.log"; bad "cmake --install failed"; }
R="$TMP/root"
for f in $P/bin/dgp $P/share/man/man1/dgp.1 $P/share/bash-completion/completions/dgp \
	$ETC/dgp/dgp.conf $P/share/dgp/catalog/sample/gaj/resources.csv $P/share/dgp/catalog/FORMAT.md \
	$P/lib/systemd/system/dgp.service $P/lib/systemd/system/dgp-availability.service \
	$P/share/doc/dgp/README.md $P/share/doc/dgp/CONFIGURATION.md $P/share/doc/dgp/SCHEMA.md \
	$P/share/doc/dgp/ARCHITECTURE.md $P/share/doc/dgp/examples/prometheus/dgp-alerts.yml; do
	[ -f "$R$f" ] && ok || bad "not installed: $f"
done
[ -x "$R$P/bin/dgp" ] && ok || bad "$P/bin/dgp is not executable"

# the man page: renders, names every command
if man -l "$R$P/share/man/man1/dgp.1" >"$TMP/man.txt" 2>"$TMP/man.err" && [ ! -s "$TMP/man.err" ]; then
	ok
else
	bad "man -l dgp.1 failed or warned: $(head -3 "$TMP/man.err")"
fi
cmds=$("$R$P/bin/dgp" help | awk '/^commands:/{f=1;next} f&&/^  [a-z]/{print $1}')
[ "$(wc -w <<<"$cmds")" -ge 10 ] && ok || bad "dgp help lists only: $cmds"
for c in $cmds; do
	grep -q "^       usage: dgp $c" "$TMP/man.txt" && ok || bad "man page lacks the usage of '$c'"
done

# bash completion, driven as bash does
complete_words() { # words of the command line, the last one being completed
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _dgp; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$R$P/share/bash-completion/completions/dgp" "$@"
}
export PATH="$R$P/bin:$PATH"
[ "$(complete_words dgp cat)" = catalog ] && ok || bad "completion of 'dgp cat': $(complete_words dgp cat)"
[ "$(complete_words dgp catalog "" | sort | tr '\n' ' ')" = "export status sync validate " ] && ok ||
	bad "completion of 'dgp catalog ': $(complete_words dgp catalog "" | tr '\n' ' ')"
complete_words dgp load --re | grep -qx -- --resource && ok || bad "completion of 'dgp load --re' lacks --resource"
complete_words dgp --config x.conf pi | grep -qx ping && ok || bad "completion after --config FILE"

# the installed binary from / with no configuration: its built-in catalog
(cd / && "$R$P/bin/dgp" catalog validate >"$TMP/validate.out" 2>&1) && grep -q 'catalog is valid' "$TMP/validate.out" &&
	ok || { cat "$TMP/validate.out"; bad "dgp catalog validate from / with no settings"; }
(cd / && DGP_CATALOG_DIR=/nonexistent "$R$P/bin/dgp" catalog validate >"$TMP/v2.out" 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q 'catalog directory /nonexistent (from DGP_CATALOG_DIR) is not a directory' "$TMP/v2.out" &&
	ok || { cat "$TMP/v2.out"; bad "a missing catalog.dir names the setting (rc $rc)"; }

# the package: CPack over the same install rules
if (cd "$TMP" && cpack --config "$BUILD/CPackConfig.cmake" -B "$TMP/pkg" >"$TMP/cpack.log" 2>&1); then
	deb=$(ls "$TMP"/pkg/dgp_*.deb 2>/dev/null | head -1)
	if [ -n "$deb" ]; then
		ok
		dpkg-deb -c "$deb" >"$TMP/contents"
		grep -q "\.$ETC/dgp/dgp.conf\$" "$TMP/contents" && ok || bad "package lacks $ETC/dgp/dgp.conf"
		dpkg-deb -I "$deb" conffiles | grep -qx "$ETC/dgp/dgp.conf" && ok ||
			bad "$ETC/dgp/dgp.conf is not a conffile: $(dpkg-deb -I "$deb" conffiles 2>&1)"
		dpkg-deb -f "$deb" Depends | grep -q 'librdkafka' && ok || bad "package Depends lacks librdkafka"
	else
		bad "cpack made no .deb"
	fi
else
	tail -20 "$TMP/cpack.log"
	bad "cpack failed"
fi

echo "test_install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
