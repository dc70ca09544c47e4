#!/usr/bin/env bash
# Starts, stops or describes the local services the demo and the tests use.
#
#   scripts/services.sh start   [pg|kafka|all]   start (no-op when running); print exports
#   scripts/services.sh stop    [pg|kafka|all]   stop and delete their temp dirs
#   scripts/services.sh env     [pg|kafka|all]   print the exports of the running ones
#   scripts/services.sh restart [pg|kafka|all]   stop and start again, same data and ports
#   scripts/services.sh status  [pg|kafka|all]   one "name: state" line each
#
#   eval "$(scripts/services.sh start)"    # or later: . .run/env.sh
#
# stdout carries only `export NAME='value'` lines (status: state lines); progress
# goes to stderr. State lives in $DGP_STATE_DIR (default <repo>/.run).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    echo "usage: scripts/services.sh start|stop|env|restart|status [pg|kafka|all]" >&2
    exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
cmd="$1"
case "${2:-all}" in
    pg) services=(pg) ;;
    kafka) services=(kafka) ;;
    all) services=(pg kafka) ;;
    *) usage ;;
esac

run() {
    "$DGP_SCRIPTS_DIR/$1.sh" "$2"
}

case "$cmd" in
    start)
        for s in "${services[@]}"; do
            run "$s" start || dgp_die "$s: start failed"
        done
        ;;
    restart)
        for s in "${services[@]}"; do
            run "$s" restart || dgp_die "$s: restart failed"
            run "$s" env
        done
        ;;
    stop)
        # reverse order of start; a failure to stop one still stops the other
        rc=0
        for ((i = ${#services[@]} - 1; i >= 0; i--)); do
            run "${services[$i]}" stop || rc=1
        done
        exit "$rc"
        ;;
    env)
        rc=0
        for s in "${services[@]}"; do
            run "$s" env || rc=1
        done
        exit "$rc"
        ;;
    status)
        for s in "${services[@]}"; do
            echo "$s: $(run "$s" status)"
        done
        ;;
    *) usage ;;
esac
