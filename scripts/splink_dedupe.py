"""Dedupe a dinhdanh-generated records.parquet with Splink's DuckDB backend.

Used by scripts/compare_splink.sh; writes OUT/clusters.parquet (record_id,
cluster_id) so that `dinhdanh evaluate` scores Splink and dinhdanh the same way.

The set-up is what a careful Splink user would write for this data without
Vietnamese-specific code (documented in docs/BENCHMARKS.md, "Splink comparison"):
- clean-up in SQL: names lower-cased, Đ/đ → d, accents stripped with DuckDB's
  strip_accents, spaces collapsed, family = first word, given = last word;
  dates parsed from the formats the data uses (dd/mm/yyyy, d/m/yyyy,
  yyyy-mm-dd, yyyymmdd; year-only and mm/yyyy become null); sex and province
  lower-cased without accents and without the "tinh"/"thanh pho"/"tp" prefix;
  ID numbers reduced to their digits. No legacy-encoding repair (VNI, TCVN3,
  VIQR): Splink has none, and writing one is what dinhdanh is for.
- comparisons: full name (exact, Jaro-Winkler 0.92 / 0.80), given name
  (NameComparison with term frequencies), family name (exact with term
  frequencies), date of birth (DateOfBirthComparison), ID number (exact,
  Damerau-Levenshtein 1 / 2), sex, province, address (Jaro-Winkler 0.9 / 0.7).
- training: lambda from the deterministic rule "same ID number" (recall 0.8),
  u by random sampling (1e7 pairs), m by EM on two blocking rules (same date
  of birth and province; same full name, birth year and province), each
  holding its own fields fixed, as Splink's documentation recommends (with EM on
  "dob" alone and "given + family" instead, a 1 M run grew past 18 GiB and
  was stopped).
- prediction blocking rules comparable to dinhdanh's defaults (its phonetic
  keys replaced by the accent-free name parts): citizen_id; last 6 ID digits +
  birth year; dob + given + province; dob + given + family; dob + family +
  address; full name + birth year + province; given + family + birth year +
  address; full name + day and month of birth + province; last 6 ID digits +
  given.
- clusters: connected components at match probability 0.999 (--threshold;
  plain connected components merge twins at lower thresholds, which
  dinhdanh's conflict-aware clustering at 0.9 does not).
"""

import argparse
import os
import time

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

CLEAN_SQL = r"""
create table clean as
with base as (
  select
    record_id,
    trim(regexp_replace(lower(strip_accents(replace(replace(coalesce(full_name, ''), 'Đ', 'D'), 'đ', 'd'))), '\s+', ' ', 'g')) as name,
    date_of_birth,
    lower(strip_accents(coalesce(sex, ''))) as sex_raw,
    trim(regexp_replace(lower(strip_accents(replace(replace(coalesce(province, ''), 'Đ', 'D'), 'đ', 'd'))),
      '^(tinh|thanh pho|tp\.?)\s+', '')) as province_raw,
    regexp_replace(coalesce(citizen_id, ''), '[^0-9]', '', 'g') as id_raw,
    trim(regexp_replace(lower(strip_accents(replace(replace(coalesce(address, ''), 'Đ', 'D'), 'đ', 'd'))), '\s+', ' ', 'g')) as address_raw
  from read_parquet(?)
)
select
  record_id,
  nullif(name, '') as full_name,
  nullif(split_part(name, ' ', 1), '') as family,
  nullif(split_part(name, ' ', -1), '') as given,
  cast(coalesce(
    try_strptime(date_of_birth, '%d/%m/%Y'),
    try_strptime(date_of_birth, '%-d/%-m/%Y'),
    try_strptime(date_of_birth, '%Y-%m-%d'),
    try_strptime(date_of_birth, '%Y%m%d')
  ) as date) as dob,
  year(cast(coalesce(
    try_strptime(date_of_birth, '%d/%m/%Y'),
    try_strptime(date_of_birth, '%-d/%-m/%Y'),
    try_strptime(date_of_birth, '%Y-%m-%d'),
    try_strptime(date_of_birth, '%Y%m%d')
  ) as date)) as birth_year,
  strftime(cast(coalesce(
    try_strptime(date_of_birth, '%d/%m/%Y'),
    try_strptime(date_of_birth, '%-d/%-m/%Y'),
    try_strptime(date_of_birth, '%Y-%m-%d'),
    try_strptime(date_of_birth, '%Y%m%d')
  ) as date), '%m-%d') as month_day,
  case when sex_raw in ('nam', 'm', 'male') then 'm'
       when sex_raw in ('nu', 'f', 'female') then 'f' end as sex,
  nullif(province_raw, '') as province,
  nullif(id_raw, '') as citizen_id,
  case when length(id_raw) >= 6 then right(id_raw, 6) end as id_last6,
  nullif(address_raw, '') as address
from base
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records", help="records.parquet from `dinhdanh generate`")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--threshold", type=float, default=0.999)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"set threads = {args.threads}")
    con.execute(CLEAN_SQL, [args.records])
    db_api = DuckDBAPI(connection=con)
    df = db_api.register("clean")

    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.JaroWinklerAtThresholds("full_name", [0.92, 0.80]),
            cl.NameComparison("given").configure(term_frequency_adjustments=True),
            cl.ExactMatch("family").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=False),
            cl.DamerauLevenshteinAtThresholds("citizen_id", [1, 2]),
            cl.ExactMatch("sex"),
            cl.ExactMatch("province"),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("citizen_id"),
            block_on("id_last6", "birth_year"),
            block_on("dob", "given", "province"),
            block_on("dob", "given", "family"),
            block_on("dob", "family", "address"),
            block_on("full_name", "birth_year", "province"),
            block_on("given", "family", "birth_year", "address"),
            block_on("full_name", "month_day", "province"),
            block_on("id_last6", "given"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(df, settings, log_level="WARNING")
    stages = {}
    t = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("citizen_id")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=42)
    # EM on blocks that stay small at 1 M: "dob" alone and "given + family"
    # hold millions of pairs there, and a run with them grew past 18 GiB.
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob", "province")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("full_name", "birth_year", "province")
    )
    stages["train"] = time.perf_counter() - t
    t = time.perf_counter()
    pred = linker.inference.predict(threshold_match_probability=0.5)
    stages["predict"] = time.perf_counter() - t
    t = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        pred, threshold_match_probability=args.threshold
    )
    con.execute(
        f"copy (select cast(record_id as varchar) as record_id, cast(cluster_id as varchar) as cluster_id "
        f"from {clusters.physical_name} order by record_id) to '{args.out}/clusters.parquet' (format parquet)"
    )
    stages["cluster+write"] = time.perf_counter() - t
    stages["total"] = time.perf_counter() - started
    print(" ".join(f"{k}={v:.1f}s" for k, v in stages.items()))


if __name__ == "__main__":
    main()
