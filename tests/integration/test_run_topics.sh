#!/usr/bin/env bash
# test_run_topics.sh DGP SRCDIR — run.topic.prefix applies to the names in
# run.topics as it does to the catalog's names (a member told to read the bare
# name of a prefixed deployment got no partitions), while a ^regex is used as
# given. Each case consumes a prefixed topic into its own database. With
# reject.topic set, every rejected record also goes there after its commit:
# the raw bytes as received and the headers naming reason, field, resource and
# origin, one message per row of dgp_ops.reject.
set -u
DGP=$1
SRC=$2
. "$(dirname "$0")/load_lib.sh"
: "${DGP_KAFKA_BROKERS:?DGP_KAFKA_BROKERS is not set: scripts/services.sh start}"
unset DGP_RUN_TOPICS DGP_HTTP_LISTEN
export DGP_HTTP_LISTEN=
RES=101001/000001
PREFIX="t$$."
TOPIC=${PREFIX}dept.gaj.hjrk
"$DGP_GEN" --resource $RES --rows 200 --seed 7 --format jsonl --encoding UTF-8 --dup-rate 0 --change-rate 0 \
	--bad-key-rate 0 --missing-rate 0 --bad-date-rate 0 --bad-optional-rate 0 \
	--out "$TMP/hjrk.jsonl" >/dev/null || { bad "dgp-gen"; finish; exit; }
"$DGP_PRODUCE" --topic "$TOPIC" --resource $RES --partitions 2 "$TMP/hjrk.jsonl" >/dev/null 2>&1 || bad "dgp-produce"

# case NAME RUN_TOPICS — consume with the prefix and run.topics; print the rows loaded
consume() {
	new_db "dgp_test_topics_$1_$$"
	"$DGP" catalog sync >/dev/null 2>&1 || bad "$1: catalog sync"
	DGP_RUN_TOPIC_PREFIX=$PREFIX DGP_RUN_TOPICS=$2 DGP_KAFKA_GROUP_ID="dgp-topics-$1-$$" \
		timeout 120 "$DGP" run --until-idle 3000 >"$TMP/$1.log" 2>&1 || { bad "$1: dgp run failed"; cat "$TMP/$1.log"; }
	sql "SELECT count(*) FROM dgp_src.gaj_hjrk"
}
eq "run.topics with the bare catalog name gets the prefix" "$(consume name dept.gaj.hjrk)" 200
eq "a ^regex matching the prefixed name is used as given" "$(consume regex "^${PREFIX//./\\.}dept\\.gaj\\..*")" 200

RPREFIX="r$$."
"$DGP_GEN" --resource $RES --rows 200 --seed 8 --format jsonl --encoding UTF-8 --dup-rate 0 --change-rate 0 \
	--bad-key-rate 0.05 --missing-rate 0.03 --bad-date-rate 0 --bad-optional-rate 0 \
	--out "$TMP/bad.jsonl" --manifest "$TMP/bad.json" >/dev/null || bad "dgp-gen with rejects"
"$DGP_PRODUCE" --topic "${RPREFIX}dept.gaj.hjrk" --resource $RES --partitions 2 "$TMP/bad.jsonl" >/dev/null 2>&1 ||
	bad "dgp-produce with rejects"
new_db "dgp_test_topics_rejects_$$"
"$DGP" catalog sync >/dev/null 2>&1 || bad "rejects: catalog sync"
DGP_RUN_TOPIC_PREFIX=$RPREFIX DGP_REJECT_TOPIC="${RPREFIX}rejects" DGP_KAFKA_GROUP_ID="dgp-topics-rejects-$$" \
	timeout 120 "$DGP" run --until-idle 3000 >"$TMP/rejects.log" 2>&1 || { bad "rejects: dgp run failed"; cat "$TMP/rejects.log"; }
want=$(sql "SELECT format('dgp-reason=%s,dgp-field=%s,dgp-resource=%s,dgp-topic=%s,dgp-partition=%s,dgp-offset=%s', reason, coalesce(field, ''), resource_code, source, \"partition\", \"offset\") || ' ' || convert_from(raw, 'UTF8') FROM dgp_ops.reject" | sort)
got=$(kcat -C -b "$DGP_KAFKA_BROKERS" -t "${RPREFIX}rejects" -e -q -f '%h %s\n' 2>&1 | sort)
eq "rows in dgp_src; rejects by reason in dgp_ops.reject" \
	"$(sql "SELECT (SELECT count(*) FROM dgp_src.gaj_hjrk) || ' ' || string_agg(n, ' ' ORDER BY n) FROM (SELECT reason || ' ' || count(*) AS n FROM dgp_ops.reject GROUP BY reason) r")" \
	"$(m "$TMP/bad.json" '.expected.first_load | "\(.new) checksum \(.rejected_by_reason.checksum) empty \(.rejected_by_reason.empty)"')"
eq "reject.topic messages" "$(grep -c . <<<"$got")" "$(m "$TMP/bad.json" .expected.first_load.rejected)"
eq "reject.topic holds each reject once, raw bytes and headers" "$got" "$want"
finish
