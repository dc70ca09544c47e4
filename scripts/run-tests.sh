#!/usr/bin/env bash
# run-tests.sh — what `make test` runs, in order:
#   1. build with -Werror into build/, and with ASan+UBSan into build-asan/
#   2. start the throwaway PostgreSQL and Kafka (scripts/services.sh)
#   3. run the CTest tiers: unit, unit under ASan+UBSan, mock, integration,
#      fuzz (every libFuzzer harness briefly, built with clang in build-fuzz/)
#   4. stop the services (also on failure or Ctrl-C)
# Exits non-zero when any step or test fails; the last line totals the tests.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export DGP_STATE_DIR=${DGP_STATE_DIR:-$repo/.run/test}
jobs=$(nproc)
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}

step() { printf '\n==> %s\n' "$*"; }
die() { echo "run-tests: $*" >&2; exit 1; }

step "build ($BUILD, -Werror)"
cmake -S . -B "$BUILD" -DDGP_WERROR=ON >/dev/null || die "cmake configure failed"
cmake --build "$BUILD" -j"$jobs" || die "build failed"

step "build ($ASAN_BUILD, ASan+UBSan)"
cmake -S . -B "$ASAN_BUILD" -DDGP_WERROR=ON -DDGP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null ||
	die "cmake configure (sanitizers) failed"
cmake --build "$ASAN_BUILD" -j"$jobs" || die "sanitizer build failed"

step "start services"
trap 'step "stop services"; scripts/services.sh stop >/dev/null || true' EXIT
env_lines=$(scripts/services.sh start) || die "could not start PostgreSQL and Kafka"
eval "$env_lines"
echo "$env_lines"

total_pass=0
total_fail=0
failed_tiers=()
# tier NAME BUILD_DIR LABEL PARALLEL [ENV...]
tier() {
	local name=$1 dir=$2 label=$3 par=$4
	shift 4
	step "tier $name"
	local log
	log=$(mktemp)
	env "$@" ctest --test-dir "$dir" -L "^${label}\$" --output-on-failure -j"$par" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local line p f
	line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
	rm -f "$log"
	if [[ -z $line ]]; then
		failed_tiers+=("$name (no tests ran)")
		total_fail=$((total_fail + 1))
		return
	fi
	f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
	local n
	n=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
	p=$((n - f))
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	if [[ $rc -ne 0 || $f -ne 0 ]]; then
		failed_tiers+=("$name")
	fi
}

tier unit "$BUILD" unit "$jobs"
tier unit-asan "$ASAN_BUILD" unit "$jobs" ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
tier mock "$BUILD" mock 1
tier integration "$BUILD" integration 1

# fuzz: every libFuzzer harness (tests/fuzz, clang, ASan+UBSan) for a few
# seconds each, as CTests labelled fuzz in build-fuzz/ (scripts/fuzz.sh runs
# them longer).
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
step "build ($FUZZ_BUILD, libFuzzer harnesses)"
if CC=clang cmake -S . -B "$FUZZ_BUILD" -DDGP_FUZZ=ON -DDGP_WERROR=ON -DDGP_FUZZ_SECONDS="${DGP_FUZZ_SECONDS:-5}" >/dev/null &&
	cmake --build "$FUZZ_BUILD" --target fuzz -j"$jobs"; then
	tier fuzz "$FUZZ_BUILD" fuzz 1
else
	failed_tiers+=("fuzz (build failed)")
	total_fail=$((total_fail + 1))
fi

step "summary"
if ((${#failed_tiers[@]})); then
	echo "failed tiers: ${failed_tiers[*]}"
fi
echo "all tiers: $total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 && ${#failed_tiers[@]} -eq 0 ]]
