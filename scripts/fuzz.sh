#!/usr/bin/env bash
# fuzz.sh [SECONDS] [NAME...] — build the libFuzzer harnesses (clang, ASan+UBSan)
# into build-fuzz/ and run each for SECONDS (default 60), one after another,
# on inputs of up to FUZZ_MAX_LEN bytes (default 1 MiB).  NAME is a rule
# (harness fuzz_norm_NAME: idcard, compile, …) or another harness without its
# fuzz_ prefix (parse_json, file_source_gzip, kafka_decode, copy, config,
# catalog, …); the default is every harness built.  FUZZ_PARALLEL=N runs N at
# a time.  The working corpus is build-fuzz/fuzz-corpus/NAME (seeded from
# tests/fuzz/seeds/NAME); logs and crash inputs go to build-fuzz/fuzz-logs/.
# Prints one line per run with its exec count, corpus size and coverage;
# exits non-zero when any harness found a crash or sanitizer report.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
secs=${1:-60}
shift || true
BUILD=${FUZZ_BUILD:-build-fuzz}
par=${FUZZ_PARALLEL:-1}
max_len=${FUZZ_MAX_LEN:-1048576}

CC=clang cmake -S . -B "$BUILD" -DDGP_FUZZ=ON -DDGP_WERROR=ON >/dev/null || exit 1
cmake --build "$BUILD" --target fuzz -j"$(nproc)" >/dev/null || { echo "fuzz.sh: build failed" >&2; exit 1; }

rules=("$@")
if ((${#rules[@]} == 0)); then
	for f in "$BUILD"/tests/fuzz/fuzz_*; do
		[[ -x $f && -f $f ]] || continue
		f=${f##*/fuzz_}
		rules+=("${f#norm_}")
	done
fi
mkdir -p "$BUILD/fuzz-logs"

run_one() {
	local rule=$1 bin=$BUILD/tests/fuzz/fuzz_norm_$1
	[[ -x $bin ]] || bin=$BUILD/tests/fuzz/fuzz_$1
	local log=$BUILD/fuzz-logs/$rule.log corpus=$BUILD/fuzz-corpus/$rule seeds=tests/fuzz/seeds/$rule
	[[ -x $bin ]] || { echo "$rule: no harness fuzz_norm_$rule or fuzz_$rule"; return 1; }
	mkdir -p "$corpus"
	[[ -d $seeds ]] || seeds=
	"$bin" -max_total_time="$secs" -max_len="$max_len" -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz-logs/$rule-" "$corpus" $seeds >"$log" 2>&1
	local rc=$? execs cov
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
	if ((rc == 0)); then
		echo "$rule: ok, ${execs:-?} execs in ${secs}s, corpus $(ls "$corpus" | wc -l), ${cov:-cov: ?}"
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
