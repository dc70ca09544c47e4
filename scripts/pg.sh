#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the demo and the tests.
#
#   scripts/pg.sh start     initdb into a fresh temp dir, start on a free port, create
#                           database "dgp" owned by role "dgp"; print the export lines
#   scripts/pg.sh stop      stop the server, delete its temp dir and state files
#   scripts/pg.sh env       print the export lines (exit 1 when not set up)
#   scripts/pg.sh down      stop the server but keep its data and port   (fault tests)
#   scripts/pg.sh up        start a downed server again on the same port  (fault tests)
#   scripts/pg.sh restart   down + up
#   scripts/pg.sh status    print running | down | stopped
#
# Authentication is scram-sha-256 on the unix socket and on 127.0.0.1/32: every
# local user can reach a loopback port, and the tests load personal-looking
# records, so no connection is trusted. The passwords of `postgres` and `dgp` are
# generated at start and kept only in the libpq password file pg.pass (mode
# 0600) that the export lines name as PGPASSFILE: psql, the tests and dgp find
# them there, and no password is ever on a command line or in DGP_PG_CONNINFO.
# As root (CI) initdb/pg_ctl run as the `postgres` system user, since PostgreSQL
# refuses to run as root.
#
# State: $DGP_STATE_DIR (default <repo>/.run) holds pg.state (internal), pg.env,
# pg.pass, pg.pid, pg.down (while downed) and env.sh. Data, socket and server log
# live in the temp dir ($DGP_PG_HOME).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG_BIN=/usr/lib/postgresql/15/bin
PG_SUPERUSER=postgres
STATE="$(dgp_state_dir)"
STATE_FILE="$STATE/pg.state"
ENV_FILE="$STATE/pg.env"
PID_FILE="$STATE/pg.pid"
DOWN_FILE="$STATE/pg.down"
PASS_FILE="$STATE/pg.pass"
START_TIMEOUT=60

PG_HOME=""
PG_PORT=""

usage() {
    echo "usage: scripts/pg.sh start|stop|env|down|up|restart|status" >&2
    exit 2
}

# Runs a PostgreSQL program as the user that owns the cluster.
# fd 9 (our lock) is closed so the postmaster does not hold it forever.
run_as_pg() {
    if dgp_is_root; then
        (cd / && runuser -u postgres -- "$@") 9>&-
    else
        (cd / && "$@") 9>&-
    fi
}

# The user that pg_ctl must run as (empty: the calling user), for tests that
# stop and start the server themselves: runuser -u "$DGP_PG_RUNAS" -- pg_ctl ...
run_as_user() {
    if dgp_is_root; then echo postgres; fi
}

# Writes stdin to a file in the data dir, owned by the cluster's user.
write_pg_file() {
    # shellcheck disable=SC2016
    run_as_pg sh -c 'cat >"$1"' sh "$1"
}

load_state() {
    PG_HOME="" PG_PORT=""
    [ -f "$STATE_FILE" ] || return 1
    # shellcheck disable=SC1090
    . "$STATE_FILE"
    [ -n "$PG_HOME" ] || return 1
}

save_state() {
    printf "PG_HOME='%s'\nPG_PORT='%s'\n" "$PG_HOME" "$PG_PORT" | dgp_write_file "$STATE_FILE"
}

datadir() { echo "$PG_HOME/data"; }
logfile() { echo "$PG_HOME/postgresql.log"; }

# The postmaster's PID as PostgreSQL itself records it (empty when none).
postmaster_pid() {
    head -n 1 "$(datadir)/postmaster.pid" 2>/dev/null || true
}

server_running() {
    dgp_pid_alive "$(postmaster_pid)" "$(datadir)"
}

print_env() {
    cat "$ENV_FILE"
}

write_env() {
    {
        dgp_export_line DGP_PG_CONNINFO "host=127.0.0.1 port=$PG_PORT dbname=dgp user=dgp"
        dgp_export_line DGP_PG_SUPERUSER_CONNINFO "host=127.0.0.1 port=$PG_PORT dbname=postgres user=$PG_SUPERUSER"
        dgp_export_line DGP_PG_HOST 127.0.0.1
        dgp_export_line DGP_PG_PORT "$PG_PORT"
        dgp_export_line DGP_PG_SOCKET_DIR "$PG_HOME"
        dgp_export_line DGP_PG_BIN "$PG_BIN"
        dgp_export_line DGP_PG_HOME "$PG_HOME"
        dgp_export_line DGP_PG_DATADIR "$(datadir)"
        dgp_export_line DGP_PG_LOG "$(logfile)"
        dgp_export_line DGP_PG_PIDFILE "$PID_FILE"
        dgp_export_line DGP_PG_RUNAS "$(run_as_user)"
        dgp_export_line PGPASSFILE "$PASS_FILE"
    } | dgp_write_file "$ENV_FILE"
    dgp_write_env_sh "$STATE"
}

write_settings() {
    write_pg_file "$(datadir)/dgp.conf" <<EOF
# written by scripts/pg.sh: settings of a throwaway test cluster
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_HOME'
unix_socket_permissions = 0700
max_connections = 100
shared_buffers = 256MB
max_wal_size = 2GB
fsync = on
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
EOF
    write_pg_file "$(datadir)/pg_hba.conf" <<EOF
# written by scripts/pg.sh: loopback and this cluster's own socket only, with a
# password (scram-sha-256) on both: any local user can reach a loopback port
local all all              scram-sha-256
host  all all 127.0.0.1/32 scram-sha-256
EOF
}

# Starts the postmaster of an initialised data dir; 0 = up, 1 = failed,
# 2 = failed because the port was taken (the caller may pick another).
start_server() {
    local log_size
    log_size="$(stat -c %s "$(logfile)" 2>/dev/null || echo 0)"
    dgp_log "starting postgresql on 127.0.0.1:$PG_PORT (data $(datadir))"
    if ! run_as_pg "$PG_BIN/pg_ctl" start -D "$(datadir)" -l "$(logfile)" \
        -w -t "$START_TIMEOUT" -s >&2; then
        if tail -c +$((log_size + 1)) "$(logfile)" 2>/dev/null |
            grep -q -e 'could not bind' -e 'already in use'; then
            return 2
        fi
        return 1
    fi
    wait_ready || return 1
    postmaster_pid | dgp_write_file "$PID_FILE"
    rm -f "$DOWN_FILE"
}

wait_ready() {
    local deadline=$((SECONDS + START_TIMEOUT))
    until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d postgres -U "$PG_SUPERUSER"; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            dgp_log "pg_isready on 127.0.0.1:$PG_PORT did not succeed within ${START_TIMEOUT}s"
            return 1
        fi
        sleep 0.2
    done
}

# Stops the postmaster (fast, then immediate, then SIGKILL) and checks it is gone.
stop_server() {
    local pid
    pid="$(postmaster_pid)"
    dgp_pid_alive "$pid" "$(datadir)" || return 0
    dgp_log "stopping postgresql (pid $pid)"
    run_as_pg "$PG_BIN/pg_ctl" stop -D "$(datadir)" -m fast -w -t 30 -s >&2 ||
        dgp_log "pg_ctl stop -m fast failed"
    dgp_wait_pid_gone "$pid" 10 && return 0
    dgp_log "postmaster $pid still there, trying pg_ctl stop -m immediate"
    run_as_pg "$PG_BIN/pg_ctl" stop -D "$(datadir)" -m immediate -w -t 10 -s >&2 || true
    dgp_wait_pid_gone "$pid" 10 && return 0
    dgp_log "postmaster $pid still there, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    dgp_wait_pid_gone "$pid" 10 || dgp_die "could not stop postmaster $pid"
}

# Removes everything a start created; safe on partial state.
remove_all() {
    if [ -n "$PG_HOME" ]; then
        stop_server
        case "$(basename "$PG_HOME")" in
            dgp-pg.*) [ -d "$PG_HOME" ] && rm -rf -- "$PG_HOME" ;;
            *) dgp_log "not deleting unexpected directory '$PG_HOME'" ;;
        esac
    fi
    rm -f "$STATE_FILE" "$ENV_FILE" "$PID_FILE" "$DOWN_FILE" "$PASS_FILE"
}

# A fresh random password: 32 hex digits, nothing to quote.
new_password() {
    od -An -tx1 -N16 /dev/urandom | tr -d ' \n'
}

# Writes the libpq password file (mode 0600 from the start): USER PASSWORD pairs
# for this cluster's port, any host (socket or 127.0.0.1) and any database.
write_passfile() {
    (
        umask 077
        while [ $# -ge 2 ]; do
            printf '*:%s:*:%s:%s\n' "$PG_PORT" "$1" "$2"
            shift 2
        done | dgp_write_file "$PASS_FILE"
    )
    chmod 600 "$PASS_FILE"
}

create_cluster() {
    local attempt rc
    [ -x "$PG_BIN/initdb" ] || dgp_die "$PG_BIN/initdb not found; run scripts/install-deps.sh (postgresql-15)"
    dgp_need_cmd python3
    if dgp_is_root; then
        id -u postgres >/dev/null 2>&1 ||
            dgp_die "running as root needs the 'postgres' system user (package postgresql-common)"
    fi
    PG_HOME="$(dgp_mktemp_dir dgp-pg)"
    PG_PORT=""
    save_state
    # From here on a failure must not leave a half-made cluster behind.
    trap 'dgp_log "start failed, cleaning up"; remove_all' EXIT
    if dgp_is_root; then
        chown postgres:postgres "$PG_HOME"
        run_as_pg test -w "$PG_HOME" ||
            dgp_die "user postgres cannot write $PG_HOME; point TMPDIR at a directory it can reach (e.g. /tmp)"
    fi

    local pw_super pw_dgp
    pw_super="$(new_password)"
    pw_dgp="$(new_password)"
    [ ${#pw_super} -eq 32 ] && [ ${#pw_dgp} -eq 32 ] || dgp_die "could not read /dev/urandom for a password"
    dgp_log "initdb into $(datadir)"
    # initdb reads the superuser's password from a file: one in the temp dir, only
    # the cluster's user can read it, deleted right after.
    (umask 077 && printf '%s\n' "$pw_super" | write_pg_file "$PG_HOME/initdb.pw")
    if ! run_as_pg "$PG_BIN/initdb" -D "$(datadir)" -U "$PG_SUPERUSER" -A scram-sha-256 \
        --pwfile="$PG_HOME/initdb.pw" -E UTF8 --locale=C.UTF-8 >"$PG_HOME/initdb.log" 2>&1; then
        rm -f "$PG_HOME/initdb.pw"
        dgp_log_tail "$PG_HOME/initdb.log"
        dgp_die "initdb failed"
    fi
    rm -f "$PG_HOME/initdb.pw"
    # shellcheck disable=SC2016
    echo "include 'dgp.conf'" | run_as_pg sh -c 'cat >>"$1"' sh "$(datadir)/postgresql.conf"

    for attempt in 1 2 3 4 5; do
        PG_PORT="$(dgp_free_ports 1)"
        save_state
        write_passfile "$PG_SUPERUSER" "$pw_super" dgp "$pw_dgp"
        write_settings
        rc=0
        start_server || rc=$?
        [ "$rc" -eq 0 ] && break
        if [ "$rc" -eq 2 ] && [ "$attempt" -lt 5 ]; then
            dgp_log "port $PG_PORT was taken meanwhile, retrying with another"
            continue
        fi
        dgp_log_tail "$(logfile)"
        dgp_die "postgresql did not start (data $(datadir), log $(logfile))"
    done

    # The password goes on stdin, never on psql's command line.
    # SET on log_min_messages lets dgp COPY new rows straight into its tables with the
    # server's logging of that COPY's errors off (CONFIGURATION.md: pg.copy.direct).
    if ! printf "CREATE ROLE dgp LOGIN CREATEDB PASSWORD '%s';\nCREATE DATABASE dgp OWNER dgp;\nGRANT SET ON PARAMETER log_min_messages TO dgp;\n" "$pw_dgp" |
        PGPASSFILE="$PASS_FILE" "$PG_BIN/psql" -X -q -w -v ON_ERROR_STOP=1 \
            "host=127.0.0.1 port=$PG_PORT dbname=postgres user=$PG_SUPERUSER" >&2; then
        dgp_log_tail "$(logfile)"
        dgp_die "could not create role and database 'dgp'"
    fi
    write_env
    trap - EXIT
    dgp_log "postgresql ready on 127.0.0.1:$PG_PORT"
}

cmd_start() {
    if load_state; then
        if server_running; then
            dgp_log "postgresql already running on 127.0.0.1:$PG_PORT"
            print_env
            return 0
        fi
        if [ -f "$DOWN_FILE" ]; then
            cmd_up
            print_env
            return 0
        fi
        dgp_log "stale state (postmaster gone), cleaning up $PG_HOME"
        remove_all
    fi
    create_cluster
    print_env
}

cmd_stop() {
    if ! load_state; then
        dgp_log "postgresql not running"
        rm -f "$ENV_FILE" "$PID_FILE" "$DOWN_FILE"
        return 0
    fi
    remove_all
    dgp_log "postgresql stopped, $PG_HOME removed"
}

cmd_down() {
    load_state || dgp_die "postgresql is not set up; run scripts/pg.sh start"
    stop_server
    rm -f "$PID_FILE"
    touch "$DOWN_FILE"
    dgp_log "postgresql down (data kept in $(datadir), port $PG_PORT)"
}

cmd_up() {
    local rc=0
    load_state || dgp_die "postgresql is not set up; run scripts/pg.sh start"
    if server_running; then
        dgp_log "postgresql already running on 127.0.0.1:$PG_PORT"
        return 0
    fi
    [ -d "$(datadir)" ] || dgp_die "data dir $(datadir) is gone; run scripts/pg.sh stop, then start"
    start_server || rc=$?
    if [ "$rc" -ne 0 ]; then
        dgp_log_tail "$(logfile)"
        [ "$rc" -eq 2 ] && dgp_die "port $PG_PORT is taken by another process; cannot restart on the same port"
        dgp_die "postgresql did not start again (data $(datadir))"
    fi
    dgp_log "postgresql up again on 127.0.0.1:$PG_PORT"
}

cmd_env() {
    if load_state && { server_running || [ -f "$DOWN_FILE" ]; } && [ -f "$ENV_FILE" ]; then
        print_env
        return 0
    fi
    dgp_log "postgresql not running; start it with scripts/pg.sh start"
    return 1
}

cmd_status() {
    if ! load_state; then
        echo stopped
    elif server_running; then
        echo running
    elif [ -f "$DOWN_FILE" ]; then
        echo down
    else
        echo "stopped (stale state)"
    fi
}

[ $# -eq 1 ] || usage
# One command at a time per state dir.
dgp_lock "$STATE/pg.lock"
case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    env) cmd_env ;;
    down) cmd_down ;;
    up) cmd_up ;;
    restart) cmd_down && cmd_up ;;
    status) cmd_status ;;
    *) usage ;;
esac
