#!/usr/bin/env bash
# test_load.sh DGP SRCDIR — `dgp load` of generated data against the manifests
# `dgp-gen` writes, exactly: five resources of both base libraries (CSV and
# JSON lines, UTF-8 and GBK, plain and .gz), overlapping like departments do
# (one seed: the same people and entities in each file); then a reload of the
# same records under another file id (nothing written), a repeated load of the
# same file (already loaded), a reload with 10 % changed rows (exactly those
# updated), and the same loads with 3-bit key hashes (every key collides):
# PostgreSQL ends identical.
set -u
DGP=$1
SRC=$2
. "$SRC/tests/integration/load_lib.sh"
export DGP_LOG_LEVEL=warn

new_db "dgp_test_load_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1

dirt=(--dup-rate 0.05 --change-rate 0.05 --bad-key-rate 0.02 --missing-rate 0.01
	--bad-date-rate 0.01 --dirt-rate 0.1 --bad-optional-rate 0.02)
# name code rows file (encoding: the resource's own unless named)
files=(
	"hjrk 101001/000001 1500 gaj_hjrk_1.csv"
	"syrk 101041/000001 1200 bszjd_syrk_1.jsonl.gz"
	"ldrk 101001/000002 900 gaj_ldrk_1.jsonl"
	"qydj 102006/000001 1000 scjgj_qydj_1.csv.gz"
	"nsrdj 102007/000001 800 swj_nsrdj_1.csv.gz"
)
for f in "${files[@]}"; do
	read -r n code rows file <<<"$f"
	"$DGP_GEN" --resource "$code" --rows "$rows" --seed 7 --out "$TMP/$file" \
		--manifest "$TMP/$n.json" "${dirt[@]}" || exit 1
done
# GBK where declared (gaj, swj): the bytes must not be valid UTF-8 throughout
if iconv -f UTF-8 -t UTF-8 "$TMP/gaj_hjrk_1.csv" >/dev/null 2>&1; then bad "gaj_hjrk file is GBK"; else ok; fi

# (a) first load, one file at a time: summary and PostgreSQL = manifest
for f in "${files[@]}"; do
	read -r n code rows file <<<"$f"
	out=$("$DGP" load --resource "$code" "$TMP/$file" 2>&1)
	check_first_load "$n" "$TMP/$n.json" "$out"
done
# golden rows: one per key over all sources (same seed: the union is the largest file's keys)
p=$(jq -s 'map(select(.base == "person") | .unique_keys) | max' "$TMP"/{hjrk,syrk,ldrk}.json)
l=$(jq -s 'map(select(.base == "legal_entity") | .unique_keys) | max' "$TMP"/{qydj,nsrdj}.json)
eq "dgp_base.person rows" "$(sql "SELECT count(*) FROM dgp_base.person")" "$p"
eq "dgp_base.legal_entity rows" "$(sql "SELECT count(*) FROM dgp_base.legal_entity")" "$l"
eq "person keys = union of the source keys" \
	"$(sql "SELECT count(*) FROM (SELECT gmsfhm FROM dgp_src.gaj_hjrk UNION SELECT gmsfhm FROM dgp_src.bszjd_syrk UNION SELECT gmsfhm FROM dgp_src.gaj_ldrk EXCEPT SELECT gmsfhm FROM dgp_base.person) s")" 0
eq "golden xm from 公安户籍 where it has one" \
	"$(sql "SELECT count(*) FROM dgp_base.person_with_sources b JOIN dgp_src.gaj_hjrk s USING (gmsfhm) WHERE b.xm IS DISTINCT FROM s.xm OR b._dgp_sources->>'xm' <> '101001/000001'")" 0
eq "load_log rows" "$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE status = 'complete') FROM dgp_ops.load_log")" "5 5"
tables=(dgp_src.gaj_hjrk dgp_src.bszjd_syrk dgp_src.gaj_ldrk dgp_src.scjgj_qydj dgp_src.swj_nsrdj
	dgp_base.person dgp_base.legal_entity dgp_ops.reject dgp_catalog.resource_stats
	dgp_catalog.reject_stats dgp_catalog.field_stats)
first=$(dbsum "${tables[@]}")
stamps() { sql "SELECT md5(string_agg(_dgp_updated_at::text, ',' ORDER BY gmsfhm)) FROM dgp_base.person"; sql "SELECT max(_dgp_updated_at) FROM dgp_src.gaj_hjrk"; sql "SELECT count(*) FROM dgp_ops.reject"; }
stamps0=$(stamps)
last_change() { sql "SELECT string_agg(resource_code || ' ' || last_change, ',' ORDER BY 1) FROM dgp_catalog.resource_stats"; }
last_change0=$(last_change)

# (b) a repeated load of the same file: nothing to do
out=$("$DGP" load "$TMP/gaj_hjrk_1.csv" 2>&1)
expect_out "repeat: already loaded" "gaj_hjrk_1.csv: already loaded completely" "$out"
eq "repeat: nothing written anywhere" "$(dbsum "${tables[@]}")" "$first"
# the same records as other files (plain ↔ gzip: another file id): the reload counts, nothing written
for f in "${files[@]}"; do
	read -r n code rows file <<<"$f"
	if [[ $file == *.gz ]]; then
		zcat "$TMP/$file" >"$TMP/again_${file%.gz}"
		again=$TMP/again_${file%.gz}
	else
		gzip -c "$TMP/$file" >"$TMP/again_$file.gz"
		again=$TMP/again_$file.gz
	fi
	out=$("$DGP" load --resource "$code" "$again" 2>&1)
	expect_out "$n reload summary" "$(summary_want "$TMP/$n.json" reload)" "$out"
done
eq "reload: rejects and statistics counted again, nothing else changed" \
	"$(dbsum "${tables[@]:0:7}")" "$(echo "$first" | head -7)"
eq "reload: no row's _dgp_updated_at moved" "$(stamps | head -2)" "$(echo "$stamps0" | head -2)"
# the files hold in-file versions (--change-rate: a key re-sent with another
# value); their last versions are what PostgreSQL holds, so nothing is written
eq "reload with in-file versions: 0 rows written (load_log new + changed)" \
	"$(sql "SELECT count(*) || ' ' || sum(new + changed) FROM dgp_ops.load_log WHERE source LIKE '%/again_%'")" "5 0"
eq "reload with in-file versions: no resource_stats.last_change moved" "$(last_change)" "$last_change0"

# (c) a reload with every 10th record changed: exactly those rows updated
# (people of their own, so that this source is the golden one for xm)
"$DGP_GEN" --resource 101045/000001 --rows 1000 --seed 11 --key-offset 5000000 --out "$TMP/ljsjd_syrk_1.jsonl" \
	--manifest "$TMP/ljs.json" || exit 1
# one record per chunk (load.chunk.bits 0), so the chunks skipped are exact
export DGP_LOAD_CHUNK_BITS=0
out=$("$DGP" load --resource 101045/000001 "$TMP/ljsjd_syrk_1.jsonl" 2>&1)
expect_out "clean load" "read 1000, new 1000, changed 0, unchanged 0, duplicate 0, rejected 0" "$out"
eq "clean load: its 1000 chunk fingerprints kept for the next load" \
	"$(sql "SELECT chunks || ' ' || records || ' ' || length(fingerprints) FROM dgp_ops.file_chunks WHERE resource_code = '101045/000001'")" "1000 1000 16000"
sleep 1
t=$(sql "SELECT now()")
python3 - "$TMP/ljsjd_syrk_1.jsonl" "$TMP/ljsjd_syrk_2.jsonl" "$TMP/changed.txt" <<'PY'
import json, sys
src, dst, keys = sys.argv[1:4]
with open(src, encoding='utf-8') as f, open(dst, 'w', encoding='utf-8') as o, open(keys, 'w') as k:
    for i, line in enumerate(f):
        r = json.loads(line)
        if i % 10 == 3:
            r['XM'] = r['XM'] + '改'
            k.write(r['GMSFHM'] + '\n')
            line = json.dumps(r, ensure_ascii=False, separators=(',', ':')) + '\n'
        o.write(line)  # the other lines byte for byte
PY
out=$("$DGP" load --resource 101045/000001 "$TMP/ljsjd_syrk_2.jsonl" 2>&1)
expect_out "10% changed: summary, the unchanged chunks skipped unparsed" \
	"read 1000, new 0, changed 100, unchanged 900 (900 skipped), duplicate 0, rejected 0" "$out"
eq "10% changed: exactly those rows updated" \
	"$(sql "SELECT string_agg(gmsfhm, ',' ORDER BY gmsfhm) FROM dgp_src.ljsjd_syrk WHERE _dgp_updated_at > '$t'")" \
	"$(sort "$TMP/changed.txt" | paste -sd,)"
eq "10% changed: the new names are stored" \
	"$(sql "SELECT count(*) FROM dgp_src.ljsjd_syrk WHERE xm LIKE '%改'")" 100
eq "10% changed: golden rows of exactly those keys refreshed" \
	"$(sql "SELECT count(*) FROM dgp_base.person WHERE _dgp_updated_at > '$t'")" 100

# (c2) unchanged reloads skip before parsing, and count every record once
out=$("$DGP" load --again --resource 101045/000001 "$TMP/ljsjd_syrk_2.jsonl" 2>&1)
expect_out "identical reload: all skipped" \
	"read 1000, new 0, changed 0, unchanged 1000 (1000 skipped), duplicate 0, rejected 0" "$out"
# --again reads the same file once more: its records are replays, counted apart
eq "identical reload (--again): records read counted once, as replays, fields only where parsed" \
	"$(sql "SELECT s.records_read || ' ' || s.replayed || ' ' || (SELECT min(total) || ' ' || max(total) FROM dgp_catalog.field_stats WHERE resource_code = s.resource_code) FROM dgp_catalog.resource_stats s WHERE resource_code = '101045/000001'")" \
	"2000 1000 1100 1100"
eq "identical reload: load_log" \
	"$(sql "SELECT records_read || ' ' || \"new\" || ' ' || changed || ' ' || unchanged || ' ' || status FROM dgp_ops.load_log WHERE resource_code = '101045/000001' ORDER BY id DESC LIMIT 1")" \
	"1000 0 0 1000 complete"
# one record inserted and one deleted: only the inserted one is parsed
sed -e '500d' -e '700r /dev/stdin' "$TMP/ljsjd_syrk_2.jsonl" >"$TMP/ljsjd_syrk_3.jsonl" \
	< <(sed -n '1p' "$TMP/ljsjd_syrk_1.jsonl" | sed 's/"GMSFHM": *"[^"]*"/"GMSFHM": "11010519491231002X"/')
out=$("$DGP" load --resource 101045/000001 "$TMP/ljsjd_syrk_3.jsonl" 2>&1)
expect_out "insertion and deletion: the rest skipped" \
	"read 1000, new 1, changed 0, unchanged 999 (999 skipped), duplicate 0, rejected 0" "$out"
# another writer since the last load (as dgp run would be): nothing is skipped
sql "UPDATE dgp_catalog.resource_stats SET last_change = now() WHERE resource_code = '101045/000001'" >/dev/null
out=$("$DGP" load --again --resource 101045/000001 "$TMP/ljsjd_syrk_3.jsonl" 2>&1)
expect_out "after another writer: everything parsed" \
	"read 1000, new 0, changed 0, unchanged 1000, duplicate 0, rejected 0" "$out"
# load.skip.unchanged.chunks=false parses everything
out=$(DGP_LOAD_SKIP_UNCHANGED_CHUNKS=false "$DGP" load --again --resource 101045/000001 "$TMP/ljsjd_syrk_3.jsonl" 2>&1)
expect_out "skipping off: everything parsed" \
	"read 1000, new 0, changed 0, unchanged 1000, duplicate 0, rejected 0" "$out"
# the default chunk size: a second identical reload skips all of it
unset DGP_LOAD_CHUNK_BITS
"$DGP" load --again --resource 101045/000001 "$TMP/ljsjd_syrk_3.jsonl" >/dev/null 2>&1
out=$("$DGP" load --again --resource 101045/000001 "$TMP/ljsjd_syrk_3.jsonl" 2>&1)
expect_out "default chunks: identical reload all skipped" \
	"read 1000, new 0, changed 0, unchanged 1000 (1000 skipped), duplicate 0, rejected 0" "$out"
eq "after every reload: the rows are the file's" \
	"$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE xm LIKE '%改') FROM dgp_src.ljsjd_syrk")" "1001 100"

# (d) key-hash collisions forced (3 bits: 8 buckets for every key): PostgreSQL identical
new_db "dgp_test_load_coll_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
for f in "${files[@]}"; do
	read -r n code rows file <<<"$f"
	DGP_DEDUP_KEY_HASH_BITS=3 "$DGP" load --resource "$code" "$TMP/$file" >/dev/null 2>&1 || bad "$n collided load exit"
done
eq "collisions: PostgreSQL identical to a normal load" "$(dbsum "${tables[@]}")" "$first"
for f in "${files[@]}"; do
	read -r n code rows file <<<"$f"
	again=$(ls "$TMP"/again_"${file%.gz}"*)
	DGP_DEDUP_KEY_HASH_BITS=3 "$DGP" load --resource "$code" "$again" >/dev/null 2>&1 || bad "$n collided reload exit"
done
eq "collisions: reload leaves the same rows" "$(dbsum "${tables[@]:0:7}")" "$(echo "$first" | head -7)"

finish
