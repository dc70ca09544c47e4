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
# Test data is no operator's business: the generator and producer are tools/ programs.
GEN=$(dirname "$DGP")/../tools/dgp-gen
PRODUCE=$(dirname "$DGP")/../tools/dgp-produce
check gen-not-a-command 2 'dgp: unknown command "gen"' "$DGP" gen --help
check produce-not-a-command 2 'dgp: unknown command "produce"' "$DGP" produce --help
if "$DGP" help | grep -qE '^  (gen|produce) '; then
	echo "FAIL help-lists-no-tools: dgp help lists gen or produce"; fail=$((fail + 1))
else pass=$((pass + 1)); fi
check tool-gen-help 0 "usage: dgp-gen --resource CODE --out FILE" "$GEN" --help
check tool-produce-help 0 "usage: dgp-produce --topic T" "$PRODUCE" --help
check tool-gen-runs 0 "" env DGP_CATALOG_DIR="$SRC/catalog/sample" "$GEN" --resource 101001/000001 --rows 3 --encoding UTF-8 --out "$TMP/g.csv"
[[ $(wc -l <"$TMP/g.csv") -eq 4 ]] && pass=$((pass + 1)) || { echo "FAIL tool-gen-rows: $(wc -l <"$TMP/g.csv") lines, expected 4"; fail=$((fail + 1)); }
# Numbers in options are checked whole, the same way in every command and tool
# (the tools took "1O0" rows as 1 and "two" partitions as none).
check opt-gen-rows 2 'dgp gen: --rows takes a whole number >= 0, not "1O0"' \
	"$GEN" --resource 101001/000001 --rows 1O0 --out "$TMP/g2.csv"
check opt-gen-seed 2 'dgp gen: --seed takes a whole number >= 0, not "-3"' \
	"$GEN" --resource 101001/000001 --seed -3 --out "$TMP/g2.csv"
check opt-gen-rate 2 'dgp gen: --bad-key-rate takes a number from 0 to 1, not "1.5"' \
	"$GEN" --resource 101001/000001 --bad-key-rate 1.5 --out "$TMP/g2.csv"
[[ ! -e $TMP/g2.csv ]] && pass=$((pass + 1)) || { echo "FAIL opt-gen-nothing-written: $TMP/g2.csv exists"; fail=$((fail + 1)); }
check opt-produce-partitions 2 'dgp produce: --partitions takes a whole number from 0 to 2147483647, not "two"' \
	"$PRODUCE" --topic t --partitions two "$TMP/g.csv"
check opt-produce-rate 2 'dgp produce: --rate takes a number >= 0, not "fast"' \
	"$PRODUCE" --topic t --rate fast "$TMP/g.csv"
check opt-ping-timeout 2 'dgp ping: --timeout-ms takes a whole number from 1 to 2147483647, not "0"' \
	"$DGP" ping --timeout-ms 0
check opt-run-until-idle 2 'dgp run: --until-idle takes a whole number >= 1, not "5s"' \
	"$DGP" run --until-idle 5s

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
# Every secret libpq and librdkafka know is hidden, whatever the spacing and quoting.
printf 'pg.conninfo = host=db password = pw1\tpassword=pw2 sslpassword=pw3 user=%s password = %s\nkafka.ssl.key.password = pw6\nkafka.ssl.keystore.password = pw7\n' \
	"'a b'" "'pw4 pw5'" >"$TMP/many.conf"
chmod 600 "$TMP/many.conf"
out=$("$DGP" -c "$TMP/many.conf" config dump 2>&1)
if [[ $out == *pw[1-7]* ]]; then
	echo "FAIL dump-redacts-all: secret in output:"; echo "$out"; fail=$((fail + 1))
elif [[ $out != *"pg.conninfo = host=db password = ***"$'\t'"password=*** sslpassword=*** user='a b' password = ***    # file"* ]]; then
	echo "FAIL dump-redacts-all: unexpected dump:"; echo "$out"; fail=$((fail + 1))
elif [[ $out == *warning* ]]; then
	echo "FAIL dump-0600-no-warning: a 0600 file got a warning:"; echo "$out"; fail=$((fail + 1))
else
	pass=$((pass + 1))
fi
# A file holding a secret that others can read gets a warning on stderr (stdout stays a clean dump).
chmod 644 "$TMP/many.conf"
err=$("$DGP" -c "$TMP/many.conf" config check 2>&1 >/dev/null)
if [[ $err != "dgp: warning: $TMP/many.conf holds a secret (pg.conninfo) and is readable by group or others (mode 0644); run chmod 600 on it or move the secret to a passfile or the environment" ]]; then
	echo "FAIL readable-secret-warns: stderr was:"; echo "$err"; fail=$((fail + 1))
else
	pass=$((pass + 1))
fi
printf 'kafka.sasl.password = s\n' >"$TMP/kafka-secret.conf"
chmod 640 "$TMP/kafka-secret.conf"
check readable-kafka-secret-warns 0 "holds a secret (kafka.sasl.password) and is readable by group or others (mode 0640)" \
	"$DGP" -c "$TMP/kafka-secret.conf" config check
printf 'pg.conninfo = host=db\n' >"$TMP/nosecret.conf"
chmod 644 "$TMP/nosecret.conf"
err=$("$DGP" -c "$TMP/nosecret.conf" config check 2>&1 >/dev/null)
if [[ -n $err ]]; then echo "FAIL no-secret-no-warning: $err"; fail=$((fail + 1)); else pass=$((pass + 1)); fi
check env-override 0 "log.level = warn    # env" env DGP_LOG_LEVEL=warn "$DGP" config dump
check env-invalid 1 "environment variable DGP_LOG_LEVEL: invalid value \"loud\"" env DGP_LOG_LEVEL=loud "$DGP" config check
check ping-unreachable 1 "dgp ping: postgresql unreachable within 200 ms" env DGP_PG_CONNINFO="host=127.0.0.1 port=1" "$DGP" ping --pg-only --timeout-ms 200

# dgp check: one verdict per value, exit 0 whatever the verdicts.
check check-list 0 $'idcard        公民身份号码' "$DGP" check --list
check check-ok 0 $'OK\t11010519491231002X' "$DGP" check idcard 11010519491231002x
check check-flags 0 $'OK\t11010519491231002X\tupgraded_15' "$DGP" check idcard 110105491231002
check check-reject 0 $'REJECT\tchecksum' "$DGP" check idcard 110105194912310021
check check-today 0 $'REJECT\tfuture_date' "$DGP" check --today 1990-03-06 idcard 420106199003071238
check check-arg 0 $'OK\t440524188001010014\tregion_historical' "$DGP" check idcard --arg min_date=1800-01-01 440524188001010014
check check-uscc 0 $'OK\t91420106MA4K12345A' "$DGP" check uscc ９１４２０１０６ｍａ４ｋ１２３４５ａ
check check-region 0 $'OK\t420121\tregion_historical' "$DGP" check region 420121
check check-unknown-rule 2 'dgp check: unknown rule "nope"' "$DGP" check nope 1
check check-bad-arg 2 'rule idcard does not take argument "max"' "$DGP" check idcard --arg max=3 1
check check-no-rule 2 "missing RULE" "$DGP" check
out=$(printf '110105491231002\r\n\r\n420106199003071238\n42010619900307123X' | "$DGP" check idcard 2>&1)
want=$'OK\t11010519491231002X\tupgraded_15\nREJECT\tempty\nOK\t420106199003071238\nREJECT\tchecksum'
if [[ $out == "$want" ]]; then pass=$((pass + 1)); else
	echo "FAIL check-stdin: got:"; echo "$out"; fail=$((fail + 1)); fi
# an over-long line is rejected (not buffered whole) and the stream goes on after it
out=$({ head -c 3000000 /dev/zero | tr '\0' 7; printf '\n420106199003071238\n'; } | "$DGP" check idcard 2>&1)
if [[ $out == $'REJECT\ttoo_long\nOK\t420106199003071238' ]]; then pass=$((pass + 1)); else
	echo "FAIL check-too-long: got:"; echo "${out:0:200}"; fail=$((fail + 1)); fi
n=$(seq 100000 199999 | "$DGP" check region | wc -l)
if [[ $n -eq 100000 ]]; then pass=$((pass + 1)); else
	echo "FAIL check-lines: $n output lines for 100000 input lines"; fail=$((fail + 1)); fi

# CONFIGURATION.md is generated from the table; fail when it is stale.
if diff -u "$SRC/CONFIGURATION.md" <("$DGP" config doc) >"$TMP/doc.diff"; then
	pass=$((pass + 1))
else
	echo "FAIL CONFIGURATION.md is stale; regenerate with: build/cli/dgp config doc > CONFIGURATION.md"
	cat "$TMP/doc.diff"; fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
