#!/usr/bin/env bash
# test_direct_copy.sh DGP SRCDIR — the direct COPY of new rows (pg.copy.direct,
# binary where every column type has a binary form) writes what the stage
# writes, where PostgreSQL parses every value from text itself.
#
# Every sample resource with a numeric (decimal, money), date or character(3)
# (currency) column, up to 40 of them, 300 generated records each with dirt
# (values that normalise, invalid optional values, changes, re-sends), is
# loaded into two databases: one with the direct COPY, one with
# DGP_PG_COPY_DIRECT=false.  Every dgp_src table, the rejects and the golden
# rows must be equal row for row (all but the load times).  The first database's
# log must show the binary COPY chosen for the tables whose types all have one
# and the text COPY for those holding a timestamptz, and no reject that only
# one of the two paths made.
set -u
DGP=$1
SRC=$2
. "$(dirname "$0")/load_lib.sh"
export DGP_LOG_LEVEL=debug

a=dgp_test_direct_a_$$ b=dgp_test_direct_b_$$
new_db "$b"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
new_db "$a"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1

mapfile -t rows < <(sql "SELECT r.code || ' ' || r.src_table || ' ' || EXISTS (SELECT 1 FROM information_schema.columns c
	WHERE c.table_schema = 'dgp_src' AND c.table_name = r.src_table AND c.data_type = 'timestamp with time zone'
	AND c.column_name NOT LIKE '\_dgp%')
	FROM dgp_catalog.resource r WHERE EXISTS (SELECT 1 FROM information_schema.columns c
	WHERE c.table_schema = 'dgp_src' AND c.table_name = r.src_table
	AND c.data_type IN ('numeric', 'date', 'character') AND c.column_name NOT LIKE '\_dgp%')
	ORDER BY (SELECT count(*) FROM information_schema.columns c WHERE c.table_schema = 'dgp_src'
	AND c.table_name = r.src_table AND c.data_type = 'numeric') DESC, r.code LIMIT 40")
eq "resources to load" "$((${#rows[@]} >= 20))" 1

declare -A sum
bin=0 txt=0 want_bin=0 want_txt=0 i=0
for row in "${rows[@]}"; do
	read -r code table has_ts <<<"$row"
	i=$((i + 1))
	f=$TMP/r$i.csv
	"$DGP_GEN" --resource "$code" --rows 300 --seed $((40 + i)) --encoding UTF-8 --dirt-rate 0.1 \
		--bad-optional-rate 0.05 --change-rate 0.05 --dup-rate 0.02 --out "$f" >/dev/null || exit 1
	use_db "$a"
	out=$("$DGP" load --resource "$code" --encoding UTF-8 "$f" 2>&1) || bad "$code: direct load" "$out"
	grep -q "resource $code: new rows by direct COPY in binary" <<<"$out" && bin=$((bin + 1))
	grep -q "resource $code: new rows by direct COPY in text" <<<"$out" && txt=$((txt + 1))
	if [[ $has_ts == true ]]; then want_txt=$((want_txt + 1)); else want_bin=$((want_bin + 1)); fi
	use_db "$b"
	out=$(DGP_PG_COPY_DIRECT=false "$DGP" load --resource "$code" --encoding UTF-8 "$f" 2>&1) ||
		bad "$code: staged load" "$out"
	eq "$code: staged load took no direct COPY" "$(grep -c 'by direct COPY' <<<"$out")" 0
	for db in "$a" "$b"; do
		use_db "$db"
		sum[$db]=$(tabsum "dgp_src.$table" _dgp_loaded_at _dgp_updated_at)
	done
	eq "$code ($table): direct = staged" "${sum[$a]}" "${sum[$b]}"
	[[ ${sum[$a]} == 0:* ]] && bad "$code: nothing loaded" "${sum[$a]}"
done
eq "binary direct COPYs" "$bin" "$want_bin"
eq "text direct COPYs (a timestamptz column)" "$txt" "$want_txt"
eq "some of each" "$((want_bin > 0 && want_txt > 0))" 1

rejects="SELECT count(*) || ':' || md5(string_agg(concat_ws('|', resource_code, reason, field, line, encode(raw, 'hex'), detail), E'\n' ORDER BY resource_code, line, reason, field)) FROM dgp_ops.reject"
use_db "$a"
ra=$(sql "$rejects") pa=$(tabsum dgp_base.person _dgp_updated_at) la=$(tabsum dgp_base.legal_entity _dgp_updated_at)
use_db "$b"
eq "rejects: direct = staged" "$ra" "$(sql "$rejects")"
eq "golden persons: direct = staged" "$pa" "$(tabsum dgp_base.person _dgp_updated_at)"
eq "golden legal entities: direct = staged" "$la" "$(tabsum dgp_base.legal_entity _dgp_updated_at)"
eq "some rejects" "$((${ra%%:*} > 0))" 1
finish
