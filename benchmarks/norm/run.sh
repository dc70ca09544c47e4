#!/usr/bin/env bash
# run.sh [BUILD_DIR [RULE...]] — build and run the normaliser benchmark: every rule over
# 10M realistic values (median of 5 runs, one core), a 10-field person record,
# then callgrind instructions per value on a 200k-value sample (the timed loop
# only: --toggle-collect=bench_loop).  BENCH_VALUES / BENCH_RUNS / CG_VALUES
# override the sizes.  Prints the tables RESULTS.md quotes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build-bench}
shift || true # the rest: rule names (default all)
values=${BENCH_VALUES:-10000000}
runs=${BENCH_RUNS:-5}
cg_values=${CG_VALUES:-200000}
cmake -S "$repo" -B "$build" >/dev/null
cmake --build "$build" --target dgp_bench_norm -j"$(nproc)" >/dev/null
bin=$build/benchmarks/norm/dgp_bench_norm
echo "== $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(date -u +%F)"
echo "== throughput: $values values per rule, median of $runs runs"
taskset -c 0 "$bin" --values "$values" --runs "$runs" --record "$@" 2>/dev/null || "$bin" --values "$values" --runs "$runs" --record "$@"
echo
echo "== callgrind: instructions per value ($cg_values values, timed loop only)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rules=$("$bin" --values 1 --runs 1 "$@" | awk 'NR > 1 && $2 != "(missing)" {print $1}')
for rule in $rules; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$rule" --collect-atstart=no \
		--toggle-collect=bench_loop "$bin" --values "$cg_values" --runs 1 "$rule" >/dev/null 2>&1
	ir=$(callgrind_annotate "$tmp/cg.$rule" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
	awk -v r="$rule" -v ir="$ir" -v n="$cg_values" 'BEGIN { printf "%-12s %8.1f Ir/value\n", r, ir / n }'
done
# the person record: n_values / 5 records
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.record" --collect-atstart=no \
	--toggle-collect=bench_record_loop "$bin" --values "$cg_values" --runs 1 --record none >/dev/null 2>&1
ir=$(callgrind_annotate "$tmp/cg.record" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
awk -v ir="$ir" -v n="$cg_values" 'BEGIN { printf "%-12s %8.1f Ir/record\n", "record", ir / (n / 5) }'
