#!/usr/bin/env bash
# benchmarks/load/reload.sh — what a reload costs: dgp load of a file whose
# records are already in PostgreSQL, whole or with 10 % changed.
#
#   ROWS=200000 RUNS=3 benchmarks/load/reload.sh BUILD_DIR [BUILD_DIR...]
#
# Needs a running PostgreSQL (DGP_PG_CONNINFO; scripts/services.sh start pg).
# One data set (`dgp-gen`, 户籍人口 101001/000001, UTF-8 CSV, clean), then per
# run and per build (interleaved, so a busy moment of the shared machine
# hits every build alike), in a fresh database:
#   first      dgp load of the file (not timed against anything: the base)
#   reload     the same records as another file (a trailing empty line),
#              everything unchanged
#   changed    every 10th record's ZY changed (a non-golden column)
# Prints one line per measurement (wall, rows/s, CPU µs/row of the dgp
# process, the 1-minute load average) and the medians per build.
set -euo pipefail
ROWS=${ROWS:-200000}
RUNS=${RUNS:-3}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
(($# >= 1)) || { echo "usage: $0 BUILD_DIR [BUILD_DIR...]" >&2; exit 2; }
: "${DGP_PG_CONNINFO:?start PostgreSQL first: eval \"\$(scripts/services.sh start pg)\"}"
ADMIN=$DGP_PG_CONNINFO
W=${BENCH_DIR:-$(mktemp -d)}
R=101001/000001
export DGP_LOG_LEVEL=warn
F=$W/gaj_hjrk_reload.csv
if [[ ! -s $F ]]; then
	"$1/tools/dgp-gen" --resource $R --rows "$ROWS" --seed 42 --encoding UTF-8 --out "$F" >&2
	{ cat "$F"; echo; } >"$W/gaj_hjrk_reload_again.csv"
	/usr/bin/python3 - "$F" "$W/gaj_hjrk_reload_changed.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline='', encoding='utf-8') as f, \
     open(sys.argv[2], 'w', newline='', encoding='utf-8') as o:
    lines = f.read().split('\n')
    hdr = next(csv.reader([lines[0]]))
    zy = hdr.index('ZY')
    w = csv.writer(o, lineterminator='\n')
    o.write(lines[0] + '\n')
    for i, line in enumerate(lines[1:], 1):
        if not line:
            continue
        if i % 10 == 0:
            row = next(csv.reader([line]))
            row[zy] += '改'
            w.writerow(row)
        else:
            o.write(line + '\n')  # the other records byte for byte
PY
fi
RES=$W/results.txt
: >"$RES"
measure() { # measure BUILD NAME CMD...
	local b=$1 name=$2 l
	shift 2
	l=$(cut -d' ' -f1 /proc/loadavg)
	/usr/bin/time -f "%e %U %S" -o "$W/time" "$@" >"$W/out" 2>&1 || { cat "$W/out"; exit 1; }
	read -r wall user sys <"$W/time"
	awk -v b="$b" -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v r="$ROWS" -v l="$l" 'BEGIN {
		printf "%-28s %-8s %7.2f s %9.0f rows/s  cpu %6.2f µs/row  load avg %s\n", b, n, w, r / w, (u + s) * 1e6 / r, l }' | tee -a "$RES"
}
for run in $(seq 1 "$RUNS"); do
	for build in "$@"; do
		dgp=$build/cli/dgp
		db=dgp_bench_reload_$$
		psql "$ADMIN" -qXc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
		export DGP_PG_CONNINFO="$ADMIN dbname=$db"
		"$dgp" catalog sync "$SRC/catalog/sample" >/dev/null
		measure "$build" first "$dgp" load --resource $R --encoding UTF-8 "$F"
		grep -q "new $ROWS," "$W/out" || { cat "$W/out"; exit 1; }
		measure "$build" reload "$dgp" load --resource $R --encoding UTF-8 "$W/gaj_hjrk_reload_again.csv"
		grep -Eq "new 0, changed 0, unchanged $ROWS[ ,]" "$W/out" || { cat "$W/out"; exit 1; }
		measure "$build" changed "$dgp" load --resource $R --encoding UTF-8 "$W/gaj_hjrk_reload_changed.csv"
		grep -q "changed $((ROWS / 10)), " "$W/out" || { cat "$W/out"; exit 1; }
		sed -n 's/.*\(unchanged [0-9]* ([0-9]* skipped)\).*/  \1/p' "$W/out"
		export DGP_PG_CONNINFO=$ADMIN
		psql "$ADMIN" -qXc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	done
done
echo "== medians of $RUNS ($ROWS rows)"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for build in "$@"; do
	for name in first reload changed; do
		w=$(awk -v b="$build" -v n="$name" '$1 == b && $2 == n { print $3 }' "$RES" | median)
		c=$(awk -v b="$build" -v n="$name" '$1 == b && $2 == n { print $8 }' "$RES" | median)
		printf "%-28s %-8s %7.2f s  cpu %6.2f µs/row\n" "$build" "$name" "$w" "$c"
	done
done
