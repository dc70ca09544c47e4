#!/usr/bin/env bash
# test_run_faults.sh MODE DGP REPO — `dgp run` stays exactly-once through a fault.
#
#   MODE crash      kill -9 dgp at >= 5 random moments, restart it each time
#        rebalance  three dgp processes in one group, one killed mid-run
#        pgdown     PostgreSQL stopped for 30 s mid-run (scripts/pg.sh down/up)
#        broker     the Kafka broker restarted mid-run (scripts/kafka.sh restart)
#        stale      a member stuck in a write (its table locked) past
#                   max.poll.interval.ms while a second one takes its partitions
#                   over from the same stored offsets: the first to commit wins,
#                   the other's overlapping batch is refused (DGP_ERR_STALE) and
#                   counted in dgp_batches_total{outcome="stale"}; when the race
#                   does not produce the situation the scenario is set up again
#                   (three attempts)
#        woken      a member holding a batch of each resource is stopped (SIGSTOP)
#                   past the session timeout; a second one takes the partitions over
#                   and commits everything; the first, woken, flushes its batches and
#                   the sink answers "already committed": it counts nothing (records,
#                   rows, batches), logs the stale batches and counts them in
#                   dgp_batches_total{outcome="stale"}
#
# Data: `dgp-gen` for two resources (a CSV 人口 one and a gzip JSON 法人 one) with
# duplicates, changes, bad keys, missing fields and bad optional values, produced
# by `dgp-produce` to 8-partition topics under a fresh prefix, into a fresh
# database.  At the end PostgreSQL must hold exactly the manifest's rows (new),
# exactly its rejects (rejected + field_rejects), each (partition, offset,
# field) reject once, and offsets summing to the number of messages.
#
# Size: DGP_RUN_TEST_ROWS rows per resource, by default 500000 — the issue's
# 1M messages — for crash, rebalance, pgdown and broker (1.5–2.5 minutes each
# on 2 cores), 30000 for stale (its scenario needs a stuck member, not volume).
# Needs DGP_PG_CONNINFO, DGP_KAFKA_BROKERS and DGP_STATE_DIR (scripts/services.sh).
set -euo pipefail
MODE=$1 DGP=$2 REPO=$3
# the test-data tools (tools/) sit beside cli/ in the build tree
DGP_GEN=${DGP_GEN:-$(dirname "$DGP")/../tools/dgp-gen}
DGP_PRODUCE=${DGP_PRODUCE:-$(dirname "$DGP")/../tools/dgp-produce}
ROWS=${DGP_RUN_TEST_ROWS:-$(case $MODE in stale) echo 30000 ;; woken) echo 3000 ;; *) echo 500000 ;; esac)}
LONG=$((150 + ROWS / 500)) # seconds to wait for everything to commit; grows with the size
: "${DGP_PG_CONNINFO:?start the services: eval \"\$(scripts/services.sh start)\"}"
: "${DGP_KAFKA_BROKERS:?start the services}"
ADMIN_CONNINFO=$DGP_PG_CONNINFO # the test's database is dropped from here, not from inside it

say() { printf 'test_run_faults[%s]: %s\n' "$MODE" "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

tag="r$(date +%s%N | tail -c 9)"
work=$(mktemp -d "${TMPDIR:-/tmp}/dgp-run-$MODE.XXXXXX")
db="dgp_run_${MODE}_$tag"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	psql "$ADMIN_CONNINFO" -qAtc "drop database if exists $db" >/dev/null 2>&1 || true
	if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$work"; fi
}
trap cleanup EXIT

export DGP_CATALOG_DIR=$REPO/catalog/sample
export DGP_HTTP_LISTEN=127.0.0.1:0
export DGP_RUN_TOPIC_PREFIX="$tag."
export DGP_KAFKA_GROUP_ID="dgp-$tag"
export DGP_KAFKA_SESSION_TIMEOUT_MS=6000
export DGP_KAFKA_HEARTBEAT_INTERVAL_MS=1000
export DGP_BATCH_MAX_ROWS=2000
export DGP_BATCH_MAX_MS=500
export DGP_SHUTDOWN_TIMEOUT_MS=60000
export DGP_RUN_LOG_INTERVAL_MS=5000

psql "$DGP_PG_CONNINFO" -qAtc "create database $db" >/dev/null
export DGP_PG_CONNINFO="$DGP_PG_CONNINFO dbname=$db"
"$DGP" catalog sync >/dev/null || fail "catalog sync"

# "resource-code format": a CSV 人口 resource and a gzip JSON 法人 resource
resources=("101001/000001 csv" "102006/000002 jsonl")
topic_of() {
	python3 - "$1" "$REPO"/catalog/sample/*/resources.csv <<'PY'
import csv, sys
for path in sys.argv[2:]:
    for row in csv.DictReader(open(path, encoding="utf-8-sig")):
        if row["code"] == sys.argv[1]:
            print(row["topic"]); sys.exit(0)
sys.exit(1)
PY
}
table_of() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['table'].split('.')[1])" "$1"; }

total=0
i=0
for r in "${resources[@]}"; do
	read -r code fmt <<<"$r"
	topic=$(topic_of "$code")
	ext=$fmt gz=()
	[[ $fmt == jsonl ]] && gz=(--gzip)
	"$DGP_GEN" --resource "$code" --encoding UTF-8 --format "$fmt" --rows "$ROWS" \
		--seed $((7 + i)) --out "$work/$i.$ext" --manifest "$work/$i.json" \
		--dup-rate 0.05 --change-rate 0.05 --bad-key-rate 0.01 --missing-rate 0.01 \
		--bad-optional-rate 0.01 >/dev/null || fail "gen $code"
	"$DGP_PRODUCE" --topic "$tag.$topic" --partitions 8 "${gz[@]}" "$work/$i.$ext" >/dev/null 2>"$work/produce.$i.log" ||
		fail "produce $topic: $(tail -3 "$work/produce.$i.log")"
	total=$((total + ROWS))
	i=$((i + 1))
done
say "$total messages in 2 topics x 8 partitions under prefix $tag."

start_dgp() { # start_dgp NAME [args]: background dgp run; its pid in $last_pid and pids
	local name=$1
	shift
	"$DGP" run "$@" >>"$work/$name.out" 2>>"$work/$name.log" &
	last_pid=$!
	pids+=("$last_pid")
}

committed() { psql "$DGP_PG_CONNINFO" -qAtc "select coalesce(sum(next_offset), 0) from dgp_ops.offsets where group_id = '$DGP_KAFKA_GROUP_ID'"; }

wait_committed_at_least() { # wait until >= N committed or T seconds
	local n=$1 t=$2 s=$SECONDS
	while (($(committed) < n && SECONDS - s < t)); do sleep 0.3; done
}

case $MODE in
crash)
	# Each round: start, let it commit a random share more (or 40 s), then kill -9
	# after a further random 0–0.9 s — mid-batch, mid-COPY or mid-COMMIT alike.
	for k in 1 2 3 4 5 6; do
		start_dgp "crash$k"; pid=$last_pid
		before=$(committed)
		wait_committed_at_least $((before + 500 + RANDOM % (total / 8))) 40
		sleep "0.$((RANDOM % 10))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		say "kill -9 #$k at $(committed) of $total committed"
	done
	;;
rebalance)
	start_dgp a; a=$last_pid
	start_dgp b; b=$last_pid
	start_dgp c; c=$last_pid
	wait_committed_at_least $((total / 4)) 120
	kill -9 "$b"
	wait "$b" 2>/dev/null || true
	say "killed one of three members at $(committed) of $total committed"
	wait_committed_at_least "$total" "$LONG"
	kill -TERM "$a" "$c"
	wait "$a" 2>/dev/null || true
	wait "$c" 2>/dev/null || true
	;;
pgdown)
	start_dgp p; p=$last_pid
	wait_committed_at_least $((total / 4)) 120
	say "PostgreSQL down at $(committed) of $total committed"
	"$REPO"/scripts/pg.sh down >/dev/null 2>&1
	sleep 30
	kill -0 "$p" || fail "dgp run died while PostgreSQL was down"
	"$REPO"/scripts/pg.sh up >/dev/null 2>&1
	say "PostgreSQL up again"
	wait_committed_at_least "$total" "$LONG"
	kill -TERM "$p"
	wait "$p" || fail "dgp run exited $? after SIGTERM; its log ends:
$(tail -n 25 "$work/p.log")"
	;;
broker)
	start_dgp p; p=$last_pid
	wait_committed_at_least $((total / 4)) 120
	say "broker restart at $(committed) of $total committed"
	"$REPO"/scripts/kafka.sh restart >/dev/null 2>&1
	say "broker back"
	wait_committed_at_least "$total" "$LONG"
	kill -TERM "$p"
	wait "$p" || fail "dgp run exited $? after SIGTERM; its log ends:
$(tail -n 25 "$work/p.log")"
	;;
stale)
	# a: small batches, so b's first batch from the same offsets reaches past a's
	# stuck one.  a blocks in COPY behind the lock, holding its offsets rows; it
	# stops polling, so after max.poll.interval.ms b gets every partition, reads
	# them from the stored offsets, and waits for a's rows.  When the lock goes,
	# a commits first and b's batch is stale.
	export DGP_KAFKA_MAX_POLL_INTERVAL_MS=10000
	topic0=$tag.$(topic_of "${resources[0]%% *}")
	table0=$(table_of "$work/0.json")
	DGP_BATCH_MAX_ROWS=300 start_dgp a
	a=$last_pid
	s=$SECONDS
	while (($(psql "$DGP_PG_CONNINFO" -qAtc "select count(*) from dgp_ops.offsets where topic = '$topic0'") == 0 &&
		SECONDS - s < 60)); do sleep 0.1; done
	psql "$DGP_PG_CONNINFO" -qAtc "begin; lock table dgp_src.\"$table0\" in access exclusive mode;
		select pg_sleep(16); commit" >/dev/null &
	locker=$!
	say "dgp_src.$table0 locked at $(committed) of $total committed; a second member joins"
	sleep 1
	start_dgp b
	b=$last_pid
	wait "$locker"
	say "lock released at $(committed) of $total committed"
	wait_committed_at_least "$total" "$LONG"
	# each refused batch counts in dgp_batches_total{outcome="stale"} of its member
	counted=0
	for m in a b; do
		port=$(sed -n 's/.*metrics on port \([0-9]*\) .*/\1/p' "$work/$m.log" | tail -1)
		[[ -n $port ]] || fail "member $m logged no metrics port"
		n=$(curl -fs "http://127.0.0.1:$port/metrics" |
			awk '$1 ~ /^dgp_batches_total\{.*outcome="stale"\}$/ { s += $2 } END { print s + 0 }')
		counted=$((counted + n))
	done
	kill -TERM "$a" "$b"
	wait "$a" 2>/dev/null || true
	wait "$b" 2>/dev/null || true
	stale=$(cat "$work/a.log" "$work/b.log" | grep -c "stale batch" || true)
	say "stale batches refused: $stale (dgp_batches_total{outcome=\"stale\"}: $counted)"
	if ((stale == 0)); then
		# The race did not produce the situation (about one run in six here): the
		# scenario is set up again from scratch, twice at most, before failing.
		attempt=${DGP_STALE_ATTEMPT:-1}
		((attempt < 3)) || { KEEP=1; fail "no batch was refused as stale in $attempt attempts: the scenario did not happen (logs in $work)"; }
		say "no batch was refused as stale: setting the scenario up again (attempt $((attempt + 1)))"
		cleanup
		trap - EXIT
		DGP_STALE_ATTEMPT=$((attempt + 1)) DGP_PG_CONNINFO=$ADMIN_CONNINFO exec bash "$0" "$MODE" "$DGP" "$REPO"
	fi
	((counted == stale)) || fail "dgp_batches_total{outcome=\"stale\"} says $counted, the logs $stale"
	;;
woken)
	# a: batches that close neither by size nor by age while the test runs
	DGP_BATCH_MAX_ROWS=1000000 DGP_BATCH_MAX_MS=600000 start_dgp a
	a=$last_pid
	s=$SECONDS
	until (($(grep -c "assigned $tag" "$work/a.log" || true) >= 16)) || ((SECONDS - s > 60)); do sleep 0.2; done
	sleep 5 # a reads every message into its two held batches
	kill -STOP "$a"
	say "member a stopped holding its batches; $(committed) of $total committed"
	sleep 8 # past the session timeout: a leaves the group
	start_dgp b
	b=$last_pid
	wait_committed_at_least "$total" "$LONG"
	say "member b committed $(committed) of $total; waking a"
	kill -CONT "$a"
	s=$SECONDS
	until (($(grep -c "stale batch" "$work/a.log" || true) >= 2)) || ((SECONDS - s > 60)); do sleep 0.2; done
	port=$(sed -n 's/.*metrics on port \([0-9]*\) .*/\1/p' "$work/a.log" | tail -1)
	stale=$(curl -fs "http://127.0.0.1:$port/metrics" |
		awk '$1 ~ /^dgp_batches_total\{.*outcome="stale"\}$/ { s += $2 } END { print s + 0 }')
	kill -TERM "$a" "$b"
	wait "$a" || fail "member a exited $?"
	wait "$b" || fail "member b exited $?"
	logged=$(grep -c "stale batch" "$work/a.log" || true)
	say "woken member: $logged stale batches logged, dgp_batches_total{outcome=\"stale\"} $stale; $(cat "$work/a.out")"
	((logged == 2 && stale == 2)) || fail "the woken member's two batches were not handled as stale"
	grep -qx "dgp run: 0 records, 0 rows written, 0 rejected, 0 batches committed" "$work/a.out" ||
		fail "the woken member counted the batches it did not commit: $(cat "$work/a.out")"
	;;
*) fail "unknown mode $MODE" ;;
esac

# Drain whatever is left with one clean run.
timeout "$LONG" "$DGP" run --until-idle 4000 >>"$work/final.out" 2>>"$work/final.log" ||
	fail "final dgp run failed: $(tail -5 "$work/final.log")"

ok=1
i=0
for r in "${resources[@]}"; do
	read -r code fmt <<<"$r"
	topic=$(topic_of "$code")
	table=$(table_of "$work/$i.json")
	want_rows=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['expected']['first_load']['new'])" "$work/$i.json")
	want_rej=$(python3 -c "import json,sys; e=json.load(open(sys.argv[1]))['expected']['first_load']; print(e['rejected'] + e['field_rejects'])" "$work/$i.json")
	got_rows=$(psql "$DGP_PG_CONNINFO" -qAtc "select count(*) from dgp_src.\"$table\"")
	got_rej=$(psql "$DGP_PG_CONNINFO" -qAtc "select count(*) from dgp_ops.reject where source = '$tag.$topic'")
	dup_rej=$(psql "$DGP_PG_CONNINFO" -qAtc "select count(*) - count(distinct (\"partition\", \"offset\", coalesce(field, ''))) from dgp_ops.reject where source = '$tag.$topic'")
	offs=$(psql "$DGP_PG_CONNINFO" -qAtc "select coalesce(sum(next_offset), 0) from dgp_ops.offsets where topic = '$tag.$topic'")
	say "$code ($table): rows $got_rows (manifest $want_rows), rejects $got_rej (manifest $want_rej, $dup_rej twice), offsets $offs of $ROWS"
	[[ $got_rows == "$want_rows" && $got_rej == "$want_rej" && $dup_rej == 0 && $offs == "$ROWS" ]] || ok=0
	i=$((i + 1))
done
((ok)) || { KEEP=1; fail "PostgreSQL does not match the manifests (logs in $work)"; }
say "PASS"
