#!/usr/bin/env bash
# Reproduce "## PostgreSQL sink" in benchmarks/RESULTS.md.
#
#   benchmarks/sink/run.sh [ROWS] [RUNS] [BATCH]     (default 1000000 3 10000)
#
# Builds dgp_bench_sink (Release) into build-sink/bench, starts a throwaway
# PostgreSQL (scripts/services.sh or scripts/pg.sh, state in .run/sink-bench)
# unless one is already up for that state dir, then RUNS times, interleaved:
#   psql      \copy of the same rows (exact bytes the sink's text COPY sends)
#             into the same table: the PostgreSQL limit on this machine
#   text      the sink, COPY text, insert path
#   binary    the sink, COPY binary, insert path
#   merge-*   the sink's merge path (stage + upsert) into an empty table, and
#             an upsert of every row with changed content (remerge)
# Each load starts from a fresh table with its primary key, after a CHECKPOINT.
# Prints every run, then medians and the ratio sink / psql.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
ROWS="${1:-1000000}"
RUNS="${2:-3}"
BATCH="${3:-10000}"
BUILD="${DGP_BENCH_BUILD:-$ROOT/build-sink/bench}"
export DGP_STATE_DIR="${DGP_STATE_DIR:-$ROOT/.run/sink-bench}"
mkdir -p "$DGP_STATE_DIR"
TSV="$(mktemp /tmp/dgp-sink-bench.XXXXXX.tsv)"

# scripts/services.sh when the tree has it, else scripts/pg.sh (same state dir, same exports).
SVC=("$ROOT/scripts/pg.sh")
[ -x "$ROOT/scripts/services.sh" ] && SVC=("$ROOT/scripts/services.sh")
svc() { if [ "${#SVC[@]}" = 1 ] && [ "${SVC[0]##*/}" = services.sh ]; then "${SVC[0]}" "$1" pg; else "${SVC[0]}" "$1"; fi; }
started=0
cleanup() {
    rm -f "$TSV" "${RES:-}"
    if [ "$started" = 1 ]; then svc stop >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
svc env >/dev/null 2>&1 || { svc start >/dev/null; started=1; }
eval "$(svc env)"

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >"$BUILD.log" 2>&1 || { cat "$BUILD.log"; exit 1; }
cmake --build "$BUILD" --target dgp_bench_sink -j2 >>"$BUILD.log" 2>&1 || { cat "$BUILD.log"; exit 1; }
B="$BUILD/benchmarks/sink/dgp_bench_sink"

echo "== machine"
lscpu | grep -E '^(Model name|CPU\(s\))' || true
free -g | awk '/^Mem:/ {print "RAM: " $2 " GiB"}'
echo "PostgreSQL $("$DGP_PG_BIN/postgres" --version | awk '{print $3}'), fsync on, shared_buffers 256MB"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rows $ROWS, batch $BATCH, runs $RUNS"

"$B" tsv "$TSV" "$ROWS"
echo "tsv: $(du -m "$TSV" | cut -f1) MiB"

checkpoint() { psql -X -q "$DGP_PG_SUPERUSER_CONNINFO" -c CHECKPOINT; }

RES="$(mktemp)"
for run in $(seq 1 "$RUNS"); do
    echo "== run $run (load $(cut -d' ' -f1 /proc/loadavg))"
    # psql \copy: the PostgreSQL limit
    "$B" table
    checkpoint
    t0=$(date +%s.%N)
    psql -X -q -v ON_ERROR_STOP=1 "$DGP_PG_CONNINFO" -c "\\copy dgp_src.bench_person (gmsfhm, xm, xb, mz, csrq, zz, lxdh, hjdz, gzdw, whcd, _dgp_content_hash, _dgp_origin) FROM '$TSV'"
    t1=$(date +%s.%N)
    awk -v r="$ROWS" -v a="$t0" -v b="$t1" 'BEGIN {printf "psql-copy %d %.3f %.0f - -\n", r, b - a, r / (b - a)}' | tee -a "$RES"
    for fmt in text binary; do
        "$B" table
        checkpoint
        "$B" load "$fmt" insert "$ROWS" "$BATCH" | tee -a "$RES"
    done
    "$B" table
    checkpoint
    "$B" load binary merge "$ROWS" "$BATCH" | tee -a "$RES"
    checkpoint
    "$B" load binary remerge "$ROWS" "$BATCH" | tee -a "$RES"
done

echo "== medians (rows/s; dgp CPU µs/row; round trips per batch)"
psql_med=$(awk '$1 == "psql-copy" {print $4}' "$RES" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
for mode in psql-copy text-insert binary-insert binary-merge binary-remerge; do
    awk -v m="$mode" '$1 == m {print $4, $5, $6}' "$RES" | sort -n |
        awk -v m="$mode" -v p="$psql_med" '{r[NR] = $1; c[NR] = $2; t[NR] = $3}
            END {k = int((NR + 1) / 2); printf "%-15s %8d rows/s  %5.2f x psql  cpu %s  rt %s\n", m, r[k], r[k] / p, c[k], t[k]}'
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
