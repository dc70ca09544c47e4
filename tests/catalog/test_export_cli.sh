#!/usr/bin/env bash
# test_export_cli.sh DGP SRCDIR — `dgp catalog export` and `status` from the
# command line, without PostgreSQL: usage errors exit 2, a missing pg.conninfo
# is a warning and empty statistics, DGP_EXPORT_TIME pins generated_at so the
# files equal the golden ones, and a second run writes the same bytes.
set -u
DGP=$1
SRC=$2
GOLDEN=$SRC/tests/catalog/golden
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export DGP_PG_CONNINFO= # no statistics: the export must still work
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; shift; printf '%s\n' "$@"; fail=$((fail + 1)); }
expect_rc() { # NAME WANT CMD...
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	if [[ $rc == "$want" ]]; then ok; else bad "$name: exit $rc, want $want" "$out"; fi
	LAST=$out
}
expect_out() { # NAME WANT
	if [[ $LAST == *"$2"* ]]; then ok; else bad "$1: output lacks \"$2\"" "$LAST"; fi
}

cat=$GOLDEN/catalog
expect_rc "no --format" 2 "$DGP" catalog export --out "$TMP/x" --dir "$cat"
expect_out "no --format" "--format is required"
expect_rc "bad format" 2 "$DGP" catalog export --format pdf --out "$TMP/x" --dir "$cat"
expect_rc "no --out" 2 "$DGP" catalog export --format csv --dir "$cat"
expect_rc "bad audience" 2 "$DGP" catalog export --format csv --out "$TMP/x" --audience public --dir "$cat"
expect_rc "bad DGP_EXPORT_TIME" 2 env DGP_EXPORT_TIME=yesterday "$DGP" catalog export --format csv --out "$TMP/x" --dir "$cat"
expect_rc "bad --now" 2 "$DGP" catalog status --now 2026-02-30 --dir "$cat"
expect_rc "unknown status option" 2 "$DGP" catalog status --verbose --dir "$cat"
expect_rc "invalid catalog" 1 "$DGP" catalog export --format csv --out "$TMP/x" --dir "$(dirname "$DGP")/../tests/catalog/fixtures/dup_topic"

for aud in internal external; do
	for fmt in csv json; do
		expect_rc "$aud $fmt" 0 env DGP_EXPORT_TIME=2026-11-27T00:00:00Z "$DGP" catalog export \
			--format $fmt --audience $aud --out "$TMP/$aud" --dir "$cat"
		expect_out "$aud $fmt warns" "pg.conninfo is not set: the statistics columns are empty"
	done
	for f in catalog.csv fields.csv demand.csv responsibility.csv negative.csv catalog.json 说明.txt; do
		if cmp -s "$TMP/$aud/$f" "$GOLDEN/$aud/$f"; then ok; else
			bad "$aud/$f differs from the golden file" "$(diff "$TMP/$aud/$f" "$GOLDEN/$aud/$f" | head -20)"
		fi
	done
done
expect_out "external summary" "left out (不予共享): 1 resources, 3 fields"

for run in 1 2; do
	expect_rc "xlsx $run" 0 env DGP_EXPORT_TIME=2026-11-27 "$DGP" catalog export --format xlsx \
		--out "$TMP/x$run" --dir "$cat"
	sleep 1
done
if cmp -s "$TMP/x1/catalog-internal.xlsx" "$TMP/x2/catalog-internal.xlsx"; then ok; else bad "xlsx not reproducible"; fi
if unzip -p "$TMP/x1/catalog-internal.xlsx" xl/workbook.xml | grep -q '<sheet name="负面清单"'; then ok; else
	bad "xlsx lacks the 负面清单 sheet"
fi

expect_rc "bad --csv-for" 2 "$DGP" catalog export --format csv --csv-for excel --out "$TMP/x" --dir "$cat"
expect_out "bad --csv-for" '--csv-for: "excel" is not programs or spreadsheet'
# --out with missing parents is created (mkdir -p); a file in the way is named.
expect_rc "deep --out" 0 env DGP_EXPORT_TIME=2026-11-27 "$DGP" catalog export --format csv \
	--csv-for spreadsheet --out "$TMP/new/a/b" --dir "$cat"
if grep -q $'"\t11420106012345671G"' "$TMP/new/a/b/catalog.csv"; then ok; else
	bad "spreadsheet CSV lacks the tab-prefixed quoted code" "$(head -3 "$TMP/new/a/b/catalog.csv")"
fi
touch "$TMP/afile"
expect_rc "file in the way" 1 "$DGP" catalog export --format csv --out "$TMP/afile/sub" --dir "$cat"
expect_out "file in the way" "$TMP/afile: cannot create directory: Not a directory"

expect_rc "unknown time zone" 2 env DGP_CATALOG_TIMEZONE=Asia/Beijing "$DGP" catalog export --format csv --out "$TMP/x" --dir "$cat"
expect_out "unknown time zone" 'catalog.timezone: unknown time zone "Asia/Beijing"'
# The 说明 of a CLI export: Beijing time by default, another zone when configured.
expect_rc "utc zone" 0 env DGP_CATALOG_TIMEZONE=UTC DGP_EXPORT_TIME=2026-11-27T00:00:00Z "$DGP" catalog export \
	--format csv --out "$TMP/utc" --dir "$cat"
if grep -q '^生成时间：2026-11-27 00:00:00'$'\r''$' "$TMP/utc/说明.txt" && grep -q '^时区：UTC（UTC+00:00）' "$TMP/utc/说明.txt"; then ok; else
	bad "说明.txt in UTC" "$(cat "$TMP/utc/说明.txt")"
fi
if grep -q '^生成时间：2026-11-27 08:00:00'$'\r''$' "$TMP/internal/说明.txt"; then ok; else
	bad "说明.txt not in Beijing time" "$(cat "$TMP/internal/说明.txt")"
fi

echo "test_export_cli: $pass passed, $fail failed"
[[ $fail == 0 ]]
