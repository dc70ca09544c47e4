#!/usr/bin/env bash
# test_pg_login.sh DGP SRCDIR — a PostgreSQL that refuses the login (unknown role,
# unknown database) fails the command at once, never after pg.connect.timeout.ms
# of retries, and the error says where pg.conninfo came from: the environment
# variable, or the configuration file and line. An unreachable server is still
# retried and then called unreachable. The availability prober's store is one
# of them: a refused login stops it at start (even the long-running prober,
# which would otherwise keep its results in memory forever), an unreachable
# store keeps the results for the next round.
set -u
DGP=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	echo "FAIL $1"
	shift
	printf '%s\n' "$@"
	fail=$((fail + 1))
}
[[ -n ${DGP_PG_CONNINFO:-} ]] || { echo "FAIL DGP_PG_CONNINFO is not set: scripts/services.sh start"; exit 1; }
GOOD=$DGP_PG_CONNINFO
# Ten minutes of retrying would outlast the 60 s guard below: only an immediate
# failure passes.
export DGP_PG_CONNECT_TIMEOUT_MS=600000

# the prober probes the store itself; port 0: its HTTP endpoint on a free port
export DGP_PROBE_TARGETS="db=pg:" DGP_HTTP_LISTEN=127.0.0.1:0
for cmd in "ping --pg-only" "catalog sync" "catalog status" "availability report" \
	"availability probe --once" "availability probe"; do
	out=$(DGP_PG_CONNINFO="$GOOD user=dgp_no_such_role" timeout 60 "$DGP" $cmd 2>&1)
	rc=$?
	# the server refuses the role; with scram it asks for a password first, so libpq says so
	[[ $rc -eq 1 && $out == *"postgresql refused the login"* &&
		($out == *'role "dgp_no_such_role" does not exist'* || $out == *"no password supplied"* ||
			$out == *'password authentication failed for user "dgp_no_such_role"'*) &&
		$out == *"pg.conninfo comes from the environment variable DGP_PG_CONNINFO"* ]] && ok ||
		bad "dgp $cmd with an unknown role: exit $rc" "$out"
done

printf '# a test configuration\npg.conninfo = %s dbname=dgp_no_such_db\n' "$GOOD" >"$TMP/dgp.conf"
out=$(env -u DGP_PG_CONNINFO timeout 60 "$DGP" --config "$TMP/dgp.conf" ping --pg-only 2>&1)
rc=$?
[[ $rc -eq 1 && $out == *'database "dgp_no_such_db" does not exist'* &&
	$out == *"pg.conninfo comes from the configuration file, $TMP/dgp.conf:2"* ]] && ok ||
	bad "ping with an unknown database in dgp.conf: exit $rc" "$out"

# unreachable (nothing listens on port 1) is retried, then called unreachable
out=$(DGP_PG_CONNINFO="host=127.0.0.1 port=1 dbname=x" DGP_PG_CONNECT_TIMEOUT_MS=300 timeout 60 "$DGP" ping --pg-only 2>&1)
rc=$?
[[ $rc -eq 1 && $out == *"postgresql unreachable within 300 ms"* ]] && ok || bad "ping of a closed port: exit $rc" "$out"

# an unreachable store is not final: the prober probes and keeps the result
out=$(DGP_PG_CONNINFO="host=127.0.0.1 port=1 dbname=x" timeout 60 "$DGP" availability probe --once 2>&1)
rc=$?
[[ $rc -eq 1 && $out == *"cannot store results in dgp_catalog.availability, keeping them until PostgreSQL answers"* &&
	$out == *"1 results could not be stored in dgp_catalog.availability"* &&
	$(grep -cE '^db +pg +down ' <<<"$out") -eq 1 && $out != *"refused the login"* ]] && ok ||
	bad "availability probe --once with the store on a closed port: exit $rc" "$out"

echo "test_pg_login: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
