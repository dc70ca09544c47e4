#!/usr/bin/env bash
# test_run_source.sh DGP SRCDIR — `dgp run`'s source side against the real
# broker and PostgreSQL: SIGHUP reloads the catalog given with --catalog (not
# catalog.dir) and syncs that one; partitions added to a topic while it runs
# are read, and --until-idle waits for them.
set -u
DGP=$1
SRC=$2
. "$SRC/tests/integration/load_lib.sh"
: "${DGP_KAFKA_BROKERS:?DGP_KAFKA_BROKERS is not set: start the services (scripts/services.sh start)}"
export DGP_LOG_LEVEL=info DGP_HTTP_LISTEN=127.0.0.1:0
new_db "dgp_test_run_source_$$"
tag="rs$$x$(date +%s%N | tail -c 7)"
export DGP_RUN_TOPIC_PREFIX="$tag."

# wait_log FILE TEXT — up to 60 s for TEXT to appear in FILE
wait_log() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -qF -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

# --- SIGHUP reloads --catalog DIR -------------------------------------------
cat=$TMP/catalog
cp -r "$SRC/catalog/sample" "$cat"
sed -i 's/^101001\/000001,户籍人口信息,/101001\/000001,户籍人口信息（甲）,/' "$cat/gaj/resources.csv"
"$DGP" catalog sync "$cat" >/dev/null || exit 1
eq "catalog DIR synced" "$(sql "SELECT name FROM dgp_catalog.resource WHERE code = '101001/000001'")" "户籍人口信息（甲）"
"$DGP" run --catalog "$cat" >"$TMP/hup.log" 2>&1 &
pid=$!
wait_log "$TMP/hup.log" "subscribed to" || bad "run started" "$(cat "$TMP/hup.log")"
sed -i 's/^101001\/000001,户籍人口信息（甲）,/101001\/000001,户籍人口信息（乙）,/' "$cat/gaj/resources.csv"
kill -HUP $pid
wait_log "$TMP/hup.log" "catalog reloaded" || bad "reload logged" "$(cat "$TMP/hup.log")"
eq "SIGHUP synced the --catalog DIR, not catalog.dir" \
	"$(sql "SELECT name FROM dgp_catalog.resource WHERE code = '101001/000001'")" "户籍人口信息（乙）"
kill -TERM $pid
wait $pid
eq "run: exit after SIGTERM" "$?" 0

# --- partitions added while dgp run runs ------------------------------------
# 20 messages in a 1-partition topic; once they are committed the topic grows
# to 4 partitions and 50 more arrive, most in the new ones: --until-idle must
# not stop before all 70 are committed (run.topics names the catalog topic; the
# prefix is prepended to it as to every catalog name)
R=101041/000001
T=$tag.dept.bszjd.syrk
"$DGP_GEN" --resource $R --rows 20 --seed 4 --key-offset 8400000 --out "$TMP/a.csv" || exit 1
"$DGP_GEN" --resource $R --rows 50 --seed 4 --key-offset 8400100 --out "$TMP/b.csv" || exit 1
"$DGP_PRODUCE" --resource $R --topic "$T" --partitions 1 "$TMP/a.csv" >/dev/null || exit 1
DGP_RUN_TOPICS=dept.bszjd.syrk DGP_RUN_LOG_INTERVAL_MS=500 "$DGP" run --until-idle 8000 >"$TMP/parts.log" 2>&1 &
pid=$!
for ((i = 0; i < 600; i++)); do
	[[ $(sql "SELECT count(*) FROM dgp_src.bszjd_syrk") == 20 ]] && break
	sleep 0.1
done
eq "first 20 committed" "$(sql "SELECT count(*) FROM dgp_src.bszjd_syrk")" 20
"$DGP_PRODUCE" --resource $R --topic "$T" --partitions 4 "$TMP/b.csv" >/dev/null || exit 1
for ((i = 0; i < 1200; i++)); do
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
kill -0 $pid 2>/dev/null && { kill -TERM $pid; bad "--until-idle did not stop within 120 s" "$(tail -5 "$TMP/parts.log")"; }
wait $pid
eq "--until-idle: exit" "$?" 0
eq "every message of the grown topic committed" \
	"$(sql "SELECT (SELECT count(*) FROM dgp_src.bszjd_syrk) || ' ' || (SELECT count(*) || ' ' || sum(next_offset) FROM dgp_ops.offsets WHERE topic = '$T')")" \
	"70 4 70"
expect_out "--until-idle checked every partition" "every partition of the subscribed topics committed" "$(cat "$TMP/parts.log")"

finish
