#!/usr/bin/env bash
# run.sh [BUILD_DIR] — build and run the UTF-8 check benchmark: dgp_utf8_valid
# (SSSE3) and its portable DFA
# against GLib, ICU (two ways) and iconv on 100,000 dgp-gen 户籍人口 records
# (101001/000001, UTF-8 CSV) and on as many pure-ASCII and pure-CJK records of
# the same length, per record and whole buffer (median of 5 runs, one core),
# then callgrind instructions per byte on 20,000 records (the measured loop
# only: --toggle-collect=bench_loop).  BENCH_RECORDS / BENCH_RUNS / CG_RECORDS
# override the sizes.  Prints the tables RESULTS.md quotes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build-bench}
records=${BENCH_RECORDS:-100000}
runs=${BENCH_RUNS:-5}
cg_records=${CG_RECORDS:-20000}
cmake -S "$repo" -B "$build" >/dev/null
cmake --build "$build" --target dgp_bench_utf8 dgp-gen -j"$(nproc)" >/dev/null
bin=$build/benchmarks/utf8/dgp_bench_utf8
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/tools/dgp-gen" --resource 101001/000001 --rows "$records" --encoding UTF-8 --out "$tmp/real.csv"
echo "== $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%F %H:%M UTC')"
echo "== throughput: median of $runs runs"
taskset -c 0 "$bin" --file "$tmp/real.csv" --records "$records" --runs "$runs" 2>/dev/null ||
	"$bin" --file "$tmp/real.csv" --records "$records" --runs "$runs"
echo
echo "== callgrind: instructions per byte ($cg_records records, measured loop only)"
validators="dgp_utf8_valid dgp_utf8_valid_dfa glib icu_u_strFromUTF8 icu_U8_NEXT iconv"
printf '%-6s %-7s' input mode
for v in $validators; do printf ' %18s' "$v"; done
echo
for input in real ascii cjk; do
	for mode in record buffer; do
		printf '%-6s %-7s' "$input" "$mode"
		for v in $validators; do
			valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" --collect-atstart=no \
				--toggle-collect=bench_loop "$bin" --file "$tmp/real.csv" --records "$cg_records" \
				--runs 1 --reps 1 --only "$v" --input "$input" --mode "$mode" >"$tmp/out" 2>/dev/null
			# record mode: bytes of the records (no newlines); buffer mode: the whole buffer
			bytes=$(awk -v i="$input" -v m="$mode" '$1 == "#" && $2 == "input" && $3 == i":" {
				print (m == "record" ? $6 : $9) }' "$tmp/out")
			ir=$(callgrind_annotate "$tmp/cg" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
			awk -v ir="$ir" -v n="$bytes" 'BEGIN { printf " %18.2f", ir / n }'
		done
		echo
	done
done
