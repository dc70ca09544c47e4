#!/usr/bin/env bash
# demo.sh — what `make demo` runs after building: start the local services
# (left running so you can look around) and run dgp's main job on the
# shipped sample.  Stop the services with `make services-stop`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
DGP=${DGP:-$repo/build/cli/dgp}
# the test-data tools (tools/: built, never installed)
DGP_GEN=${DGP_GEN:-$repo/build/tools/dgp-gen}
DGP_PRODUCE=${DGP_PRODUCE:-$repo/build/tools/dgp-produce}

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
step "dgp-gen: sample department files with dirt, overlapping like real departments ($data)"
# code rows file: 公安户籍 (GBK CSV), 白沙洲街道实有人口 (JSON lines, gzip),
# 市场监管企业登记 (CSV, gzip), 税务登记 (GBK CSV); one seed, so the same
# people and entities appear in several files
for f in "101001/000001 3000 gaj_hjrk_demo.csv" "101041/000001 2000 bszjd_syrk_demo.jsonl.gz" \
	"102006/000001 2000 scjgj_qydj_demo.csv.gz" "102007/000001 1500 swj_nsrdj_demo.csv"; do
	read -r code rows file <<<"$f"
	[[ -s $data/$file ]] || "$DGP_GEN" --resource "$code" --rows "$rows" --seed 2024 \
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
	-c "SELECT gmsfhm, xm, xb, csrq, hjdz, _dgp_sources->>'xm' AS xm_from FROM dgp_base.person_with_sources ORDER BY gmsfhm LIMIT 5" \
	-c "SELECT count(*) AS legal_entities FROM dgp_base.legal_entity" \
	-c "SELECT tyshxydm, mc, fddbr, clrq, zs, _dgp_sources->>'mc' AS mc_from FROM dgp_base.legal_entity_with_sources ORDER BY tyshxydm LIMIT 5" \
	-c "SELECT resource_code, reason, count FROM dgp_catalog.reject_stats ORDER BY 1, 2"

step "deletes: 公安 withdraws two people (a CSV _dgp_op column); the rows move to dgp_ops.deleted"
awk 'NR == 1 { print $0 ",_dgp_op" } NR == 2 || NR == 3 { print $0 ",delete" }' \
	"$data/gaj_hjrk_demo.csv" >"$data/gaj_hjrk_withdrawn.csv"
"$DGP" load --resource 101001/000001 "$data/gaj_hjrk_withdrawn.csv"
psql "$DGP_PG_CONNINFO" -qX -P pager=off \
	-c "SELECT resource_code, line, deleted_at FROM dgp_ops.deleted ORDER BY id"
# ---- end of bulk load --------------------------------------------------------

# ---- streaming: dgp run from Kafka (the Kafka engineer's block) -------------
step "dgp-gen + dgp-produce: department records as Kafka messages (8 partitions per topic)"
# code rows format topic: 白沙洲街道实有人口 (JSON), 社保参保 (CSV, header in the
# dgp-csv-header message header), 个体工商户 (JSON, gzip payloads), 流动人口 (CSV,
# UTF-8: Kafka payloads are UTF-8); the same seed as above, so the stream updates
# people and entities the bulk load created
for f in "101041/000001 3000 jsonl dept.bszjd.syrk" "101003/000001 2000 csv dept.rsj.sbcb" \
	"102006/000002 2000 jsonl.gz dept.scjgj.gtgsh" "101001/000002 2000 csv dept.gaj.ldrk"; do
	read -r code rows fmt topic <<<"$f"
	file=$data/stream_${topic##*.}.${fmt%.gz}
	gz=()
	[[ $fmt == *.gz ]] && gz=(--gzip)
	[[ -s $file ]] || "$DGP_GEN" --resource "$code" --rows "$rows" --seed 2025 --encoding UTF-8 \
		--format "${fmt%.gz}" --out "$file" --manifest "${file%.*}.manifest.json" \
		--dup-rate 0.03 --change-rate 0.05 --bad-key-rate 0.01 --missing-rate 0.005 \
		--dirt-rate 0.1 --bad-optional-rate 0.01 >/dev/null
	# a re-run of the demo does not publish its messages again: they would be new
	# records (new offsets) with the rejects of the first ones
	done_before=$(psql "$DGP_PG_CONNINFO" -qAtX -c "SELECT count(*) FROM dgp_ops.offsets
		WHERE group_id = 'dgp-demo' AND topic = '$topic'" 2>/dev/null || echo 0)
	if [[ ${done_before:-0} == 0 ]]; then
		"$DGP_PRODUCE" --topic "$topic" --partitions 8 "${gz[@]}" "$file"
	else
		echo "$topic: published and consumed by an earlier run of the demo"
	fi
done

step "dgp run --until-idle 3000: consume until the topics are drained, then stop"
# Exactly once: rows, rejects and each partition's offset commit in one transaction.
DGP_KAFKA_GROUP_ID=dgp-demo DGP_HTTP_LISTEN=127.0.0.1:0 DGP_BATCH_MAX_MS=500 \
	"$DGP" run --until-idle 3000 2> >(grep -v 'assigned dept' >&2)

step "what the stream committed: offsets per topic (dgp_ops.offsets), rejects by reason"
psql "$DGP_PG_CONNINFO" -qX -P pager=off \
	-c "SELECT topic, count(*) AS partitions, sum(next_offset) AS messages_committed FROM dgp_ops.offsets WHERE group_id = 'dgp-demo' GROUP BY 1 ORDER BY 1" \
	-c "SELECT source AS topic, reason, count(*) FROM dgp_ops.reject WHERE \"partition\" IS NOT NULL AND source LIKE 'dept.%' GROUP BY 1, 2 ORDER BY 1, 2"
echo "Run 'dgp run' again: nothing is loaded twice (it resumes at the stored offsets)."
# ---- end of streaming --------------------------------------------------------

step "dgp catalog status: the resources the demo loaded, with rows, rejects and compliance"
# --status ok: the resources loaded within their update cycle, i.e. what the demo loaded
"$DGP" catalog status --status ok >"$data/status.txt"
sed -n '1,/^code /p;/^code /,/^$/p' "$data/status.txt" | uniq

export_dir=${DGP_STATE_DIR:-$repo/.run}/demo-export
step "dgp catalog export: the 三清单一目录 for the centre (internal) and for departments (external) in $export_dir"
"$DGP" catalog export --format xlsx --audience internal --out "$export_dir"
"$DGP" catalog export --format csv --audience external --out "$export_dir/external-csv"
ls -l "$export_dir" "$export_dir/external-csv"

step "done"
cat <<MSG
The services are still running. Try:
  source $repo/.run/env.sh
  psql "\$DGP_PG_CONNINFO"
  $DGP config dump
  psql "\$DGP_PG_CONNINFO" -c 'TABLE dgp_ops.load_log'      # every load, with its counts
  psql "\$DGP_PG_CONNINFO" -c 'SELECT reason, field, line, detail FROM dgp_ops.reject LIMIT 20'
  $DGP load --help; $DGP_GEN --help                          # your own files, more rows
  $DGP run --help; $DGP_PRODUCE --help                       # the streaming service
  psql "\$DGP_PG_CONNINFO" -c 'TABLE dgp_ops.offsets'        # where each partition stands
  $DGP catalog status --status overdue,never                # what is late or never loaded
  cat $data/*.manifest.json                                  # what each load had to report
Stop them with: make services-stop
MSG
