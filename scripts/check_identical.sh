#!/usr/bin/env bash
# Are two builds' outputs byte-identical? Used to prove that a redesign changed
# no behaviour (issue 19): runs OLD and NEW binaries on the same generated data
# and compares every file they write, bit for bit, except the measurements of
# the run itself (stage seconds, peak memory, thread count, timestamps) —
# those are removed from summary.json and from report.html's #timings section
# before comparing, and reported separately.
#
#   scripts/check_identical.sh OLD_BINARY NEW_BINARY [SIZE]
#
# SIZE is the dedupe size (default 1m = 1 000 000 records, seed 42). The jobs:
#   1. generate SIZE records, seed 42 (records.parquet and truth.parquet compared)
#   2. dedupe of them (pairs, clusters, flags, model, index, summary, report)
#   3. link of 2 x 200 000 records (--registers 2 --overlap 0.7, seed 5)
#   4. update of the dedupe run with a 1 % change (the snapshot of
#      scripts/bench_update.sh: 1/300 deleted, 1/300 edited, 1/300 added)
#   5. explain of one pair of the dedupe run
# Data and runs go under bench-data/identical/. Needs python3 with pyarrow
# (for the 1 % change snapshot). Exits 1 and names the files that differ.
set -euo pipefail
cd "$(dirname "$0")/.."

old=${1:?usage: scripts/check_identical.sh OLD_BINARY NEW_BINARY [SIZE]}
new=${2:?usage: scripts/check_identical.sh OLD_BINARY NEW_BINARY [SIZE]}
size=${3:-1m}
case "$size" in
  *m) records=$(( ${size%m} * 1000000 )) ;;
  *k) records=$(( ${size%k} * 1000 )) ;;
  *) records=$size ;;
esac
python3 -c 'import pyarrow' 2>/dev/null || { echo "needs python3 with pyarrow (pip install pyarrow)" >&2; exit 2; }
old=$(realpath "$old"); new=$(realpath "$new")
work=bench-data/identical/$records
mkdir -p "$work"
failed=0

# The same command with each binary: OUT is replaced by old/… and new/….
both() {
  local tag=$1; shift
  for side in old new; do
    local bin=${!side}
    rm -rf "$work/$side/$tag"
    mkdir -p "$work/$side"
    local args=()
    for a in "$@"; do args+=("${a//OUT/$work/$side}"); done
    "$bin" --quiet "${args[@]}" >"$work/$side/$tag.stdout" 2>"$work/$side/$tag.stderr" || {
      echo "$side binary failed on $tag:" >&2; cat "$work/$side/$tag.stderr" >&2; exit 1; }
  done
}

# summary.json without the run's own measurements, keys sorted: the values
# must be equal; a change of key order alone is reported, not failed (one
# Summary type serves every job since issue 19, and moved update's
# `threshold` two keys up).
strip_summary() {
  python3 - "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("stage_seconds", "total_seconds", "peak_rss_bytes", "threads"):
    s.pop(k, None)
# update names the previous run, which is each side's own directory.
if "previous" in s:
    s["previous"] = s["previous"].replace("/old/", "/SIDE/").replace("/new/", "/SIDE/")
print(json.dumps(s, indent=1, sort_keys=True))
PY
}

key_order() {
  python3 -c 'import json,sys; print(list(json.load(open(sys.argv[1]))))' "$1"
}

# report.html without its #timings section.
strip_report() {
  python3 - "$1" <<'PY'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
print(re.sub(r'<section id="timings">.*?</section>', "", html, flags=re.S))
PY
}

compare_dir() { # compare_dir TAG: every file under old/TAG against new/TAG
  local tag=$1 a=$work/old/$1 b=$work/new/$1
  local files
  files=$( { (cd "$a" && find . -type f); (cd "$b" && find . -type f); } | sort -u)
  local n=0 differ=0
  while read -r f; do
    n=$((n + 1))
    if [ ! -f "$a/$f" ] || [ ! -f "$b/$f" ]; then
      echo "  $tag/$f: only on one side"; differ=$((differ + 1)); continue
    fi
    case "$f" in
      */summary.json|./summary.json)
        cmp -s <(strip_summary "$a/$f") <(strip_summary "$b/$f") || { echo "  $tag/$f differs (outside timings)"; differ=$((differ + 1)); }
        cmp -s <(key_order "$a/$f") <(key_order "$b/$f") || echo "  $tag/$f: same keys and values, in another order" ;;
      */report.html|./report.html)
        cmp -s <(strip_report "$a/$f") <(strip_report "$b/$f") || { echo "  $tag/$f differs (outside #timings)"; differ=$((differ + 1)); } ;;
      *)
        cmp -s "$a/$f" "$b/$f" || { echo "  $tag/$f differs"; differ=$((differ + 1)); } ;;
    esac
  done <<<"$files"
  if [ "$differ" -eq 0 ]; then
    echo "$tag: $n files identical"
  else
    echo "$tag: $differ of $n files differ"; failed=1
  fi
}

echo "generate $records records (seed 42) and 2 x 200 000 (seed 5)" >&2
both gen generate --records "$records" --seed 42 --out OUT/gen
compare_dir gen
both genlink generate --records 200000 --registers 2 --overlap 0.7 --seed 5 --out OUT/genlink
compare_dir genlink
data=$work/old/gen
linkdata=$work/old/genlink

echo "dedupe" >&2
both dedupe dedupe "$data/records.parquet" --as-of 2026-12-01 --out OUT/dedupe
compare_dir dedupe

echo "link" >&2
both link link "$linkdata/a.parquet" "$linkdata/b.parquet" --as-of 2026-12-01 --out OUT/link
compare_dir link

snap=$work/new-1pct.parquet
if [ ! -f "$snap" ]; then
  python3 scripts/change_snapshot.py "$data/records.parquet" "$snap"
fi

echo "update (1 % change)" >&2
# Each side updates its own previous run, so a difference in the index it
# wrote shows up here too. --as-of is fixed: the default is today.
for side in old new; do
  bin=${!side}
  rm -rf "$work/$side/update"
  "$bin" --quiet update --previous "$work/$side/dedupe" --as-of 2026-12-01 "$snap" --out "$work/$side/update" \
    >/dev/null 2>"$work/$side/update.stderr" || { echo "$side update failed:" >&2; cat "$work/$side/update.stderr" >&2; exit 1; }
done
compare_dir update

echo "explain" >&2
pair=$(python3 - "$work/old/dedupe/pairs.parquet" <<'PY'
import sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1], columns=["left_id", "right_id"]).slice(0, 1)
print(t["left_id"][0].as_py(), t["right_id"][0].as_py())
PY
)
read -r id1 id2 <<<"$pair"
for side in old new; do
  bin=${!side}
  "$bin" explain --run "$work/$side/dedupe" "$id1" "$id2" >"$work/$side/explain.txt"
done
if cmp -s "$work/old/explain.txt" "$work/new/explain.txt"; then echo "explain: identical"; else echo "explain: differs"; failed=1; fi

if [ "$failed" -eq 0 ]; then echo "ALL IDENTICAL"; else echo "DIFFERENCES FOUND"; exit 1; fi
