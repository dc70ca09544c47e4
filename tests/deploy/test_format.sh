#!/usr/bin/env bash
# test_format — every C file of the project is formatted as .clang-format says.
#
# The project's C files follow one mechanical layout (STYLE.md: tabs, 100
# columns, Linux braces); review then reads changes, not whitespace.  This is
# `make format-check` as a test, so CI runs it with everything else; `make
# format` fixes what it reports.  Files are found on disk (a fresh machine's
# copy of the checkout may have no .git), skipping build directories.
#
#   tests/deploy/test_format.sh SOURCE_DIR
set -uo pipefail
SRC=${1:?usage: test_format.sh SOURCE_DIR}
cd "$SRC" || exit 1
command -v clang-format >/dev/null || { echo "FAIL: clang-format not installed (scripts/install-deps.sh)"; exit 1; }
mapfile -t files < <(find pipeline connectors catalog cli tests benchmarks tools \
	\( -name '*.c' -o -name '*.h' \) -type f 2>/dev/null | sort)
((${#files[@]} > 50)) || { echo "FAIL: found only ${#files[@]} C files under $SRC"; exit 1; }
bad=0
for f in "${files[@]}"; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (make format)"
		bad=$((bad + 1))
	fi
done
echo "$((${#files[@]} - bad)) of ${#files[@]} C files formatted"
((bad == 0))
