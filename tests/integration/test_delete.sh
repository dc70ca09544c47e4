#!/usr/bin/env bash
# test_delete.sh DGP SRCDIR — deletes, exactly once.
#
# Kafka: 户籍 inserts for three people A, B, C (one partition, offsets 0–2), a
# 社保 row of A loaded from a file (A's golden row has a second source), then
# tombstones (null value, the record key as message key) for A, B and an absent
# key X (offsets 3–5).  After `dgp run`: dgp_src holds C only, dgp_ops.deleted
# holds A's and B's rows with their tombstones' offsets, A's golden row is
# recomputed from 社保 alone, B's is gone, resource_stats counts 2 deleted.
# Two more consumer groups replay the topic, one in a single batch (the
# in-batch collapse: insert then delete is the delete, which finds nothing),
# one a message per batch (each insert goes in again and its tombstone deletes
# it again): nothing is deleted twice, nothing counted twice.
# Files: a JSON-lines file with delete markers ({"_dgp_op":"delete", key}),
# other fields ignored, a marker for an absent key, and a delete then an
# insert of one key (the insert wins: nothing changes).
# CSV: a "_dgp_op" column (delete, empty, a bad value) and the load_log counts.
set -u
DGP=$1
SRC=$2
. "$SRC/tests/integration/load_lib.sh"
: "${DGP_KAFKA_BROKERS:?DGP_KAFKA_BROKERS is not set: start the services (scripts/services.sh start)}"
export DGP_HTTP_LISTEN=127.0.0.1:0
new_db "dgp_test_delete_$$"
tag="dl$$x$(date +%s%N | tail -c 7)"
export DGP_RUN_TOPIC_PREFIX="$tag."
"$DGP" catalog sync >/dev/null || exit 1

H=101001/000001
T=$tag.dept.gaj.hjrk
"$DGP_GEN" --resource $H --rows 4 --encoding UTF-8 --format jsonl --out "$TMP/h4.jsonl" >/dev/null || exit 1
"$DGP_GEN" --resource 101003/000001 --rows 1 --encoding UTF-8 --format jsonl --out "$TMP/s.jsonl" >/dev/null || exit 1
A=420106194001020004 B=420106194001020012 C=420106194001020020 X=420106194001020039
eq "the generator's people" "$(jq -r .GMSFHM "$TMP/h4.jsonl" | tr '\n' ' ')" "$A $B $C $X "
head -3 "$TMP/h4.jsonl" >"$TMP/h.jsonl"
for k in $A $B $X; do echo "{\"_dgp_op\":\"delete\",\"GMSFHM\":\"$k\"}"; done >"$TMP/del.jsonl"

"$DGP" load --encoding UTF-8 --resource 101003/000001 "$TMP/s.jsonl" >/dev/null 2>&1 || bad "load 社保"
"$DGP_PRODUCE" --resource $H --topic "$T" --partitions 1 "$TMP/h.jsonl" >/dev/null || exit 1
run() { # GROUP [BATCH_ROWS] — dgp run until idle, its output in $TMP/GROUP.log
	DGP_KAFKA_GROUP_ID=$1 DGP_RUN_TOPICS=dept.gaj.hjrk DGP_BATCH_MAX_ROWS=${2:-1000} \
		timeout 120 "$DGP" run --until-idle 3000 >"$TMP/$1.log" 2>&1 ||
		bad "group $1: dgp run failed" "$(tail -5 "$TMP/$1.log")"
}
run first
eq "inserts: three rows" "$(sql "SELECT count(*) FROM dgp_src.gaj_hjrk")" 3
eq "A's golden row takes 户籍's address" \
	"$(sql "SELECT hjdz || ' ' || hjqh FROM dgp_base.person WHERE gmsfhm = '$A'")" \
	"湖北省武汉市武昌区南湖街道徐东大街85号1栋498室 420114"

# the tombstones, produced by dgp-produce from the delete markers
"$DGP_PRODUCE" --resource $H --topic "$T" "$TMP/del.jsonl" >/dev/null || exit 1
DGP_RUN_LOG_INTERVAL_MS=200 run first
out=$(tail -1 "$TMP/first.log")
expect_out "run summary" "3 records, 0 rows written, 0 rejected, 1 batches committed, deleted 2 / absent 1" "$out"
expect_out "run progress line" "3 records, 0 rows written, 0 rejected, 2 deleted / 1 absent, 1 batches committed" "$(grep 'records/s' "$TMP/first.log" | tail -1)"
eq "dgp_src keeps C only" "$(sql "SELECT string_agg(gmsfhm, ' ') FROM dgp_src.gaj_hjrk")" "$C"
history() {
	sql "SELECT string_agg(resource_code || ' ' || array_to_string(key, ',') || ' ' ||
	     source || '/' || \"partition\" || '@' || \"offset\" || ' ' || (line IS NULL) || ' ' ||
	     (\"row\"->>'gmsfhm') || ' ' || (\"row\"->>'xm'), '; ' ORDER BY \"offset\")
	     FROM dgp_ops.deleted"
}
want_history="$H $A $T/0@3 true $A 姚磊鹏; $H $B $T/0@4 true $B 彭桂英"
eq "history: the deleted rows with their tombstones' origin" "$(history)" "$want_history"
golden() {
	sql "SELECT coalesce(string_agg(gmsfhm || ' ' || xm || ' ' || coalesce(hjdz, '-') || ' ' ||
	     coalesce(hjqh, '-') || ' ' || coalesce(mz, '-') || ' ' || coalesce(lxdh, '-') || ' ' ||
	     coalesce(jzdz, '-'), '; ' ORDER BY gmsfhm), '')
	     FROM dgp_base.person WHERE gmsfhm IN ('$A', '$B')"
}
want_golden="$A 姚磊鹏 湖北省武汉市武昌区珞珈山街道中南路229号28栋2042室 - - 16495243169 湖北省武汉市武昌区南湖街道徐东大街85号1栋498室"
eq "golden: A recomputed from 社保 alone, B gone" "$(golden)" "$want_golden"
eq "golden: A's fields all come from 社保 now" \
	"$(sql "SELECT string_agg(DISTINCT v, ',') FROM dgp_base.person_with_sources p,
	     jsonb_each_text(p._dgp_sources) AS s(k, v) WHERE gmsfhm = '$A'")" "101003/000001"
stats() {
	sql "SELECT records_read || ' ' || rejected || ' ' || replayed || ' ' || \"rows\" || ' ' || deleted
	     FROM dgp_catalog.resource_stats WHERE resource_code = '$H'"
}
eq "resource_stats: read rejected replayed rows deleted" "$(stats)" "6 0 0 1 2"
eq "no reject" "$(sql "SELECT count(*) FROM dgp_ops.reject")" 0
eq "nothing left queued" "$(sql "SELECT coalesce(sum(cardinality(keys)), 0) FROM dgp_ops.golden_queue")" 0

# replays: nothing deleted twice, nothing counted twice
run second
expect_out "second group: one batch, the deletes find nothing" "deleted 0 / absent 3" "$(tail -1 "$TMP/second.log")"
eq "second group: dgp_src" "$(sql "SELECT string_agg(gmsfhm, ' ') FROM dgp_src.gaj_hjrk")" "$C"
eq "second group: history" "$(history)" "$want_history"
eq "second group: resource_stats" "$(stats)" "6 0 6 1 2"
run third 1
expect_out "third group: a batch per message, each delete removes its insert again" \
	"6 records, 2 rows written, 0 rejected, 6 batches committed, deleted 2 / absent 1" "$(tail -1 "$TMP/third.log")"
eq "third group: dgp_src" "$(sql "SELECT string_agg(gmsfhm, ' ') FROM dgp_src.gaj_hjrk")" "$C"
eq "third group: no history row twice" "$(history)" "$want_history"
eq "third group: resource_stats" "$(stats)" "6 0 12 1 2"
eq "third group: golden rows" "$(golden)" "$want_golden"

# --- files: delete markers ----------------------------------------------------
new_db "dgp_test_delete_f_$$"
"$DGP" catalog sync >/dev/null || exit 1
"$DGP" load --encoding UTF-8 --resource $H "$TMP/h.jsonl" >/dev/null 2>&1 || bad "file: load"
{
	echo "{\"GMSFHM\":\"$A\",\"_dgp_op\":\"delete\",\"XM\":\"ignored\",\"NOPE\":1}"
	echo "{\"_dgp_op\":\"delete\",\"GMSFHM\":\"$X\"}"
	echo "{\"_dgp_op\":\"delete\",\"GMSFHM\":\"$C\"}"
	sed -n 3p "$TMP/h.jsonl"
	echo "{\"_dgp_op\":\"delete\",\"GMSFHM\":\"420106194001020005\"}"
	echo "{\"_dgp_op\":\"drop\",\"GMSFHM\":\"$B\"}"
} >"$TMP/fdel.jsonl"
out=$("$DGP" load --encoding UTF-8 --resource $H "$TMP/fdel.jsonl" 2>&1) || bad "file: load deletes" "$out"
expect_out "file: summary" "read 6, new 0, changed 0, unchanged 1, duplicate 1, rejected 2, deleted 1 / absent 1" "$out"
eq "file: dgp_src" "$(sql "SELECT string_agg(gmsfhm, ' ' ORDER BY gmsfhm) FROM dgp_src.gaj_hjrk")" "$B $C"
eq "file: history row with the marker's file and line" \
	"$(sql "SELECT array_to_string(key, ',') || ' ' || source || ' ' || (\"partition\" IS NULL) || ' ' || line || ' ' || (\"row\"->>'xm') FROM dgp_ops.deleted")" \
	"$A $TMP/fdel.jsonl true 1 姚磊鹏"
eq "file: the bad deletes are rejects" \
	"$(sql "SELECT string_agg(reason || ':' || coalesce(field, '-') || ':' || line, ' ' ORDER BY line) FROM dgp_ops.reject")" \
	"checksum:GMSFHM:5 malformed:-:6"
eq "file: resource_stats" "$(stats)" "9 2 0 2 1"
eq "file: load_log of the deletes' file" \
	"$(sql "SELECT records_read || ' ' || unchanged || ' ' || duplicate || ' ' || rejected || ' ' || deleted FROM dgp_ops.load_log WHERE source = '$TMP/fdel.jsonl'")" \
	"6 1 1 2 1"
"$DGP" load --again --encoding UTF-8 --resource $H "$TMP/fdel.jsonl" >/dev/null 2>&1 || bad "file: load --again"
eq "file: --again deletes nothing twice" \
	"$(sql "SELECT count(*) FROM dgp_ops.deleted")|$(stats)" "1|9 2 6 2 1"

# --- CSV: a "_dgp_op" column ------------------------------------------------
new_db "dgp_test_delete_c_$$"
"$DGP" catalog sync >/dev/null || exit 1
"$DGP_GEN" --resource $H --rows 3 --encoding UTF-8 --format csv --out "$TMP/h3.csv" >/dev/null || exit 1
"$DGP" load --encoding UTF-8 --resource $H "$TMP/h3.csv" >/dev/null 2>&1 || bad "csv: load"
{
	echo "$(head -1 "$TMP/h3.csv"),_dgp_op"
	echo "$(sed -n 2p "$TMP/h3.csv"),delete"
	echo "$(sed -n 3p "$TMP/h3.csv"),"
	echo "$(sed -n 4p "$TMP/h3.csv"),drop"
	echo "$X$(sed -n 2p "$TMP/h3.csv" | sed 's/^[^,]*//'),delete"
} >"$TMP/cdel.csv"
out=$("$DGP" load --encoding UTF-8 --resource $H "$TMP/cdel.csv" 2>&1) || bad "csv: load deletes" "$out"
expect_out "csv: summary" "read 4, new 0, changed 0, unchanged 1, duplicate 0, rejected 1, deleted 1 / absent 1" "$out"
eq "csv: dgp_src" "$(sql "SELECT string_agg(gmsfhm, ' ' ORDER BY gmsfhm) FROM dgp_src.gaj_hjrk")" "$B $C"
eq "csv: history row with the marker's line" \
	"$(sql "SELECT array_to_string(key, ',') || ' ' || line FROM dgp_ops.deleted")" "$A 2"
eq "csv: a bad op is malformed" \
	"$(sql "SELECT reason || ':' || line || ':' || detail FROM dgp_ops.reject")" \
	"malformed:4:column 24 \"_dgp_op\" at byte $(($(sed -n 4p "$TMP/h3.csv" | wc -c))) is neither \"delete\" nor \"upsert\""
finish
