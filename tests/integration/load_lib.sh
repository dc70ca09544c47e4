# load_lib.sh — shared by the `dgp load` integration tests (sourced, not run).
# Gives each test its own database (dropped at exit unless KEEP=1), a scratch
# directory, pass/fail counters and helpers that compare PostgreSQL with the
# manifests dgp-gen writes.
: "${DGP_PG_CONNINFO:?DGP_PG_CONNINFO is not set: start the services (scripts/services.sh start pg)}"
DGP=$(realpath "$DGP")
# the test-data tools (tools/) sit beside cli/ in the build tree
DGP_GEN=$(realpath "${DGP_GEN:-$(dirname "$DGP")/../tools/dgp-gen}")
DGP_PRODUCE=$(realpath "${DGP_PRODUCE:-$(dirname "$DGP")/../tools/dgp-produce}")
SRC=$(realpath "$SRC")
export DGP_CATALOG_DIR=$SRC/catalog/sample # CTest runs us in the build directory
pass=0
fail=0
ADMIN=$DGP_PG_CONNINFO
TMP=$(mktemp -d)
DBS=()
cleanup() {
	local d
	for d in "${DBS[@]}"; do
		psql "$ADMIN" -qXc "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
[[ -n ${KEEP:-} ]] && trap 'echo "kept $TMP and databases ${DBS[*]}"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
	echo "FAIL $1"
	shift
	printf '  %s\n' "$@"
	fail=$((fail + 1))
}
# eq NAME GOT WANT
eq() { if [[ $2 == "$3" ]]; then ok; else bad "$1" "got  $2" "want $3"; fi; }
expect_out() { if [[ $3 == *"$2"* ]]; then ok; else bad "$1: output lacks \"$2\"" "$3"; fi; }
finish() {
	echo "$pass passed, $fail failed"
	[[ $fail -eq 0 ]]
}

# new_db NAME — create database NAME (dropped at exit) and point DGP_PG_CONNINFO at it.
new_db() {
	psql "$ADMIN" -qXc "DROP DATABASE IF EXISTS $1" >/dev/null 2>&1
	psql "$ADMIN" -qXc "CREATE DATABASE $1" || exit 1
	DBS+=("$1")
	export DGP_PG_CONNINFO="$ADMIN dbname=$1"
}
use_db() { export DGP_PG_CONNINFO="$ADMIN dbname=$1"; }
sql() { psql "$DGP_PG_CONNINFO" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

# m FILE FILTER — a value from a manifest.
m() { jq -r "$2" "$1"; }

# summary_want MANIFEST first_load|reload — the counts part of dgp load's summary line.
summary_want() {
	jq -r --arg k "$2" '.expected[$k] | "read \(.read), new \(.new), changed \(.changed), unchanged \(.unchanged), duplicate \(.duplicate), rejected \(.rejected)" + (if .field_rejects > 0 then " (+\(.field_rejects) values rejected in optional fields)" else "" end)' "$1"
}
# reasons_want MANIFEST KEY — "reason count" lines, sorted.
reasons_want() { jq -r --arg k "$2" '.expected[$k].rejected_by_reason | to_entries[] | "\(.key) \(.value)"' "$1" | sort; }
# reasons_got OUTPUT — the "    REASON N" lines of a summary's two groups (records
# rejected; values rejected in optional fields), summed per reason as the manifest
# counts them, as "reason count", sorted.
reasons_got() {
	sed -n 's/^    \([a-z_]*\) *\([0-9]*\)$/\1 \2/p' <<<"$1" |
		awk '{ n[$1] += $2 } END { for (r in n) print r, n[r] }' | sort
}
# reasons_split OUTPUT — "records REASON N" and "values REASON N" lines, sorted.
reasons_split() {
	awk '/^  records rejected/ { g = "records"; next } /^  values rejected/ { g = "values"; next }
		/^    [a-z_]+ +[0-9]+$/ && g { print g, $1, $2 } /^[^ ]/ { g = "" }' <<<"$1" | sort
}

# tabsum TABLE [EXCLUDED COLUMN...] — md5 of the table's rows (as JSON without
# the excluded columns), in a fixed order: equal contents, equal sums.
tabsum() {
	local t=$1 ex=""
	shift
	for c in "$@"; do ex+=" - '$c'"; done
	sql "SELECT count(*) || ':' || coalesce(md5(string_agg(j::text, E'\n' ORDER BY j::text)), '') FROM (SELECT to_jsonb(t)$ex AS j FROM $t t) s"
}
# dbsum TABLE... — one line per table: its sum without load-time columns.
dbsum() {
	local t
	for t in "$@"; do
		case $t in
		dgp_ops.reject) echo "$t $(tabsum "$t" id rejected_at)" ;;
		dgp_base.*) echo "$t $(tabsum "$t" _dgp_updated_at)" ;;
		dgp_catalog.resource_stats) echo "$t $(tabsum "$t" last_load last_change)" ;;
		dgp_ops.file_progress) echo "$t $(tabsum "$t" updated_at)" ;;
		*) echo "$t $(tabsum "$t" _dgp_loaded_at _dgp_updated_at)" ;;
		esac
	done
}

# check_first_load NAME MANIFEST OUTPUT — the summary of a first load and what
# it left in PostgreSQL, against the manifest (the only loads of the resource).
check_first_load() {
	local n=$1 mf=$2 out=$3 code table
	code=$(m "$mf" .resource)
	table=$(m "$mf" .table)
	expect_out "$n summary" "$(summary_want "$mf" first_load)" "$out"
	eq "$n rejected by reason" "$(reasons_got "$out")" "$(reasons_want "$mf" first_load)"
	eq "$n rows in $table" "$(sql "SELECT count(*) FROM $table")" "$(m "$mf" .unique_keys)"
	eq "$n dgp_ops.reject by reason" \
		"$(sql "SELECT reason || ' ' || count(*) FROM dgp_ops.reject WHERE resource_code = '$code' GROUP BY reason ORDER BY 1")" \
		"$(reasons_want "$mf" first_load)"
	eq "$n dgp_ops.reject rows (records + optional values), all with file and line" \
		"$(sql "SELECT count(*) FILTER (WHERE source IS NOT NULL AND line >= 1) FROM dgp_ops.reject WHERE resource_code = '$code'")" \
		"$(jq -r '.expected.first_load | .rejected + .field_rejects' "$mf")"
	eq "$n dgp_ops.reject raw bytes kept" \
		"$(sql "SELECT count(*) FROM dgp_ops.reject WHERE resource_code = '$code' AND (raw IS NULL OR length(raw) = 0)")" 0
	eq "$n resource_stats" \
		"$(sql "SELECT rows || ' ' || records_read || ' ' || rejected FROM dgp_catalog.resource_stats WHERE resource_code = '$code'")" \
		"$(jq -r '"\(.unique_keys) \(.expected.first_load.read) \(.expected.first_load.rejected)"' "$mf")"
	eq "$n reject_stats" \
		"$(sql "SELECT reason || ' ' || count FROM dgp_catalog.reject_stats WHERE resource_code = '$code' ORDER BY 1")" \
		"$(reasons_want "$mf" first_load)"
	# field_stats: every field counts every record read; the key is present
	# in each and valid in all but those rejected for a bad check character.
	eq "$n field_stats totals" \
		"$(sql "SELECT count(DISTINCT total) || ' ' || min(total) FROM dgp_catalog.field_stats WHERE resource_code = '$code'")" \
		"$(jq -r '.expected.first_load | "1 \(.read)"' "$mf")"
	eq "$n field_stats key present/valid" \
		"$(sql "SELECT s.present || ' ' || s.valid FROM dgp_catalog.field_stats s WHERE s.resource_code = '$code' AND s.field = (SELECT split_part(record_key, ' ', 1) FROM dgp_catalog.resource WHERE code = '$code')")" \
		"$(jq -r '.expected.first_load | "\(.read) \(.read - (.rejected_by_reason.checksum // 0))"' "$mf")"
}
