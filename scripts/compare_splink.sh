#!/usr/bin/env bash
# dinhdanh beside Splink (DuckDB backend) on the same generated data.
#
#   scripts/compare_splink.sh 1m        # also 100k, 10m, or a plain number
#
# Generates SIZE records once (cached under bench-data/, like bench.sh),
# installs Splink and DuckDB from PyPI into bench-data/splink-venv (pinned
# versions, once), runs `dinhdanh dedupe` and scripts/splink_dedupe.py under
# /usr/bin/time -v with the same thread count, scores both with
# `dinhdanh evaluate`, prints the side-by-side table and appends it to
# scripts/splink_results.tsv. The Splink set-up is documented at the top of
# scripts/splink_dedupe.py and in docs/BENCHMARKS.md ("Splink comparison").
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:?usage: scripts/compare_splink.sh SIZE (100k, 1m, 10m or a number)}
case "$size" in
  *m) records=$(( ${size%m} * 1000000 )) ;;
  *k) records=$(( ${size%k} * 1000 )) ;;
  *) records=$size ;;
esac
seed=${SEED:-42}
threads=${THREADS:-$(nproc)}
splink_version=${SPLINK_VERSION:-5.0.0}
duckdb_version=${DUCKDB_VERSION:-2.0.1}

[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
command -v python3 >/dev/null || { echo "needs python3 (3.10 or newer) with venv" >&2; exit 2; }
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dinhdanh
data=bench-data/$records-seed$seed
venv=bench-data/splink-venv
if [ ! -f "$data/records.parquet" ]; then
  echo "generating $records records into $data" >&2
  "$bin" --quiet generate --records "$records" --seed "$seed" --out "$data" >/dev/null
fi
if ! "$venv/bin/python" -c "import splink, duckdb; assert splink.__version__ == '$splink_version'" 2>/dev/null; then
  echo "installing splink==$splink_version duckdb==$duckdb_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "splink==$splink_version" "duckdb==$duckdb_version" pyarrow
fi

# Runs a command under /usr/bin/time -v; prints "wall_s rss_mib".
measure() {
  local log
  log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" \
    | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$log")
  rm -f "$log"
  echo "$wall $rss"
}

# Prints "precision recall f1 twins namesakes" for a clusters file.
score() {
  "$bin" evaluate --truth "$data/truth.parquet" --clusters "$1" --json | python3 -c "
import json, sys
e = json.load(sys.stdin)
p = e['pairwise']
print(f\"{p['precision']:.4f} {p['recall']:.4f} {p['f1']:.4f} {e['twins']['rate']:.4f} {e['namesakes']['rate']:.4f}\")"
}

dd_run=bench-data/cmp-dinhdanh-$records
sp_run=bench-data/cmp-splink-$records
rm -rf "$dd_run" "$sp_run"
echo "dinhdanh dedupe ($records records, $threads threads)" >&2
read -r dd_wall dd_rss < <(measure "$bin" --quiet --threads "$threads" dedupe "$data/records.parquet" --out "$dd_run")
echo "splink (duckdb) dedupe ($records records, $threads threads)" >&2
read -r sp_wall sp_rss < <(measure "$venv/bin/python" scripts/splink_dedupe.py "$data/records.parquet" --out "$sp_run" --threads "$threads")
read -r dd_p dd_r dd_f dd_tw dd_ns < <(score "$dd_run/clusters.parquet")
read -r sp_p sp_r sp_f sp_tw sp_ns < <(score "$sp_run/clusters.parquet")

results=scripts/splink_results.tsv
header='date\trecords\tthreads\ttool\twall_s\tpeak_rss_mib\tprecision\trecall\tf1\ttwins_merged\tnamesakes_merged\n'
[ -f "$results" ] || printf "$header" >"$results"
rows=$(printf '%s\t%s\t%s\tdinhdanh\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n%s\t%s\t%s\tsplink-%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' \
  "$(date +%F)" "$records" "$threads" "$dd_wall" "$dd_rss" "$dd_p" "$dd_r" "$dd_f" "$dd_tw" "$dd_ns" \
  "$(date +%F)" "$records" "$threads" "$splink_version" "$sp_wall" "$sp_rss" "$sp_p" "$sp_r" "$sp_f" "$sp_tw" "$sp_ns")
echo "$rows" >>"$results"
printf "$header%s\n" "$rows" | column -t -s $'\t'
python3 -c "import sys; print(f'dinhdanh is {float(sys.argv[2])/float(sys.argv[1]):.1f}x faster')" "$dd_wall" "$sp_wall"
