#!/usr/bin/env bash
# test_pg_auth.sh DGP SRCDIR — the throwaway PostgreSQL of scripts/pg.sh asks
# every client for a password: a connection without one (or with a wrong one) is
# refused on 127.0.0.1 and on the socket, the generated passwords live only in
# the 0600 password file PGPASSFILE names, never in DGP_PG_CONNINFO, and psql and
# dgp connect through that file unchanged.
set -u
DGP=$1
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; [[ -n ${2:-} ]] && echo "$2"; fail=$((fail + 1)); }
: "${DGP_PG_CONNINFO:?start the services: eval \"\$(scripts/services.sh start pg)\"}"
: "${PGPASSFILE:?PGPASSFILE is not set: scripts/pg.sh env exports it}"
unset PGPASSWORD DGP_CONFIG

mode=$(stat -c %a "$PGPASSFILE")
if [[ $mode == 600 ]]; then ok; else bad "PGPASSFILE $PGPASSFILE has mode $mode, expected 600"; fi
if [[ $DGP_PG_CONNINFO != *password* && ${DGP_PG_SUPERUSER_CONNINFO:-} != *password* ]]; then ok; else
	bad "a password in the exported connection strings"
fi
if [[ $(wc -l <"$PGPASSFILE") -eq 2 ]] && grep -Eq "^\*:$DGP_PG_PORT:\*:dgp:[0-9a-f]{32}$" "$PGPASSFILE" &&
	grep -Eq "^\*:$DGP_PG_PORT:\*:postgres:[0-9a-f]{32}$" "$PGPASSFILE"; then ok; else
	bad "unexpected password file" "$(sed -E 's/:[0-9a-f]{32}$/:<password>/' "$PGPASSFILE")"
fi

# Refused: no password file (-w: never prompt), over TCP and over the socket, for both roles.
for target in "host=127.0.0.1 port=$DGP_PG_PORT" "host=${DGP_PG_SOCKET_DIR:-?} port=$DGP_PG_PORT"; do
	for user in dgp postgres; do
		out=$(PGPASSFILE=/dev/null psql -X -w -At "$target dbname=postgres user=$user" -c 'select 1' 2>&1)
		rc=$?
		if [[ $rc -ne 0 && $out == *"fe_sendauth: no password supplied"* ]]; then ok; else
			bad "unauthenticated $user via $target: exit $rc" "$out"
		fi
	done
done
# Refused: a wrong password.
out=$(PGPASSFILE=/dev/null PGPASSWORD=wrong psql -X -w -At "$DGP_PG_CONNINFO" -c 'select 1' 2>&1)
if [[ $? -ne 0 && $out == *'password authentication failed for user "dgp"'* ]]; then ok; else
	bad "a wrong password was not refused" "$out"
fi

# Accepted through PGPASSFILE: psql as dgp and as postgres, and dgp itself (libpq).
if [[ $(psql -X -w -At "$DGP_PG_CONNINFO" -c 'select current_user' 2>&1) == dgp ]]; then ok; else
	bad "psql as dgp through PGPASSFILE"; fi
if [[ $(psql -X -w -At "$DGP_PG_SUPERUSER_CONNINFO" -c 'select current_user' 2>&1) == postgres ]]; then ok; else
	bad "psql as postgres through PGPASSFILE"; fi
out=$("$DGP" ping --pg-only 2>&1)
if [[ $? -eq 0 ]]; then ok; else bad "dgp ping through PGPASSFILE" "$out"; fi
method=$(psql -X -w -At "$DGP_PG_SUPERUSER_CONNINFO" -c "select string_agg(distinct auth_method, ',') from pg_hba_file_rules" 2>&1)
if [[ $method == scram-sha-256 ]]; then ok; else bad "pg_hba methods: $method, expected scram-sha-256 only"; fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
