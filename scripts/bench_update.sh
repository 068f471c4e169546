#!/usr/bin/env bash
# Nightly-run benchmark: generate SIZE records once (cached under bench-data/,
# as scripts/bench.sh does), make a new snapshot with a 1 % change (1/300 of
# the rows deleted, 1/300 edited — names and dates —, 1/300 added as copies of
# existing people under new ids), then time under /usr/bin/time -v:
#   1. dedupe of the old snapshot (trains; writes the run index),
#   2. update of that run with the new snapshot,
#   3. dedupe --model of the new snapshot (the full run update replaces),
# check that 2 and 3 give the same partition, and append a row to
# scripts/results-update.tsv.
#
#   scripts/bench_update.sh 1m        # also 10m or a plain number
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:?usage: scripts/bench_update.sh SIZE (1m, 10m or a number)}
case "$size" in
  *m) records=$(( ${size%m} * 1000000 )) ;;
  *k) records=$(( ${size%k} * 1000 )) ;;
  *) records=$size ;;
esac
threads=${THREADS:-0}
seed=${SEED:-42}

[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
python3 -c 'import pyarrow, numpy' 2>/dev/null || { echo "needs python3 with pyarrow and numpy" >&2; exit 2; }
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/dinhdanh
data=bench-data/$records-seed$seed
if [ ! -f "$data/records.parquet" ]; then
  echo "generating $records records into $data" >&2
  "$bin" --quiet generate --records "$records" --seed "$seed" --out "$data" >/dev/null
fi
new=$data/new-1pct.parquet
if [ ! -f "$new" ]; then
  echo "writing the 1 % change snapshot $new" >&2
  python3 scripts/change_snapshot.py "$data/records.parquet" "$new"
fi

timed() { # the command: prints wall seconds, peak RSS MiB and user+system CPU seconds
  # (CPU time is the figure to compare on a shared machine: it barely moves with load)
  local log; log=$(mktemp)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" \
    | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$log")
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$log")
  rm -f "$log"
  echo "$wall $rss $cpu"
}

prev=bench-data/upd-prev-$records
upd=bench-data/upd-new-$records
full=bench-data/upd-full-$records
rm -rf "$prev" "$upd" "$full"
# `sync` between the steps: each writes GBs, and the kernel flushing one
# step's files to disk would otherwise be billed to the next (at 10 M the
# update right after the first dedupe took 15.4–20.2 s without it, 15.1 and
# 15.5 s with it).
sync
read -r w1 r1 c1 < <(timed "$bin" --quiet --threads "$threads" dedupe "$data/records.parquet" --out "$prev")
sync
read -r w2 r2 c2 < <(timed "$bin" --quiet --threads "$threads" update --previous "$prev" --model "$prev/model.json" "$new" --out "$upd")
sync
read -r w3 r3 c3 < <(timed "$bin" --quiet --threads "$threads" dedupe --model "$prev/model.json" "$new" --out "$full")
# Same partition: with both files ordered by record_id, the clusters of one
# map one to one onto the other's, i.e. there are as many distinct
# (update id, full id) pairs as distinct ids on either side. Arrow compute
# only: Python sets of 30 M ids did not fit in memory.
same=$(python3 - "$upd/clusters.parquet" "$full/clusters.parquet" <<'PY'
import sys, pyarrow.parquet as pq, pyarrow.compute as pc
def by_id(p):
    t = pq.read_table(p, columns=["record_id", "cluster_id"])
    t = t.take(pc.sort_indices(t, sort_keys=[("record_id", "ascending")]))
    return t["record_id"].combine_chunks(), t["cluster_id"].combine_chunks()
ra, ca = by_id(sys.argv[1])
rb, cb = by_id(sys.argv[2])
if not ra.equals(rb):
    print("NO (different records)")
else:
    del ra, rb
    pairs = pc.count_distinct(pc.binary_join_element_wise(ca, cb, "\x00")).as_py()
    a, b = pc.count_distinct(ca).as_py(), pc.count_distinct(cb).as_py()
    print("yes" if a == b == pairs else "NO")
PY
)
counts=$(python3 -c "
import json,sys; s=json.load(open(sys.argv[1]))
print(s['added'], s['changed'], s['deleted'], s['candidate_pairs'])" "$upd/summary.json")
read -r added changed deleted scored <<<"$counts"
ratio=$(python3 -c "print(f'{$w2/$w3*100:.1f}')")
cpu_ratio=$(python3 -c "print(f'{$c2/$c3*100:.1f}')")
results=scripts/results-update.tsv
[ -f "$results" ] || printf 'date\trecords\tthreads\tdedupe_s\tdedupe_mib\tupdate_s\tupdate_mib\tfull_model_s\tfull_model_mib\tupdate_pct_of_full\tadded\tchanged\tdeleted\tpairs_scored\tsame_partition\tdedupe_cpu_s\tupdate_cpu_s\tfull_model_cpu_s\tupdate_cpu_pct_of_full\n' >"$results"
row=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$(date +%F)" "$records" "$threads" \
  "$w1" "$r1" "$w2" "$r2" "$w3" "$r3" "$ratio" "$added" "$changed" "$deleted" "$scored" "$same" \
  "$c1" "$c2" "$c3" "$cpu_ratio")
echo "$row" >>"$results"
head -1 "$results"
echo "$row"
