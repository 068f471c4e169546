#!/usr/bin/env bash
# Wall time and peak memory of two or more builds on the same data, runs
# alternated (A B A B …, so a drift of the machine falls on every build
# alike), medians printed. For a redesign that must not cost speed (issue 19)
# or a choice between builds (an allocator).
#
#   scripts/compare_builds.sh SIZE RUNS BINARY [BINARY …]
#   scripts/compare_builds.sh 1m 5 /tmp/old/dinhdanh target/release/dinhdanh
#
# Each run is `dinhdanh --quiet dedupe` of the generated SIZE records (seed
# 42, cached under bench-data/ as scripts/bench.sh does; generated with the
# first binary) under /usr/bin/time -v, into a fresh directory. A binary may
# be given as ENV=VALUE:PATH to run it with one environment variable set
# (e.g. MALLOC_TRIM_THRESHOLD_=1048576:/tmp/old/dinhdanh). Every run is
# appended to scripts/results-builds.tsv; the medians are printed.
set -euo pipefail
cd "$(dirname "$0")/.."

size=${1:?usage: scripts/compare_builds.sh SIZE RUNS BINARY [BINARY ...]}
runs=${2:?usage: scripts/compare_builds.sh SIZE RUNS BINARY [BINARY ...]}
shift 2
[ "$#" -ge 1 ] || { echo "name at least one binary" >&2; exit 2; }
case "$size" in
  *m) records=$(( ${size%m} * 1000000 )) ;;
  *k) records=$(( ${size%k} * 1000 )) ;;
  *) records=$size ;;
esac
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package 'time')" >&2; exit 2; }
threads=${THREADS:-0}
data=bench-data/$records-seed42
first=${1##*:}
if [ ! -f "$data/records.parquet" ]; then
  echo "generating $records records into $data" >&2
  "$first" --quiet generate --records "$records" --seed 42 --out "$data" >/dev/null
fi
results=scripts/results-builds.tsv
[ -f "$results" ] || printf 'date\trecords\tthreads\tbinary\trun\twall_s\tpeak_rss_mib\n' >"$results"
log=$(mktemp)
declare -A walls rsss
for ((r = 1; r <= runs; r++)); do
  for spec in "$@"; do
    bin=${spec##*:}
    env_set=()
    [ "$spec" != "$bin" ] && env_set=("${spec%%:*}")
    out=bench-data/compare-run
    rm -rf "$out"
    sync
    env "${env_set[@]}" /usr/bin/time -v "$bin" --quiet --threads "$threads" dedupe "$data/records.parquet" --out "$out" >/dev/null 2>"$log" \
      || { cat "$log" >&2; exit 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" \
      | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$log")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date +%F)" "$records" "$threads" "$spec" "$r" "$wall" "$rss" >>"$results"
    echo "run $r  $spec  ${wall} s  ${rss} MiB" >&2
    walls[$spec]+="$wall "
    rsss[$spec]+="$rss "
  done
done
rm -f "$log"
rm -rf bench-data/compare-run
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf 'records\truns\tbinary\tmedian_wall_s\tmedian_peak_rss_mib\tall_walls_s\n'
for spec in "$@"; do
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$records" "$runs" "$spec" \
    "$(median <<<"${walls[$spec]}")" "$(median <<<"${rsss[$spec]}")" "${walls[$spec]}"
done
