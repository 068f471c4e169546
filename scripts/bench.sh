#!/usr/bin/env bash
# End-to-end benchmark: generate SIZE records once (cached under bench-data/),
# dedupe them under /usr/bin/time -v, evaluate, and append one row to
# scripts/results.tsv: date, records, threads, wall s, peak RSS MiB,
# candidate pairs, precision, recall, F1.
#
#   scripts/bench.sh 1m            # also 10m, 100m, or a plain number
#   THREADS=1 scripts/bench.sh 1m
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:?usage: scripts/bench.sh SIZE (1m, 10m, 100m or a number)}
case "$size" in
  *m) records=$(( ${size%m} * 1000000 )) ;;
  *k) records=$(( ${size%k} * 1000 )) ;;
  *) records=$size ;;
esac
threads=${THREADS:-0}
seed=${SEED:-42}

[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dinhdanh
data=bench-data/$records-seed$seed
run=bench-data/run-$records-t$threads
if [ ! -f "$data/records.parquet" ]; then
  echo "generating $records records into $data" >&2
  "$bin" --quiet generate --records "$records" --seed "$seed" --out "$data" >/dev/null
fi
rm -rf "$run"
log=$(mktemp)
/usr/bin/time -v "$bin" --quiet --threads "$threads" dedupe "$data/records.parquet" --out "$run" >/dev/null 2>"$log"
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" \
  | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
rm -f "$log"
pairs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['candidate_pairs'])" "$run/summary.json")
used_threads=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['threads'])" "$run/summary.json")
eval_json=$("$bin" evaluate --truth "$data/truth.parquet" --clusters "$run/clusters.parquet" --json)
read -r precision recall f1 < <(python3 -c "
import json,sys
e=json.loads(sys.stdin.read())['pairwise']
print(f\"{e['precision']:.4f} {e['recall']:.4f} {e['f1']:.4f}\")" <<<"$eval_json")
results=scripts/results.tsv
[ -f "$results" ] || printf 'date\trecords\tthreads\twall_s\tpeak_rss_mib\tcandidate_pairs\tprecision\trecall\tf1\n' >"$results"
row=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$(date +%F)" "$records" "$used_threads" "$wall" \
  "$(( rss_kb / 1024 ))" "$pairs" "$precision" "$recall" "$f1")
echo "$row" >>"$results"
printf 'date\trecords\tthreads\twall_s\tpeak_rss_mib\tcandidate_pairs\tprecision\trecall\tf1\n%s\n' "$row"
