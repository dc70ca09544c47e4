#!/usr/bin/env bash
# bench_run.sh [DGP] — `dgp run` figures for benchmarks/RESULTS.md (issue 6).
#
#   1. throughput: N records of one 人口 resource (golden-record refresh
#      included) produced to 8 partitions, then consumed by `dgp run` into an
#      empty database, produce → committed; the same file through `dgp load`
#      into the emptied tables for the ratio.
#   2. latency: records of a resource without a base library produced at R
#      records/s (5k and 50k) while `dgp run` consumes; the Kafka timestamp →
#      COMMIT latency of every record from the dgp_kafka_end_to_end_seconds
#      histogram (p50/p99 interpolated inside its buckets).
#
# Needs the services (eval "$(scripts/services.sh start)").  Not part of make
# test.  BENCH_ROWS (default 200000), BENCH_SECONDS per latency rate (default 20),
# BENCH_BATCH_MAX_MS (default 250).  The bulk benchmark's records instead of
# generated ones: BENCH_FILE=…/gaj_hjrk_bench.csv BENCH_RESOURCE=101001/000001
# BENCH_TOPIC=dept.gaj.hjrk BENCH_TABLE=gaj_hjrk (BENCH_ROWS = its records);
# BENCH_LATENCY=0 skips part 2.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
DGP=${1:-$repo/build/cli/dgp}
# the test-data tools (tools/) sit beside cli/ in the build tree
DGP_GEN=${DGP_GEN:-$(dirname "$DGP")/../tools/dgp-gen}
DGP_PRODUCE=${DGP_PRODUCE:-$(dirname "$DGP")/../tools/dgp-produce}
ROWS=${BENCH_ROWS:-200000}
SECS=${BENCH_SECONDS:-20}
: "${DGP_PG_CONNINFO:?start the services}"
tag="b$(date +%s)"
work=$(mktemp -d)
db="dgp_bench_$tag"
trap 'kill $(jobs -p) 2>/dev/null || true; psql "$BASE_CONNINFO" -qc "drop database if exists $db" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
BASE_CONNINFO=$DGP_PG_CONNINFO
psql "$BASE_CONNINFO" -qc "create database $db"
export DGP_PG_CONNINFO="$BASE_CONNINFO dbname=$db"
export DGP_CATALOG_DIR=$repo/catalog/sample DGP_RUN_TOPIC_PREFIX="$tag." DGP_KAFKA_GROUP_ID="bench-$tag"
"$DGP" catalog sync >/dev/null
q() { psql "$DGP_PG_CONNINFO" -qAtc "$1"; }
now() { date +%s.%N; }

RES=${BENCH_RESOURCE:-101041/000001}
TOPIC=${BENCH_TOPIC:-dept.bszjd.syrk}
TABLE=${BENCH_TABLE:-bszjd_syrk}
FILE=${BENCH_FILE:-$work/t.jsonl}
echo "== throughput: $ROWS records of $RES (person, golden refresh), 8 partitions"
if [[ -z ${BENCH_FILE:-} ]]; then
	"$DGP_GEN" --resource "$RES" --encoding UTF-8 --rows "$ROWS" --seed 11 --out "$FILE" \
		--dup-rate 0.03 --change-rate 0.03 --bad-key-rate 0.01 >/dev/null
fi
tp0=$(now)
"$DGP_PRODUCE" --resource "$RES" --topic "$tag.$TOPIC" --partitions 8 "$FILE" >/dev/null
echo "produced in $(python3 -c "print(f'{$(now) - $tp0:.1f}')") s"
t0=$(now)
DGP_HTTP_LISTEN= "$DGP" run --until-idle 1000 >/dev/null 2>"$work/t.log"
t_run=$(q "select extract(epoch from max(updated_at)) from dgp_ops.offsets")
run_s=$(python3 -c "print(f'{$t_run - $t0:.1f}')")
echo "dgp run:  $ROWS records in $run_s s (start → last COMMIT), $(python3 -c "print(f'{$ROWS / ($t_run - $t0):.0f}')") records/s"
q "truncate dgp_src.$TABLE, dgp_ops.reject, dgp_ops.file_progress, dgp_base.person"
t0=$(now)
"$DGP" load --no-progress --encoding UTF-8 --resource "$RES" "$FILE" >"$work/load.out" 2>&1 || { cat "$work/load.out"; exit 1; }
t1=$(now)
load_s=$(python3 -c "print(f'{$t1 - $t0:.1f}')")
echo "dgp load: $ROWS records in $load_s s, $(python3 -c "print(f'{$ROWS / ($t1 - $t0):.0f}')") records/s; run/load throughput ratio $(python3 -c "print(f'{$load_s / $run_s:.2f}')")"

[[ ${BENCH_LATENCY:-1} == 0 ]] && exit 0
port=$((20000 + RANDOM % 20000))
for rate in 5000 50000; do
	n=$((rate * SECS))
	topic="$tag-$rate.dept.bszjd.syfw"
	echo "== latency at $rate records/s: $n records of 341006/000001 (no base library), batch.max.ms=${BENCH_BATCH_MAX_MS:-250}"
	"$DGP_GEN" --resource 341006/000001 --encoding UTF-8 --rows "$n" --seed $rate --key-offset $((rate * 1000)) \
		--out "$work/l$rate.jsonl" >/dev/null
	"$DGP_PRODUCE" --topic "$topic" --partitions 8 /dev/null >/dev/null # create it
	DGP_RUN_TOPICS="$topic" DGP_RUN_TOPIC_PREFIX="$tag-$rate." DGP_HTTP_LISTEN="127.0.0.1:$port" \
		DGP_BATCH_MAX_MS=${BENCH_BATCH_MAX_MS:-250} "$DGP" run >/dev/null 2>"$work/l$rate.log" &
	pid=$!
	for _ in $(seq 100); do curl -fs "127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.3; done
	"$DGP_PRODUCE" --resource 341006/000001 --topic "$topic" --rate "$rate" "$work/l$rate.jsonl" >/dev/null
	for _ in $(seq 240); do
		[[ $(q "select coalesce(sum(next_offset),0) from dgp_ops.offsets where topic = '$topic'") -ge $n ]] && break
		sleep 0.5
	done
	curl -fs "127.0.0.1:$port/metrics" | grep '^dgp_kafka_end_to_end_seconds' >"$work/m$rate.txt"
	kill -TERM $pid
	wait $pid || true
	python3 - "$work/m$rate.txt" <<'PY'
import re, sys
b = []
for line in open(sys.argv[1]):
    m = re.match(r'dgp_kafka_end_to_end_seconds_bucket\{le="([^"]+)"\} (\d+)', line)
    if m:
        b.append((float('inf') if m.group(1) == '+Inf' else float(m.group(1)), int(m.group(2))))
total = b[-1][1]
def q(p):
    want, lo, prev = p * total, 0.0, 0
    for le, c in b:
        if c >= want:
            if le == float('inf'):
                return lo
            return lo + (le - lo) * ((want - prev) / (c - prev) if c > prev else 1)
        lo, prev = le, c
print(f"records {total}: p50 {q(0.5) * 1000:.0f} ms, p99 {q(0.99) * 1000:.0f} ms (produce → COMMIT)")
PY
done
