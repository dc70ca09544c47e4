#!/usr/bin/env bash
# test_run_source.sh DGP SRCDIR — `dgp run`'s source side against the real
# broker and PostgreSQL: SIGHUP reloads the catalog given with --catalog (not
# catalog.dir) and syncs that one.
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

finish
