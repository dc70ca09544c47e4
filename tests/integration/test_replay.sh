#!/usr/bin/env bash
# test_replay.sh DGP SRCDIR — statistics count a record once however often it
# is read.  A second consumer group re-reading a topic, and `dgp load --again`
# of a file, write no rows and leave 累计读取 (resource_stats.records_read),
# 拒收 (rejected), reject_stats and the dgp_ops.reject table as they were; the
# records read again are counted apart in resource_stats.replayed (重复读取).
# The second group reads with a smaller batch than the first, so its batches
# straddle the first group's.
set -u
DGP=$1
SRC=$2
. "$SRC/tests/integration/load_lib.sh"
: "${DGP_KAFKA_BROKERS:?DGP_KAFKA_BROKERS is not set: start the services (scripts/services.sh start)}"
export DGP_HTTP_LISTEN=127.0.0.1:0
new_db "dgp_test_replay_$$"
tag="rp$$x$(date +%s%N | tail -c 7)"
export DGP_RUN_TOPIC_PREFIX="$tag."
"$DGP" catalog sync >/dev/null || exit 1

# stats CODE — "records_read rejected replayed rows | reject rows | reject_stats"
stats() {
	sql "SELECT (SELECT records_read || ' ' || rejected || ' ' || replayed || ' ' || \"rows\"
	     FROM dgp_catalog.resource_stats WHERE resource_code = '$1') || ' | ' ||
	     (SELECT count(*) FROM dgp_ops.reject WHERE resource_code = '$1') || ' | ' ||
	     (SELECT string_agg(reason || '=' || count, ' ' ORDER BY reason)
	      FROM dgp_catalog.reject_stats WHERE resource_code = '$1')"
}

# --- Kafka: a second consumer group over the same topic ---------------------
R=101041/000001
T=$tag.dept.bszjd.syrk
"$DGP_GEN" --resource $R --rows 600 --seed 21 --encoding UTF-8 --format jsonl \
	--bad-key-rate 0.03 --bad-optional-rate 0.02 --dup-rate 0.02 --out "$TMP/s.jsonl" \
	--manifest "$TMP/s.manifest.json" >/dev/null || exit 1
"$DGP_PRODUCE" --resource $R --topic "$T" --partitions 4 "$TMP/s.jsonl" >/dev/null || exit 1
DGP_KAFKA_GROUP_ID=first DGP_RUN_TOPICS=dept.bszjd.syrk DGP_BATCH_MAX_ROWS=200 \
	"$DGP" run --until-idle 3000 >"$TMP/first.log" 2>&1 || bad "first group run" "$(tail -5 "$TMP/first.log")"
read_=$(m "$TMP/s.manifest.json" '.expected.first_load.read')
rej=$(m "$TMP/s.manifest.json" '.expected.first_load.rejected')
frej=$(m "$TMP/s.manifest.json" '.expected.first_load.field_rejects')
rows=$(sql "SELECT count(*) FROM dgp_src.bszjd_syrk")
eq "first group: 600 read" "$read_" 600
first=$(stats $R)
eq "first group: read, rejected, no replays; one reject row per reject" \
	"${first%% | *}" "600 $rej 0 $rows"
eq "first group: reject rows = record rejects + value rejects" \
	"$(cut -d'|' -f2 <<<"$first" | tr -d ' ')" "$((rej + frej))"
DGP_KAFKA_GROUP_ID=second DGP_RUN_TOPICS=dept.bszjd.syrk DGP_BATCH_MAX_ROWS=70 \
	"$DGP" run --until-idle 3000 >"$TMP/second.log" 2>&1 || bad "second group run" "$(tail -5 "$TMP/second.log")"
eq "second group committed every offset" \
	"$(sql "SELECT sum(next_offset) FROM dgp_ops.offsets WHERE group_id = 'second'")" 600
eq "second group: 累计读取, 拒收, reject table, reject_stats unchanged; 600 replayed" \
	"$(stats $R)" "${first/ 0 $rows | / 600 $rows | }"
eq "counted through the end of every partition" \
	"$(sql "SELECT count(*) || ' ' || sum(counted_through) FROM dgp_ops.counted WHERE origin = '$T'")" "4 600"

# 50 more messages: each group counts only what it is the first to read
"$DGP_GEN" --resource $R --rows 50 --seed 22 --key-offset 7700000 --encoding UTF-8 --format jsonl \
	--out "$TMP/t.jsonl" >/dev/null || exit 1
"$DGP_PRODUCE" --resource $R --topic "$T" --partitions 4 "$TMP/t.jsonl" >/dev/null || exit 1
for g in second first; do
	DGP_KAFKA_GROUP_ID=$g DGP_RUN_TOPICS=dept.bszjd.syrk "$DGP" run --until-idle 3000 \
		>"$TMP/more-$g.log" 2>&1 || bad "group $g: more" "$(tail -5 "$TMP/more-$g.log")"
done
eq "50 more: counted once (by the group that read them first), replayed once" \
	"$(sql "SELECT records_read || ' ' || replayed FROM dgp_catalog.resource_stats WHERE resource_code = '$R'")" \
	"650 650"

# --- files: dgp load twice, and dgp load --again ----------------------------
F=101001/000001
"$DGP_GEN" --resource $F --rows 400 --seed 23 --bad-key-rate 0.03 --bad-optional-rate 0.02 \
	--out "$TMP/h.csv" --manifest "$TMP/h.manifest.json" >/dev/null || exit 1
"$DGP" load --resource $F "$TMP/h.csv" >/dev/null 2>&1 || bad "load" ""
frej=$(m "$TMP/h.manifest.json" '.expected.first_load.rejected')
once=$(stats $F)
frows=$(sql "SELECT count(*) FROM dgp_src.gaj_hjrk")
eq "load: read, rejected, no replays" "${once%% | *}" "400 $frej 0 $frows"
"$DGP" load --resource $F "$TMP/h.csv" >/dev/null 2>&1 || bad "load twice" ""
eq "load twice: nothing read, nothing counted" "$(stats $F)" "$once"
"$DGP" load --again --resource $F "$TMP/h.csv" >/dev/null 2>&1 || bad "load --again" ""
eq "load --again: 累计读取, 拒收, reject table unchanged; 400 replayed" \
	"$(stats $F)" "${once/ 0 $frows | / 400 $frows | }"
eq "load --again: its load_log row counts what it read" \
	"$(sql "SELECT string_agg(records_read::text, ' ' ORDER BY id) FROM dgp_ops.load_log WHERE resource_code = '$F'")" \
	"400 400"

finish
