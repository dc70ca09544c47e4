#!/usr/bin/env bash
# Reproduce the "JSON parser choice" figures in benchmarks/RESULTS.md.
#
#   benchmarks/json/run.sh [WORKDIR]      (default /tmp/dgp-json-bench)
#
# Builds dgp_bench_json through a throwaway top-level CMakeLists that does
# add_subdirectory() on this folder (the way benchmarks/CMakeLists.txt does),
# generates 1M person + 200k legal-entity records (seeded), then:
#   1. throughput: every parser 5 times per file, interleaved, median printed
#   2. callgrind: instructions per record on the first 20k records of each file
#      (repeatable, unlike wall time on a shared 2-core VM)
#   3. malformed inputs: what each parser accepts or rejects, and where
#   4. mutation fuzz: 200k mutated records, plain and under ASan/UBSan
# Needs: cmake, gcc, pkg-config, python3, valgrind, and the -dev packages
# libjansson-dev libjson-c-dev libyajl-dev libcjson-dev libxxhash-dev.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${1:-/tmp/dgp-json-bench}"
SEED=20260101
RUNS=5
mkdir -p "$WORK/src"

build() { # build DIR [cmake args...]
    local dir="$1"; shift
    cat > "$WORK/src/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.18)
project(dgp_json_bench C)
add_subdirectory("$HERE" json)
EOF
    cmake -S "$WORK/src" -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" > "$dir.log" 2>&1 ||
        { cat "$dir.log"; exit 1; }
    cmake --build "$dir" -j2 >> "$dir.log" 2>&1 || { cat "$dir.log"; exit 1; }
}

echo "== machine"
lscpu | grep -E '^(Model name|CPU\(s\)|Thread|Core|L2|L3)' || true
free -g | awk '/^Mem:/ {print "RAM: " $2 " GiB"}'
echo "Debian $(cat /etc/debian_version); $(gcc --version | head -1)"
dpkg-query -W -f='${Package} ${Version}\n' libjansson4 libjson-c5 libyajl2 libcjson1 libxxhash0 valgrind 2>/dev/null || true

echo "== build"
build "$WORK/build"
BENCH="$WORK/build/json/dgp_bench_json"
echo "$BENCH"

echo "== data (seed $SEED)"
[ -s "$WORK/person.jsonl" ] || python3 "$HERE/gen_records.py" person 1000000 "$WORK/person.jsonl" --seed "$SEED"
[ -s "$WORK/legal.jsonl" ] || python3 "$HERE/gen_records.py" legal 200000 "$WORK/legal.jsonl" --seed "$SEED"
head -n 20000 "$WORK/person.jsonl" > "$WORK/person-20k.jsonl"
head -n 20000 "$WORK/legal.jsonl" > "$WORK/legal-20k.jsonl"
md5sum "$WORK/person.jsonl" "$WORK/legal.jsonl"

echo "== throughput (median of $RUNS, single thread)"
status=0
for f in person legal; do
    "$BENCH" --runs "$RUNS" "$WORK/$f.jsonl" || status=1
done

echo "== callgrind: instructions per record (first 20k records)"
printf '%-10s %14s %14s\n' parser person legal
for p in dgp_json yajl-cb yajl-tree jansson json-c cjson; do
    row="$(printf '%-10s' "$p")"
    for f in person legal; do
        out="$WORK/callgrind.$p.$f.out"
        valgrind --tool=callgrind --toggle-collect=measured_pass --callgrind-out-file="$out" \
            "$BENCH" --runs 1 --warmup 0 --parser "$p" "$WORK/$f-20k.jsonl" > /dev/null 2>&1
        ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$out")
        row+="$(awk -v ir="$ir" 'BEGIN { printf " %14.0f", ir / 20000 }')"
    done
    echo "$row"
done

echo "== malformed input"
"$BENCH" --malformed || status=1

echo "== fuzz (mutated records, every parser)"
"$BENCH" --fuzz 200000 "$WORK/legal-20k.jsonl" || status=1
build "$WORK/build-asan" -DDGP_SANITIZE=ON \
    -DCMAKE_C_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
echo "ASan/UBSan build (instruments pipeline/dgp_json.c and the adapters, not the libraries):"
"$WORK/build-asan/json/dgp_bench_json" --fuzz 200000 "$WORK/person-20k.jsonl" || status=1

exit $status
