#!/usr/bin/env bash
# test_golden_queue.sh DGP SRCDIR — golden records off the write path: the batches
# queue their keys in dgp_ops.golden_queue (one row of keys per batch) and the golden
# worker refreshes them.
# (a) `dgp load` drains before it exits: the golden rows equal a refresh of all
#     keys at once (dgp_base.refresh_person / refresh_legal_entity called by hand);
# (b) --no-golden-wait leaves the keys queued, `dgp golden --once` empties the
#     queue with the same golden rows;
# (c) a kill -9 of `dgp golden` mid-drain (its refresh held on a lock) loses no
#     key: the queue rows come back and a second drain gives the same rows.
# (e) a key queued while a drain runs — by a transaction that began before the
#     drain's take (a lower id, committed after it) or after it — stays queued
#     and the next drain refreshes it.
# (f) a first load drained in several chunks (whole queue rows up to
#     golden.batch.keys keys each) writes every chunk with the plain INSERT (no
#     UPDATE or DELETE statement reaches dgp_base.person: statement triggers
#     count them); a drain of keys that have golden rows takes the other path
#     once per chunk.
# (g) SIGTERM to dgp run in the middle of a long drain: it stops draining in time,
#     exits 0, and the keys left stay queued for the next drain.
set -u
DGP=$1
SRC=$2
. "$SRC/tests/integration/load_lib.sh"
export DGP_LOG_LEVEL=warn DGP_HTTP_LISTEN=

files=(
	"101001/000001 600 gaj_hjrk_1.csv"
	"101041/000001 500 bszjd_syrk_1.jsonl"
	"102006/000001 400 scjgj_qydj_1.csv"
)
for f in "${files[@]}"; do
	read -r code rows file <<<"$f"
	"$DGP_GEN" --resource "$code" --rows "$rows" --seed 11 --out "$TMP/$file" \
		--change-rate 0.05 --dup-rate 0.05 || exit 1
done
load_all() {
	local f code rows file
	for f in "${files[@]}"; do
		read -r code rows file <<<"$f"
		"$DGP" load --resource "$code" "$@" "$TMP/$file" >/dev/null || return 1
	done
}
# golden rows without their refresh time, in key order
golden_md5() {
	sql "SELECT md5(string_agg((to_jsonb(p) - '_dgp_updated_at')::text, ',' ORDER BY gmsfhm))
	     FROM dgp_base.person p"
	sql "SELECT md5(string_agg((to_jsonb(e) - '_dgp_updated_at')::text, ',' ORDER BY tyshxydm))
	     FROM dgp_base.legal_entity e"
}
queued() { sql "SELECT coalesce(sum(cardinality(keys)), 0) FROM dgp_ops.golden_queue"; }

# (a) default: drained before exit; reference = every key refreshed at once
new_db "dgp_test_golden_a_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
load_all || bad "(a) load"
eq "(a) queue empty after load" "$(queued)" 0
persons=$(sql "SELECT count(*) FROM dgp_base.person")
[[ $persons -gt 500 ]] && ok || bad "(a) golden persons" "$persons"
got_a=$(golden_md5)
sql "TRUNCATE dgp_base.person, dgp_base.legal_entity;
     SELECT dgp_base.refresh_person(array_agg(DISTINCT gmsfhm)) FROM
       (SELECT gmsfhm FROM dgp_src.gaj_hjrk UNION ALL SELECT gmsfhm FROM dgp_src.bszjd_syrk) s;
     SELECT dgp_base.refresh_legal_entity(array_agg(DISTINCT tyshxydm)) FROM dgp_src.scjgj_qydj" >/dev/null
ref=$(golden_md5)
eq "(a) golden rows = one refresh of all keys" "$got_a" "$ref"
eq "(a) person rows" "$(sql "SELECT count(*) FROM dgp_base.person")" "$persons"

# (b) --no-golden-wait, then dgp golden --once
new_db "dgp_test_golden_b_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
load_all --no-golden-wait || bad "(b) load"
q=$(queued)
[[ $q -gt 1000 ]] && ok || bad "(b) keys queued" "$q"
eq "(b) one queue row per batch" "$(sql "SELECT count(*) FROM dgp_ops.golden_queue")" 3
eq "(b) no golden row yet" "$(sql "SELECT count(*) FROM dgp_base.person")" 0
status=$("$DGP" catalog status 2>&1)
expect_out "(b) catalog status" "golden queue: $q keys, oldest " "$status"
out=$("$DGP" golden --once 2>&1)
eq "(b) dgp golden --once exit" "$?" 0
expect_out "(b) report" "golden records: $q queued keys refreshed" "$out"
eq "(b) queue empty" "$(queued)" 0
status=$("$DGP" catalog status 2>&1)
expect_out "(b) catalog status after" "golden queue: 0 keys, oldest 0 s" "$status"
eq "(b) golden rows as (a)" "$(golden_md5)" "$ref"

# (c) kill -9 mid-drain: hold the refresh on a lock, kill, release
new_db "dgp_test_golden_c_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
load_all --no-golden-wait || bad "(c) load"
q=$(queued)
psql "$DGP_PG_CONNINFO" -qAtX -c "BEGIN; LOCK TABLE dgp_base.person; SELECT pg_sleep(3); COMMIT" \
	>/dev/null &
locker=$!
sleep 0.5
"$DGP" golden --once >/dev/null 2>&1 &
worker=$!
waiting=0
for _ in $(seq 1 50); do
	waiting=$(sql "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
	               AND query LIKE '/* dgp golden: take and refresh */%'")
	[[ $waiting == 1 ]] && break
	sleep 0.05
done
eq "(c) worker held mid-drain" "$waiting" 1
kill -9 "$worker"
wait "$worker" 2>/dev/null
wait "$locker"
for _ in $(seq 1 100); do
	[[ $(sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '/* dgp golden: take and refresh */%'
	          AND pid <> pg_backend_pid()") == 0 ]] && break
	sleep 0.05
done
eq "(c) every key back in the queue" "$(queued)" "$q"
eq "(c) nothing refreshed" "$(sql "SELECT count(*) FROM dgp_base.person")" 0
"$DGP" golden --once >/dev/null || bad "(c) second drain"
eq "(c) queue empty" "$(queued)" 0
eq "(c) golden rows as (a)" "$(golden_md5)" "$ref"

# (e) keys queued while a drain runs, each with a change of its 户籍 row as a
# batch writes them: T1 by a transaction open before the drain's take (its id
# inside the range the take deletes, but not visible to it), committed once the
# drain is held in its refresh; T2 committed while it is held.  The drain's next
# chunk takes both and their golden rows show the change.
new_db "dgp_test_golden_e_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
load_all --no-golden-wait || bad "(e) load"
q=$(queued)
last=$(sql "SELECT max(id) FROM dgp_ops.golden_queue")
read -r k1 k2 <<<"$(sql "SELECT string_agg(gmsfhm, ' ') FROM
	(SELECT gmsfhm FROM dgp_src.gaj_hjrk ORDER BY gmsfhm LIMIT 2) s")"
# change K: what a batch writing a new 姓名 for K does (dgp_src row and queued key)
change() {
	echo "UPDATE dgp_src.gaj_hjrk SET xm = coalesce(xm, '') || '甲' WHERE gmsfhm = '$1';
	      INSERT INTO dgp_ops.golden_queue (base, keys) VALUES ('person', ARRAY['$1'])"
}
held="SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
      AND query LIKE '/* dgp golden: take and refresh */%'"
# wait_until COND: a DO block polling COND (SQL boolean) in the server, at most 60 s
wait_until() {
	printf "DO \$w\$ BEGIN FOR i IN 1..1200 LOOP EXIT WHEN %s; PERFORM pg_sleep(0.05);
	        END LOOP; END \$w\$;" "$1"
}
psql "$DGP_PG_CONNINFO" -qAtX -c "BEGIN" -c "$(change "$k1")" \
	-c "$(wait_until "($held) = 1")" -c "COMMIT" >/dev/null &
early=$!
for _ in $(seq 1 1200); do # T1 written: its session waits in the DO block
	[[ $(sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'DO \$w\$%'") == 1 ]] && break
	sleep 0.05
done
psql "$DGP_PG_CONNINFO" -qAtX -c "BEGIN" -c "LOCK TABLE dgp_base.person" \
	-c "$(wait_until "(SELECT count(*) FROM dgp_ops.golden_queue WHERE id > $last) = 2")" \
	-c "COMMIT" >/dev/null &
locker=$!
for _ in $(seq 1 1200); do
	[[ $(sql "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND granted
	          AND mode = 'AccessExclusiveLock' AND relation = 'dgp_base.person'::regclass") == 1 ]] &&
		break
	sleep 0.05
done
"$DGP" golden --once >"$TMP/e.out" 2>&1 &
worker=$!
for _ in $(seq 1 1200); do
	[[ $(sql "$held") == 1 ]] && break
	sleep 0.05
done
eq "(e) worker held mid-drain" "$(sql "$held")" 1
sql "BEGIN; $(change "$k2"); COMMIT" >/dev/null
wait "$early"
wait "$locker"
wait "$worker"
eq "(e) drain exit" "$?" 0
expect_out "(e) drain report" \
	"golden records: $((q + 2)) queued keys refreshed ($(($(sql "SELECT count(*) FROM dgp_base.person") + \
	$(sql "SELECT count(*) FROM dgp_base.legal_entity") + 2)) distinct) in 2 transactions" \
	"$(cat "$TMP/e.out")"
eq "(e) queue empty" "$(queued)" 0
eq "(e) the changes queued meanwhile are in the golden rows" "$(sql "SELECT count(*)
	FROM dgp_base.person WHERE gmsfhm IN ('$k1', '$k2') AND xm LIKE '%甲'")" 2

# (f) a first load in batches of 90 rows, drained in chunks of 200 keys: only
# INSERTs; then the same keys again, queued in rows of 200
new_db "dgp_test_golden_f_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
DGP_BATCH_MAX_ROWS=90 "$DGP" load --no-golden-wait --resource 101001/000001 \
	"$TMP/gaj_hjrk_1.csv" >/dev/null || bad "(f) load"
sql "CREATE TABLE public.stmts (op text);
     CREATE FUNCTION public.count_stmt() RETURNS trigger LANGUAGE plpgsql AS
       \$f\$ BEGIN INSERT INTO public.stmts VALUES (TG_OP); RETURN NULL; END \$f\$;
     CREATE TRIGGER count_stmt AFTER INSERT OR UPDATE OR DELETE ON dgp_base.person
       FOR EACH STATEMENT EXECUTE FUNCTION public.count_stmt()" >/dev/null
keys=$(sql "SELECT count(DISTINCT gmsfhm) FROM dgp_src.gaj_hjrk")
# the chunks: whole rows in id order while their keys add up to 200, one row at least
chunks=$(sql "SELECT cardinality(keys) FROM dgp_ops.golden_queue ORDER BY id" |
	awk '$1 + n > 200 && n > 0 { c++; n = 0 } { n += $1 } END { print c + (n > 0) }')
[[ $chunks -ge 3 ]] && ok || bad "(f) chunks" "$chunks"
DGP_GOLDEN_BATCH_KEYS=200 "$DGP" golden --once >/dev/null || bad "(f) first drain"
eq "(f) first load: statements" "$(sql "SELECT string_agg(op || ' ' || n, ', ' ORDER BY op)
	FROM (SELECT op, count(*) n FROM public.stmts GROUP BY op) s")" "INSERT $chunks"
eq "(f) golden rows" "$(sql "SELECT count(*) FROM dgp_base.person")" "$keys"
sql "TRUNCATE public.stmts;
     INSERT INTO dgp_ops.golden_queue (base, keys) SELECT 'person', array_agg(gmsfhm ORDER BY gmsfhm)
       FROM (SELECT gmsfhm, (row_number() OVER (ORDER BY gmsfhm) - 1) / 200 AS c
             FROM (SELECT DISTINCT gmsfhm FROM dgp_src.gaj_hjrk) d) k GROUP BY c ORDER BY c" \
	>/dev/null
again=$(( (keys + 199) / 200 ))
DGP_GOLDEN_BATCH_KEYS=200 "$DGP" golden --once >/dev/null || bad "(f) second drain"
eq "(f) keys with golden rows: statements" "$(sql "SELECT string_agg(op || ' ' || n, ', ' ORDER BY op)
	FROM (SELECT op, count(*) n FROM public.stmts GROUP BY op) s")" \
	"DELETE $again, INSERT $again, UPDATE $again"

# (d) dgp run drains while it runs (its golden thread, golden.interval.ms)
: "${DGP_KAFKA_BROKERS:?DGP_KAFKA_BROKERS is not set: start the services (scripts/services.sh start)}"
new_db "dgp_test_golden_d_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
tag="gq$$x$(date +%s%N | tail -c 7)"
export DGP_RUN_TOPIC_PREFIX="$tag." DGP_GOLDEN_INTERVAL_MS=200 DGP_HTTP_LISTEN=
"$DGP_GEN" --resource 101001/000001 --rows 300 --seed 11 --out "$TMP/run.jsonl" || exit 1
"$DGP_PRODUCE" --topic "$tag.dept.gaj.hjrk" --resource 101001/000001 "$TMP/run.jsonl" >/dev/null 2>&1 ||
	bad "(d) produce"
"$DGP" run >"$TMP/run.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
	want=$(sql "SELECT count(DISTINCT gmsfhm) FROM dgp_src.gaj_hjrk")
	[[ $want -gt 200 && $(queued) == 0 &&
		$(sql "SELECT count(*) FROM dgp_base.person") == "$want" ]] && break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null && ok || bad "(d) run still running" "$(tail -5 "$TMP/run.log")"
eq "(d) golden rows while running" "$(sql "SELECT count(*) FROM dgp_base.person")" "$want"
eq "(d) queue drained while running" "$(queued)" 0
eq "(d) golden rows match the source" "$(sql "SELECT count(*) FROM dgp_base.person b
	JOIN dgp_src.gaj_hjrk s USING (gmsfhm) WHERE b.xm IS NOT DISTINCT FROM s.xm")" "$want"
kill -TERM "$pid"
wait "$pid"
eq "(d) run: exit after SIGTERM" "$?" 0

# (g) a SIGTERM while dgp run drains a long queue: the last drain stops at three
# quarters of shutdown.timeout.ms (between two chunks), dgp exits 0 in time and the
# keys left stay queued; dgp golden --once refreshes them.  Each chunk is made to
# take 50 ms (a statement trigger), so the 300 one-key queue rows take 15 s.
new_db "dgp_test_golden_g_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
"$DGP" load --resource 101001/000001 --no-golden-wait "$TMP/run.jsonl" >/dev/null || bad "(g) load"
keys=$(sql "SELECT count(DISTINCT gmsfhm) FROM dgp_src.gaj_hjrk")
sql "TRUNCATE dgp_ops.golden_queue;
     INSERT INTO dgp_ops.golden_queue (base, keys)
       SELECT 'person', ARRAY[gmsfhm] FROM (SELECT DISTINCT gmsfhm FROM dgp_src.gaj_hjrk) k
       ORDER BY gmsfhm;
     CREATE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql
       AS 'BEGIN PERFORM pg_sleep(0.05); RETURN NULL; END';
     CREATE TRIGGER slow AFTER INSERT ON dgp_base.person
       FOR EACH STATEMENT EXECUTE FUNCTION public.slow()" >/dev/null
DGP_LOG_LEVEL=info DGP_GOLDEN_BATCH_KEYS=1 DGP_SHUTDOWN_TIMEOUT_MS=2000 "$DGP" run >"$TMP/run_g.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do # the drain under way
	(($(queued) < keys)) && break
	sleep 0.1
done
t0=$SECONDS
kill -TERM "$pid"
wait "$pid"
eq "(g) run: exit 0 after SIGTERM mid-drain" "$?" 0
(((SECONDS - t0) <= 3)) && ok || bad "(g) run took $((SECONDS - t0)) s to stop (timeout 2 s)"
left=$(queued)
((left > 0 && left < keys)) && ok || bad "(g) keys left queued" "$left of $keys"
grep -q "stopped at the shutdown deadline: $left keys stay queued" "$TMP/run_g.log" && ok ||
	bad "(g) the log names the keys left" "$(tail -5 "$TMP/run_g.log")"
sql "DROP TRIGGER slow ON dgp_base.person" >/dev/null
"$DGP" golden --once >/dev/null || bad "(g) golden --once"
eq "(g) queue empty" "$(queued)" 0
eq "(g) every key's golden row" "$(sql "SELECT count(*) FROM dgp_base.person")" "$keys"

finish
