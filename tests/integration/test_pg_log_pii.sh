#!/usr/bin/env bash
# test_pg_log_pii.sh DGP SRCDIR — no ID number and no key value of the loaded
# records reaches PostgreSQL's server log, in the two cases that used to put
# them there (a COPY failing on a unique violation logs "Key (gmsfhm)=(…)
# already exists"):
#   - overlapping loaders: two `dgp load`s of files sharing half their people,
#     run at the same time, each with a cache warmed before the other wrote
#     (3 rounds, small batches so they interleave);
#   - a reload of a resource whose record key has a datetime field (312008/000001:
#     GMSFHM + JZSJ): its unchanged records must count unchanged — the cache is
#     warmed in dgp's own spelling of the key — and write nothing.
# The server log is scripts/pg.sh's (DGP_PG_LOG); only what these loads added to it,
# in this test's database, is read.
set -u
DGP=$1
SRC=$2
. "$SRC/tests/integration/load_lib.sh"
export DGP_LOG_LEVEL=warn
PGLOG=${DGP_PG_LOG:-$(eval "$("$SRC/scripts/pg.sh" env)" && echo "${DGP_PG_LOG:-}")}
[[ -n $PGLOG ]] || { echo "FAIL no server log: scripts/pg.sh env names none"; exit 1; }
logsize() { stat -c %s "$PGLOG"; }
logtail() { tail -c +$(($1 + 1)) "$PGLOG"; }
[[ -r $PGLOG ]] || { echo "FAIL cannot read the server log $PGLOG"; exit 1; }

new_db "dgp_test_pg_log_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
start=$(logsize)

# --- overlapping loaders
R=101001/000001
for round in 1 2 3; do
	a=$TMP/gaj_hjrk_a$round.csv b=$TMP/gaj_hjrk_b$round.csv
	"$DGP_GEN" --resource $R --encoding UTF-8 --rows 6000 --seed $((20 + round)) --key-offset $((round * 100000)) --out "$a" || exit 1
	"$DGP_GEN" --resource $R --encoding UTF-8 --rows 6000 --seed $((20 + round)) --key-offset $((round * 100000 + 3000)) --out "$b" || exit 1
	DGP_BATCH_MAX_ROWS=300 "$DGP" load --encoding UTF-8 "$a" >"$TMP/a$round.out" 2>&1 &
	pa=$!
	DGP_BATCH_MAX_ROWS=300 "$DGP" load --encoding UTF-8 "$b" >"$TMP/b$round.out" 2>&1 &
	pb=$!
	wait $pa
	eq "round $round: loader a exit" "$?" 0
	wait $pb
	eq "round $round: loader b exit" "$?" 0
done
eq "overlapping loads: one row per person" "$(sql "SELECT count(*) || ' ' || count(DISTINCT gmsfhm) FROM dgp_src.gaj_hjrk")" "27000 27000"
met=$(cat "$TMP"/a?.out "$TMP"/b?.out | grep -c "met rows the cache did not know")
if ((met > 0)); then ok; else bad "the loaders never met each other's rows (no overlap happened)" "$(cat "$TMP"/a1.out)"; fi

# --- datetime-key reload
D=312008/000001
"$DGP_GEN" --resource $D --rows 5000 --seed 9 --out "$TMP/ybj_ybjs_1.csv" --manifest "$TMP/d.json" || exit 1
out=$("$DGP" load "$TMP/ybj_ybjs_1.csv" 2>&1)
expect_out "datetime key: first load" "$(summary_want "$TMP/d.json" first_load)" "$out"
cp "$TMP/ybj_ybjs_1.csv" "$TMP/ybj_ybjs_2.csv"
echo >>"$TMP/ybj_ybjs_2.csv" # another file id, the same records
before=$(sql "SELECT max(_dgp_updated_at) FROM dgp_src.ybj_ybjs")
# every record parsed and met in the warmed cache (the path under test), not
# passed over as an unchanged chunk
out=$(DGP_LOAD_SKIP_UNCHANGED_CHUNKS=false "$DGP" load "$TMP/ybj_ybjs_2.csv" 2>&1)
expect_out "datetime key: reload counts unchanged" "$(summary_want "$TMP/d.json" reload)" "$out"
eq "datetime key: reload wrote nothing" "$(sql "SELECT max(_dgp_updated_at) FROM dgp_src.ybj_ybjs")" "$before"

# --- the server log: none of the keys, no ID number at all, no key conflict
# the lines of this test's database (other tests may share the server meanwhile)
logtail "$start" | grep -a "@dgp_test_pg_log_$$ " >"$TMP/server.log"
cut -d, -f1 "$TMP"/gaj_hjrk_*.csv "$TMP"/ybj_ybjs_1.csv | grep -v GMSFHM | sort -u >"$TMP/keys"
cut -d, -f5 "$TMP"/ybj_ybjs_1.csv | grep -v JZSJ | sort -u >>"$TMP/keys"
eq "keys to look for" "$(($(wc -l <"$TMP/keys") > 30000))" 1
eq "server log: no key value of the loaded records" "$(grep -c -F -f "$TMP/keys" "$TMP/server.log")" 0
eq "server log: no ID number" "$(grep -c -E '[1-9][0-9]{16}[0-9X]' "$TMP/server.log")" 0
eq "server log: no key conflict" "$(grep -c 'already exists' "$TMP/server.log")" 0
finish
