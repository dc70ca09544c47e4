#!/usr/bin/env bash
# test_probe_store.sh DGP SRCDIR — how `dgp availability probe` stores its
# results in dgp_catalog.availability when PostgreSQL refuses one of them: the
# refused row (a CHECK constraint added here stands for any data error, e.g. a
# detail text the server's encoding cannot hold) is dropped and named in the
# log, the results after it are stored, and the run exits 1. Kept, the refused
# row would hold back every later result until the in-memory bound dropped it.
set -u
DGP=$1
SRC=$2
. "$(dirname "$0")/load_lib.sh"
export DGP_HTTP_LISTEN=
new_db "dgp_test_probe_store_$$"
count() { sql "SELECT count(*) FROM dgp_catalog.availability WHERE target = '$1'"; }

out=$(DGP_PROBE_TARGETS="ok=pg:" "$DGP" availability probe --once 2>&1)
eq "a first round stores its result: exit" "$?" 0
eq "a first round stores its result: rows" "$(count ok)" 1

sql "ALTER TABLE dgp_catalog.availability ADD CONSTRAINT no_poison CHECK (target <> 'poison')"
out=$(DGP_PROBE_TARGETS="poison=pg:; ok=pg:" "$DGP" availability probe --once 2>&1)
eq "a refused result fails the run: exit" "$?" 1
expect_out "the refused result is named" 'postgresql refused the result of poison at ' "$out"
expect_out "with the SQLSTATE" ', dropped: 23514: new row for relation "availability" violates check constraint "no_poison"' "$out"
expect_out "and counted" "dgp availability: 1 results refused by dgp_catalog.availability (see the log)" "$out"
eq "nothing is left unstored" "$(grep -c 'could not be stored' <<<"$out")" 0
eq "the result after the refused one is stored" "$(count ok)" 2
eq "the refused one is not" "$(count poison)" 0
finish
