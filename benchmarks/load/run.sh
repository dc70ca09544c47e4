#!/usr/bin/env bash
# benchmarks/load/run.sh — dgp load end to end against PostgreSQL's own limit.
#
#   ROWS=1000000 RUNS=3 benchmarks/load/run.sh [BUILD_DIR]
#
# Needs a running PostgreSQL (DGP_PG_CONNINFO; scripts/services.sh start pg).
# For each run, in a fresh database: `dgp-gen` ROWS clean 户籍人口 records
# (101001/000001, 23 fields, UTF-8 CSV), then
#   (a) dgp load, first load: wall rows/s, dgp's own CPU µs/row (user+sys of
#       the dgp process from GNU time) — with the golden functions, and again
#       with dgp_base.refresh_person replaced by a no-op (golden cost apart)
#   (b) psql \copy of the same rows, already clean (exported from dgp_src),
#       into a table LIKE dgp_src.gaj_hjrk INCLUDING ALL (same key, logged);
#       (b2) likewise the golden rows dgp wrote (dgp_base.person): b + b2 is
#       PostgreSQL's limit for everything a first load writes
#   (c) a reload of the same records as another file (one byte more: a
#       trailing empty line), everything UNCHANGED
#   (d) a reload with every 10th record changed (ZY, a non-golden column)
#   (e) the Python peer (benchmarks/load/peer.py: csv, python-stdnum, psycopg 3
#       COPY + INSERT … ON CONFLICT DO UPDATE … WHERE changed; no golden
#       records), first load of the same file into the same database
#   (e2) with PEER=polars, after (e): the polars peer (benchmarks/load/
#       peer_polars.py: peer.py's checks, rejects and SQL on whole columns, as
#       issue 13's peer was written), first load of the same file into its own
#       schema (peer_polars) of the same database; the script then checks that
#       it loaded the rows peer.py loaded (every column but content_hash and
#       loaded_at) and rejected the same lines for the same reasons. Its
#       Python environment (PIP_REQS below) is made once, from PyPI, in
#       DGP_BENCH_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/dgp/bench-load)/venv
# PEER=0 leaves (e) out (the peer takes minutes where dgp takes seconds);
# PEER=polars adds (e2) to (e).
# PARTS=golden measures the golden refresh alone instead, in a fresh database
# per run:
#   (g1) dgp load --no-golden-wait (the keys queued, no golden row yet)
#   (g2) dgp golden --once: the drain of a first load, into an empty base
#   (b2) psql \copy of the golden rows it wrote, as above: g2/b2 is what the
#        refresh costs over writing its rows
#   (g3) every key queued again and drained: nothing changed, nothing rewritten
# Prints one line per measurement with the 1-minute load average, and the
# medians at the end.  The dedup cache's bytes/key: bench_dedup 10000000 100000000.
set -euo pipefail
ROWS=${ROWS:-1000000}
RUNS=${RUNS:-3}
PARTS=${PARTS:-all}
PEER=${PEER:-1}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build-bulk}
DGP=$BUILD/cli/dgp
DGP_GEN=$BUILD/tools/dgp-gen
CACHE=${DGP_BENCH_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/dgp/bench-load}
# polars 2.x; psycopg and python-stdnum as benchmarks/stream/run.sh pins them
# (stdnum 1.18 is Debian 12's, the one peer.py runs with)
PIP_REQS="polars==2.1.0 psycopg[binary]==3.3.9 python-stdnum==1.18"
VENV=$CACHE/venv
: "${DGP_PG_CONNINFO:?start PostgreSQL first: eval \"\$(scripts/services.sh start pg)\"}"
ADMIN=$DGP_PG_CONNINFO
W=${BENCH_DIR:-$(mktemp -d)}
R=101001/000001
export DGP_LOG_LEVEL=warn
la() { cut -d' ' -f1 /proc/loadavg; }
F=$W/gaj_hjrk_bench.csv
if [[ ! -s $F ]]; then
	echo "generating $ROWS rows..." >&2
	"$DGP_GEN" --resource $R --rows "$ROWS" --seed 42 --encoding UTF-8 --out "$F" >&2
	{ cat "$F"; echo; } >"$W/gaj_hjrk_bench_again.csv"
	awk -F, -v OFS=, 'NR > 1 && NR % 10 == 0 { $17 = $17 "改" } { print }' "$F" >"$W/gaj_hjrk_bench_changed.csv"
fi
if [[ $PEER == polars && ( ! -f $VENV/.complete || $(cat "$VENV/.complete") != "$PIP_REQS" ) ]]; then
	echo "installing $PIP_REQS into $VENV (once)..." >&2
	mkdir -p "$CACHE"
	rm -rf -- "$VENV"
	/usr/bin/python3 -m venv "$VENV"
	# shellcheck disable=SC2086
	"$VENV/bin/pip" install -q $PIP_REQS >&2
	echo "$PIP_REQS" >"$VENV/.complete"
fi
RES=$W/results.txt
: >"$RES"
# measure NAME CMD... — wall, user+sys of CMD (GNU time) and rows/s, µs/row
measure() {
	local name=$1 l
	shift
	l=$(la)
	/usr/bin/time -f "%e %U %S" -o "$W/time" "$@" >"$W/out" 2>&1 || { cat "$W/out"; exit 1; }
	read -r wall user sys <"$W/time"
	awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v r="$ROWS" -v l="$l" 'BEGIN {
		printf "%-22s %8.1f s %10.0f rows/s  cpu %6.2f µs/row  load avg %s\n", n, w, r / w, (u + s) * 1e6 / r, l }' | tee -a "$RES"
}
# same_as_peer — peer_polars.* holds what peer.* holds: the same rows (every
# column but content_hash and loaded_at, the peers hash differently) and the
# same rejects; prints the differences and exits otherwise
same_as_peer() {
	local cols="gmsfhm, xm, xb, csrq, mz, cym, csdqh, jgqh, hh, yhzgx, hklb, hjdz, hjqh, hyzk, whcd, zzmm, zy, fwcs, sg, xx, lxdh, qrrq, qryy"
	local rej="file, line, reason, raw" diff
	diff=$(psql "$DGP_PG_CONNINFO" -XAtc "SELECT
		(SELECT count(*) FROM (SELECT $cols FROM peer.gaj_hjrk EXCEPT ALL SELECT $cols FROM peer_polars.gaj_hjrk) a)
		+ (SELECT count(*) FROM (SELECT $cols FROM peer_polars.gaj_hjrk EXCEPT ALL SELECT $cols FROM peer.gaj_hjrk) b)
		+ (SELECT count(*) FROM (SELECT $rej FROM peer.reject EXCEPT ALL SELECT $rej FROM peer_polars.reject) c)
		+ (SELECT count(*) FROM (SELECT $rej FROM peer_polars.reject EXCEPT ALL SELECT $rej FROM peer.reject) d)")
	[[ $diff == 0 ]] || { echo "the polars peer's tables differ from peer.py's in $diff rows" >&2; exit 1; }
}
# golden_only RUN — (g1), (g2), (b2), (g3) in a fresh database
golden_only() {
	local db=dgp_bench_golden_$$
	psql "$ADMIN" -qXc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
	export DGP_PG_CONNINFO="$ADMIN dbname=$db"
	"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null
	measure "g1_load_no_golden" "$DGP" load --no-golden-wait --resource $R --encoding UTF-8 "$F"
	grep -q "new $ROWS," "$W/out" || { cat "$W/out"; exit 1; }
	measure "g2_drain_first_load" "$DGP" golden --once
	psql "$DGP_PG_CONNINFO" -qXc "\\copy (SELECT * FROM dgp_base.person) TO '$W/golden.copy'"
	psql "$DGP_PG_CONNINFO" -qXc "CREATE TABLE public.bench_golden (LIKE dgp_base.person INCLUDING ALL)"
	measure "b2_psql_copy_golden" psql "$DGP_PG_CONNINFO" -qXc "\\copy public.bench_golden FROM '$W/golden.copy'"
	psql "$DGP_PG_CONNINFO" -qXc "INSERT INTO dgp_ops.golden_queue (base, keys) SELECT 'person', array_agg(gmsfhm) FROM (SELECT gmsfhm, (row_number() OVER () - 1) / 20000 AS c FROM dgp_src.gaj_hjrk) s GROUP BY c"
	measure "g3_drain_unchanged" "$DGP" golden --once
	export DGP_PG_CONNINFO=$ADMIN
	psql "$ADMIN" -qXc "DROP DATABASE $db" >/dev/null
}
if [[ $PARTS == golden ]]; then
	for run in $(seq 1 "$RUNS"); do golden_only; done
	echo "medians over $RUNS run(s) of $ROWS rows:"
	sort -k1,1 -k2,2n "$RES" | awk '{ n[$1]++; v[$1, n[$1]] = $0 } END { for (k in n) print v[k, int((n[k] + 1) / 2)] }' | sort | tee "$W/medians.txt"
	awk '{ t[$1] = $2 } END { printf "(g2)/(b2): %.2f\n", t["g2_drain_first_load"] / t["b2_psql_copy_golden"] }' "$W/medians.txt"
	echo "(data in $W)"
	exit 0
fi
for run in $(seq 1 "$RUNS"); do
	for golden in with without; do
		db=dgp_bench_load_$$
		psql "$ADMIN" -qXc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
		export DGP_PG_CONNINFO="$ADMIN dbname=$db"
		"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null
		if [[ $golden == without ]]; then
			psql "$DGP_PG_CONNINFO" -qXc "CREATE OR REPLACE FUNCTION dgp_base.refresh_person(keys text[]) RETURNS void LANGUAGE sql AS 'SELECT'"
		fi
		measure "a_load_${golden}_golden" "$DGP" load --resource $R --encoding UTF-8 "$F"
		grep -q "new $ROWS," "$W/out" || { cat "$W/out"; exit 1; }
		if [[ $golden == with ]]; then
			psql "$DGP_PG_CONNINFO" -qXc "\\copy (SELECT * FROM dgp_src.gaj_hjrk) TO '$W/clean.copy'"
			psql "$DGP_PG_CONNINFO" -qXc "CREATE TABLE public.bench_copy (LIKE dgp_src.gaj_hjrk INCLUDING ALL)"
			measure "b_psql_copy" psql "$DGP_PG_CONNINFO" -qXc "\\copy public.bench_copy FROM '$W/clean.copy'"
			psql "$DGP_PG_CONNINFO" -qXc "\\copy (SELECT * FROM dgp_base.person) TO '$W/golden.copy'"
			psql "$DGP_PG_CONNINFO" -qXc "CREATE TABLE public.bench_golden (LIKE dgp_base.person INCLUDING ALL)"
			measure "b2_psql_copy_golden" psql "$DGP_PG_CONNINFO" -qXc "\\copy public.bench_golden FROM '$W/golden.copy'"
			measure "c_reload_unchanged" "$DGP" load --resource $R --encoding UTF-8 "$W/gaj_hjrk_bench_again.csv"
			grep -Eq "unchanged $ROWS[ ,]" "$W/out" || { cat "$W/out"; exit 1; } # "(N skipped)" after it
			measure "d_reload_10pct_changed" "$DGP" load --resource $R --encoding UTF-8 "$W/gaj_hjrk_bench_changed.csv"
			grep -q "changed $((ROWS / 10))," "$W/out" || { cat "$W/out"; exit 1; }
			if [[ $PEER == 1 || $PEER == polars ]]; then
				measure "e_python_peer" /usr/bin/python3 "$SRC/benchmarks/load/peer.py" "$DGP_PG_CONNINFO" "$F"
				grep -q "loaded $ROWS," "$W/out" || { cat "$W/out"; exit 1; }
			fi
			if [[ $PEER == polars ]]; then
				measure "e2_python_polars_peer" "$VENV/bin/python" "$SRC/benchmarks/load/peer_polars.py" \
					--schema peer_polars "$DGP_PG_CONNINFO" "$F"
				grep -q "loaded $ROWS," "$W/out" || { cat "$W/out"; exit 1; }
				same_as_peer
			fi
		fi
		export DGP_PG_CONNINFO=$ADMIN
		psql "$ADMIN" -qXc "DROP DATABASE $db" >/dev/null
	done
done
echo "medians over $RUNS run(s) of $ROWS rows:"
sort -k1,1 -k4,4n "$RES" | awk '{ n[$1]++; v[$1, n[$1]] = $0 } END { for (k in n) print v[k, int((n[k] + 1) / 2)] }' | sort | tee "$W/medians.txt"
# ratios of the median wall times: (a) against (b), and against (b) + (b2)
awk -v r="$ROWS" '{ t[$1] = $2 } END {
	printf "(a)/(b):        with golden %.3f, without golden %.3f\n", t["b_psql_copy"] / t["a_load_with_golden"], t["b_psql_copy"] / t["a_load_without_golden"]
	printf "(a)/(b + b2):   with golden %.3f (b + b2 = %.0f rows/s)\n", (t["b_psql_copy"] + t["b2_psql_copy_golden"]) / t["a_load_with_golden"], r / (t["b_psql_copy"] + t["b2_psql_copy_golden"])
	if ("e_python_peer" in t)
		printf "peer ÷ dgp:     (e)/(a) %.2f, (e)/(a′) %.2f\n", t["e_python_peer"] / t["a_load_with_golden"], t["e_python_peer"] / t["a_load_without_golden"]
	if ("e2_python_polars_peer" in t)
		printf "polars ÷ dgp:   (e2)/(a) %.2f, (e2)/(a′) %.2f\n", t["e2_python_polars_peer"] / t["a_load_with_golden"], t["e2_python_polars_peer"] / t["a_load_without_golden"] }' "$W/medians.txt"
echo "(data in $W)"
