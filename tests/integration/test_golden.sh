#!/usr/bin/env bash
# test_golden.sh DGP SRCDIR — golden rows are a function of the dgp_src rows only.
#
# Three person sources from `dgp-gen`: 户籍 (one row per person), 社保 and 医保
# (several rows per person, one per 险种; 社保 is the top source of phones).
# The 社保 rows come from two generator seeds, so most people have two 社保 rows
# with different 险种, 参保日期 and addresses (one of them often empty); every
# fifth person's two rows share their 参保日期, so the record key decides.
# The same files are loaded into three databases in different file orders and
# batch sizes (one batch holding both rows of a person, batches of 7 rows, …);
# every dgp_base.person must be byte-identical, and equal to the rule of
# SCHEMA.md computed here in plain SQL from the dgp_src tables (not by the
# generated function): per column the highest-priority source with a non-NULL
# value, within 社保/医保 the row with the latest 参保日期 (recency), then
# the lowest 险种 (byte order).
# Then a priority swap of lxdh (社保 1 ↔ 医保 2) through `dgp catalog sync`
# must change exactly the golden rows of the people both sources give a phone,
# and a key no source holds any more loses its golden row.
set -u
DGP=$1
SRC=$2
. "$(dirname "$0")/load_lib.sh"

N=800
cat_dir=$TMP/cat
cp -r "$SRC/catalog/sample" "$cat_dir"
export DGP_CATALOG_DIR=$cat_dir

gen() { "$DGP_GEN" --catalog "$cat_dir" "$@" >/dev/null || exit 1; }
gen --resource 101001/000001 --rows $N --out "$TMP/gaj_hjrk_1.csv"
gen --resource 101003/000001 --rows $N --seed 11 --out "$TMP/a.csv"
gen --resource 101003/000001 --rows $N --seed 12 --out "$TMP/b.csv"
gen --resource 101012/000001 --rows $N --key-offset $((N / 2)) --seed 13 --out "$TMP/ybj_ybcb_1.csv"
# 社保 seed 12: keep the rows whose 险种 differs from seed 11's (a second row, not a
# change of the first); every fifth person gets seed 11's 参保日期.
paste -d '\t' "$TMP/a.csv" "$TMP/b.csv" | awk -F '\t' -v OFS=, '
	NR == 1 { print $2 > B; print $1 > A; next }
	{
		print $1 > A
		na = split($1, a, ","); split($2, b, ",")
		if (a[5] == b[5]) next
		if (NR % 5 == 0) { sub("," b[7] ",", "," a[7] ",", $2) }
		print $2 > B
	}' A="$TMP/rsj_sbcb_1.csv" B="$TMP/rsj_sbcb_2.csv"
# both 社保 files in one: the two rows of a person in one batch
cat "$TMP/rsj_sbcb_2.csv" >"$TMP/rsj_sbcb_3.csv"
tail -n +2 "$TMP/rsj_sbcb_1.csv" >>"$TMP/rsj_sbcb_3.csv"

# load DB BATCH_ROWS FILE… — a fresh database, synced, the files loaded in this order.
load() {
	local db=$1 rows=$2 f out
	shift 2
	new_db "$db"
	"$DGP" catalog sync "$cat_dir" >/dev/null || exit 1
	for f in "$@"; do
		out=$(DGP_BATCH_MAX_ROWS=$rows "$DGP" load "$TMP/$f" 2>&1) || bad "$db load $f" "$out"
	done
}
# golden_md5 — dgp_base.person without the refresh time, in key order, its
# provenance rendered by the view (base column → resource code, as JSON).
golden_md5() {
	sql "SELECT count(*) || ' ' || md5(string_agg((to_jsonb(t) - '_dgp_updated_at')::text, E'\n' ORDER BY gmsfhm)) FROM dgp_base.person_with_sources t"
}

# expected_md5 — the same, computed from dgp_src by the rule, in plain SQL.
# The mapping (column, base column, priority) is read from the catalog mirror;
# the order within a source is written here.
expected_md5() {
	local long="" t code ord col base prio
	for t in "gaj_hjrk 101001/000001 gmsfhm" "rsj_sbcb 101003/000001 cbrq DESC NULLS LAST, xzlx COLLATE \"C\"" \
		"ybj_ybcb 101012/000001 cbrq DESC NULLS LAST, xzlx COLLATE \"C\""; do
		read -r t code ord <<<"$t"
		while IFS='|' read -r col base prio; do
			long+="${long:+ UNION ALL }SELECT gmsfhm AS key, '$base' AS col, $col::text AS val, $prio AS prio, rn, '$code' AS src FROM (SELECT *, row_number() OVER (PARTITION BY gmsfhm ORDER BY $ord) AS rn FROM dgp_src.$t) r"
		done < <(sql "SELECT column_name, base_column, priority FROM dgp_catalog.field WHERE resource_code = '$code' AND priority IS NOT NULL ORDER BY seq")
		long+=" UNION ALL SELECT gmsfhm, NULL, NULL, NULL, NULL, NULL FROM dgp_src.$t"
	done
	local cols
	cols=$(sql "SELECT string_agg(format('%I', \"column\") || ' text', ', ' ORDER BY ordinality) FROM (SELECT a.attname AS column, a.attnum AS ordinality FROM pg_attribute a WHERE a.attrelid = 'dgp_base.person'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT IN ('gmsfhm', '_dgp_source_ids', '_dgp_updated_at')) c")
	local names
	names=$(sql "SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = 'dgp_base.person'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attname NOT IN ('gmsfhm', '_dgp_source_ids', '_dgp_updated_at')")
	# per key and column the first non-NULL value by (priority, row rank); one row per key
	sql "WITH long AS ($long),
	     pick AS (SELECT key, col, (array_agg(val ORDER BY prio, rn))[1] AS val, (array_agg(src ORDER BY prio, rn))[1] AS src
	              FROM long WHERE val IS NOT NULL GROUP BY key, col),
	     keys AS (SELECT DISTINCT key FROM long),
	     g AS (SELECT k.key, (SELECT jsonb_object_agg(p.col, p.val) FROM pick p WHERE p.key = k.key) AS v,
	                  (SELECT coalesce(jsonb_object_agg(p.col, p.src), '{}') FROM pick p WHERE p.key = k.key) AS s FROM keys k),
	     t AS (SELECT g.key AS gmsfhm, r.*, g.s AS _dgp_sources FROM g, jsonb_to_record(coalesce(g.v, '{}')) AS r ($cols))
	SELECT count(*) || ' ' || md5(string_agg((to_jsonb(t2) - '_dgp_updated_at')::text, E'\n' ORDER BY gmsfhm))
	FROM (SELECT t.gmsfhm, $names, t._dgp_sources FROM t) t2"
}

load dgp_test_golden_1_$$ 20000 gaj_hjrk_1.csv rsj_sbcb_1.csv rsj_sbcb_2.csv ybj_ybcb_1.csv
m1=$(golden_md5)
e1=$(expected_md5)
multi=$(sql "SELECT count(*) FROM (SELECT gmsfhm FROM dgp_src.rsj_sbcb GROUP BY gmsfhm HAVING count(*) = 2) x")
tied=$(sql "SELECT count(*) FROM (SELECT gmsfhm FROM dgp_src.rsj_sbcb GROUP BY gmsfhm HAVING count(*) = 2 AND count(DISTINCT cbrq) = 1) x")
hidden=$(sql "SELECT count(*) FROM (SELECT gmsfhm FROM dgp_src.rsj_sbcb GROUP BY gmsfhm HAVING count(*) = 2 AND count(jzdz) = 1) x")
[[ $multi -gt 500 && $tied -gt 100 && $hidden -gt 50 ]] && ok || bad "the data has multi-row people, ties and NULLs" "multi=$multi tied=$tied hidden=$hidden"
eq "golden rows = the rule computed from dgp_src" "$m1" "$e1"
eq "golden row count" "${m1%% *}" "$(sql "SELECT count(*) FROM (SELECT gmsfhm FROM dgp_src.gaj_hjrk UNION SELECT gmsfhm FROM dgp_src.rsj_sbcb UNION SELECT gmsfhm FROM dgp_src.ybj_ybcb) k")"
db1=dgp_test_golden_1_$$

load dgp_test_golden_2_$$ 7 ybj_ybcb_1.csv rsj_sbcb_2.csv rsj_sbcb_1.csv gaj_hjrk_1.csv
eq "reverse order, batches of 7" "$(golden_md5)" "$m1"
load dgp_test_golden_3_$$ 20000 rsj_sbcb_3.csv ybj_ybcb_1.csv gaj_hjrk_1.csv
eq "both 社保 rows of a person in one batch" "$(golden_md5)" "$m1"
eq "same dgp_src in both loads" "$(sql "SELECT md5(string_agg((to_jsonb(t) - '_dgp_updated_at' - '_dgp_origin' - '_dgp_loaded_at')::text, E'\n' ORDER BY gmsfhm, xzlx)) FROM dgp_src.rsj_sbcb t")" \
	"$(use_db "$db1" && sql "SELECT md5(string_agg((to_jsonb(t) - '_dgp_updated_at' - '_dgp_origin' - '_dgp_loaded_at')::text, E'\n' ORDER BY gmsfhm, xzlx)) FROM dgp_src.rsj_sbcb t")"

# Priority swap: 社保 lxdh 1 → 2, 医保 lxdh 2 → 1.
use_db "$db1"
sql "CREATE TABLE before AS SELECT gmsfhm, (to_jsonb(t) - '_dgp_updated_at')::text AS r FROM dgp_base.person_with_sources t"
ids_before=$(sql "SELECT count(*) || ' ' || md5(string_agg(concat_ws('|', id, base, base_column, resource_code), ',' ORDER BY id)) FROM dgp_catalog.golden_source")
sed -i -E 's/^(101003\/000001,10,联系电话,LXDH,.*,lxdh),1$/\1,2/; s/^(101012\/000001,9,联系电话,LXDH,.*,lxdh),2$/\1,1/' \
	"$cat_dir/rsj/fields.csv" "$cat_dir/ybj/fields.csv"
sed -i 's/^\(ZR20260048,rsj,101003\/000001,LXDH,业务办理,\)是,/\1否,/' "$cat_dir/lists/responsibility.csv" # 社保 no longer the authority
eq "the swap edited both files" "$(grep -c ',lxdh,[12]$' "$cat_dir/rsj/fields.csv" "$cat_dir/ybj/fields.csv" | tr '\n' ' ')" \
	"$cat_dir/rsj/fields.csv:1 $cat_dir/ybj/fields.csv:1 "
out=$("$DGP" catalog sync "$cat_dir" 2>&1)
expect_out "swap replaces the person function" "golden functions replaced 1" "$out"
both=$(sql "SELECT count(DISTINCT s.gmsfhm) FROM dgp_src.rsj_sbcb s JOIN dgp_src.ybj_ybcb y USING (gmsfhm) WHERE s.lxdh IS NOT NULL AND y.lxdh IS NOT NULL")
held=$(sql "SELECT count(*) FROM (SELECT gmsfhm FROM dgp_src.rsj_sbcb UNION SELECT gmsfhm FROM dgp_src.ybj_ybcb) k")
expect_out "swap recomputes the keys of the two sources" "golden rows recomputed for $held keys (the keys of the changed sources)" "$out"
eq "swap changes exactly the rows both sources give a phone" \
	"$(sql "SELECT count(*) FILTER (WHERE b.r IS DISTINCT FROM (to_jsonb(t) - '_dgp_updated_at')::text) || ' ' || count(*) FILTER (WHERE t._dgp_sources->>'lxdh' = '101012/000001' AND b.r IS DISTINCT FROM (to_jsonb(t) - '_dgp_updated_at')::text) FROM dgp_base.person_with_sources t JOIN before b USING (gmsfhm)")" \
	"$both $both"
eq "after the swap: the rule computed from dgp_src" "$(golden_md5)" "$(expected_md5)"
out=$("$DGP" catalog sync "$cat_dir" 2>&1)
expect_out "a second sync changes nothing" "nothing changed" "$out"
eq "a priority swap keeps the provenance ids" \
	"$(sql "SELECT count(*) || ' ' || md5(string_agg(concat_ws('|', id, base, base_column, resource_code), ',' ORDER BY id)) FROM dgp_catalog.golden_source")" "$ids_before"
# Provenance is one id per filled column, not a document.
eq "one source id per column with a value" \
	"$(sql "SELECT count(*) FILTER (WHERE cardinality(p._dgp_source_ids) <> (SELECT count(*) FROM jsonb_object_keys(v._dgp_sources))) || ' ' || count(*) FILTER (WHERE cardinality(p._dgp_source_ids) = 0) FROM dgp_base.person p JOIN dgp_base.person_with_sources v USING (gmsfhm)")" "0 0"
eq "person ids name person pairs only" \
	"$(sql "SELECT count(*) FROM dgp_base.person p, unnest(p._dgp_source_ids) u (id) JOIN dgp_catalog.golden_source g USING (id) WHERE g.base <> 'person'")" 0
# Refreshing keys whose sources did not change rewrites no golden row.
sql "CREATE TABLE versions AS SELECT gmsfhm, xmin::text AS x FROM dgp_base.person; SELECT dgp_base.refresh_person(array_agg(gmsfhm)) FROM dgp_base.person" >/dev/null
eq "a refresh of unchanged keys rewrites nothing" \
	"$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE p.xmin::text <> v.x) FROM dgp_base.person p JOIN versions v USING (gmsfhm)")" "${m1%% *} 0"

# A key no source holds any more loses its golden row; one still held keeps it.
k=$(sql "SELECT gmsfhm FROM dgp_src.rsj_sbcb s JOIN dgp_src.ybj_ybcb y USING (gmsfhm) JOIN dgp_src.gaj_hjrk h USING (gmsfhm) LIMIT 1")
sql "DELETE FROM dgp_src.gaj_hjrk WHERE gmsfhm = '$k'; DELETE FROM dgp_src.rsj_sbcb WHERE gmsfhm = '$k'; SELECT dgp_base.refresh_person(ARRAY['$k'])" >/dev/null
eq "still held by 医保" "$(sql "SELECT _dgp_sources->>'lxdh' FROM dgp_base.person_with_sources WHERE gmsfhm = '$k'")" "101012/000001"
sql "DELETE FROM dgp_src.ybj_ybcb WHERE gmsfhm = '$k'; SELECT dgp_base.refresh_person(ARRAY['$k'])" >/dev/null
eq "held by none: deleted" "$(sql "SELECT count(*) FROM dgp_base.person WHERE gmsfhm = '$k'")" 0
eq "after the deletes: the rule computed from dgp_src" "$(golden_md5)" "$(expected_md5)"

finish
