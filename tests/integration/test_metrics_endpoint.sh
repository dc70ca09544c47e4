#!/usr/bin/env bash
# test_metrics_endpoint.sh DGP SRCDIR — `dgp availability probe` against the
# real PostgreSQL (up) and a closed port (down), as Prometheus and an operator
# see it:
#   - /healthz, /readyz, /metrics answer; promtool check metrics passes
#   - every metric the alert rules and the Grafana dashboard use is exposed
#   - a malformed request, a slow client and 50 parallel scrapes neither
#     crash dgp nor stop its probe loop (results keep being stored)
#   - a real Prometheus server scraping dgp answers a dgp_ query on its API
#   - every result is a row in dgp_catalog.availability; the report and its
#     JSON show the up target at 100% and the down one with an open outage
#   - SIGTERM stops it cleanly (exit 0)
#   - `dgp load` and `dgp run` expose the catalog gauges of what another
#     process loaded, exactly: dgp_resource_rows = count(*) of the dgp_src
#     table, never-loaded = catalog resources - loaded ones, a load by
#     another process seen within a few metrics.catalog.interval.ms, a last
#     load set 400 days back makes dgp_catalog_resources_overdue exactly 1
# The real Kafka is probed too (up).  Needs DGP_PG_CONNINFO and
# DGP_KAFKA_BROKERS (scripts/services.sh start), psql, curl, promtool,
# prometheus; fails, never skips, without them.
set -u
DGP=$1
# the test-data tools (tools/) sit beside cli/ in the build tree
DGP_GEN=${DGP_GEN:-$(dirname "$DGP")/../tools/dgp-gen}
DGP_PRODUCE=${DGP_PRODUCE:-$(dirname "$DGP")/../tools/dgp-produce}
SRC=$2
pass=0
fail=0
TMP=$(mktemp -d)
DGP_PID=
PROM_PID=
GAUGE_DB=
cleanup() {
	[[ -n $DGP_PID ]] && kill "$DGP_PID" 2>/dev/null
	[[ -n $PROM_PID ]] && kill "$PROM_PID" 2>/dev/null
	wait 2>/dev/null
	[[ -n $GAUGE_DB ]] && psql "$DGP_PG_CONNINFO" -qXc "DROP DATABASE IF EXISTS $GAUGE_DB" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
finish() { echo "$pass passed, $fail failed"; [[ $fail -eq 0 ]]; exit; }

for cmd in psql curl promtool prometheus python3; do
	command -v "$cmd" >/dev/null || { bad "$cmd not found (scripts/install-deps.sh)"; finish; }
done
[[ -n ${DGP_PG_CONNINFO:-} && -n ${DGP_KAFKA_BROKERS:-} ]] ||
	{ bad "DGP_PG_CONNINFO / DGP_KAFKA_BROKERS are not set: scripts/services.sh start"; finish; }

# Three distinct free loopback ports: dgp, Prometheus, and one left closed.
read -r PORT PROM_PORT DEAD_PORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in ss])')
RUN="it$$_$RANDOM"        # target names unique to this run
UP="${RUN}_db"
DOWN="${RUN}_closed"
SELF="${RUN}_self"
BUS="${RUN}_bus"

unset DGP_CONFIG
export DGP_HTTP_LISTEN="127.0.0.1:$PORT" DGP_HTTP_TIMEOUT_MS=2000 DGP_HTTP_THREADS=2
export DGP_PROBE_INTERVAL_MS=500 DGP_PROBE_TIMEOUT_MS=5000 DGP_LOG_LEVEL=info
export DGP_PROBE_TARGETS="$UP=pg:; $DOWN=pg:host=127.0.0.1 port=$DEAD_PORT dbname=none; $SELF=http://127.0.0.1:$PORT/healthz 200; $BUS=kafka:"

"$DGP" availability probe >"$TMP/dgp.out" 2>"$TMP/dgp.log" &
DGP_PID=$!

wait_for() { # SECONDS CMD... — retry CMD every 0.2 s until it succeeds
	local until=$((SECONDS + $1))
	shift
	while ((SECONDS < until)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
metric() { # NAME{labels} — its value in a fresh scrape
	curl -sf "http://127.0.0.1:$PORT/metrics" | awk -v k="$1" '$1 == k { print $2 }'
}

if wait_for 20 curl -sf "http://127.0.0.1:$PORT/healthz"; then ok; else
	bad "/healthz did not answer within 20 s"; cat "$TMP/dgp.log"; finish
fi
[[ $(curl -s "http://127.0.0.1:$PORT/healthz") == ok ]] && ok || bad "/healthz body is not ok"
# ready once its store connection is up, which comes after the endpoint starts
# (a loaded machine showed /healthz before the connection): wait for it
readyz_ok() { [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz") == 200 ]]; }
if wait_for 20 readyz_ok; then ok; else
	bad "/readyz answered $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz") with PostgreSQL reachable, 20 s after start"
fi
ctype=$(curl -s -o /dev/null -w '%{content_type}' "http://127.0.0.1:$PORT/metrics")
[[ $ctype == "text/plain; version=0.0.4; charset=utf-8" ]] && ok || bad "/metrics content type \"$ctype\""

# Wait for results of every target, then check the exposition.
wait_for 20 bash -c "curl -sf http://127.0.0.1:$PORT/metrics | grep -q 'dgp_availability_ratio{target=\"$DOWN\",window=\"1d\"}'" &&
	wait_for 20 bash -c "curl -sf http://127.0.0.1:$PORT/metrics | grep -q 'dgp_probe_up{target=\"$SELF\",kind=\"http\"} 1'" &&
	wait_for 20 bash -c "curl -sf http://127.0.0.1:$PORT/metrics | grep -q 'dgp_probe_up{target=\"$BUS\",kind=\"kafka\"}'" ||
	{ bad "no probe results on /metrics within 20 s"; cat "$TMP/dgp.log"; }
curl -sf "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics.txt"
if promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then ok; else
	bad "promtool check metrics"; cat "$TMP/promtool.out"
fi
[[ $(metric "dgp_probe_up{target=\"$UP\",kind=\"pg\"}") == 1 ]] && ok || bad "$UP is not up"
[[ $(metric "dgp_probe_up{target=\"$DOWN\",kind=\"pg\"}") == 0 ]] && ok || bad "$DOWN is not down"
[[ $(metric "dgp_probe_up{target=\"$BUS\",kind=\"kafka\"}") == 1 ]] && ok || bad "$BUS (kafka.brokers) is not up"
[[ $(metric "dgp_availability_ratio{target=\"$UP\",window=\"30d\"}") == 1 ]] && ok || bad "$UP ratio is not 1"
[[ $(metric "dgp_availability_ratio{target=\"$DOWN\",window=\"365d\"}") == 0 ]] && ok || bad "$DOWN ratio is not 0"
[[ $(metric "dgp_availability_outages{target=\"$DOWN\",window=\"1d\"}") == 1 ]] && ok || bad "$DOWN has no open outage"

# The alert rules and the dashboard only use metrics dgp exposes.
exposed=$(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$TMP/metrics.txt" | sort -u)
used=$(grep -ohE 'dgp_[a-z_]+\.?' "$SRC/deploy/prometheus/dgp-alerts.yml" "$SRC/deploy/grafana/dgp-dashboard.json" |
	grep -v '\.$' | sed -E 's/_(bucket|sum|count)$//' | sort -u) # "dgp_ops." is a schema
unknown=$(comm -13 <(echo "$exposed") <(echo "$used"))
[[ -z $unknown ]] && ok || bad "deploy/ uses metrics dgp does not expose: $unknown"

# Robustness: garbage, a header-less request, a slow client, 50 parallel scrapes.
stored_before=$(metric dgp_probe_results_stored_total)
printf '\x16\x03\x01\x00\xff garbage\r\n\r\n' | timeout 5 bash -c "cat >/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
printf 'GET\r\n\r\n' | timeout 5 bash -c "cat >/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
exec 3<>"/dev/tcp/127.0.0.1/$PORT"
printf 'GET /metr' >&3 # …and never the rest
slow_start=$SECONDS
# 50 clients, each from its own loopback address: one address may hold only
# http.connection.limit.per.client (8) connections at once.
seq 2 51 | xargs -P 50 -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 \
	--interface 127.0.0.{} "http://127.0.0.1:$PORT/metrics" >"$TMP/codes.txt"
n200=$(grep -c '^200$' "$TMP/codes.txt")
[[ $n200 -eq 50 ]] && ok || bad "50 parallel scrapes: only $n200 answered 200 ($(sort "$TMP/codes.txt" | uniq -c | tr '\n' ' '))"
if timeout 15 cat <&3 >/dev/null; then
	ok # the server closed the slow connection
else
	bad "the slow client was not disconnected within 15 s"
fi
exec 3<&-
echo "slow client dropped after $((SECONDS - slow_start)) s" >"$TMP/slow.txt"
kill -0 "$DGP_PID" 2>/dev/null && ok || { bad "dgp died during the robustness checks"; cat "$TMP/dgp.log"; finish; }
wait_for 10 bash -c "[[ \$(curl -sf http://127.0.0.1:$PORT/metrics | awk '\$1 == \"dgp_probe_results_stored_total\" { print \$2 }') -gt $stored_before ]]" &&
	ok || bad "probe results stopped being stored during the robustness checks"

# A real Prometheus scraping dgp; ask its API for a dgp metric.
cat >"$TMP/prometheus.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [ "$SRC/deploy/prometheus/dgp-alerts.yml" ]
scrape_configs:
  - job_name: dgp
    static_configs: [ { targets: [ "127.0.0.1:$PORT" ] } ]
EOF
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom-data" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
query() { # PROMQL — the first result's value, from Prometheus' HTTP API
	curl -sfG "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")'
}
if wait_for 60 bash -c "[[ \$(curl -sfG http://127.0.0.1:$PROM_PORT/api/v1/query --data-urlencode 'query=dgp_probe_up{target=\"$UP\"}' | grep -c '\"value\"') -gt 0 ]]"; then
	ok
else
	bad "Prometheus did not return dgp_probe_up within 60 s"; tail -20 "$TMP/prometheus.log"
fi
[[ $(query "dgp_probe_up{target=\"$UP\"}") == 1 ]] && ok || bad "Prometheus: dgp_probe_up{target=\"$UP\"} is not 1"
[[ $(query "dgp_availability_ratio{target=\"$DOWN\",window=\"1d\"}") == 0 ]] && ok ||
	bad "Prometheus: availability of $DOWN is not 0"
[[ $(query "up{job=\"dgp\"}") == 1 ]] && ok || bad "Prometheus: up{job=\"dgp\"} is not 1"
kill "$PROM_PID"
wait "$PROM_PID" 2>/dev/null
PROM_PID=

# SIGTERM: a clean stop.
kill -TERM "$DGP_PID"
if timeout 20 tail --pid="$DGP_PID" -f /dev/null; then
	wait "$DGP_PID"
	rc=$?
	[[ $rc -eq 0 ]] && ok || { bad "dgp exited $rc after SIGTERM"; cat "$TMP/dgp.log"; }
else
	bad "dgp did not stop within 20 s of SIGTERM"
fi
DGP_PID=
grep -q 'stopped by signal' "$TMP/dgp.log" && ok || bad "no 'stopped by signal' in the log"
if grep -qi 'password' "$TMP/dgp.log"; then bad "the log mentions a password"; else ok; fi

# Every result is a row; up and down as probed.
count() { # TARGET UP(true|false)
	psql "$DGP_PG_CONNINFO" -XAtq -v t="$1" -v u="$2" \
		<<<"SELECT count(*) FROM dgp_catalog.availability WHERE target = :'t' AND up = :'u'::boolean"
}
[[ $(count "$UP" true) -ge 2 && $(count "$UP" false) -eq 0 ]] && ok || {
	bad "rows of $UP: $(count "$UP" true) up, $(count "$UP" false) down"
	psql "$DGP_PG_CONNINFO" -XAtq -v t="$UP" <<<"SELECT probed_at, duration_seconds, detail FROM dgp_catalog.availability WHERE target = :'t' AND NOT up"
}
[[ $(count "$DOWN" false) -ge 2 && $(count "$DOWN" true) -eq 0 ]] && ok || bad "rows of $DOWN: $(count "$DOWN" true) up, $(count "$DOWN" false) down"
detail=$(psql "$DGP_PG_CONNINFO" -XAtq -v t="$DOWN" <<<"SELECT detail FROM dgp_catalog.availability WHERE target = :'t' LIMIT 1")
[[ $detail == *"$DEAD_PORT"* ]] && ok || bad "the down row's detail does not say why: \"$detail\""

# The report, text and JSON.
unset DGP_PROBE_TARGETS DGP_HTTP_LISTEN
"$DGP" availability report --since 1h >"$TMP/report.txt" 2>&1
rc=$?
[[ $rc -eq 3 ]] && ok || { bad "report with a target down: exit $rc, not 3 (target missed)"; cat "$TMP/report.txt"; }
grep -qE "^$UP +pg +1d +100% +[0-9.]+% " "$TMP/report.txt" && ok || { bad "report: $UP is not at 100% over 1d with its observed share next to it"; cat "$TMP/report.txt"; }
grep -qE "^$DOWN +pg +1d +0\.0000% " "$TMP/report.txt" && ok || { bad "report: $DOWN is not at 0% over 1d"; cat "$TMP/report.txt"; }
grep -qE "^$DOWN +[0-9T:Z-]+ +\(still down\) " "$TMP/report.txt" && ok || bad "report: no open outage of $DOWN"
grep -q "target NOT met" "$TMP/report.txt" && ok || bad "report: the verdict does not say the target is missed"
"$DGP" availability report --since 1h --format json >"$TMP/report.json" 2>&1
[[ $? -eq 3 ]] && ok || bad "report --format json: exit status is not 3"
python3 - "$TMP/report.json" "$UP" "$DOWN" <<'EOF' && ok || bad "report JSON: unexpected content"
import json, sys
r = json.load(open(sys.argv[1]))
t = {x["name"]: x for x in r["targets"]}
up, down = t[sys.argv[2]], t[sys.argv[3]]
assert [w["window"] for w in up["windows"]] == ["1d", "30d", "365d"]
assert all(w["ratio"] == 1 for w in up["windows"]), up["windows"]
assert all(w["ratio"] == 0 for w in down["windows"]), down["windows"]
assert up["outages"] == [] and len(down["outages"]) == 1
o = down["outages"][0]
assert o["open"] and o["end"] is None and not o["sla_breach"] and o["time_to_repair_seconds"] > 0
assert r["repair_target_seconds"] == 86400
assert all(0 < w["observed_share"] < 0.01 for w in up["windows"]), up["windows"]
assert not up["removed"] and not down["removed"]
EOF
# A target taken out of probe.targets is history, not "still down".
DGP_PROBE_TARGETS="$UP=pg:" "$DGP" availability report --since 1h >"$TMP/removed.txt" 2>&1
grep -qE "^$DOWN +[0-9T:Z-]+ +\(target removed\) " "$TMP/removed.txt" && grep -q "0 outages still open" "$TMP/removed.txt" &&
	ok || { bad "report: a removed target's outage is still counted open"; cat "$TMP/removed.txt"; }
"$DGP" availability report --since yesterday >/dev/null 2>&1
[[ $? -eq 2 ]] && ok || bad "report --since yesterday is not a usage error"

# --once: one round, printed, stored; bad targets are a configuration error.
DGP_PROBE_TARGETS="$UP=pg:" "$DGP" availability probe --once >"$TMP/once.txt" 2>&1 && grep -qE "^$UP +pg +up " "$TMP/once.txt" &&
	ok || { bad "probe --once"; cat "$TMP/once.txt"; }
grep -q "probing 1 targets once" "$TMP/once.txt" && ! grep -q "every" "$TMP/once.txt" && ok ||
	bad "probe --once: the log does not say it probes once"
DGP_PROBE_TARGETS="x=pg:password=hunter2;x=pg:" "$DGP" availability probe --once >"$TMP/bad.txt" 2>&1
rc=$?
[[ $rc -eq 1 ]] && grep -q 'name "x" is used twice' "$TMP/bad.txt" && ! grep -q hunter2 "$TMP/bad.txt" &&
	ok || { bad "bad probe.targets: exit $rc"; cat "$TMP/bad.txt"; }

# Leave the shared database as we found it.
for t in "$UP" "$DOWN" "$SELF" "$BUS"; do
	psql "$DGP_PG_CONNINFO" -XAtq -v t="$t" <<<"DELETE FROM dgp_catalog.availability WHERE target = :'t'" >/dev/null
done

# The catalog gauges of dgp load and dgp run, in a database of their own:
# what another process loaded, read from dgp_catalog.resource_stats.
GAUGE_DB="dgp_test_gauges_$$"
psql "$DGP_PG_CONNINFO" -qXc "CREATE DATABASE $GAUGE_DB" >/dev/null || { bad "CREATE DATABASE $GAUGE_DB"; finish; }
GCONN="$DGP_PG_CONNINFO dbname=$GAUGE_DB"
gsql() { psql "$GCONN" -XAtq -c "$1"; }
export DGP_CATALOG_DIR="$SRC/catalog/sample" DGP_HTTP_LISTEN="127.0.0.1:$PORT" DGP_LOG_LEVEL=warn
export DGP_METRICS_CATALOG_INTERVAL_MS=200
HJRK=101001/000001 QYDJ=102006/000001
DGP_PG_CONNINFO=$GCONN "$DGP" catalog sync >/dev/null || { bad "catalog sync"; finish; }
"$DGP_GEN" --resource $HJRK --rows 400 --seed 7 --dup-rate 0.05 --bad-key-rate 0.02 \
	--out "$TMP/gaj_hjrk_1.csv" --manifest "$TMP/hjrk.json" >/dev/null &&
	"$DGP_GEN" --resource $QYDJ --rows 300 --seed 7 --dup-rate 0.05 \
		--out "$TMP/scjgj_qydj_1.csv" --manifest "$TMP/qydj.json" >/dev/null || { bad "dgp-gen"; finish; }
DGP_HTTP_LISTEN= DGP_PG_CONNINFO=$GCONN "$DGP" load --resource $HJRK "$TMP/gaj_hjrk_1.csv" >/dev/null 2>&1 ||
	bad "loading $HJRK"
gauge_is() { [[ $(metric "$1") == "$2" ]]; } # NAME{labels} VALUE
never_want() { gsql "SELECT (SELECT count(*) FROM dgp_catalog.resource) - (SELECT count(*) FROM dgp_catalog.resource_stats)"; }
gauges_check() { # WHO — rows, never loaded, overdue, last update of a scrape against PostgreSQL
	curl -sf "http://127.0.0.1:$PORT/metrics" >"$TMP/gauges.txt"
	local rows never last
	rows=$(awk -v k="dgp_resource_rows{resource=\"$HJRK\"}" '$1 == k { print $2 }' "$TMP/gauges.txt")
	never=$(awk '$1 == "dgp_catalog_resources_never_loaded" { print $2 }' "$TMP/gauges.txt")
	last=$(awk -v k="dgp_resource_last_update_timestamp_seconds{resource=\"$HJRK\"}" '$1 == k { print $2 }' "$TMP/gauges.txt")
	[[ $rows == "$(gsql "SELECT count(*) FROM dgp_src.gaj_hjrk")" && $rows -gt 0 ]] && ok ||
		bad "$1: dgp_resource_rows{resource=\"$HJRK\"} is \"$rows\", dgp_src.gaj_hjrk has $(gsql "SELECT count(*) FROM dgp_src.gaj_hjrk") rows"
	[[ $never == "$(never_want)" ]] && ok || bad "$1: dgp_catalog_resources_never_loaded is \"$never\", want $(never_want)"
	[[ $(awk '$1 == "dgp_catalog_resources_overdue" { print $2 }' "$TMP/gauges.txt") == 0 ]] && ok ||
		bad "$1: dgp_catalog_resources_overdue is not 0"
	[[ $(awk '$1 == "dgp_catalog_resources" { print $2 }' "$TMP/gauges.txt") == "$(gsql "SELECT count(*) FROM dgp_catalog.resource")" ]] &&
		ok || bad "$1: dgp_catalog_resources differs from dgp_catalog.resource"
	[[ $last == "$(gsql "SELECT extract(epoch FROM last_load)::bigint FROM dgp_catalog.resource_stats WHERE resource_code = '$HJRK'")" ]] &&
		ok || bad "$1: dgp_resource_last_update_timestamp_seconds is \"$last\", not the last load"
	grep -q "^dgp_resource_seconds_since_update{resource=\"$HJRK\"} " "$TMP/gauges.txt" && ok ||
		bad "$1: no dgp_resource_seconds_since_update for $HJRK"
	if promtool check metrics <"$TMP/gauges.txt" >"$TMP/promtool.out" 2>&1; then ok; else
		bad "$1: promtool check metrics"; cat "$TMP/promtool.out"
	fi
}

# dgp load: its gauges are set at start, before the first record (here it
# waits for a writer on a FIFO, its metrics served meanwhile).
mkfifo "$TMP/waiting.csv"
DGP_PG_CONNINFO=$GCONN "$DGP" load --resource $HJRK "$TMP/waiting.csv" >/dev/null 2>"$TMP/load.log" &
DGP_PID=$!
if wait_for 20 bash -c "curl -sf http://127.0.0.1:$PORT/metrics | grep -q '^dgp_catalog_resources_never_loaded '"; then
	gauges_check "dgp load"
else
	bad "dgp load: no /metrics within 20 s"; cat "$TMP/load.log"
fi
kill -TERM "$DGP_PID"
timeout 20 tail --pid="$DGP_PID" -f /dev/null || bad "dgp load did not stop on SIGTERM"
wait "$DGP_PID" 2>/dev/null
DGP_PID=

# dgp load's batches fill dgp_pg_roundtrip_seconds, as README says: scraped while
# a load of many small batches runs (the endpoint ends with the load)
"$DGP_GEN" --resource $HJRK --rows 50000 --seed 9 --key-offset 500000 --out "$TMP/more.csv" >/dev/null
DGP_BATCH_MAX_ROWS=50 DGP_PG_CONNINFO=$GCONN "$DGP" load --resource $HJRK "$TMP/more.csv" >/dev/null 2>"$TMP/load2.log" &
DGP_PID=$!
seen=0
while kill -0 "$DGP_PID" 2>/dev/null; do
	n=$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '$1 == "dgp_pg_roundtrip_seconds_count" { print $2 }')
	[[ -n $n && $n != 0 ]] && seen=$n
	sleep 0.1
done
wait "$DGP_PID" || bad "dgp load of 50,000 rows failed: $(tail -3 "$TMP/load2.log")"
DGP_PID=
[[ $seen != 0 ]] && ok || bad "dgp load: dgp_pg_roundtrip_seconds_count never above 0 while it ran"

# dgp run: the same at start, then refreshed every metrics.catalog.interval.ms.
DGP_PG_CONNINFO=$GCONN DGP_RUN_TOPIC_PREFIX="$RUN." DGP_KAFKA_GROUP_ID="dgp-$RUN" \
	"$DGP" run >/dev/null 2>"$TMP/run.log" &
DGP_PID=$!
if wait_for 30 bash -c "curl -sf http://127.0.0.1:$PORT/metrics | grep -q '^dgp_resource_rows{resource=\"$HJRK\"}'"; then
	gauges_check "dgp run"
else
	bad "dgp run: no dgp_resource_rows on /metrics within 30 s"; cat "$TMP/run.log"
fi
# A load by another process shows within a few intervals.
DGP_HTTP_LISTEN= DGP_PG_CONNINFO=$GCONN "$DGP" load --resource $QYDJ "$TMP/scjgj_qydj_1.csv" >/dev/null 2>&1 ||
	bad "loading $QYDJ"
want=$(gsql "SELECT count(*) FROM dgp_src.scjgj_qydj")
wait_for 3 gauge_is "dgp_resource_rows{resource=\"$QYDJ\"}" "$want" &&
	ok || bad "dgp run: dgp_resource_rows{resource=\"$QYDJ\"} did not reach $want within 3 s"
gauges_check "dgp run after another load"
# A resource whose last load is 400 days old is overdue, and the only one.
last_before=$(metric "dgp_resource_last_update_timestamp_seconds{resource=\"$HJRK\"}")
gsql "UPDATE dgp_catalog.resource_stats SET last_load = now() - interval '400 days' WHERE resource_code = '$HJRK'" >/dev/null
if wait_for 3 gauge_is dgp_catalog_resources_overdue 1; then
	ok
else
	bad "dgp run: dgp_catalog_resources_overdue is $(metric dgp_catalog_resources_overdue), not 1, 3 s (15 intervals) after $HJRK's last load went 400 days back"
fi
[[ $(metric dgp_catalog_resources_never_loaded) == "$(never_want)" ]] && ok || bad "dgp run: never loaded $(metric dgp_catalog_resources_never_loaded), want $(never_want)"
[[ $(metric "dgp_resource_last_update_timestamp_seconds{resource=\"$HJRK\"}") == "$last_before" ]] && ok ||
	bad "dgp run: dgp_resource_last_update_timestamp_seconds of $HJRK moved backwards"
curl -sf "http://127.0.0.1:$PORT/metrics" | promtool check metrics >"$TMP/promtool.out" 2>&1 && ok ||
	{ bad "dgp run: promtool check metrics"; cat "$TMP/promtool.out"; }
# catalog status: exit 3 (needs attention) with an overdue resource; the filters show exactly it.
DGP_PG_CONNINFO=$GCONN "$DGP" catalog status >"$TMP/status.txt" 2>&1
rc=$?
[[ $rc -eq 3 ]] && ok || bad "catalog status with an overdue resource exited $rc, not 3"
DGP_PG_CONNINFO=$GCONN "$DGP" catalog status --status overdue --format json >"$TMP/status.json" 2>&1
[[ $(jq -r '[.resources[].code] | join(" ")' "$TMP/status.json") == "$HJRK" &&
	$(jq -r '.counts.resources' "$TMP/status.json") == 1 ]] && ok ||
	bad "catalog status --status overdue: $(jq -c '[.resources[].code]' "$TMP/status.json")"
DGP_PG_CONNINFO=$GCONN "$DGP" catalog status --resource "$QYDJ" --status 正常 >"$TMP/status1.txt" 2>&1
rc=$?
[[ $rc -eq 0 ]] && grep -qE ": 1 resources \(of [0-9]+; filtered\) — 1 ok, 0 overdue, 0 never loaded" "$TMP/status1.txt" &&
	ok || { bad "catalog status --resource $QYDJ --status 正常 (exit $rc)"; head -3 "$TMP/status1.txt"; }
prov=scjgj # the provider slug of $QYDJ (catalog/sample/scjgj/)
DGP_PG_CONNINFO=$GCONN "$DGP" catalog status --provider "$prov" --format json >"$TMP/status2.json" 2>&1
[[ $(jq -r '[.resources[] | select(.code == "'"$QYDJ"'")] | length' "$TMP/status2.json") == 1 &&
	$(jq -r '[.resources[] | select(.code == "'"$HJRK"'")] | length' "$TMP/status2.json") == 0 ]] && ok ||
	bad "catalog status --provider $prov does not show exactly that provider's resources"
DGP_PG_CONNINFO=$GCONN "$DGP" catalog status --status late >/dev/null 2>&1
[[ $? -eq 2 ]] && ok || bad "catalog status --status late is not a usage error"
kill -TERM "$DGP_PID"
if timeout 60 tail --pid="$DGP_PID" -f /dev/null; then
	wait "$DGP_PID"
	rc=$?
	[[ $rc -eq 0 ]] && ok || { bad "dgp run exited $rc after SIGTERM"; tail -20 "$TMP/run.log"; }
else
	bad "dgp run did not stop within 60 s of SIGTERM"
fi
DGP_PID=
if grep -q 'catalog metrics not refreshed' "$TMP/run.log"; then bad "dgp run: a catalog metrics refresh failed"; tail -5 "$TMP/run.log"; else ok; fi
finish
