#!/usr/bin/env bash
# test_run_topics.sh DGP SRCDIR — run.topic.prefix applies to the names in
# run.topics as it does to the catalog's names (a member told to read the bare
# name of a prefixed deployment got no partitions), while a ^regex is used as
# given. Each case consumes a prefixed topic into its own database.
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
finish
