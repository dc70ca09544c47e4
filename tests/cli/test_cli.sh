#!/usr/bin/env bash
# test_cli.sh DGP SRCDIR — the dgp command's help, errors, config handling and
# CONFIGURATION.md freshness, checked as an operator would see them.
set -u
DGP=$1
SRC=$2
pass=0
fail=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The tests must not pick up the caller's configuration.
unset DGP_CONFIG DGP_PG_CONNINFO DGP_KAFKA_BROKERS DGP_LOG_LEVEL

check() { # NAME EXPECTED_RC EXPECTED_SUBSTRING(of stdout+stderr) CMD...
	local name=$1 want_rc=$2 want_out=$3
	shift 3
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	if [[ $rc -ne $want_rc ]]; then
		echo "FAIL $name: exit $rc, expected $want_rc; output:"; echo "$out"
		fail=$((fail + 1)); return
	fi
	if [[ -n $want_out && $out != *"$want_out"* ]]; then
		echo "FAIL $name: output lacks \"$want_out\"; output:"; echo "$out"
		fail=$((fail + 1)); return
	fi
	pass=$((pass + 1))
}

check help 0 "usage: dgp [--config FILE]" "$DGP" --help
check help-lists-commands 0 "ping" "$DGP" help
check help-command 0 "usage: dgp config check|dump|doc" "$DGP" help config
check command-dash-help 0 "usage: dgp ping" "$DGP" ping --help
check version 0 "dgp 0." "$DGP" --version
check version-libs 0 "librdkafka 2." "$DGP" version
check no-command 2 "usage:" "$DGP"
check unknown-command 2 'dgp: unknown command "frobnicate"' "$DGP" frobnicate
check unknown-option 2 "" "$DGP" --frobnicate
check help-unknown 2 'unknown command "nope"' "$DGP" help nope

printf 'log.level = debug\nbogus = 1\n' >"$TMP/bad.conf"
check conf-unknown-key 1 "$TMP/bad.conf:2: unknown configuration key \"bogus\"" "$DGP" -c "$TMP/bad.conf" config check
printf 'kafka.security.protocol = pigeon\n' >"$TMP/kafka.conf"
check conf-kafka-invalid 1 "$TMP/kafka.conf:1: invalid value for kafka.security.protocol" "$DGP" -c "$TMP/kafka.conf" config check
printf 'kafka.no.such.thing = 1\n' >"$TMP/kafka2.conf"
check conf-kafka-unknown 1 "$TMP/kafka2.conf:1: unknown configuration key \"kafka.no.such.thing\"" "$DGP" -c "$TMP/kafka2.conf" config check
check conf-missing 1 "could not open configuration file \"$TMP/none.conf\"" "$DGP" -c "$TMP/none.conf" config check
printf 'pg.conninfo = host=db password=hunter2\nkafka.sasl.password = s3cret\nkafka.security.protocol = sasl_ssl\n' >"$TMP/ok.conf"
check conf-ok 0 "configuration ok: $TMP/ok.conf" "$DGP" -c "$TMP/ok.conf" config check
out=$("$DGP" -c "$TMP/ok.conf" config dump 2>&1)
if [[ $out == *hunter2* || $out == *s3cret* ]]; then
	echo "FAIL dump-redacts: secret in output:"; echo "$out"; fail=$((fail + 1))
elif [[ $out != *"pg.conninfo = host=db password=***    # file $TMP/ok.conf:1"* ]]; then
	echo "FAIL dump-source: unexpected dump:"; echo "$out"; fail=$((fail + 1))
else
	pass=$((pass + 1))
fi
check env-override 0 "log.level = warn    # env" env DGP_LOG_LEVEL=warn "$DGP" config dump
check env-invalid 1 "environment variable DGP_LOG_LEVEL: invalid value \"loud\"" env DGP_LOG_LEVEL=loud "$DGP" config check
check ping-unreachable 1 "dgp ping: postgresql:" env DGP_PG_CONNINFO="host=127.0.0.1 port=1" "$DGP" ping --pg-only --timeout-ms 200

# CONFIGURATION.md is generated from the table; fail when it is stale.
if diff -u "$SRC/CONFIGURATION.md" <("$DGP" config doc) >"$TMP/doc.diff"; then
	pass=$((pass + 1))
else
	echo "FAIL CONFIGURATION.md is stale; regenerate with: build/cli/dgp config doc > CONFIGURATION.md"
	cat "$TMP/doc.diff"; fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
