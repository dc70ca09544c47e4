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

# ---- bulk load (issue 5) ---------------------------------------------------
step "dgp catalog sync: the catalog's tables, dgp_src.* and the golden functions"
"$DGP" catalog sync

data=${DGP_STATE_DIR:-$repo/.run}/demo-data
mkdir -p "$data"
step "dgp gen: sample department files with dirt, overlapping like real departments ($data)"
# code rows file: 公安户籍 (GBK CSV), 白沙洲街道实有人口 (JSON lines, gzip),
# 市场监管企业登记 (CSV, gzip), 税务登记 (GBK CSV); one seed, so the same
# people and entities appear in several files
for f in "101001/000001 3000 gaj_hjrk_demo.csv" "101041/000001 2000 bszjd_syrk_demo.jsonl.gz" \
	"102006/000001 2000 scjgj_qydj_demo.csv.gz" "102007/000001 1500 swj_nsrdj_demo.csv"; do
	read -r code rows file <<<"$f"
	[[ -s $data/$file ]] || "$DGP" gen --resource "$code" --rows "$rows" --seed 2024 \
		--out "$data/$file" --manifest "$data/${file%%.*}.manifest.json" \
		--dup-rate 0.03 --change-rate 0.03 --bad-key-rate 0.01 --missing-rate 0.005 \
		--bad-date-rate 0.005 --dirt-rate 0.1 --bad-optional-rate 0.01
done
ls -l "$data"

step "dgp load: parse → normalise → dedup → PostgreSQL (a second run finds them loaded)"
"$DGP" load --resource 101001/000001 "$data/gaj_hjrk_demo.csv"
"$DGP" load --resource 101041/000001 "$data/bszjd_syrk_demo.jsonl.gz"
"$DGP" load "$data/scjgj_qydj_demo.csv.gz" "$data/swj_nsrdj_demo.csv"

step "golden records: dgp_base.person / dgp_base.legal_entity (a few rows)"
psql "$DGP_PG_CONNINFO" -qX -P pager=off \
	-c "SELECT count(*) AS persons FROM dgp_base.person" \
	-c "SELECT gmsfhm, xm, xb, csrq, hjdz, _dgp_sources->>'xm' AS xm_from FROM dgp_base.person ORDER BY gmsfhm LIMIT 5" \
	-c "SELECT count(*) AS legal_entities FROM dgp_base.legal_entity" \
	-c "SELECT tyshxydm, mc, fddbr, clrq, zs, _dgp_sources->>'mc' AS mc_from FROM dgp_base.legal_entity ORDER BY tyshxydm LIMIT 5" \
	-c "SELECT resource_code, reason, count FROM dgp_catalog.reject_stats ORDER BY 1, 2"
# ---- end of bulk load --------------------------------------------------------

# ---- streaming: dgp run from Kafka (the Kafka engineer's block) -------------
# ---- end of streaming --------------------------------------------------------

step "done"
cat <<MSG
The services are still running. Try:
  source $repo/.run/env.sh
  psql "\$DGP_PG_CONNINFO"
  $DGP config dump
  psql "\$DGP_PG_CONNINFO" -c 'TABLE dgp_ops.load_log'      # every load, with its counts
  psql "\$DGP_PG_CONNINFO" -c 'SELECT reason, field, line, detail FROM dgp_ops.reject LIMIT 20'
  $DGP load --help; $DGP gen --help                          # your own files, more rows
  cat $data/*.manifest.json                                  # what each load had to report
Stop them with: make services-stop
MSG
