#!/usr/bin/env bash
# benchmarks/metrics/load_overhead.sh — dgp load with the metrics endpoint on
# and scraped every second, against the endpoint off (issue 7: ≤ 2 %).
#
#   ROWS=200000 RUNS=3 benchmarks/metrics/load_overhead.sh [BUILD_DIR]
#
# Needs a running PostgreSQL (DGP_PG_CONNINFO; scripts/services.sh start pg).
# Each run loads the same generated 户籍人口 file (GBK, as the catalog declares) into a fresh database twice:
# endpoint off (http.listen empty) and on (a free loopback port, curl
# /metrics every second while the load runs), in alternating order so drift
# in the machine's load hits both.  Prints rows/s per run and the medians.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
dgp=$build/cli/dgp
dgp_gen=$build/tools/dgp-gen
ROWS=${ROWS:-200000}
RUNS=${RUNS:-3}
: "${DGP_PG_CONNINFO:?start PostgreSQL first: eval \"\$(scripts/services.sh start pg)\"}"
admin=$DGP_PG_CONNINFO
work=$(mktemp -d)
trap 'rm -rf "$work"; psql "$admin" -qXc "DROP DATABASE IF EXISTS dgp_bench_ov" >/dev/null 2>&1 || true' EXIT
"$dgp_gen" --resource 101001/000001 --rows "$ROWS" --seed 7 \
	--out "$work/gaj_hjrk_bench.csv" --catalog "$repo/catalog/sample" >/dev/null

one() { # MODE → rows/s on stdout
	local mode=$1 port scraper=
	psql "$admin" -qXc "DROP DATABASE IF EXISTS dgp_bench_ov" -c "CREATE DATABASE dgp_bench_ov" >/dev/null 2>&1
	export DGP_PG_CONNINFO="$admin dbname=dgp_bench_ov"
	"$dgp" -q catalog sync "$repo/catalog/sample" >/dev/null
	if [[ $mode == on ]]; then
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		export DGP_HTTP_LISTEN=127.0.0.1:$port
		(while sleep 1; do curl -s -o /dev/null "http://127.0.0.1:$port/metrics" || true; done) &
		scraper=$!
	else
		export DGP_HTTP_LISTEN=
	fi
	local out
	out=$("$dgp" -q load --catalog "$repo/catalog/sample" "$work/gaj_hjrk_bench.csv")
	[[ -n $scraper ]] && kill "$scraper" 2>/dev/null && wait "$scraper" 2>/dev/null || true
	export DGP_PG_CONNINFO=$admin
	sed -E 's/.* ([0-9]+) rows\/s.*/\1/' <<<"$out" | head -1
}

declare -a on off
for ((i = 1; i <= RUNS; i++)); do
	if ((i % 2)); then a=$(one off); b=$(one on); else b=$(one on); a=$(one off); fi
	off+=("$a"); on+=("$b")
	echo "run $i: endpoint off $a rows/s, on + scraped every 1 s $b rows/s (load avg $(cut -d' ' -f1 /proc/loadavg))"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
mo=$(median "${off[@]}"); mn=$(median "${on[@]}")
echo "median: off $mo rows/s, on $mn rows/s, difference $(awk -v a="$mo" -v b="$mn" 'BEGIN {printf "%+.1f%%", (b-a)/a*100}')"
