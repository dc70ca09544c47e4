#!/usr/bin/env bash
# benchmarks/stream/run.sh — `dgp run` against Kafka Connect with the Debezium
# JDBC sink and against a Python consumer, on the same records (issue 13).
#
#   BENCH_ROWS=1000000 BENCH_ROUNDS=3 benchmarks/stream/run.sh [BUILD_DIR]
#
# Needs the services (eval "$(scripts/services.sh start)"), Java 17, Maven, kcat
# and network access to Maven Central and PyPI on the first run. The data is
# the bulk benchmark's (benchmarks/load/run.sh): `dgp gen` BENCH_ROWS clean
# 户籍人口 records (101001/000001, seed 42, UTF-8 CSV), produced once, before
# the rounds, to two topics with 8 partitions each:
#   - T: one CSV record per message, keyed by 公民身份号码, the header row in the
#     dgp-csv-header message header (`dgp produce`); read by dgp run and the peer
#   - T.connect: the same records as JsonConverter envelopes (schema + payload,
#     connect_records.py), the form a JDBC sink needs without a schema registry
# Then BENCH_ROUNDS interleaved rounds (the order rotates each round) of four
# variants, each into a fresh database:
#   dgp_run      `dgp run --until-idle 1000` (catalog synced first): rows,
#                rejects, offsets, and the golden rows (dgp_base.person) current
#   connect      Kafka Connect 3.9.1 standalone + Debezium JDBC sink 3.0.7.Final,
#                insert.mode=upsert on the pre-created table public.gaj_hjrk_connect
#                (23 typed columns, primary key 公民身份号码); no normalisation, no
#                rejects, no golden rows: the connector writes what it is given
#   python_peer  BENCH_PEER_PROCS (default 2) processes of benchmarks/stream/peer.py
#                in one consumer group: the bulk peer's checks, COPY into a stage +
#                INSERT … ON CONFLICT DO UPDATE … WHERE changed; no golden rows
#   dgp_load     the bulk path on the same file: `dgp load` (golden refresh
#                included), for the streaming/bulk ratio
# Each measurement's wall time runs from the moment the consumer is started
# (every record is already in the topic) to the moment everything is committed:
#   dgp_run      the first poll (every 0.1 s, one connection) that finds the
#                partitions' offsets in dgp_ops.offsets summing to BENCH_ROWS
#                and dgp_ops.golden_queue empty (the golden worker deletes its
#                keys in the transaction that refreshes them)
#   connect, python_peer   the largest loaded_at (clock_timestamp() of the row's
#                insert) once the table holds BENCH_ROWS rows; the Connect worker
#                is started before the rounds and the connector is created over
#                its REST API at the start, so JVM start-up is not counted
#   dgp_load     the process's own wall time
# PostgreSQL CPU: user+sys of the postmaster, its live children and the children
# it reaped (/proc: utime, stime, cutime, cstime) over the same window; client
# CPU: dgp's or the peers' (GNU time), the Connect JVM's (/proc delta).
# Prints one line per measurement, then the medians as a Markdown table for
# benchmarks/RESULTS.md with the ratios the issue targets (dgp run ≥ 5 × Kafka
# Connect, ≥ 0.8 × the bulk path).
#
# Environment: BENCH_ROWS (1000000), BENCH_ROUNDS (3), BENCH_DIR (work dir,
# default a new temp dir; a gaj_hjrk_bench.csv there is reused),
# BENCH_PEER_PROCS (2), BENCH_CONNECT_TASKS (2), BENCH_CONNECT_BATCH (2000:
# the connector's batch.size and the worker's consumer max.poll.records),
# BENCH_TIMEOUT (seconds per measurement, 3600), BENCH_VARIANTS (all four),
# DGP_BENCH_CACHE (jars and the Python environment; default
# ${XDG_CACHE_HOME:-~/.cache}/dgp/bench-stream). The script, its children and
# the services' processes run at nice 10.
set -euo pipefail
ROWS=${BENCH_ROWS:-1000000}
ROUNDS=${BENCH_ROUNDS:-3}
PEER_PROCS=${BENCH_PEER_PROCS:-2}
CONNECT_TASKS=${BENCH_CONNECT_TASKS:-2}
CONNECT_BATCH=${BENCH_CONNECT_BATCH:-2000}
TIMEOUT=${BENCH_TIMEOUT:-3600}
VARIANTS=(${BENCH_VARIANTS:-dgp_run connect python_peer dgp_load})
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$SRC/build}
DGP=$BUILD/cli/dgp
# the generator and the producer, one line each should they move
gen() { "$BUILD/tools/dgp-gen" "$@"; }
produce() { "$BUILD/tools/dgp-produce" "$@"; }
: "${DGP_PG_CONNINFO:?start the services first: eval \"\$(scripts/services.sh start)\"}"
: "${DGP_KAFKA_BROKERS:?start the services first}" "${DGP_PG_PIDFILE:?}" "${DGP_PG_PORT:?}"
CACHE=${DGP_BENCH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/dgp/bench-stream}
W=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$CACHE" "$W"
ADMIN=$DGP_PG_CONNINFO
R=101001/000001
TAG=bs$$
TOPIC=$TAG.dept.gaj.hjrk
CTOPIC=$TOPIC.connect
KAFKA_VERSION=3.9.1
DEBEZIUM_VERSION=3.0.7.Final
# python-stdnum as Debian 12 has it (the bulk peer's): 2.x also refuses a 身份证号
# whose county code was assigned after the birth year, which dgp gen's people
# (born from 1940 with today's Wuhan codes) mostly are
PIP_REQS="confluent-kafka==2.16.1 psycopg[binary]==3.3.9 python-stdnum==1.18"
JAVA=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
[[ -x $JAVA ]] || JAVA=java
export DGP_LOG_LEVEL=warn DGP_CATALOG_DIR=$SRC/catalog/sample
PG_PM=$(head -1 "$DGP_PG_PIDFILE")

log() { printf 'stream: %s\n' "$*" >&2; }
die() {
	printf 'stream: error: %s\n' "$*" >&2
	exit 1
}
now() { date +%s.%N; }
la() { cut -d' ' -f1 /proc/loadavg; }
sq() { PGOPTIONS="-c client_min_messages=warning" psql "$1" -qXAtc "$2"; }

# --- nice 10: this shell (its children inherit it) and the services -----------
renice -n 10 -p $$ >/dev/null
for pid in "$PG_PM" $(pgrep -P "$PG_PM") $(cat "${DGP_KAFKA_PIDFILE:-/dev/null}" 2>/dev/null); do
	renice -n 10 -p "$pid" >/dev/null 2>&1 || true
done

# --- downloads, cached -------------------------------------------------------
# fetch_jars POM DEST: the runtime jars POM names, into DEST once (a stamp holds
# the pom's sha256; resolution goes to a temp dir renamed into place, under a lock)
fetch_jars() {
	local pom=$1 dest=$2 sum tmp
	sum=$(sha256sum "$pom" | cut -d' ' -f1)
	[[ -f $dest/.complete && $(cat "$dest/.complete") == "$sum" ]] && return 0
	exec 8>"$dest.lock"
	flock -w 900 8 || die "timed out waiting for $dest.lock"
	if [[ ! -f $dest/.complete || $(cat "$dest/.complete") != "$sum" ]]; then
		tmp=$dest.tmp.$$
		rm -rf -- "$tmp"
		log "resolving $(basename "$pom") with Maven into $dest (once)"
		(cd "$HERE" && mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
			-DoutputDirectory="$tmp") >"$dest.mvn.log" 2>&1 </dev/null ||
			{
				tail -20 "$dest.mvn.log" >&2
				die "mvn could not resolve $pom (log $dest.mvn.log)"
			}
		echo "$sum" >"$tmp/.complete"
		rm -rf -- "$dest"
		mv -- "$tmp" "$dest"
	fi
	exec 8>&-
}
CONNECT_JARS=$CACHE/connect-$KAFKA_VERSION
# plugin.path holds one folder per plugin: the connector's own Jackson (and
# everything else it brings) stays in its plugin class loader, apart from the
# worker's copy on the class path
PLUGINS=$CACHE/plugins-debezium-$DEBEZIUM_VERSION
fetch_jars "$HERE/connect-pom.xml" "$CONNECT_JARS"
mkdir -p "$PLUGINS"
fetch_jars "$HERE/jdbc-sink-pom.xml" "$PLUGINS/debezium-connector-jdbc"
VENV=$CACHE/venv
if [[ ! -f $VENV/.complete || $(cat "$VENV/.complete") != "$PIP_REQS" ]]; then
	log "installing $PIP_REQS into $VENV (once)"
	rm -rf -- "$VENV"
	/usr/bin/python3 -m venv "$VENV"
	# shellcheck disable=SC2086
	"$VENV/bin/pip" install -q $PIP_REQS >&2
	echo "$PIP_REQS" >"$VENV/.complete"
fi

# --- measuring ---------------------------------------------------------------
# pg_cpu: seconds of CPU the PostgreSQL server has used so far
pg_cpu() {
	/usr/bin/python3 - "$PG_PM" <<'PY'
import os, sys
pm, t = sys.argv[1], 0
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        s = open(f"/proc/{pid}/stat").read()
    except OSError:
        continue
    f = s[s.rindex(")") + 2:].split()  # f[1] ppid, f[11..14] utime stime cutime cstime
    if pid == pm:
        t += sum(int(x) for x in f[11:15])
    elif f[1] == pm:
        t += int(f[11]) + int(f[12])
print(f"{t / os.sysconf('SC_CLK_TCK'):.2f}")
PY
}
# proc_cpu PID: seconds of CPU one process has used so far
proc_cpu() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$1/stat"
}
# wait_done MODE CONNINFO ARG: prints the epoch at which everything was committed
#   dgp TOPIC   the first 0.1 s poll that sees TOPIC's offsets at ROWS and no
#               golden key queued
#   table NAME  max(loaded_at) once NAME holds ROWS rows (gated by the cheap
#               pg_stat_user_tables counters, so no count(*) runs every poll)
wait_done() {
	/usr/bin/python3 - "$@" "$ROWS" "$TIMEOUT" <<'PY'
import sys, time
import psycopg
mode, conninfo, arg, rows, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
deadline = time.time() + timeout
with psycopg.connect(conninfo, autocommit=True) as c:
    while time.time() < deadline:
        if mode == "dgp":
            done = c.execute("SELECT coalesce((SELECT sum(next_offset) FROM dgp_ops.offsets WHERE topic = %s), 0) >= %s"
                             " AND NOT EXISTS (SELECT FROM dgp_ops.golden_queue)", (arg, rows)).fetchone()[0]
            if done:
                print(f"{time.time():.3f}")
                sys.exit(0)
            time.sleep(0.1)
            continue
        seen = c.execute("SELECT coalesce(n_tup_ins + n_tup_upd, 0) FROM pg_stat_user_tables WHERE relid = %s::regclass",
                         (arg,)).fetchone()[0]
        if seen >= rows:
            n, end = c.execute(f"SELECT count(*), extract(epoch FROM max(loaded_at)) FROM {arg}").fetchone()
            if n >= rows:
                print(f"{end:.3f}")
                sys.exit(0)
        time.sleep(0.5)
sys.exit(f"not done within {timeout:.0f} s: {arg}")
PY
}
RES=$W/results.txt
: >"$RES"
# record ROUND VARIANT T0 T1 PGCPU0 PGCPU1 CLIENTCPU LOADAVG
record() {
	awk -v r="$1" -v v="$2" -v w="$(awk -v a="$3" -v b="$4" 'BEGIN { print b - a }')" -v p="$(awk -v a="$5" -v b="$6" 'BEGIN { print b - a }')" \
		-v c="$7" -v l="$8" -v n="$ROWS" 'BEGIN {
		printf "%-12s round %d  %8.2f s %9.0f rows/s  PostgreSQL CPU %7.2f s  client CPU %7.2f s  load avg %s\n", v, r, w, n / w, p, c, l }' |
		tee -a "$RES"
}
fresh_db() {
	sq "$ADMIN" "DROP DATABASE IF EXISTS $1" >/dev/null
	sq "$ADMIN" "CREATE DATABASE $1" >/dev/null
}

# --- the data, produced once -------------------------------------------------
F=$W/gaj_hjrk_bench.csv
if [[ ! -s $F || $(($(wc -l <"$F") - 1)) != "$ROWS" ]]; then
	log "generating $ROWS rows"
	gen --resource $R --rows "$ROWS" --seed 42 --encoding UTF-8 --out "$F" >/dev/null
fi
# topic_count T: messages in T's 8 partitions
topic_count() {
	local p n=0 off
	for p in 0 1 2 3 4 5 6 7; do
		off=$(kcat -b "$DGP_KAFKA_BROKERS" -Q -t "$1:$p:-1" | awk '{ print $NF }')
		n=$((n + off))
	done
	echo "$n"
}
log "producing $ROWS records to $TOPIC and $CTOPIC (8 partitions each)"
produce --resource $R --topic "$TOPIC" --partitions 8 "$F" >/dev/null
produce --topic "$CTOPIC" --partitions 8 /dev/null >/dev/null 2>&1 # creates it: no records, so no key
/usr/bin/python3 "$HERE/connect_records.py" "$F" | kcat -P -b "$DGP_KAFKA_BROKERS" -t "$CTOPIC" -K $'\t' \
	-X linger.ms=50 -X batch.num.messages=10000
[[ $(topic_count "$TOPIC") == "$ROWS" ]] || die "$TOPIC holds $(topic_count "$TOPIC") messages, not $ROWS"
[[ $(topic_count "$CTOPIC") == "$ROWS" ]] || die "$CTOPIC holds $(topic_count "$CTOPIC") messages, not $ROWS"

# --- the Connect worker, started once ----------------------------------------
CONNECT_PID=
DBS=()
cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	if [[ -n $CONNECT_PID ]]; then
		kill "$CONNECT_PID" 2>/dev/null || true
		wait "$CONNECT_PID" 2>/dev/null || true
	fi
	for p in "${DBS[@]}"; do sq "$ADMIN" "DROP DATABASE IF EXISTS $p" >/dev/null 2>&1 || true; done
	rm -f "$W/connect/connector.json"
}
trap cleanup EXIT
needs_connect=false
for v in "${VARIANTS[@]}"; do [[ $v == connect ]] && needs_connect=true; done
if $needs_connect; then
	mkdir -p "$W/connect"
	CPORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$W/connect/worker.properties" <<EOF
bootstrap.servers=$DGP_KAFKA_BROKERS
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=true
offset.storage.file.filename=$W/connect/offsets
plugin.path=$PLUGINS
listeners=http://127.0.0.1:$CPORT
consumer.max.poll.records=$CONNECT_BATCH
EOF
	cat >"$W/connect/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=$W/connect/connect.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.hibernate=WARN
EOF
	log "starting Kafka Connect $KAFKA_VERSION standalone on 127.0.0.1:$CPORT"
	"$JAVA" -Xms512m -Xmx2g -XX:+UseG1GC -Djava.awt.headless=true \
		"-Dlog4j.configuration=file:$W/connect/log4j.properties" -cp "$CONNECT_JARS/*" \
		org.apache.kafka.connect.cli.ConnectStandalone "$W/connect/worker.properties" \
		>"$W/connect/connect.out" 2>&1 </dev/null &
	CONNECT_PID=$!
	for _ in $(seq 600); do
		curl -fs "http://127.0.0.1:$CPORT/connector-plugins" 2>/dev/null | grep -q JdbcSinkConnector && break
		kill -0 "$CONNECT_PID" 2>/dev/null || {
			tail -20 "$W/connect/connect.out" >&2
			die "the Connect worker exited (log $W/connect/connect.log)"
		}
		sleep 0.5
	done
	curl -fs "http://127.0.0.1:$CPORT/connector-plugins" | grep -q JdbcSinkConnector ||
		die "the Connect worker lists no JdbcSinkConnector (log $W/connect/connect.log)"
	# the connector needs a password: the one libpq's password file holds for dgp
	PG_PASS=$(awk -F: -v p="$DGP_PG_PORT" '$2 == p && $4 == "dgp" { print $5; exit }' "${PGPASSFILE:?}")
	[[ -n $PG_PASS ]] || die "no password for dgp in $PGPASSFILE"
fi

COLDEFS=$("$VENV/bin/python" "$HERE/peer.py" --columns)

# --- the variants ------------------------------------------------------------
run_dgp_run() {
	local round=$1 db=dgp_bench_stream_run_$$ cx t0 t1 c0 c1 pid user sys
	fresh_db $db
	DBS+=($db)
	cx="$ADMIN dbname=$db"
	DGP_PG_CONNINFO=$cx "$DGP" catalog sync >/dev/null
	c0=$(pg_cpu)
	t0=$(now)
	DGP_PG_CONNINFO=$cx DGP_RUN_TOPIC_PREFIX="$TAG." DGP_RUN_TOPICS=dept.gaj.hjrk DGP_KAFKA_GROUP_ID="$TAG-run-$round" \
		DGP_HTTP_LISTEN= /usr/bin/time -f "%U %S" -o "$W/run.time" "$DGP" run --until-idle 1000 >"$W/run.out" 2>&1 &
	pid=$!
	t1=$(wait_done dgp "$cx" "$TOPIC") || {
		cat "$W/run.out" >&2
		exit 1
	}
	c1=$(pg_cpu)
	wait $pid || {
		cat "$W/run.out" >&2
		die "dgp run failed"
	}
	grep -q "dgp run: $ROWS records, $ROWS rows written, 0 rejected" "$W/run.out" || {
		cat "$W/run.out" >&2
		die "dgp run did not write $ROWS rows"
	}
	[[ $(sq "$cx" "SELECT count(*) FROM dgp_base.person") == "$ROWS" ]] || die "dgp_base.person does not hold $ROWS golden rows"
	read -r user sys <"$W/run.time"
	record "$round" dgp_run "$t0" "$t1" "$c0" "$c1" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$(la)"
	sq "$ADMIN" "DROP DATABASE $db" >/dev/null
}
run_dgp_load() {
	local round=$1 db=dgp_bench_stream_load_$$ cx t0 t1 c0 c1 user sys
	fresh_db $db
	DBS+=($db)
	cx="$ADMIN dbname=$db"
	DGP_PG_CONNINFO=$cx "$DGP" catalog sync >/dev/null
	c0=$(pg_cpu)
	t0=$(now)
	DGP_PG_CONNINFO=$cx /usr/bin/time -f "%U %S" -o "$W/load.time" \
		"$DGP" load --no-progress --resource $R --encoding UTF-8 "$F" >"$W/load.out" 2>&1 || {
		cat "$W/load.out" >&2
		die "dgp load failed"
	}
	t1=$(now)
	c1=$(pg_cpu)
	grep -q "new $ROWS," "$W/load.out" || {
		cat "$W/load.out" >&2
		die "dgp load did not report $ROWS new rows"
	}
	[[ $(sq "$cx" "SELECT count(*) FROM dgp_base.person") == "$ROWS" ]] || die "dgp_base.person does not hold $ROWS golden rows"
	read -r user sys <"$W/load.time"
	record "$round" dgp_load "$t0" "$t1" "$c0" "$c1" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$(la)"
	sq "$ADMIN" "DROP DATABASE $db" >/dev/null
}
run_connect() {
	local round=$1 db=dgp_bench_stream_connect_$$ cx t0 t1 c0 c1 j0 j1 name=$TAG-connect-$round
	fresh_db $db
	DBS+=($db)
	cx="$ADMIN dbname=$db"
	sq "$cx" "CREATE TABLE public.gaj_hjrk_connect ($COLDEFS, loaded_at timestamptz DEFAULT clock_timestamp())"
	(
		umask 077
		cat >"$W/connect/connector.json" <<EOF
{
  "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
  "tasks.max": "$CONNECT_TASKS",
  "topics": "$CTOPIC",
  "connection.url": "jdbc:postgresql://127.0.0.1:$DGP_PG_PORT/$db?reWriteBatchedInserts=false",
  "connection.username": "dgp",
  "connection.password": "$PG_PASS",
  "insert.mode": "upsert",
  "primary.key.mode": "record_value",
  "primary.key.fields": "gmsfhm",
  "schema.evolution": "none",
  "collection.name.format": "gaj_hjrk_connect",
  "batch.size": "$CONNECT_BATCH",
  "use.time.zone": "UTC"
}
EOF
	)
	c0=$(pg_cpu)
	j0=$(proc_cpu "$CONNECT_PID")
	t0=$(now)
	curl -fsS -X PUT -H 'Content-Type: application/json' --data "@$W/connect/connector.json" \
		"http://127.0.0.1:$CPORT/connectors/$name/config" >/dev/null
	rm -f "$W/connect/connector.json"
	t1=$(wait_done table "$cx" public.gaj_hjrk_connect) || {
		curl -fs "http://127.0.0.1:$CPORT/connectors/$name/status" >&2 || true
		exit 1
	}
	c1=$(pg_cpu)
	j1=$(proc_cpu "$CONNECT_PID")
	curl -fsS "http://127.0.0.1:$CPORT/connectors/$name/status" | grep -q '"FAILED"' &&
		die "connector $name failed: $(curl -fsS "http://127.0.0.1:$CPORT/connectors/$name/status")"
	curl -fsS -X DELETE "http://127.0.0.1:$CPORT/connectors/$name" >/dev/null
	[[ $(sq "$cx" "SELECT count(*) FROM public.gaj_hjrk_connect") == "$ROWS" ]] || die "gaj_hjrk_connect does not hold $ROWS rows"
	record "$round" connect "$t0" "$t1" "$c0" "$c1" "$(awk -v a="$j0" -v b="$j1" 'BEGIN { print b - a }')" "$(la)"
	# the tasks' connection pools close a moment after the DELETE; a pool still
	# open after 15 s is ended by the superuser (the owner may not signal them)
	for _ in $(seq 30); do
		[[ $(sq "$ADMIN" "SELECT count(*) FROM pg_stat_activity WHERE datname = '$db'") == 0 ]] && break
		sleep 0.5
	done
	sq "${DGP_PG_SUPERUSER_CONNINFO:-$ADMIN}" "DROP DATABASE $db WITH (FORCE)" >/dev/null
}
run_python_peer() {
	local round=$1 db=dgp_bench_stream_peer_$$ cx t0 t1 c0 c1 i pids=() cpu=0 user sys
	fresh_db $db
	DBS+=($db)
	cx="$ADMIN dbname=$db"
	"$VENV/bin/python" "$HERE/peer.py" --setup "$cx"
	c0=$(pg_cpu)
	t0=$(now)
	for i in $(seq "$PEER_PROCS"); do
		/usr/bin/time -f "%U %S" -o "$W/peer$i.time" "$VENV/bin/python" "$HERE/peer.py" \
			"$cx" "$DGP_KAFKA_BROKERS" "$TOPIC" "$TAG-peer-$round" --until-idle 2000 >"$W/peer$i.out" 2>&1 &
		pids+=($!)
	done
	t1=$(wait_done table "$cx" peer.gaj_hjrk) || {
		cat "$W"/peer*.out >&2
		exit 1
	}
	c1=$(pg_cpu)
	for i in $(seq "$PEER_PROCS"); do
		wait "${pids[$((i - 1))]}" || {
			cat "$W/peer$i.out" >&2
			die "peer process $i failed"
		}
		read -r user sys <"$W/peer$i.time"
		cpu=$(awk -v c="$cpu" -v u="$user" -v s="$sys" 'BEGIN { print c + u + s }')
	done
	[[ $(sq "$cx" "SELECT count(*) FROM peer.gaj_hjrk") == "$ROWS" ]] || die "peer.gaj_hjrk does not hold $ROWS rows"
	[[ $(sq "$cx" "SELECT count(*) FROM peer.reject") == 0 ]] || die "the peer rejected records of a clean file"
	record "$round" python_peer "$t0" "$t1" "$c0" "$c1" "$cpu" "$(la)"
	sq "$ADMIN" "DROP DATABASE $db" >/dev/null
}

for round in $(seq "$ROUNDS"); do
	n=${#VARIANTS[@]}
	for i in $(seq 0 $((n - 1))); do
		"run_${VARIANTS[$(((i + round - 1) % n))]}" "$round"
	done
done

# --- medians and ratios ------------------------------------------------------
echo
echo "medians of $ROUNDS round(s), $ROWS records, $(nproc) cores, load average at the end $(la):"
awk -v n="$ROWS" '
	{ v = $1; k[v]++; w[v, k[v]] = $4; p[v, k[v]] = $10; c[v, k[v]] = $14 }
	function med(a, v, m,   i, j, t, x) {
		for (i = 1; i <= m; i++) x[i] = a[v, i]
		for (i = 2; i <= m; i++) for (j = i; j > 1 && x[j - 1] > x[j]; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
		return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
	}
	END {
		print "| variant | wall s | records/s | PostgreSQL CPU s | PostgreSQL CPU µs/record | client CPU s | dgp run throughput ÷ this |"
		print "|---|---:|---:|---:|---:|---:|---:|"
		run = ("dgp_run" in k) ? med(w, "dgp_run", k["dgp_run"]) : 0
		split("dgp_run connect python_peer dgp_load", order, " ")
		for (o = 1; o <= 4; o++) {
			v = order[o]
			if (!(v in k)) continue
			mw = med(w, v, k[v]); mp = med(p, v, k[v]); mc = med(c, v, k[v])
			printf "| %s | %.2f | %.0f | %.2f | %.1f | %.2f | %s |\n", v, mw, n / mw, mp, mp * 1e6 / n, mc,
				(run > 0 ? sprintf("%.2f", mw / run) : "–")
		}
		if (run > 0 && ("connect" in k)) printf "\ndgp run ÷ Kafka Connect: %.2f (target ≥ 5)\n", med(w, "connect", k["connect"]) / run
		if (run > 0 && ("dgp_load" in k)) printf "dgp run ÷ dgp load (bulk path): %.2f (target ≥ 0.8)\n", med(w, "dgp_load", k["dgp_load"]) / run
		if (run > 0 && ("python_peer" in k)) printf "dgp run ÷ Python peer: %.2f\n", med(w, "python_peer", k["python_peer"]) / run
	}' "$RES" | tee "$W/medians.md"
echo "(data and logs in $W)"
