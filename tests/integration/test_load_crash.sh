#!/usr/bin/env bash
# test_load_crash.sh DGP SRCDIR — kill -9 `dgp load` at random moments of a
# load (start-up, or just after a batch committed; small batches, so the kills
# land mid-file) and run it again each time:
# PostgreSQL ends identical to an uninterrupted load — rows, golden records,
# rejects, statistics and file progress (md5 of the ordered rows, load times
# left out).
set -u
DGP=$1
SRC=$2
. "$SRC/tests/integration/load_lib.sh"
export DGP_LOG_LEVEL=warn DGP_BATCH_MAX_ROWS=150
KILLS=${KILLS:-6}

"$DGP_GEN" --resource 101001/000001 --rows 20000 --seed 5 --out "$TMP/gaj_hjrk_crash.csv.gz" \
	--manifest "$TMP/m.json" --dup-rate 0.05 --change-rate 0.05 --bad-key-rate 0.02 \
	--missing-rate 0.01 --bad-date-rate 0.01 --dirt-rate 0.1 --bad-optional-rate 0.02 || exit 1
tables=(dgp_src.gaj_hjrk dgp_base.person dgp_ops.reject dgp_catalog.resource_stats
	dgp_catalog.reject_stats dgp_catalog.field_stats dgp_ops.file_progress)

# the reference: one uninterrupted load
new_db "dgp_test_crash_ref_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
t0=$(date +%s%N)
out=$("$DGP" load "$TMP/gaj_hjrk_crash.csv.gz" 2>&1)
ms=$((($(date +%s%N) - t0) / 1000000))
expect_out "reference load = manifest" "$(summary_want "$TMP/m.json" first_load)" "$out"
want=$(dbsum "${tables[@]}")
# field_stats against counts computed from the file itself: every field of
# every record counts (also in records rejected on another field), total =
# every record parsed into fields
eq "reference: field_stats present/total = the file's non-blank values per column" \
	"$(sql "SELECT string_agg(field || ' ' || present || '/' || total, ',' ORDER BY field) FROM dgp_catalog.field_stats WHERE resource_code = '101001/000001'")" \
	"$(/usr/bin/python3 - "$TMP/gaj_hjrk_crash.csv.gz" <<'PY'
import csv, gzip, io, sys
rows = list(csv.reader(io.TextIOWrapper(gzip.open(sys.argv[1]), encoding='gb18030', newline='')))
hdr, rows = rows[0], rows[1:]
blank = ' \t\r\n'
print(','.join('%s %d/%d' % (h, sum(1 for r in rows if r[i].strip(blank)), len(rows))
               for i, h in sorted(enumerate(hdr), key=lambda x: x[1])))
PY
)"

new_db "dgp_test_crash_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
RANDOM=${SEED:-$$}
kills=0 tries=0 prev=0
while ((kills < KILLS && tries < 8 * KILLS)); do
	tries=$((tries + 1))
	"$DGP" load "$TMP/gaj_hjrk_crash.csv.gz" >/dev/null 2>&1 &
	pid=$!
	if ((RANDOM % 4 == 0)); then
		# a random moment of start-up (catalog, connection, warm cache)
		sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.3f", (r % 300) / 1000 }')"
	else
		# once this run has committed a batch, a random moment within the next
		# few (an uninterrupted load takes ms): the kill lands mid-file however
		# fast the load is
		until (($(sql "SELECT coalesce((SELECT records FROM dgp_ops.file_progress), 0)") > prev)) ||
			! kill -0 $pid 2>/dev/null; do
			sleep 0.02
		done
		sleep "$(awk -v r=$RANDOM -v ms=$ms 'BEGIN { printf "%.3f", (r % int(ms / 40 + 1)) / 1000 }')"
	fi
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	done_=$(sql "SELECT coalesce((SELECT complete::text || ' ' || records FROM dgp_ops.file_progress), 'none 0')")
	read -r complete records <<<"$done_"
	[[ $complete == true ]] && break
	if ((records < prev)); then bad "progress went backwards ($prev → $records)"; fi
	((records > prev)) && kills=$((kills + 1))
	echo "kill $tries: $records records committed"
	prev=$records
done
((kills >= 5)) && ok || bad "at least 5 kills landed mid-file" "kills $kills in $tries tries"
out=$("$DGP" load "$TMP/gaj_hjrk_crash.csv.gz" 2>&1)
eq "final run exit" "$?" 0
eq "after $kills kills: PostgreSQL identical to an uninterrupted load" "$(dbsum "${tables[@]}")" "$want"
out=$("$DGP" load "$TMP/gaj_hjrk_crash.csv.gz" 2>&1)
expect_out "then: already loaded" "already loaded completely" "$out"
# dgp_ops.load_log: a row per run, killed ones included, each counting what
# that run committed: together exactly the file's counts (a key repeated
# across a kill counts unchanged instead of duplicate in the resumed run)
eq "load_log rows of the killed runs add up to the file" \
	"$(sql "SELECT sum(records_read) || ' ' || sum(new) || ' ' || sum(changed) || ' ' || sum(unchanged + duplicate) || ' ' || sum(rejected) FROM dgp_ops.load_log WHERE source = '$TMP/gaj_hjrk_crash.csv.gz'")" \
	"$(jq -r '.expected.first_load | "\(.read) \(.new) \(.changed) \(.unchanged + .duplicate) \(.rejected)"' "$TMP/m.json")"
eq "load_log: the killed runs stay running, the last one complete" \
	"$(sql "SELECT count(*) FILTER (WHERE status = 'complete') || ' ' || count(*) FILTER (WHERE status = 'running') || ' ' || (count(*) > 1) FROM dgp_ops.load_log WHERE source = '$TMP/gaj_hjrk_crash.csv.gz'")" \
	"1 $(($(sql "SELECT count(*) FROM dgp_ops.load_log WHERE source = '$TMP/gaj_hjrk_crash.csv.gz'") - 1)) true"
finish
