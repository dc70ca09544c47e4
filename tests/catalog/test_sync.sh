#!/usr/bin/env bash
# test_sync.sh DGP SRCDIR — `dgp catalog sync` against the real PostgreSQL:
# creates everything once, changes nothing the second time, adds a new field's
# column, refuses a type change (changing nothing), and the generated golden
# functions take each column from the highest-priority source.
set -u
DGP=$1
SRC=$2
pass=0
fail=0
: "${DGP_PG_CONNINFO:?DGP_PG_CONNINFO is not set: start the services (scripts/services.sh start)}"
TMP=$(mktemp -d)
db="dgp_test_sync_$$"
admin=$DGP_PG_CONNINFO
cleanup() {
	psql "$admin" -qXc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
[[ -n ${KEEP:-} ]] && trap - EXIT
psql "$DGP_PG_CONNINFO" -qXc "CREATE DATABASE $db" || exit 1
export DGP_PG_CONNINFO="$DGP_PG_CONNINFO dbname=$db"
cp -r "$SRC/catalog/sample" "$TMP/cat"

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; shift; printf '%s\n' "$@"; fail=$((fail + 1)); }
expect_out() { # NAME WANT OUTPUT
	if [[ $3 == *"$2"* ]]; then ok; else bad "$1: output lacks \"$2\"" "$3"; fi
}
sql() { psql "$DGP_PG_CONNINFO" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

out=$("$DGP" catalog sync "$TMP/cat" 2>&1)
expect_out first-sync "420 dgp_src tables" "$out"
expect_out first-sync-created "tables created 422, columns added 0" "$out"
expect_out first-sync-functions "golden functions replaced 2" "$out"
expect_out first-sync-rows "5574 inserted, 0 updated, 0 deleted" "$out"
[[ $(sql "SELECT count(*) FROM dgp_catalog.resource") == 420 ]] && ok || bad "resource rows" "$(sql 'SELECT count(*) FROM dgp_catalog.resource')"
[[ $(sql "SELECT count(*) FROM dgp_catalog.field") == 4389 ]] && ok || bad "field rows"
[[ $(sql "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'dgp_src'") == 420 ]] && ok || bad "dgp_src tables"
# text key columns compare in byte order (COLLATE "C"), the other columns in the database's
colls=$(sql "SELECT string_agg(c.relname || '.' || a.attname || ' ' || a.attcollation::regcollation, ', ' ORDER BY c.relname, a.attnum) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace IN ('dgp_src'::regnamespace, 'dgp_base'::regnamespace) AND c.relname IN ('gaj_hjrk', 'rsj_sbcb', 'person') AND a.attname IN ('gmsfhm', 'xzlx', 'xm')")
want='gaj_hjrk.gmsfhm "C", gaj_hjrk.xm "default", person.gmsfhm "C", person.xm "default", rsj_sbcb.gmsfhm "C", rsj_sbcb.xzlx "C", rsj_sbcb.xm "default"'
[[ $colls == "$want" ]] && ok || bad "key collations" "$colls"
# a dgp_src table starts with the content hash, then its key columns in key order (the
# cache's warm reads them from every row), and leaves a tenth of each page free
lead=$(sql "SELECT string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = 'dgp_src.rsj_sbcb'::regclass AND a.attnum BETWEEN 1 AND 4")
[[ $lead == "_dgp_content_hash,gmsfhm,xzlx,xm" ]] && ok || bad "dgp_src column order" "$lead"
ff=$(sql "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = 'dgp_src.gaj_hjrk'::regclass")
[[ $ff == "fillfactor=90" ]] && ok || bad "dgp_src fillfactor" "$ff"

out=$("$DGP" catalog sync "$TMP/cat" 2>&1)
expect_out second-sync-noop "nothing changed: the database already matched the catalog" "$out"

# Golden records: xm from 公安户籍 (priority 1) over 民政婚姻 (7); hyzk from 民政 (1).
K=420106199003071238
sql "INSERT INTO dgp_src.gaj_hjrk (gmsfhm, xm, hyzk, csrq, _dgp_content_hash, _dgp_origin) VALUES ('$K', '张三', '10', '1990-03-07', 1, 't:1');
     INSERT INTO dgp_src.mzj_hydj (gmsfhm, hydjzh, xm, hyzk, _dgp_content_hash, _dgp_origin) VALUES ('$K', 'H1', '张叁', '20', 2, 't:2');
     SELECT dgp_base.refresh_person(ARRAY['$K'])" >/dev/null
got=$(sql "SELECT xm || '|' || hyzk || '|' || csrq || '|' || (_dgp_sources->>'xm') || '|' || (_dgp_sources->>'hyzk') FROM dgp_base.person_with_sources WHERE gmsfhm = '$K'")
want="张三|20|1990-03-07|101001/000001|101002/000001"
[[ $got == "$want" ]] && ok || bad "golden priorities" "got  $got" "want $want"
sql "UPDATE dgp_src.gaj_hjrk SET xm = NULL WHERE gmsfhm = '$K'; SELECT dgp_base.refresh_person(ARRAY['$K'])" >/dev/null
got=$(sql "SELECT xm || '|' || (_dgp_sources->>'xm') FROM dgp_base.person_with_sources WHERE gmsfhm = '$K'")
[[ $got == "张叁|101002/000001" ]] && ok || bad "golden falls back to the next source" "got $got"
sql "DELETE FROM dgp_src.gaj_hjrk; DELETE FROM dgp_src.mzj_hydj; SELECT dgp_base.refresh_person(ARRAY['$K'])" >/dev/null
[[ $(sql "SELECT count(*) FROM dgp_base.person") == 0 ]] && ok || bad "golden row deleted when no source holds the key"

# Evolution: a new field adds a column, nothing else.
echo '101001/000001,99,测试新增,DGPCSA,C,20,N,text,max=20,N,内部,none,,' >>"$TMP/cat/gaj/fields.csv"
out=$("$DGP" catalog sync "$TMP/cat" 2>&1)
expect_out evolve "tables created 0, columns added 1, indexes created 0, golden functions replaced 0" "$out"
expect_out evolve-row "1 inserted, 0 updated, 0 deleted" "$out"
[[ $(sql "SELECT data_type FROM information_schema.columns WHERE table_schema = 'dgp_src' AND table_name = 'gaj_hjrk' AND column_name = 'dgpcsa'") == text ]] && ok || bad "new column exists"

# Incompatible: the new field becomes a date, and another field is added in the same change.
sed -i 's/^101001\/000001,99,测试新增,DGPCSA,C,20,N,text,max=20,/101001\/000001,99,测试新增,DGPCSA,D,,N,date,,/' "$TMP/cat/gaj/fields.csv"
echo '101001/000001,98,测试又增,DGPCSB,C,20,N,text,max=20,N,内部,none,,' >>"$TMP/cat/gaj/fields.csv"
out=$("$DGP" catalog sync "$TMP/cat" 2>&1)
rc=$?
[[ $rc == 1 ]] && ok || bad "refused sync exits 1" "rc=$rc" "$out"
expect_out refuse-type 'dgp_src.gaj_hjrk: column "dgpcsa" is text in PostgreSQL but the catalog now makes it date (gaj/fields.csv:' "$out"
[[ $(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'dgp_src' AND table_name = 'gaj_hjrk' AND column_name = 'dgpcsb'") == 0 ]] && ok || bad "a refused sync changes nothing"
[[ $(sql "SELECT count(*) FROM dgp_catalog.field WHERE source_name = 'DGPCSB'") == 0 ]] && ok || bad "a refused sync changes no catalog rows"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
