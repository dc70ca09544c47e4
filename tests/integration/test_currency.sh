#!/usr/bin/env bash
# test_currency.sh DGP SRCDIR — a money field whose rule allows other
# currencies (外商投资企业信息 注册资本: money scale=6;currencies=any) loads a
# foreign amount unconverted with its ISO 4217 code in zczb_currency
# (character(3), NULL when the amount is); a CNY-only money field still
# rejects it (currency).
set -u
DGP=$1
SRC=$2
. "$SRC/tests/integration/load_lib.sh"
new_db "dgp_test_currency_$$"
"$DGP" catalog sync >/dev/null || exit 1
eq "companion column: character(3) after the amount's numeric(24,6)" \
	"$(sql "SELECT string_agg(column_name || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum)
	       FROM pg_attribute a JOIN information_schema.columns c ON c.column_name = a.attname
	        AND c.table_schema = 'dgp_src' AND c.table_name = 'shwj_wstz'
	       WHERE attrelid = 'dgp_src.shwj_wstz'::regclass AND attname LIKE 'zczb%'")" \
	"zczb numeric(24,6), zczb_currency character(3)"
eq "a CNY-only money field has no companion" \
	"$(sql "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'dgp_src' AND column_name LIKE '%_currency'")" 1

# set_column IN OUT COLUMN VALUE... — the CSV with COLUMN of row i set to VALUE i
set_column() {
	/usr/bin/python3 - "$@" <<'PY'
import csv, sys
src, dst, col, vals = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
rows = list(csv.reader(open(src, encoding='utf-8', newline='')))
i = rows[0].index(col)
for r, v in zip(rows[1:], vals):
    r[i] = v
csv.writer(open(dst, 'w', encoding='utf-8', newline=''), lineterminator='\n').writerows(rows)
PY
}
"$DGP_GEN" --resource 320009/000001 --rows 5 --seed 31 --encoding UTF-8 --out "$TMP/w.base" >/dev/null || exit 1
set_column "$TMP/w.base" "$TMP/shwj_wstz_1.csv" ZCZB "100万美元" "100万日元" "50万元" "HK\$1,234.5" "2亿英镑"
out=$("$DGP" load --resource 320009/000001 --encoding UTF-8 "$TMP/shwj_wstz_1.csv" 2>&1)
eq "load: exit" "$?" 0
expect_out "load: all five new" "read 5, new 5, changed 0, unchanged 0, duplicate 0, rejected 0" "$out"
eq "amounts unconverted, each with its code" \
	"$(sql "SELECT string_agg(zczb || ' ' || coalesce(zczb_currency, '-'), ', ' ORDER BY zczb, zczb_currency) FROM dgp_src.shwj_wstz")" \
	"1234.500000 HKD, 500000.000000 CNY, 1000000.000000 JPY, 1000000.000000 USD, 200000000.000000 GBP"

# the same amount in another currency is a change (注册资本 is required: never NULL here)
set_column "$TMP/shwj_wstz_1.csv" "$TMP/shwj_wstz_2.csv" ZCZB "100万欧元" "100万日元" "50万元"
out=$("$DGP" load --resource 320009/000001 --encoding UTF-8 "$TMP/shwj_wstz_2.csv" 2>&1)
expect_out "reload: the currency change is a change" \
	"read 5, new 0, changed 1, unchanged 4, duplicate 0, rejected 0" "$out"
eq "changed rows" \
	"$(sql "SELECT string_agg(zczb || ' ' || zczb_currency, ', ' ORDER BY zczb, zczb_currency) FROM dgp_src.shwj_wstz")" \
	"1234.500000 HKD, 500000.000000 CNY, 1000000.000000 EUR, 1000000.000000 JPY, 200000000.000000 GBP"

# a CNY-only money field (市场监管 企业登记 注册资本) still rejects a foreign amount
"$DGP_GEN" --resource 102006/000001 --rows 3 --seed 32 --encoding UTF-8 --out "$TMP/q.base" >/dev/null || exit 1
set_column "$TMP/q.base" "$TMP/scjgj_qydj_1.csv" ZCZB "100万美元"
"$DGP" load --resource 102006/000001 --encoding UTF-8 "$TMP/scjgj_qydj_1.csv" >/dev/null 2>&1
eq "CNY-only field: the foreign amount is a currency reject, its row loads without it" \
	"$(sql "SELECT reason || ' ' || field FROM dgp_ops.reject WHERE resource_code = '102006/000001'")" "currency ZCZB"
finish
