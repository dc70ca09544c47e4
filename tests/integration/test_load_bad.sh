#!/usr/bin/env bash
# test_load_bad.sh DGP SRCDIR — `dgp load` on damaged input, each case with
# exact expectations: the load goes on past bad records, each rejected record
# lands in dgp_ops.reject with its raw bytes, reason, file and line; damaged
# files (corrupt or truncated gzip, a header without the key) fail with a
# message naming the file, after committing what came before; the process
# never dies of a signal.
set -u
DGP=$1
SRC=$2
. "$SRC/tests/integration/load_lib.sh"
export DGP_LOG_LEVEL=warn
new_db "dgp_test_load_bad_$$"
"$DGP" catalog sync "$SRC/catalog/sample" >/dev/null || exit 1
R=101041/000001

# base CASE OFFSET — 10 clean generated rows of people of their own, in $TMP/CASE.base
base() { "$DGP_GEN" --resource $R --rows 10 --seed 3 --key-offset "$2" --out "$TMP/$1.base" || exit 1; }
# mangle CASE PYTHON — write $TMP/bszjd_syrk_CASE.csv from the base rows (hdr, rows: bytes)
mangle() {
	python3 - "$TMP/$1.base" "$TMP/bszjd_syrk_$1.csv" <<PY
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')
hdr, rows = lines[0], [l for l in lines[1:] if l]
def field(i, k, v):
    f = rows[i].split(b','); f[k] = v; rows[i] = b','.join(f)
$2
open(sys.argv[2], 'wb').write(hdr + b'\n' + b'\n'.join(rows) + b'\n')
PY
}
# one_bad CASE LINE REASON DETAIL — load the case: 9 new, 1 rejected for REASON at LINE with raw bytes
one_bad() {
	local f=$TMP/bszjd_syrk_$1.csv out rc
	out=$("$DGP" load "$f" 2>&1)
	rc=$?
	eq "$1: exit" "$rc" 0
	expect_out "$1: summary" "read 10, new 9, changed 0, unchanged 0, duplicate 0, rejected 1" "$out"
	eq "$1: reason" "$(reasons_split "$out")" "records $3 1"
	eq "$1: dgp_ops.reject" \
		"$(sql "SELECT reason || '|' || coalesce(field, '') || '|' || line || '|' || (raw = decode('$(sed -n "$2p" "$f" | head -c 4096 | tr -d '\n' | xxd -p | tr -d '\n')', 'hex')) || '|' || coalesce(detail, '') FROM dgp_ops.reject WHERE source = '$f'")" \
		"$3|$4"
}

base utf8 8000000
mangle utf8 "rows[2] = rows[2][:25] + b'\xff\xfe' + rows[2][25:]"
one_bad utf8 4 charset "|4|true|invalid UTF-8 at byte 25"

base cols 8000100
mangle cols "rows[3] += b',extra'"
one_bad cols 5 columns "|5|true|11 columns, header has 10"

base nul 8000200
mangle nul "field(5, 8, b'abc\x00def')"
one_bad nul 7 charset "|7|true|NUL byte at byte $(($(sed -n 7p "$TMP/nul.base" | cut -d, -f1-8 | wc -c) + 3))"

base nokey 8000300
mangle nokey "field(6, 0, b'')"
one_bad nokey 8 empty "GMSFHM|8|true|"

# SQL-looking values are data: stored as given, nothing else happens
base sql 8000400
mangle sql "field(4, 8, b\"'; DROP TABLE dgp_src.bszjd_syrk; --\"); field(5, 8, b'\"Robert\"\"); DELETE FROM dgp_base.person; --\"')"
out=$("$DGP" load "$TMP/bszjd_syrk_sql.csv" 2>&1)
expect_out "sql: summary" "read 10, new 10, changed 0, unchanged 0, duplicate 0, rejected 0" "$out"
eq "sql: values stored verbatim" \
	"$(sql "SELECT string_agg(sssq, ' / ' ORDER BY sssq) FROM dgp_src.bszjd_syrk WHERE sssq LIKE '%--'")" \
	"'; DROP TABLE dgp_src.bszjd_syrk; -- / Robert\"); DELETE FROM dgp_base.person; --"
eq "sql: tables intact" "$(sql "SELECT count(*) FROM dgp_base.person")" "$(sql "SELECT count(*) FROM dgp_src.bszjd_syrk")"

# a file cut in its last record (no final newline): that record is rejected
base trunc 8000500
mangle trunc "rows[-1] = rows[-1].rsplit(b',', 1)[0]"
truncate -s -1 "$TMP/bszjd_syrk_trunc.csv"
one_bad trunc 11 columns "|11|true|9 columns, header has 10"

# a 100 MB line (longer than load.max.record.bytes): rejected with its first 16 MiB, reading goes on
base huge 8000600
mangle huge "field(1, 8, b'x' * (100 << 20))"
out=$("$DGP" load "$TMP/bszjd_syrk_huge.csv" 2>&1)
eq "huge: exit" "$?" 0
expect_out "huge: summary" "read 10, new 9, changed 0, unchanged 0, duplicate 0, rejected 1" "$out"
hf=$TMP/bszjd_syrk_huge.csv
hlen=$(($(sed -n 3p "$hf" | wc -c) - 1))
hoff=$(head -n 2 "$hf" | wc -c)
eq "huge: dgp_ops.reject (the detail says where the whole record lies)" \
	"$(sql "SELECT reason || '|' || line || '|' || \"offset\" || '|' || length(raw) || '|' || detail FROM dgp_ops.reject WHERE source = '$hf'")" \
	"too_long|3|$hoff|16777216|record of $hlen bytes at byte offset $hoff is longer than load.max.record.bytes (16777216); raw keeps its first 16777216 bytes, $((hlen - 16777216)) more are in the file"
eq "huge: raw is the record's first 16 MiB, byte for byte" \
	"$(sql "SELECT md5(raw) FROM dgp_ops.reject WHERE source = '$hf'")" \
	"$(sed -n 3p "$hf" | head -c 16777216 | md5sum | cut -d' ' -f1)"
eq "huge: offset and length in the detail cut the whole record out of the file" \
	"$(tail -c +$((hoff + 1)) "$hf" | head -c "$hlen" | md5sum)" "$(sed -n 3p "$hf" | head -c "$hlen" | md5sum)"
rm -f "$TMP/bszjd_syrk_huge.csv"

# a stray quote in row 500 of 1,000 with a 64 KiB record limit: row 500 alone
# is rejected, whole, at its line; the 999 others load
"$DGP_GEN" --resource $R --rows 1000 --seed 3 --key-offset 8200000 --out "$TMP/stray.base" || exit 1
python3 - "$TMP/stray.base" "$TMP/bszjd_syrk_stray.csv" <<'PY'
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')
f = lines[500].split(b',')
f[2] = b'"' + f[2]
lines[500] = b','.join(f)
open(sys.argv[2], 'wb').write(b'\n'.join(lines))
PY
out=$(DGP_LOAD_MAX_RECORD_BYTES=65536 "$DGP" load "$TMP/bszjd_syrk_stray.csv" 2>&1)
eq "stray quote: exit" "$?" 0
expect_out "stray quote: summary" "read 1000, new 999, changed 0, unchanged 0, duplicate 0, rejected 1" "$out"
eq "stray quote: dgp_ops.reject" \
	"$(sql "SELECT reason || '|' || line || '|' || (raw = decode('$(sed -n 501p "$TMP/bszjd_syrk_stray.csv" | tr -d '\n' | xxd -p | tr -d '\n')', 'hex')) || '|' || detail FROM dgp_ops.reject WHERE source = '$TMP/bszjd_syrk_stray.csv'")" \
	"malformed|501|true|unterminated quoted field at byte $(sed -n 501p "$TMP/bszjd_syrk_stray.csv" | cut -d, -f1-2 | wc -c)"

# a header without the key column: a clear error naming the file and the column; nothing loaded
base nokeycol 8000700
cut -d, -f2- "$TMP/nokeycol.base" >"$TMP/bszjd_syrk_nokeycol.csv"
out=$("$DGP" load "$TMP/bszjd_syrk_nokeycol.csv" 2>&1)
eq "nokeycol: exit" "$?" 1
expect_out "nokeycol: message" "$TMP/bszjd_syrk_nokeycol.csv:1: header: CSV header has no column \"GMSFHM\" for key field 公民身份号码 of resource 101041/000001" "$out"

# a UTF-8 file for a resource the catalog declares GBK: refused before
# anything is written, naming UTF-8 and --encoding; loaded with --encoding UTF-8
H=101001/000001
"$DGP_GEN" --resource $H --rows 20 --seed 3 --key-offset 8300000 --encoding UTF-8 --out "$TMP/gaj_hjrk_utf8.csv" || exit 1
out=$("$DGP" load "$TMP/gaj_hjrk_utf8.csv" 2>&1)
eq "wrong encoding: exit" "$?" 1
expect_out "wrong encoding: message" "$TMP/gaj_hjrk_utf8.csv: its first records are not valid GBK, the encoding the catalog declares for resource $H, but are valid UTF-8; nothing was loaded.  If the file is UTF-8, load it with --encoding UTF-8" "$out"
eq "wrong encoding: nothing written" "$(sql "SELECT (SELECT count(*) FROM dgp_ops.reject WHERE source = '$TMP/gaj_hjrk_utf8.csv') || ' ' || (SELECT count(*) FROM dgp_ops.file_progress WHERE path = '$TMP/gaj_hjrk_utf8.csv') || ' ' || (SELECT count(*) FROM dgp_src.gaj_hjrk)")" "0 0 0"
out=$("$DGP" load --encoding UTF-8 "$TMP/gaj_hjrk_utf8.csv" 2>&1)
eq "wrong encoding: --encoding UTF-8 exit" "$?" 0
expect_out "wrong encoding: --encoding UTF-8 loads" "read 20, new 20, changed 0, unchanged 0, duplicate 0, rejected 0" "$out"
# the other way round: a GBK file given as UTF-8
"$DGP_GEN" --resource $H --rows 20 --seed 3 --key-offset 8300100 --out "$TMP/gaj_hjrk_gbk.csv" || exit 1
out=$("$DGP" load --encoding UTF-8 "$TMP/gaj_hjrk_gbk.csv" 2>&1)
eq "GBK as UTF-8: exit" "$?" 1
expect_out "GBK as UTF-8: message" "$TMP/gaj_hjrk_gbk.csv: its first records are not valid UTF-8 (given with --encoding) but are valid GBK; nothing was loaded.  If the file is GBK, load it with --encoding GBK" "$out"
# a UTF-8 byte order mark in front of a GBK-declared file
printf '\xef\xbb\xbf' >"$TMP/gaj_hjrk_bom.csv"
"$DGP_GEN" --resource $H --rows 5 --seed 3 --key-offset 8300200 --encoding UTF-8 --out "$TMP/bom.base" || exit 1
cat "$TMP/bom.base" >>"$TMP/gaj_hjrk_bom.csv"
out=$("$DGP" load "$TMP/gaj_hjrk_bom.csv" 2>&1)
eq "UTF-8 BOM, declared GBK: exit" "$?" 1
expect_out "UTF-8 BOM, declared GBK: message" "but are valid UTF-8; nothing was loaded" "$out"

# a misspelled required column (HJQHH for HJQH): refused like a missing key column
sed '1s/,HJQH,/,HJQHH,/' "$TMP/gaj_hjrk_utf8.csv" >"$TMP/gaj_hjrk_hjqhh.csv"
out=$("$DGP" load --encoding UTF-8 "$TMP/gaj_hjrk_hjqhh.csv" 2>&1)
eq "misspelled required column: exit" "$?" 1
expect_out "misspelled required column: message" "$TMP/gaj_hjrk_hjqhh.csv:1: header: CSV header has no column \"HJQH\" for required field 户籍地区划 of resource $H; columns the catalog does not know: \"HJQHH\"" "$out"

# corrupt gzip in the middle: the damaged stretch decodes to garbage (rejected
# unless it happens to be valid data: gzip's own check, the CRC, only comes at
# the end), the file fails with a message naming it, the next file on the
# command line is still loaded
"$DGP_GEN" --resource $R --rows 3000 --seed 3 --key-offset 8100000 --out "$TMP/c.csv" || exit 1
gzip -c "$TMP/c.csv" >"$TMP/c.gz"
size=$(stat -c %s "$TMP/c.gz")
python3 -c "
import sys
b = bytearray(open('$TMP/c.gz', 'rb').read())
for i in range($size * 6 // 10, $size * 6 // 10 + 64): b[i] ^= 0x5a
open('$TMP/bszjd_syrk_corrupt.csv.gz', 'wb').write(b)"
base after 8000800
cp "$TMP/after.base" "$TMP/bszjd_syrk_after.csv"
out=$("$DGP" load "$TMP/bszjd_syrk_corrupt.csv.gz" "$TMP/bszjd_syrk_after.csv" 2>&1)
eq "corrupt gzip: exit" "$?" 1
expect_out "corrupt gzip: message" "damaged gzip data in \"$TMP/bszjd_syrk_corrupt.csv.gz\"" "$out"
n=$(sed -n 's/^.*bszjd_syrk_corrupt.csv.gz → .*: read \([0-9]*\), new \([0-9]*\),.*/\1 \2/p' <<<"$out")
read -r nread nnew <<<"$n"
nrej=$(sed -n 's/^.*bszjd_syrk_corrupt.csv.gz → .*, rejected \([0-9]*\),.*/\1/p' <<<"$out")
if [[ -n $nread && $nread -gt 0 && $nread -lt 3000 && $nread == $((nnew + nrej)) ]]; then ok; else bad "corrupt gzip: rows up to the damage read" "$out"; fi
eq "corrupt gzip: the new rows are in PostgreSQL, from the lines read" \
	"$(sql "SELECT count(*) FROM dgp_src.bszjd_syrk WHERE _dgp_origin LIKE '%corrupt.csv.gz:%' AND split_part(_dgp_origin, ':', 2)::int <= ${nread:-0} + 1")" "${nnew:-x}"
eq "corrupt gzip: the rejects are in dgp_ops.reject" \
	"$(sql "SELECT count(*) FROM dgp_ops.reject WHERE source LIKE '%corrupt.csv.gz'")" "${nrej:-x}"
eq "corrupt gzip: not marked complete" \
	"$(sql "SELECT complete FROM dgp_ops.file_progress WHERE path = '$TMP/bszjd_syrk_corrupt.csv.gz'")" f
expect_out "corrupt gzip: next file loaded" "read 10, new 10, changed 0" "$out"
eq "next file's rows carry its own origin" \
	"$(sql "SELECT count(*) FROM dgp_src.bszjd_syrk WHERE _dgp_origin LIKE '%/bszjd\\_syrk\\_after.csv:%'")" 10

# truncated gzip: the same, and a rerun fails the same way without loading anything twice
head -c $((size / 2)) "$TMP/c.gz" >"$TMP/bszjd_syrk_truncgz.csv.gz"
out=$("$DGP" load "$TMP/bszjd_syrk_truncgz.csv.gz" 2>&1)
eq "truncated gzip: exit" "$?" 1
expect_out "truncated gzip: message" "damaged gzip data in \"$TMP/bszjd_syrk_truncgz.csv.gz\"" "$out"
expect_out "truncated gzip: reason" "unexpected end of file" "$out"
n1=$(sql "SELECT count(*) FROM dgp_src.bszjd_syrk WHERE _dgp_origin LIKE '%truncgz%'")
out=$("$DGP" load "$TMP/bszjd_syrk_truncgz.csv.gz" 2>&1)
eq "truncated gzip: rerun exit" "$?" 1
expect_out "truncated gzip: rerun reads nothing new" "read 0, new 0" "$out"
eq "truncated gzip: rows kept" "$(sql "SELECT count(*) FROM dgp_src.bszjd_syrk WHERE _dgp_origin LIKE '%truncgz%'")" "$n1"

# malformed JSON lines
base json 8000900
python3 - "$TMP/json.base" "$TMP/bszjd_syrk_json.jsonl" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding='utf-8')))
with open(sys.argv[2], 'w', encoding='utf-8') as o:
    for i, r in enumerate(rows):
        line = json.dumps({k: v for k, v in r.items() if v}, ensure_ascii=False)
        o.write((line[:-5] if i == 4 else line) + '\n')
PY
out=$("$DGP" load --resource $R "$TMP/bszjd_syrk_json.jsonl" 2>&1)
eq "json: exit" "$?" 0
expect_out "json: summary" "read 10, new 9, changed 0, unchanged 0, duplicate 0, rejected 1" "$out"
eq "json: dgp_ops.reject" "$(sql "SELECT reason || '|' || line || '|' || (raw = convert_to('$(sed -n 5p "$TMP/bszjd_syrk_json.jsonl" | sed "s/'/''/g")', 'UTF8')) FROM dgp_ops.reject WHERE source = '$TMP/bszjd_syrk_json.jsonl'")" "malformed|5|true"

# a load is the file's bytes for one resource read one way: the same bytes
# for another resource are loaded, not skipped; --again loads a complete file again
out=$("$DGP" load "$TMP/bszjd_syrk_after.csv" 2>&1)
expect_out "same file, same resource: skipped" "already loaded completely for $R" "$out"
out=$("$DGP" load --again "$TMP/bszjd_syrk_after.csv" 2>&1)
eq "--again: exit" "$?" 0
expect_out "--again: read again, nothing written" "read 10, new 0, changed 0, unchanged 10, duplicate 0, rejected 0" "$out"
out=$("$DGP" load --resource 101001/000001 --encoding UTF-8 "$TMP/bszjd_syrk_json.jsonl" 2>&1)
eq "same bytes, another resource: exit" "$?" 0
expect_out "same bytes, another resource: loaded, not skipped" "read 10, new 0, changed 0, unchanged 0, duplicate 0, rejected 10" "$out"
eq "same bytes, another resource: two progress rows" \
	"$(sql "SELECT string_agg(resource_code || ' ' || complete, ',' ORDER BY resource_code) FROM dgp_ops.file_progress WHERE path = '$TMP/bszjd_syrk_json.jsonl'")" \
	"101001/000001 true,$R true"

# a producer renamed HJDZ to HJDZZ: the values are not loaded, the name (never a
# value) is reported in the summary, logged once and counted in a metric;
# strict for the resource, such records are rejected as unknown_field
base unk 8001000
sed '1s/,HJDZ,/,HJDZZ,/' "$TMP/unk.base" >"$TMP/bszjd_syrk_unk.csv"
nunk=$(awk -F, 'NR > 1 && $7 != ""' "$TMP/bszjd_syrk_unk.csv" | wc -l) # rows with an address
out=$(DGP_LOG_LEVEL=info "$DGP" load "$TMP/bszjd_syrk_unk.csv" 2>&1)
eq "unknown field: exit" "$?" 0
expect_out "unknown field: summary" "  unknown field HJDZZ in $nunk records (not in the catalog, not loaded)" "$out"
eq "unknown field: logged once" "$(grep -c 'field "HJDZZ" is not in the catalog' <<<"$out")" 1
eq "unknown field: values not loaded" "$(sql "SELECT count(*) || ' ' || count(hjdz) FROM dgp_src.bszjd_syrk WHERE _dgp_origin LIKE '%bszjd\\_syrk\\_unk.csv:%'")" "10 0"
sed '1s/,HJDZ,/,HJDZZ,/' "$TMP/after.base" >"$TMP/bszjd_syrk_unk2.csv"
eq "unknown field: dgp_catalog.unknown_field_stats" \
	"$(sql "SELECT name || ' ' || records FROM dgp_catalog.unknown_field_stats WHERE resource_code = '$R'")" "HJDZZ $nunk"
out=$("$DGP" catalog status 2>&1)
expect_out "unknown field: catalog status" "  fields not in the catalog (records): HJDZZ $nunk" "$out"
out=$("$DGP" catalog status --format json 2>&1)
eq "unknown field: catalog status json" "$(jq -c --arg r "$R" '.resources[] | select(.code == $r) | .unknown_fields' <<<"$out")" "{\"HJDZZ\":$nunk}"
nunk2=$(awk -F, 'NR > 1 && $7 != ""' "$TMP/bszjd_syrk_unk2.csv" | wc -l)
out=$(DGP_UNKNOWN_FIELDS_STRICT="102001/000001, $R" "$DGP" load "$TMP/bszjd_syrk_unk2.csv" 2>&1)
eq "unknown field, strict: exit" "$?" 0
expect_out "unknown field, strict: summary" "read 10, new 0, changed 0, unchanged $((10 - nunk2)), duplicate 0, rejected $nunk2" "$out"
eq "unknown field, strict: dgp_ops.reject" \
	"$(sql "SELECT reason || ' ' || count(*) || ' ' || count(*) FILTER (WHERE detail LIKE 'column 7 \"HJDZZ\" at byte % is not a field of the catalog (strict)') FROM dgp_ops.reject WHERE source = '$TMP/bszjd_syrk_unk2.csv' GROUP BY reason")" \
	"unknown_field $nunk2 $nunk2"

eq "every reject kept its raw bytes" "$(sql "SELECT count(*) FROM dgp_ops.reject WHERE raw IS NULL OR length(raw) = 0")" 0
finish
