#!/usr/bin/env bash
# fuzz.sh [SECONDS] [RULE...] — build the libFuzzer harnesses (clang, ASan+UBSan)
# into build-fuzz/ and run each for SECONDS (default 60), one after another;
# RULE defaults to every harness (every registered rule, plus "compile" for the
# argument parser).  FUZZ_PARALLEL=N runs N at a time.  The working corpus is
# build-fuzz/fuzz-corpus/RULE (seeded from tests/fuzz/seeds/RULE); logs and
# crash inputs go to build-fuzz/fuzz-logs/.  Prints one line per run with its
# exec count; exits non-zero when any harness found a crash or sanitizer report.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
secs=${1:-60}
shift || true
BUILD=${FUZZ_BUILD:-build-fuzz}
par=${FUZZ_PARALLEL:-1}

CC=clang cmake -S . -B "$BUILD" -DDGP_FUZZ=ON -DDGP_WERROR=ON >/dev/null || exit 1
cmake --build "$BUILD" --target fuzz -j"$(nproc)" >/dev/null || { echo "fuzz.sh: build failed" >&2; exit 1; }

rules=("$@")
if ((${#rules[@]} == 0)); then
	for f in "$BUILD"/tests/fuzz/fuzz_norm_*; do
		[[ -x $f ]] && rules+=("${f##*/fuzz_norm_}")
	done
fi
mkdir -p "$BUILD/fuzz-logs"

run_one() {
	local rule=$1 bin=$BUILD/tests/fuzz/fuzz_norm_$1
	local log=$BUILD/fuzz-logs/$rule.log corpus=$BUILD/fuzz-corpus/$rule seeds=tests/fuzz/seeds/$rule
	[[ -x $bin ]] || { echo "$rule: no harness $bin"; return 1; }
	mkdir -p "$corpus"
	[[ -d $seeds ]] || seeds=
	"$bin" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz-logs/$rule-" "$corpus" $seeds >"$log" 2>&1
	local rc=$? execs
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if ((rc == 0)); then
		echo "$rule: ok, ${execs:-?} execs in ${secs}s, corpus $(ls "$corpus" | wc -l)"
	else
		echo "$rule: FAILED (exit $rc), see $log"
		return 1
	fi
}

fail=0
running=0
for rule in "${rules[@]}"; do
	if ((par > 1)); then
		run_one "$rule" &
		running=$((running + 1))
		if ((running >= par)); then
			wait -n || fail=1
			running=$((running - 1))
		fi
	else
		run_one "$rule" || fail=1
	fi
done
while ((running > 0)); do
	wait -n || fail=1
	running=$((running - 1))
done
exit $fail
