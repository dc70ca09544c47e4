#!/usr/bin/env bash
# test_refused.sh MODE DGP REPO — records dgp accepts but PostgreSQL refuses
# never stop the flow: each is rejected as db_refused, everything else loads,
# progress / offsets are complete, a rerun writes nothing.
#
#   MODE load   a bulk file of ROWS records through `dgp load`
#        run    the same records through Kafka (8 partitions) and `dgp run`
#        crash  `dgp run` killed -9 while it isolates a refused record (the
#               refusals are made slow by a trigger so the kill lands in the
#               split), then restarted: everything exactly once
#
# The refusals are set up by the test on the resource's dgp_src table, so they
# do not depend on any normaliser's gaps: a CHECK constraint on 职业 (ZY =
# 'POISON-CHECK' → 23514, met by the merge statement: found by halving) and
# 迁入原因 narrowed to varchar(20) (a 30-character QRYY → 22001, met by COPY,
# which names the row).  Three of each kind sit in the middle of the input.
# The log must name each refused record by origin and never hold its values;
# PostgreSQL's server log (DGP_PG_LOG, scripts/pg.sh's) must hold none of them
# either: a refusal is caught inside the merge, never a logged ERROR whose
# DETAIL lists the failing row.
#
# Size: DGP_REFUSED_TEST_ROWS (default 100000 for load and run, 30000 for crash,
# to keep `make test` in its budget).  Run once each at 1,000,000 on the 2-core
# development machine shared with other builds (PostgreSQL 15, Kafka 3.9.1,
# 2026-12-03), every check above passing:
#   load  1,000,000 records read, 999,994 rows in dgp_src, 6 db_refused rejects
#         (3 × 23514, 3 × 22001, each once, raw = the poison line), file progress
#         complete at 1,000,000 records; the rerun "already loaded completely",
#         the copy of the file 999,994 unchanged + the same 6 refused;
#         wall 7 min 20 s for the whole test, peak RSS 895 MiB
#   run   1,000,000 messages over 8 partitions, 999,994 rows, 6 db_refused rejects
#         (each once), offsets summing to 1,000,000; the rerun wrote nothing;
#         wall 7 min 08 s, peak RSS 895 MiB
# Needs DGP_PG_CONNINFO (and DGP_KAFKA_BROKERS for run and crash).
set -euo pipefail
MODE=$1 DGP=$2 REPO=$3
# the test-data tools (tools/) sit beside cli/ in the build tree
DGP_GEN=${DGP_GEN:-$(dirname "$DGP")/../tools/dgp-gen}
DGP_PRODUCE=${DGP_PRODUCE:-$(dirname "$DGP")/../tools/dgp-produce}
ROWS=${DGP_REFUSED_TEST_ROWS:-$([[ $MODE == crash ]] && echo 30000 || echo 100000)}
: "${DGP_PG_CONNINFO:?start the services: eval \"\$(scripts/services.sh start)\"}"
ADMIN=$DGP_PG_CONNINFO
CODE=101001/000001 TABLE=gaj_hjrk

say() { printf 'test_refused[%s]: %s\n' "$MODE" "$*" >&2; }
fail() { say "FAIL: $*"; KEEP=1; exit 1; }

tag="f$(date +%s%N | tail -c 9)"
work=$(mktemp -d "${TMPDIR:-/tmp}/dgp-refused-$MODE.XXXXXX")
db="dgp_refused_${MODE}_$tag"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	psql "$ADMIN" -qAtc "drop database if exists $db" >/dev/null 2>&1 || true
	if [[ ${KEEP:-0} != 1 ]]; then rm -rf "$work"; else say "kept $work"; fi
}
trap cleanup EXIT

export DGP_CATALOG_DIR=$REPO/catalog/sample
export DGP_HTTP_LISTEN=127.0.0.1:0
PGLOG=${DGP_PG_LOG:-$(eval "$("$REPO/scripts/pg.sh" env)" && echo "${DGP_PG_LOG:-}")}
[[ -r $PGLOG ]] || fail "cannot read PostgreSQL's server log ($PGLOG)"
pglog_start=$(stat -c %s "$PGLOG")
psql "$ADMIN" -qAtc "create database $db" >/dev/null
export DGP_PG_CONNINFO="$ADMIN dbname=$db"
sql() { psql "$DGP_PG_CONNINFO" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
"$DGP" catalog sync >/dev/null || fail "catalog sync"
sql "alter table dgp_src.$TABLE add constraint no_poison check (zy is distinct from 'POISON-CHECK');
     alter table dgp_src.$TABLE alter column qryy type varchar(20)"

# the input: clean generated rows, 3 + 3 of them made refusable in the middle
"$DGP_GEN" --resource $CODE --encoding UTF-8 --rows "$ROWS" --seed 11 --out "$work/clean.csv" >/dev/null ||
	fail "gen"
file=$work/gaj_hjrk_refused.csv
/usr/bin/python3 - "$work/clean.csv" "$file" "$work/poison" "$ROWS" <<'PY'
import csv, io, sys
src, dst, poison_out, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
lines = open(src, encoding='utf-8').read().split('\n')
hdr = next(csv.reader([lines[0]]))
zy, qryy = hdr.index('ZY'), hdr.index('QRYY')
picks = [rows * k // 7 for k in range(2, 8)]      # data rows 2/7 … 7/7 of the way, the last one near the end
picks[-1] = rows - 3
with open(poison_out, 'w') as p:
    for n, i in enumerate(picks):
        f = next(csv.reader([lines[1 + i]]))
        if n % 2 == 0:
            f[zy] = 'POISON-CHECK'; why = '23514'
        else:
            f[qryy] = 'Q' * 30; why = '22001'
        b = io.StringIO(); csv.writer(b, lineterminator='').writerow(f)
        lines[1 + i] = b.getvalue()
        p.write(f'{i + 2} {why} {f[0]}\n')          # file line, SQLSTATE, key
open(dst, 'w', encoding='utf-8').write('\n'.join(lines))
PY
nbad=$(wc -l <"$work/poison")
want_rows=$((ROWS - nbad))

# check_db WHERE_SOURCE — rows, rejects (db_refused, each once, raw = the poison line), detail
check_db() {
	local src=$1
	[[ $(sql "select count(*) from dgp_src.$TABLE") == "$want_rows" ]] ||
		fail "rows: $(sql "select count(*) from dgp_src.$TABLE"), want $want_rows"
	[[ $(sql "select count(*) from dgp_ops.reject") == "$nbad" ]] ||
		fail "rejects: $(sql "select reason || ' ' || count(*) from dgp_ops.reject group by 1" | tr '\n' ' '), want $nbad db_refused"
	local got want
	got=$(sql "select convert_from(raw, 'UTF8') from dgp_ops.reject where reason = 'db_refused' and source $src order by 1")
	want=$(while read -r line _ _; do sed -n "${line}p" "$file"; done <"$work/poison" | sort)
	[[ $got == "$(sort <<<"$want")" ]] || fail "the rejects' raw bytes are not the poison records"
	got=$(sql "select detail from dgp_ops.reject order by 1" | sort | uniq -c | sed 's/^ *//')
	want="$((nbad / 2)) 22001: value too long for type character varying(20)
$((nbad / 2)) 23514: new row for relation \"$TABLE\" violates check constraint \"no_poison\""
	[[ $got == "$want" ]] || fail "reject details: $got"
	got=$(sql "select count(*) from dgp_src.$TABLE where zy = 'POISON-CHECK' or length(qryy) > 20")
	[[ $got == 0 ]] || fail "a poison record was written"
	[[ $(sql "select count from dgp_catalog.reject_stats where reason = 'db_refused'") == "$nbad" ]] ||
		fail "reject_stats db_refused: $(sql "select count from dgp_catalog.reject_stats where reason = 'db_refused'")"
	[[ $(sql "select \"rows\" || ' ' || records_read || ' ' || rejected from dgp_catalog.resource_stats where resource_code = '$CODE'") == "$want_rows $ROWS $nbad" ]] ||
		fail "resource_stats: $(sql "select \"rows\" || ' ' || records_read || ' ' || rejected from dgp_catalog.resource_stats")"
}

# check_log LOG — every refused record named by origin; no poison value, no key of one, in the log
check_log() {
	local log=$1 line why key n=0
	while read -r line why key; do
		grep -q "$key" "$log" && fail "the log holds the key of a refused record"
		n=$((n + 1))
	done <"$work/poison"
	grep -q 'POISON-CHECK\|QQQQQQQQQQ' "$log" && fail "the log holds a refused value"
	# the server log's lines of this test's database
	tail -c +$((pglog_start + 1)) "$PGLOG" | grep -a "@$db " >"$work/server.log" || true
	cut -d' ' -f3 "$work/poison" >"$work/poison.keys"
	grep -q -F -f "$work/poison.keys" "$work/server.log" && fail "the server log holds the key of a refused record"
	grep -q 'POISON-CHECK\|QQQQQQQQQQ\|Failing row' "$work/server.log" && fail "the server log holds a refused row"
	[[ $(grep -c "postgresql refused .* (SQLSTATE \(23514\|22001\)); rejected as db_refused" "$log") -ge $n ]] ||
		fail "the log does not name every refused record: $(grep -c 'rejected as db_refused' "$log") lines"
}

case $MODE in
load)
	out=$("$DGP" load --encoding UTF-8 "$file" 2>"$work/load.log") || fail "dgp load exited $?: $(tail -3 "$work/load.log")"
	grep -q "read $ROWS, new $want_rows, changed 0, unchanged 0, duplicate 0, rejected $nbad" <<<"$out" ||
		fail "summary: $out"
	awk '/^  records rejected/ { g = 1; next } /^  values rejected/ { g = 0 } g' <<<"$out" |
		grep -q "^    db_refused *$nbad\$" || fail "summary by reason: $out"
	check_db "= '$file'"
	[[ $(sql "select string_agg(line::text, ' ' order by line) from dgp_ops.reject") == "$(cut -d' ' -f1 "$work/poison" | tr '\n' ' ' | sed 's/ $//')" ]] ||
		fail "reject lines: $(sql "select string_agg(line::text, ' ' order by line) from dgp_ops.reject")"
	[[ $(sql "select records || ' ' || complete from dgp_ops.file_progress") == "$ROWS true" ]] ||
		fail "file progress: $(sql "select records || ' ' || complete from dgp_ops.file_progress")"
	while read -r line _ _; do
		grep -q "$file:$line (SQLSTATE" "$work/load.log" || fail "the log does not name $file:$line"
	done <"$work/poison"
	check_log "$work/load.log"
	# a rerun: nothing to do; the same records in a new file: all unchanged, the poison refused again
	out=$("$DGP" load --encoding UTF-8 "$file" 2>&1) || fail "rerun exited $?"
	grep -q "already loaded completely" <<<"$out" || fail "rerun: $out"
	cp "$file" "$work/gaj_hjrk_again.csv"
	echo >>"$work/gaj_hjrk_again.csv"
	out=$("$DGP" load --encoding UTF-8 "$work/gaj_hjrk_again.csv" 2>&1) || fail "second file exited $?"
	# (the chunks without a refused record are skipped unparsed; those with one are parsed)
	grep -Eq "read $ROWS, new 0, changed 0, unchanged $want_rows \([0-9]+ skipped\), duplicate 0, rejected $nbad" <<<"$out" ||
		fail "second file: $out"
	[[ $(sql "select count(*) from dgp_src.$TABLE where _dgp_updated_at <> _dgp_loaded_at") == 0 ]] ||
		fail "the second file rewrote rows"
	;;
run | crash)
	: "${DGP_KAFKA_BROKERS:?start the services}"
	export DGP_RUN_TOPIC_PREFIX="$tag." DGP_KAFKA_GROUP_ID="dgp-$tag"
	export DGP_BATCH_MAX_ROWS=2000 DGP_BATCH_MAX_MS=500 DGP_RUN_LOG_INTERVAL_MS=5000
	export DGP_KAFKA_SESSION_TIMEOUT_MS=6000 DGP_KAFKA_HEARTBEAT_INTERVAL_MS=1000
	topic=$tag.dept.gaj.hjrk
	"$DGP_PRODUCE" --topic "$topic" --partitions 8 "$file" >/dev/null 2>"$work/produce.log" ||
		fail "produce: $(tail -3 "$work/produce.log")"
	if [[ $MODE == crash ]]; then
		# each try of a span holding a poison record takes 0.3 s: a split lasts seconds
		sql "create function dgp_src.slow_poison() returns trigger language plpgsql as \$f\$
		     begin if new.zy = 'POISON-CHECK' then perform pg_sleep(0.3); end if; return new; end \$f\$;
		     create trigger slow_poison before insert or update on dgp_src.$TABLE
		     for each row execute function dgp_src.slow_poison()"
		kills=0
		for k in 1 2 3; do
			"$DGP" run >>"$work/crash$k.out" 2>>"$work/crash.log" &
			pid=$!
			pids+=("$pid")
			s=$SECONDS
			until (($(grep -c 'writing the batch in parts to find and reject it' "$work/crash.log" || true) > kills)) ||
				((SECONDS - s > 120)); do sleep 0.05; done
			sleep "0.$((RANDOM % 10))"
			kill -9 "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			kills=$((kills + 1))
			say "kill -9 #$k during a split; $(sql "select coalesce(sum(next_offset), 0) from dgp_ops.offsets") of $ROWS committed"
		done
		[[ $(sql "select count(*) from dgp_ops.reject") -lt $nbad ]] ||
			say "note: every refusal was committed before the kills"
	fi
	timeout 600 "$DGP" run --until-idle 4000 >"$work/run.out" 2>>"$work/run.log" ||
		fail "dgp run exited $?: $(tail -5 "$work/run.log")"
	check_db "= '$topic'"
	[[ $(sql "select count(*) - count(distinct (\"partition\", \"offset\")) from dgp_ops.reject") == 0 ]] ||
		fail "a record rejected twice"
	[[ $(sql "select coalesce(sum(next_offset), 0) from dgp_ops.offsets where topic = '$topic'") == "$ROWS" ]] ||
		fail "offsets: $(sql "select coalesce(sum(next_offset), 0) from dgp_ops.offsets")"
	cat "$work"/*.log >"$work/all.log"
	while read -r p o; do
		grep -q "$topic/$p@$o (SQLSTATE" "$work/all.log" || fail "the log does not name $topic/$p@$o"
	done < <(sql "select \"partition\" || ' ' || \"offset\" from dgp_ops.reject" | tr '|' ' ')
	check_log "$work/all.log"
	grep -q "$ROWS records, $want_rows rows written, $nbad rejected" "$work/run.out" || [[ $MODE == crash ]] ||
		fail "run summary: $(cat "$work/run.out")"
	# a rerun: nothing new to read, nothing written
	before=$(sql "select count(*) || ' ' || max(_dgp_updated_at) from dgp_src.$TABLE")
	timeout 300 "$DGP" run --until-idle 3000 >"$work/rerun.out" 2>"$work/rerun.log" || fail "rerun exited $?"
	[[ $(sql "select count(*) || ' ' || max(_dgp_updated_at) from dgp_src.$TABLE") == "$before" &&
		$(sql "select count(*) from dgp_ops.reject") == "$nbad" ]] || fail "the rerun wrote something"
	;;
*) fail "unknown mode $MODE" ;;
esac
say "PASS"
