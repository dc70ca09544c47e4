#!/usr/bin/env bash
# demo.sh — what `make demo` runs after building: start the local services
# (left running so you can look around) and run dgp's main job on the
# shipped sample.  Stop the services with `make services-stop`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
DGP=${DGP:-$repo/build/cli/dgp}

step() { printf '\n==> %s\n' "$*"; }

step "start PostgreSQL 15 and Kafka 3.9 (scripts/services.sh)"
eval "$(scripts/services.sh start)"
echo "DGP_PG_CONNINFO=$DGP_PG_CONNINFO"
echo "DGP_KAFKA_BROKERS=$DGP_KAFKA_BROKERS"

step "dgp ping: can dgp reach both?"
"$DGP" ping

step "done"
cat <<MSG
The services are still running. Try:
  source $repo/.run/env.sh
  psql "\$DGP_PG_CONNINFO"
  $DGP config dump
Stop them with: make services-stop
MSG
