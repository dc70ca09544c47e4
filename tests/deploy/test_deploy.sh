#!/usr/bin/env bash
# test_deploy.sh DGP SRCDIR — deploy/ stays usable: the alert rules load and
# pass their promtool unit tests, the example Prometheus config loads, the
# Grafana dashboard is JSON, and deploy/dgp.conf passes `dgp config check` once
# uncommented (and lists every configuration key with its default, or a
# warning says which are missing).
set -u
DGP=$1
SRC=$2
pass=0
fail=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
unset DGP_CONFIG DGP_PG_CONNINFO DGP_KAFKA_BROKERS DGP_LOG_LEVEL DGP_PROBE_TARGETS DGP_HTTP_LISTEN

ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

if ! command -v promtool >/dev/null; then
	bad "promtool not found (Debian package prometheus; scripts/install-deps.sh installs it)"
else
	promtool check rules "$SRC/deploy/prometheus/dgp-alerts.yml" >"$TMP/out" 2>&1 && ok ||
		{ bad "promtool check rules deploy/prometheus/dgp-alerts.yml"; cat "$TMP/out"; }
	(cd "$SRC/deploy/prometheus" && promtool test rules dgp-alerts.test.yml) >"$TMP/out" 2>&1 && ok ||
		{ bad "promtool test rules deploy/prometheus/dgp-alerts.test.yml"; cat "$TMP/out"; }
	promtool check config "$SRC/deploy/prometheus/prometheus.yml" >"$TMP/out" 2>&1 && ok ||
		{ bad "promtool check config deploy/prometheus/prometheus.yml"; cat "$TMP/out"; }
fi

python3 -m json.tool "$SRC/deploy/grafana/dgp-dashboard.json" >/dev/null 2>"$TMP/out" && ok ||
	{ bad "deploy/grafana/dgp-dashboard.json is not JSON"; cat "$TMP/out"; }
# The dashboard filters by job, instance and resource: the variables exist and every
# query uses the first two (and resource wherever the metric has that label).
python3 - "$SRC/deploy/grafana/dgp-dashboard.json" >"$TMP/out" 2>&1 <<'PY' && ok || { bad "dashboard variables"; cat "$TMP/out"; }
import json, re, sys
d = json.load(open(sys.argv[1]))
names = [v["name"] for v in d["templating"]["list"]]
assert names == ["job", "instance", "resource"], names
exprs = []
def walk(o):
    if isinstance(o, dict):
        for k, v in o.items():
            exprs.append(v) if k == "expr" else walk(v)
    elif isinstance(o, list):
        for x in o:
            walk(x)
walk(d)
assert len(exprs) > 20, len(exprs)
for e in exprs:
    for sel in re.findall(r"dgp_[a-z_]+\{[^}]*\}|dgp_[a-z_]+(?!\{)", e):
        assert 'job=~"$job"' in sel and 'instance=~"$instance"' in sel, (e, sel)
        if re.match(r"dgp_(records_|resource_)", sel):
            assert 'resource=~"$resource"' in sel, (e, sel)
PY

# Every key of the table, as "#key = default", in deploy/dgp.conf: it is the
# package's /etc/dgp/dgp.conf, the operator's list of settings, so a key it
# lacks is a failure (regenerate it with deploy/gen-dgp-conf.sh); a key that
# no longer exists fails the `config check` below.
missing=()
while IFS='|' read -r _ key _ def _; do
	key=$(sed 's/^ *`//; s/` *$//' <<<"$key")
	def=$(sed 's/^ *`//; s/` *$//' <<<"$def")
	grep -qxF "#$key = $def" "$SRC/deploy/dgp.conf" || grep -qxF "#$key =" "$SRC/deploy/dgp.conf" ||
		missing+=("$key")
done < <("$DGP" config doc | grep '^| `')
if ((${#missing[@]})); then
	bad "deploy/dgp.conf lacks ${missing[*]} (or has another default);" \
		"regenerate: deploy/gen-dgp-conf.sh build/cli/dgp > deploy/dgp.conf"
else
	ok
fi

sed -E 's/^#([a-z][a-z0-9_.]* =)/\1/' "$SRC/deploy/dgp.conf" >"$TMP/dgp.conf"
"$DGP" -c "$TMP/dgp.conf" config check >"$TMP/out" 2>&1 && ok ||
	{ bad "deploy/dgp.conf, uncommented, fails dgp config check"; cat "$TMP/out"; }

for unit in "$SRC"/deploy/systemd/*.service; do
	if grep -q '^ExecStart=.*--config /etc/dgp/dgp.conf' "$unit" && grep -q '^EnvironmentFile=' "$unit" &&
		grep -q '^Restart=on-failure' "$unit" && grep -q '^DynamicUser=yes' "$unit"; then
		ok
	else
		bad "$unit: expected ExecStart with --config, EnvironmentFile, Restart=on-failure, DynamicUser=yes"
	fi
	# A core dump holds the personal records of the batch in memory.
	if grep -qx 'LimitCORE=0' "$unit"; then ok; else bad "$unit: expected LimitCORE=0"; fi
done

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
