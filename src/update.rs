//! `dinhdanh update`: match a new snapshot against a previous run's index.
//!
//! Rows are matched to the previous run by record_id and compared by the
//! fingerprint of their raw values: unchanged rows keep their normalized codes
//! from the index, only added and changed rows are normalized. With the model
//! fixed (it carries its term-frequency counts, see [`crate::pipeline::TfCount`])
//! a pair of two unchanged records scores as before, so the previous run's
//! pairs between unchanged records are kept and only pairs that involve an
//! added or changed record are blocked (against the index postings and each
//! other) and scored. The candidate set is exactly the one a full `dedupe` of
//! the new snapshot would make, including its block-size cap:
//!
//! - a pair is a candidate when the first rule whose keys the two records share
//!   has a block of at most `blocking.max_block_size` records (this is what
//!   `Blocker::fold_pairs` does: a later rule skips a pair an earlier rule keys
//!   together, even when that earlier block was skipped as oversized);
//! - a block that grows over the cap drops the kept pairs it had found; a block
//!   that shrinks under the cap has all its pairs scored.
//!
//! Clusters are recomputed, with the same greedy clustering as `dedupe`
//! ([`crate::pipeline::cluster_pairs`]), for the components of matching pairs
//! that changed; the others keep their previous clusters (see
//! [`incremental_clusters`]), so the partition equals a full run's; cluster
//! ids are then carried over from the previous run (see [`assign_ids`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{ArrayRef, StringBuilder};
use arrow::datatypes::{DataType, Field as ArrowField, Schema};
use arrow::record_batch::RecordBatch;
use rayon::prelude::*;
use serde::Serialize;

use crate::block::{parse_rule, rule_key, Rule, NO_KEY};
use crate::cluster::{conflict_aware_components, Clusters, UnionFind, WeightedPair};
use crate::compare::comparisons;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::flags::{
    compute_flags, summarize as summarize_flags, write_flags, FlagInput, FlagSummary,
};
use crate::hash::RowHasher;
use crate::index::{
    read_index, read_manifest, record_id_slots, write_index_with, BasePostings, ClusterNames,
    IndexContents, Postings, PostingsRef, PostingsWrite, RunIndex, Slots, COMPACT_FRACTION,
};
use crate::intern::NONE;
use crate::load::StringColumn;
use crate::normalize::date::Date;
use crate::normalize::fxhash::FxBuild;
use crate::normalize::text::Encoding;
use crate::output::{prepare_dir, write_atomic, AtomicFile};
use crate::pipeline::{
    cluster_pairs, model_hash, model_json, peak_rss_bytes, present_roles, read_model, report_body,
    timed, weight_of, with_run_facts, write_pairs, write_report, Mode, ScoredPair, Scorer,
};
use crate::progress::Progress;
use crate::report::html::{ReportData, RuleRow};
use crate::report::parquet::ParquetOut;
use crate::store::{Cid, RawRow, RecordId, RecordStore, Rejects, StoreBuilder};

/// What to run.
#[derive(Clone, Debug)]
pub struct UpdateOptions {
    /// The previous run directory (read only).
    pub previous: PathBuf,
    /// The config; None uses the previous run's `config.toml`.
    pub config: Option<Config>,
    /// The model; None uses the previous run's `model.json`. It must be the
    /// model the previous run scored with.
    pub model: Option<PathBuf>,
    pub snapshot: PathBuf,
    pub out: PathBuf,
    pub as_of: Date,
    /// report.html lists names, dates of birth and provinces, not only ids.
    pub show_values: bool,
}

/// How cluster ids changed (rows of `changes.parquet` are per record).
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ClusterChanges {
    /// Clusters with an id the previous run did not have.
    pub created: u64,
    /// Previous clusters absorbed into another previous cluster's id.
    pub merged: u64,
    /// Previous clusters some of whose records now carry another id.
    pub split: u64,
    /// Previous clusters none of whose records remain.
    pub removed: u64,
}

/// `summary.json` of an update run.
#[derive(Clone, Debug, Serialize)]
pub struct UpdateSummary {
    pub mode: &'static str,
    pub previous: String,
    pub inputs: Vec<String>,
    pub records: u64,
    pub added: u64,
    pub changed: u64,
    pub deleted: u64,
    pub unchanged: u64,
    /// Rejected values among the normalized (added and changed) records only.
    pub rejects_in_normalized: Rejects,
    /// New candidate pairs scored (involving an added or changed record, or
    /// in a block that shrank under the cap).
    pub candidate_pairs: u64,
    pub pairs_kept_from_previous: u64,
    pub pairs_dropped_from_previous: u64,
    pub pairs_written: u64,
    pub matching_pairs: u64,
    /// Blocks that grew over `blocking.max_block_size` (their pairs dropped).
    pub blocks_grown_over_cap: u64,
    /// Blocks that shrank to the cap (their pairs scored).
    pub blocks_shrunk_under_cap: u64,
    /// Whether the index postings were rewritten as a new base (see
    /// [`COMPACT_FRACTION`]) rather than linked to the previous base plus a delta.
    pub index_compacted: bool,
    pub clusters: u64,
    pub clusters_with_duplicates: u64,
    pub largest_cluster: u64,
    pub cluster_changes: ClusterChanges,
    /// Matching pairs conflict-aware clustering refused (`conflict_cut` flags).
    pub conflict_cut_pairs: u64,
    /// Flags by kind, as `dedupe`'s summary counts them (`flags.parquet`).
    pub flags: FlagSummary,
    pub threshold: f64,
    pub stage_seconds: Vec<(String, f64)>,
    pub total_seconds: f64,
    pub peak_rss_bytes: Option<u64>,
    pub threads: usize,
}

const FRESH: u32 = 1 << 31;
// `ClusterIds::names` marks new ids with FRESH and hands them to the index as
// `ClusterNames::Carried`, which reads them with CREATED.
const _: () = assert!(FRESH == crate::index::CREATED);

/// The new snapshot, read and compared with the previous run.
struct Snapshot {
    id_bytes: String,
    id_ends: Vec<u64>,
    fp: Vec<u64>,
    /// Per row: the previous run's record index (unchanged), or FRESH | index
    /// into the store of normalized rows (added or changed).
    plan: Vec<u32>,
    /// Per previous record: its row in the snapshot (unchanged or changed), or NONE (deleted).
    old_to_row: Vec<u32>,
    fresh: RecordStore,
    added: u64,
    changed: u64,
}

/// Reads the snapshot batch by batch. The per-row work that every row needs
/// (fingerprint, lookup of the record id in the previous index) runs over a
/// batch in parallel, while the next batch is decoded; only added and changed
/// rows go on to the sequential part (duplicate check, normalization input).
/// The column checks are `pipeline::open_input`'s, as for `dedupe`.
fn read_snapshot(config: &Config, path: &Path, idx: &RunIndex, as_of: Date) -> Result<Snapshot> {
    let old = &idx.store;
    let cols = &config.columns;
    let (source, roles, wanted) = crate::pipeline::open_input(config, path)?;
    // Position of each role's column in `wanted` (None: role not configured).
    let role_pos = |role: &str| roles.iter().position(|&(r, _)| r == role);
    let pos = [
        role_pos("full_name"),
        role_pos("family_name"),
        role_pos("middle_name"),
        role_pos("given_name"),
        role_pos("date_of_birth"),
        role_pos("sex"),
        role_pos("citizen_id"),
        role_pos("province"),
        role_pos("address"),
    ];
    let n_roles = roles.len();
    let n_extra = config.extra.len();

    let mut builder = StoreBuilder::new(config, present_roles(config), as_of);
    let src = builder.add_source(
        &path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let mut s = Snapshot {
        id_bytes: String::new(),
        id_ends: Vec::new(),
        fp: Vec::new(),
        plan: Vec::new(),
        old_to_row: vec![NONE; old.len()],
        fresh: StoreBuilder::new(config, present_roles(config), as_of).finish(),
        added: 0,
        changed: 0,
    };
    if let Some(n) = source.num_rows() {
        s.fp.reserve(n as usize);
        s.plan.reserve(n as usize);
        s.id_ends.reserve(n as usize);
    }
    let mut added_ids: HashSet<Box<str>> = HashSet::new();
    let duplicate = |row_no| {
        Error::data_at(
            path,
            Some(row_no),
            Some(&cols.record_id),
            "duplicate record_id (the same id appears on an earlier row)",
        )
    };
    let mut batches = source.batches(&wanted, 64 * 1024)?;
    let mut next = batches.next();
    let mut row_no: u64 = 0;
    while let Some(batch) = next {
        let batch = batch?;
        let columns: Vec<_> = (0..wanted.len())
            .map(|i| source.string_column(&batch, i))
            .collect::<Result<_>>()?;
        let ((fps, prevs), following) = rayon::join(
            || {
                rayon::join(
                    || batch_fingerprints(&columns, &pos, n_roles, batch.num_rows()),
                    || previous_records_of(idx, &columns[0], batch.num_rows()),
                )
            },
            || batches.next(),
        );
        next = following;
        let mut extras = Vec::with_capacity(n_extra);
        for (i, (&fp, &prev)) in fps.iter().zip(&prevs).enumerate() {
            row_no += 1;
            let Some(record_id) = columns[0].get(i).filter(|s| !s.trim().is_empty()) else {
                return Err(Error::data_at(
                    path,
                    Some(row_no),
                    Some(&cols.record_id),
                    "record_id is null or empty; every record needs an id",
                ));
            };
            let at = s.plan.len() as u32;
            if at >= FRESH {
                return Err(Error::data(path, "more than 2^31 records"));
            }
            s.id_bytes.push_str(record_id);
            s.id_ends.push(s.id_bytes.len() as u64);
            s.fp.push(fp);
            if prev != NONE {
                if s.old_to_row[prev as usize] != NONE {
                    return Err(duplicate(row_no));
                }
                s.old_to_row[prev as usize] = at;
                if idx.row_fp[prev as usize] == fp {
                    s.plan.push(prev);
                    continue;
                }
                s.changed += 1;
            } else {
                if !added_ids.insert(record_id.into()) {
                    return Err(duplicate(row_no));
                }
                s.added += 1;
            }
            // Only added and changed rows are taken apart again, for normalization.
            let r =
                raw_row(&columns, &pos, n_roles, i, &mut extras).expect("the id was checked above");
            s.plan.push(FRESH | builder.len() as u32);
            builder.push(src, &r, &extras);
        }
    }
    if row_no == 0 {
        return Err(Error::data(path, "the input has no records"));
    }
    s.fresh = builder.finish();
    Ok(s)
}

/// The previous run's record with each row's record id (NONE: none, or a
/// null or blank id, which the caller refuses), looked up in parallel over
/// blocks of rows. A nightly snapshot mostly keeps the previous order, so
/// each row first tries the record after the previous row's before hashing
/// its id.
fn previous_records_of(idx: &RunIndex, ids: &StringColumn<'_>, rows: usize) -> Vec<u32> {
    const BLOCK: usize = 2048;
    let old = &idx.store;
    let n_old = old.len();
    let mut prevs = vec![NONE; rows];
    prevs
        .par_chunks_mut(BLOCK)
        .enumerate()
        .for_each(|(b, out)| {
            let mut cursor = usize::MAX;
            for (k, prev) in out.iter_mut().enumerate() {
                let Some(id) = ids.get(b * BLOCK + k).filter(|s| !s.trim().is_empty()) else {
                    continue;
                };
                *prev = if cursor < n_old && old.record_id(RecordId(cursor as u32)) == id {
                    cursor as u32
                } else {
                    idx.find_record(id)
                };
                if *prev != NONE {
                    cursor = *prev as usize + 1;
                }
            }
        });
    prevs
}

/// [`crate::hash::row_fingerprint`] of every row of a batch (`columns` as `read_snapshot`
/// requests them), computed column by column over blocks of rows: each row's
/// hash is a serial chain of multiplications, so hashing one row at a time
/// waited on that chain; across a block the rows' chains are independent,
/// and no per-row tuple of values is built. A null or blank record id is
/// hashed like any value (the caller refuses the row).
fn batch_fingerprints(
    columns: &[StringColumn<'_>],
    pos: &[Option<usize>; 9],
    n_roles: usize,
    rows: usize,
) -> Vec<u64> {
    const BLOCK: usize = 2048;
    // `row_fingerprint`'s order: record id, the nine roles, the extras.
    let order: Vec<Option<usize>> = std::iter::once(Some(0))
        .chain(pos.iter().copied())
        .chain((n_roles..columns.len()).map(Some))
        .collect();
    let mut fps = vec![RowHasher::START; rows];
    fps.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
        let start = b * BLOCK;
        for &col in &order {
            match col {
                None => out.iter_mut().for_each(|h| *h = RowHasher::value(*h, None)),
                Some(p) => {
                    let c = &columns[p];
                    for (k, h) in out.iter_mut().enumerate() {
                        *h = RowHasher::value(*h, c.get(start + k));
                    }
                }
            }
        }
        out.iter_mut().for_each(|h| *h = RowHasher::finish(*h));
    });
    fps
}

/// Row `i` of a batch (`columns` as `read_snapshot` requests them: the roles
/// of `Columns::roles`, then the extras, which are left in `extras`); None when
/// the record id is null or blank.
fn raw_row<'a>(
    columns: &[StringColumn<'a>],
    pos: &[Option<usize>; 9],
    n_roles: usize,
    i: usize,
    extras: &mut Vec<Option<&'a str>>,
) -> Option<RawRow<'a>> {
    let record_id = columns[0].get(i).filter(|s| !s.trim().is_empty())?;
    let get = |p: Option<usize>| p.and_then(|p| columns[p].get(i));
    extras.clear();
    extras.extend(columns[n_roles..].iter().map(|c| c.get(i)));
    Some(RawRow {
        record_id,
        full_name: get(pos[0]),
        family_name: get(pos[1]),
        middle_name: get(pos[2]),
        given_name: get(pos[3]),
        date_of_birth: get(pos[4]),
        sex: get(pos[5]),
        citizen_id: get(pos[6]),
        province: get(pos[7]),
        address: get(pos[8]),
    })
}

/// Maps the normalized rows' dictionary codes into the previous store's
/// dictionaries (appending values it lacks), so old and new records compare
/// by code. Returns (name, address, extras) code maps.
struct CodeMaps {
    name: Vec<u32>,
    address: Vec<u32>,
    extras: Vec<Vec<u32>>,
}

fn merge_dictionaries(idx: &mut RunIndex, fresh: &RecordStore) -> CodeMaps {
    let RunIndex { store, slots, .. } = idx;
    // Name tokens.
    let token_map: Vec<u32> = fresh
        .names
        .tokens
        .iter()
        .map(|t| slots.tokens.intern(&mut store.names.tokens, t).0)
        .collect();
    let tm = |c: u32| {
        if c == NONE {
            NONE
        } else {
            token_map[c as usize]
        }
    };
    // Name entries: one per canonical form; the previous run's entry wins.
    let mut by_canonical: HashMap<u32, u32> = HashMap::new();
    let candidates: HashSet<u32> = fresh
        .names
        .entries
        .iter()
        .map(|e| tm(e.canonical))
        .collect();
    for (i, e) in store.names.entries.iter().enumerate() {
        if candidates.contains(&e.canonical) {
            by_canonical.entry(e.canonical).or_insert(i as u32);
        }
    }
    let name: Vec<u32> = fresh
        .names
        .entries
        .iter()
        .map(|e| {
            let canonical = tm(e.canonical);
            *by_canonical.entry(canonical).or_insert_with(|| {
                let mut n = e.clone();
                n.canonical = canonical;
                for f in [
                    &mut n.key,
                    &mut n.phonetic,
                    &mut n.family,
                    &mut n.middle,
                    &mut n.given,
                    &mut n.family_key,
                    &mut n.given_key,
                    &mut n.family_group,
                    &mut n.given_group,
                    &mut n.given_phonetic,
                    &mut n.first_word,
                    &mut n.sorted_words,
                ] {
                    *f = tm(*f);
                }
                store.names.entries.push(n);
                (store.names.entries.len() - 1) as u32
            })
        })
        .collect();
    // Addresses, with their words (as `StoreBuilder::finish` makes them).
    let address: Vec<u32> = fresh
        .addresses
        .iter()
        .map(|a| {
            let (code, new) = slots.addresses.intern(&mut store.addresses, a);
            if new {
                let mut t: Vec<u32> = a
                    .split(' ')
                    .map(|w| slots.address_words.intern(&mut store.address_words, w).0)
                    .collect();
                t.sort_unstable();
                t.dedup();
                store.address_tokens.push(t.into_boxed_slice());
            }
            code
        })
        .collect();
    let extras = fresh
        .extras
        .iter()
        .zip(store.extras.iter_mut())
        .zip(slots.extras.iter_mut())
        .map(|((f, e), sl)| {
            f.values
                .iter()
                .enumerate()
                .map(|(code, v)| {
                    let (c, new) = sl.intern(&mut e.values, v);
                    if new && !f.numbers.is_empty() {
                        e.numbers.push(f.numbers[code]);
                    }
                    c
                })
                .collect()
        })
        .collect();
    CodeMaps {
        name,
        address,
        extras,
    }
}

/// The store of the new snapshot: unchanged records' codes copied from the
/// previous store, normalized rows' codes mapped into its dictionaries.
fn merged_store(
    idx: &mut RunIndex,
    snap: &mut Snapshot,
    maps: &CodeMaps,
    config: &Config,
    source: String,
    as_of: Date,
) -> RecordStore {
    let old = &idx.store;
    let fresh = &snap.fresh;
    let map = |m: &[u32], c: u32| if c == NONE { NONE } else { m[c as usize] };
    let pick = |i: usize| -> (bool, usize) {
        let p = snap.plan[i];
        if p & FRESH != 0 {
            (true, (p & !FRESH) as usize)
        } else {
            (false, p as usize)
        }
    };
    let n = snap.plan.len();
    macro_rules! column {
        ($f:ident) => {
            (0..n)
                .into_par_iter()
                .map(|i| match pick(i) {
                    (true, m) => fresh.$f[m],
                    (false, j) => old.$f[j],
                })
                .collect()
        };
    }
    let name = (0..n)
        .into_par_iter()
        .map(|i| match pick(i) {
            (true, m) => map(&maps.name, fresh.name[m]),
            (false, j) => old.name[j],
        })
        .collect();
    let address = (0..n)
        .into_par_iter()
        .map(|i| match pick(i) {
            (true, m) => map(&maps.address, fresh.address[m]),
            (false, j) => old.address[j],
        })
        .collect();
    // An unchanged record keeps its normalization, but "future" is relative
    // to this run's reference date, which may not be the previous run's.
    let dob = (0..n)
        .into_par_iter()
        .map(|i| match pick(i) {
            (true, m) => fresh.dob[m],
            (false, j) => old.dob[j].with_future_as_of(as_of),
        })
        .collect();
    let sex = column!(sex);
    let cid = column!(cid);
    let province = column!(province);
    let unit = column!(unit);
    let extra_codes: Vec<Vec<u32>> = (0..config.extra.len())
        .map(|e| {
            (0..n)
                .into_par_iter()
                .map(|i| match pick(i) {
                    (true, m) => map(&maps.extras[e], fresh.extras[e].codes[m]),
                    (false, j) => old.extras[e].codes[j],
                })
                .collect()
        })
        .collect();
    // The sparse per-record flag inputs, in the new numbering (ascending).
    let (name_repaired, province_unknown) = rayon::join(
        || {
            let of = |list: &[(u32, Encoding)], r: usize| {
                list.binary_search_by_key(&(r as u32), |&(x, _)| x)
                    .ok()
                    .map(|k| list[k].1)
            };
            (0..n)
                .into_par_iter()
                .filter_map(|i| {
                    match pick(i) {
                        (true, m) => of(&fresh.name_repaired, m),
                        (false, j) => of(&old.name_repaired, j),
                    }
                    .map(|e| (i as u32, e))
                })
                .collect::<Vec<_>>()
        },
        || {
            let has = |list: &[u32], r: usize| list.binary_search(&(r as u32)).is_ok();
            (0..n)
                .into_par_iter()
                .filter(|&i| match pick(i) {
                    (true, m) => has(&fresh.province_unknown, m),
                    (false, j) => has(&old.province_unknown, j),
                })
                .map(|i| i as u32)
                .collect::<Vec<_>>()
        },
    );
    let store = &mut idx.store;
    // The previous records' values now live in the merged store; only their
    // ids are read later (`changes.parquet` names removed records). Freed
    // here, ~40 bytes a record, they do not add to the peak of clustering.
    drop((
        std::mem::take(&mut store.name),
        std::mem::take(&mut store.dob),
        std::mem::take(&mut store.sex),
        std::mem::take(&mut store.cid),
        std::mem::take(&mut store.province),
        std::mem::take(&mut store.unit),
        std::mem::take(&mut store.address),
        std::mem::take(&mut idx.row_fp),
    ));
    let store = &mut idx.store;
    let extras = std::mem::take(&mut store.extras)
        .into_iter()
        .zip(extra_codes)
        .map(|(mut e, codes)| {
            e.codes = codes;
            e
        })
        .collect();
    RecordStore {
        id_bytes: std::mem::take(&mut snap.id_bytes),
        id_ends: std::mem::take(&mut snap.id_ends),
        source: vec![0; n],
        sources: vec![source],
        present: present_roles(config),
        name,
        names: std::mem::take(&mut store.names),
        dob,
        sex,
        cid,
        province,
        unit,
        address,
        addresses: std::mem::take(&mut store.addresses),
        address_tokens: std::mem::take(&mut store.address_tokens),
        address_words: std::mem::take(&mut store.address_words),
        extras,
        name_repaired,
        province_unknown,
        rejects: fresh.rejects.clone(),
    }
}

/// True when an earlier rule than `k` keys `a` and `b` together (then that
/// rule, not `k`, decides whether the pair is a candidate).
fn seen_earlier(store: &RecordStore, rules: &[Rule], k: usize, a: RecordId, b: RecordId) -> bool {
    rules[..k].iter().any(|r| {
        let x = rule_key(store, r, a);
        x != NO_KEY && x == rule_key(store, r, b)
    })
}

/// The clusters of the new store, recomputed only for the components (of
/// the graph of matching pairs) that changed; every other cluster is a
/// previous cluster, carried over without being clustered again. Returns
/// the clusters and, per record, whether its component was recomputed.
///
/// Why this equals [`cluster_pairs`] over all pairs: its greedy decisions
/// within one component depend only on that component's pairs and their
/// order (weight, then record indices). A record is dirty when it was
/// normalized anew or is an end of a matching pair that appeared,
/// disappeared or changed weight (a pair with a deleted or changed record
/// disappears). A new component without a dirty record has exactly the
/// pairs, with the same weights, of a previous component; the caller calls
/// this only when the unchanged records kept their relative order, so those
/// pairs are also considered in the same order, and the previous clusters of
/// the component come out again. Each dirty component is clustered alone
/// with its records renumbered in order (which keeps the order of its pairs).
fn incremental_clusters(
    store: &RecordStore,
    pairs: &[ScoredPair],
    link_w: f64,
    idx: &RunIndex,
    old_to_new: &[u32],
) -> (Clusters, Vec<bool>) {
    let n = store.len();
    let mut dirty = vec![false; n];
    let mut new_to_old = vec![NONE; n];
    for (j, &i) in old_to_new.iter().enumerate() {
        if i != NONE {
            new_to_old[i as usize] = j as u32;
        }
    }
    for (i, &j) in new_to_old.iter().enumerate() {
        if j == NONE {
            dirty[i] = true;
        }
    }
    // Matching pairs (a, b, weight bits), both sorted by (a, b): the order
    // of the unchanged records is kept, so mapping keeps the previous sort.
    let now: Vec<(u32, u32, u64)> = pairs
        .iter()
        .filter(|p| p.weight >= link_w)
        .map(|p| (p.a.0, p.b.0, p.weight.to_bits()))
        .collect();
    let old = &idx.pairs;
    let mut before: Vec<(u32, u32, u64)> = Vec::new();
    for p in 0..old.len() {
        if old.weight[p] < link_w {
            continue;
        }
        let (a, b) = (old_to_new[old.a[p] as usize], old_to_new[old.b[p] as usize]);
        if a == NONE || b == NONE {
            for x in [a, b] {
                if x != NONE {
                    dirty[x as usize] = true;
                }
            }
        } else {
            before.push((a, b, old.weight[p].to_bits()));
        }
    }
    let (mut x, mut y) = (0, 0);
    loop {
        let (p, q) = match (now.get(x), before.get(y)) {
            (None, None) => break,
            (p, q) => (p, q),
        };
        let order = match (p, q) {
            (Some(p), Some(q)) => (p.0, p.1).cmp(&(q.0, q.1)),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let mut mark = |e: &(u32, u32, u64)| {
            dirty[e.0 as usize] = true;
            dirty[e.1 as usize] = true;
        };
        match order {
            std::cmp::Ordering::Less => {
                p.into_iter().for_each(&mut mark);
                x += 1;
            }
            std::cmp::Ordering::Greater => {
                q.into_iter().for_each(&mut mark);
                y += 1;
            }
            std::cmp::Ordering::Equal => {
                if p != q {
                    p.into_iter().for_each(&mut mark);
                }
                x += 1;
                y += 1;
            }
        }
    }
    drop(before);
    // Components of the new matching pairs; those with a dirty record are redone.
    let mut uf = UnionFind::new(n);
    for &(a, b, _) in &now {
        uf.union(a, b);
    }
    let mut dirty_root = vec![false; n];
    for (i, &d) in dirty.iter().enumerate() {
        if d {
            let r = uf.find(i as u32);
            dirty_root[r as usize] = true;
        }
    }
    let affected: Vec<bool> = (0..n as u32)
        .map(|i| dirty_root[uf.find(i) as usize])
        .collect();
    drop(dirty_root);
    drop(uf);
    let global: Vec<u32> = (0..n as u32).filter(|&i| affected[i as usize]).collect();
    let mut local = vec![NONE; n];
    for (l, &g) in global.iter().enumerate() {
        local[g as usize] = l as u32;
    }
    let local_pairs: Vec<WeightedPair> = now
        .iter()
        .filter(|&&(a, _, _)| affected[a as usize])
        .map(|&(a, b, w)| WeightedPair {
            a: RecordId(local[a as usize]),
            b: RecordId(local[b as usize]),
            weight: f64::from_bits(w),
        })
        .collect();
    // As `pipeline::cluster_pairs` clusters (the same ID numbers and order).
    let redone = conflict_aware_components(
        global.len(),
        local_pairs,
        |l| {
            let c = store.cid[global[l as usize] as usize];
            (c.kind == Cid::PERSONAL).then_some(c.value)
        },
        |x, y| {
            let (x, y) = (RecordId(global[x as usize]), RecordId(global[y as usize]));
            (store.record_id(x), store.source[x.index()])
                < (store.record_id(y), store.source[y.index()])
        },
    )
    .clusters;
    // Carried clusters: represented by their first record, sized by count.
    let n_old_clusters = idx.cluster_names.len();
    let mut first = vec![NONE; n_old_clusters];
    let mut count = vec![0u32; n_old_clusters];
    for i in 0..n {
        if !affected[i] {
            let c = idx.cluster_of[new_to_old[i] as usize] as usize;
            if first[c] == NONE {
                first[c] = i as u32;
            }
            count[c] += 1;
        }
    }
    let mut representative = Vec::with_capacity(n);
    let mut size = Vec::with_capacity(n);
    for i in 0..n {
        if affected[i] {
            let l = local[i] as usize;
            representative.push(global[redone.representative[l] as usize]);
            size.push(redone.size[l]);
        } else {
            let c = idx.cluster_of[new_to_old[i] as usize] as usize;
            representative.push(first[c]);
            size.push(count[c]);
        }
    }
    (
        Clusters {
            representative,
            size,
        },
        affected,
    )
}

/// Runs `update` and writes every output; returns the summary.
pub fn update(opts: &UpdateOptions, progress: &Progress) -> Result<UpdateSummary> {
    let started = Instant::now();
    let mut stages = Vec::new();
    if let (Ok(a), Ok(b)) = (opts.previous.canonicalize(), opts.out.canonicalize()) {
        if a == b {
            return Err(Error::usage(
                "--out must differ from --previous: the previous run is never modified",
            ));
        }
    }
    let config = match &opts.config {
        Some(c) => c.clone(),
        None => {
            let p = opts.previous.join("config.toml");
            let text = std::fs::read_to_string(&p).map_err(|e| {
                Error::usage(format!(
                    "{}: {e}; --previous must name a run directory written by dedupe",
                    p.display()
                ))
            })?;
            Config::from_toml(&text)?
        }
    };
    let manifest = read_manifest(&opts.previous, &config)?;
    let rules: Vec<Rule> = config
        .blocking
        .rules
        .iter()
        .map(|r| parse_rule(r, &config).map_err(Error::usage))
        .collect::<Result<_>>()?;

    let st = progress.stage("read index", None);
    let mut idx = timed(&mut stages, "read index", || {
        read_index(&opts.previous, &config, manifest)
    })?;
    st.finish(&format!("{} previous records", idx.store.len()));
    let cmps = comparisons(&idx.store);
    let model_path = opts
        .model
        .clone()
        .unwrap_or_else(|| opts.previous.join("model.json"));
    let (model, tf) = read_model(&model_path, &cmps)?;
    let tf = tf.unwrap_or_default();
    if format!("{:016x}", model_hash(&model, &tf)) != idx.manifest.model_hash {
        return Err(Error::usage(format!(
            "{}: not the model the previous run scored its pairs with; update keeps those \
             pairs, so it needs the same model (omit --model to use the previous run's \
             model.json); for a new model run a full dedupe",
            model_path.display()
        )));
    }

    let st = progress.stage("read snapshot", None);
    let mut snap = timed(&mut stages, "read+normalize snapshot", || {
        read_snapshot(&config, &opts.snapshot, &idx, opts.as_of)
    })?;
    let n_old = idx.store.len();
    let deleted = snap.old_to_row.iter().filter(|&&r| r == NONE).count() as u64;
    let unchanged = snap.plan.len() as u64 - snap.added - snap.changed;
    st.finish(&format!(
        "{} added, {} changed, {deleted} deleted, {unchanged} unchanged",
        snap.added, snap.changed
    ));

    let st = progress.stage("merge", None);
    // Keys of the previous records that leave their blocks (deleted or
    // changed), from the previous store before its dictionaries move.
    let mut old_to_new = vec![NONE; n_old];
    for (i, &p) in snap.plan.iter().enumerate() {
        if p & FRESH == 0 {
            old_to_new[p as usize] = i as u32;
        }
    }
    let removed: Vec<u32> = (0..n_old as u32)
        .filter(|&j| old_to_new[j as usize] == NONE)
        .collect();
    let removed_keys: Vec<Vec<u64>> = rules
        .iter()
        .map(|r| {
            let mut k: Vec<u64> = removed
                .par_iter()
                .map(|&j| rule_key(&idx.store, r, RecordId(j)))
                .filter(|&k| k != NO_KEY)
                .collect();
            k.par_sort_unstable();
            k
        })
        .collect();
    let source = opts
        .snapshot
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let store = timed(&mut stages, "merge", || {
        let maps = merge_dictionaries(&mut idx, &snap.fresh);
        Ok(merged_store(
            &mut idx, &mut snap, &maps, &config, source, opts.as_of,
        ))
    })?;
    // Whether the unchanged records kept their relative order (then the
    // clustering can be redone for the changed components only, see
    // `incremental_clusters`).
    let in_order = snap
        .plan
        .iter()
        .filter(|&&p| p & FRESH == 0)
        .try_fold(None, |last: Option<u32>, &p| match last {
            Some(l) if l >= p => None,
            _ => Some(Some(p)),
        })
        .is_some();
    let fresh_rows: Vec<u32> = (0..store.len() as u32)
        .filter(|&i| snap.plan[i as usize] & FRESH != 0)
        .collect();
    st.finish(&format!("{} records", store.len()));

    let st = progress.stage("block+score", None);
    let scorer = Scorer::new(
        &store,
        &cmps,
        &model,
        config.model.term_frequency,
        Some(&tf),
    );
    let min_w = weight_of(
        config
            .output
            .min_pair_probability
            .min(config.model.threshold),
    );
    let cap = config.blocking.max_block_size;
    let mut dropped: HashSet<(usize, u64)> = HashSet::new();
    let mut grown = 0u64;
    let mut shrunk = 0u64;
    // Block tasks: (rule, key, whether the block's old records pair among themselves).
    let mut tasks: Vec<(usize, u64, bool)> = Vec::new();
    let mut fresh_keys_per_rule = Vec::with_capacity(rules.len());
    let (candidate_pairs, pairs_kept, pairs) = timed(&mut stages, "block+score", || {
        for (k, rule) in rules.iter().enumerate() {
            let mut fresh_keys: Vec<(u64, u32)> = fresh_rows
                .par_iter()
                .map(|&i| (rule_key(&store, rule, RecordId(i)), i))
                .filter(|&(key, _)| key != NO_KEY)
                .collect();
            fresh_keys.par_sort_unstable();
            let rk = &removed_keys[k];
            let mut keys: Vec<u64> = fresh_keys.iter().map(|&(key, _)| key).collect();
            keys.extend_from_slice(rk);
            keys.par_sort_unstable();
            keys.dedup();
            // Each key's block size before and after, in parallel (binary
            // searches in the memory-mapped postings); the decisions below
            // follow in key order.
            let sizes: Vec<(usize, usize, usize)> = keys
                .par_iter()
                .map(|&key| {
                    let old_size = previous_count(&idx, k, key);
                    let gone = rk.partition_point(|&x| x <= key) - rk.partition_point(|&x| x < key);
                    let came = fresh_keys.partition_point(|&(x, _)| x <= key)
                        - fresh_keys.partition_point(|&(x, _)| x < key);
                    (old_size, gone, came)
                })
                .collect();
            for (&key, &(old_size, gone, came)) in keys.iter().zip(&sizes) {
                let new_size = old_size - gone + came;
                let (old_ok, new_ok) = (old_size <= cap, new_size <= cap);
                if old_ok && !new_ok {
                    dropped.insert((k, key));
                    grown += 1;
                }
                if new_ok && new_size >= 2 && (came > 0 || !old_ok) {
                    if !old_ok {
                        shrunk += 1;
                    }
                    tasks.push((k, key, !old_ok));
                }
            }
            fresh_keys_per_rule.push(fresh_keys);
        }
        let (count, mut found) = tasks
            .par_iter()
            .map(|&(k, key, reopened)| {
                let fk = &fresh_keys_per_rule[k];
                let lo = fk.partition_point(|&(x, _)| x < key);
                let hi = fk.partition_point(|&(x, _)| x <= key);
                let fresh: Vec<u32> = fk[lo..hi].iter().map(|&(_, i)| i).collect();
                let mut old: Vec<u32> = Vec::new();
                previous_records(&idx, k, key, &mut old);
                old.retain_mut(|j| {
                    *j = old_to_new[*j as usize];
                    *j != NONE
                });
                old.sort_unstable();
                let mut out = Vec::new();
                let mut count = 0u64;
                let mut consider = |x: u32, y: u32| {
                    let (a, b) = (RecordId(x.min(y)), RecordId(x.max(y)));
                    if seen_earlier(&store, &rules, k, a, b) {
                        return;
                    }
                    count += 1;
                    out.extend(scorer.keep(a, b, k, min_w));
                };
                for (x, &r) in fresh.iter().enumerate() {
                    for &m in &old {
                        consider(r, m);
                    }
                    for &m in &fresh[x + 1..] {
                        consider(r, m);
                    }
                }
                if reopened {
                    for (x, &a) in old.iter().enumerate() {
                        for &b in &old[x + 1..] {
                            consider(a, b);
                        }
                    }
                }
                (count, out)
            })
            .reduce(
                || (0, Vec::new()),
                |(c1, mut v1), (c2, mut v2)| {
                    v1.append(&mut v2);
                    (c1 + c2, v1)
                },
            );
        // The previous run's pairs between unchanged records, unless their
        // block grew over the cap.
        let old_pairs = &idx.pairs;
        let kept: Vec<ScoredPair> = (0..old_pairs.len())
            .into_par_iter()
            .filter_map(|p| {
                let a = old_to_new[old_pairs.a[p] as usize];
                let b = old_to_new[old_pairs.b[p] as usize];
                if a == NONE || b == NONE {
                    return None;
                }
                let k = old_pairs.rule[p] as usize;
                if !dropped.is_empty()
                    && dropped.contains(&(k, rule_key(&store, &rules[k], RecordId(a))))
                {
                    return None;
                }
                let (a, b) = (RecordId(a.min(b)), RecordId(a.max(b)));
                if old_pairs.a[p] < old_pairs.b[p] && a.0 == old_to_new[old_pairs.a[p] as usize] {
                    Some(ScoredPair {
                        a,
                        b,
                        rule: k as u8,
                        pattern: old_pairs.pattern[p],
                        weight: old_pairs.weight[p],
                    })
                } else {
                    // The snapshot reordered the two records: score in the new order
                    // (comparison levels need not be symmetric).
                    let (pattern, weight) = scorer.score(a, b);
                    (weight >= min_w).then_some(ScoredPair {
                        a,
                        b,
                        rule: k as u8,
                        pattern,
                        weight,
                    })
                }
            })
            .collect();
        let kept_count = kept.len() as u64;
        found.extend(kept);
        found.par_sort_unstable_by_key(|p| (p.a, p.b));
        found.dedup_by_key(|p| (p.a, p.b));
        Ok((count, kept_count, found))
    })?;
    let pairs_dropped = idx.pairs.len() as u64 - pairs_kept;
    st.finish(&format!("{candidate_pairs} new candidate pairs"));

    let st = progress.stage("cluster", None);
    let link_w = weight_of(config.model.threshold);
    let matching_pairs = pairs.iter().filter(|p| p.weight >= link_w).count() as u64;
    prepare_dir(&opts.out)?;
    let next_base = next_base_map(&idx, &old_to_new, store.len());
    let compact = next_base.1;
    // The clustering is one sequential union-find; `pairs.parquet`, the merged
    // postings and (when compacting) the record-id table do not depend on it, so they are built
    // on the other thread meanwhile (their time is the "beside cluster"
    // stage), and `clusters.parquet` and `changes.parquet` follow the cluster
    // ids on the clustering's thread. Only the index waits for both sides.
    let (
        (ids, files, cluster_secs, (multi, largest), (flags, cut_pairs), report_body),
        (pairs_file, new_postings, id_slots, beside_secs),
    ) = rayon::join(
        || {
            let t = Instant::now();
            let (clusters, affected) = if in_order {
                let (c, a) = incremental_clusters(&store, &pairs, link_w, &idx, &old_to_new);
                (c, Some(a))
            } else {
                (cluster_pairs(&store, &pairs, link_w).clusters, None)
            };
            let t1 = t.elapsed().as_secs_f64();
            let ids = assign_ids(
                &store,
                &clusters.representative,
                &snap,
                &idx,
                affected.as_deref(),
            );
            let t2 = t.elapsed().as_secs_f64();
            let multi = clusters.with_duplicates();
            let largest = clusters.largest();
            let ((clusters_file, changes_file), (flags, (flags_file, body))) = rayon::join(
                || {
                    rayon::join(
                        || {
                            let names = ClusterNames::Carried {
                                previous: &idx.cluster_names,
                                of: &ids.names,
                                created: &ids.created,
                            };
                            write_named_clusters(&opts.out, &store, &ids, &names, &clusters.size)
                        },
                        || write_changes(&opts.out, &ids.changes),
                    )
                },
                || {
                    // The pairs conflict-aware clustering refused are exactly
                    // the matching pairs whose records ended in different
                    // clusters (every accepted pair joins its two records, and
                    // clusters only grow, so a refused pair stays apart;
                    // `cluster::tests` checks this), so the incremental
                    // clustering need not return them.
                    let cut: Vec<WeightedPair> = pairs
                        .iter()
                        .filter(|p| {
                            p.weight >= link_w
                                && clusters.representative[p.a.index()]
                                    != clusters.representative[p.b.index()]
                        })
                        .map(|p| WeightedPair {
                            a: p.a,
                            b: p.b,
                            weight: p.weight,
                        })
                        .collect();
                    let flags = compute_flags(
                        &store,
                        &FlagInput {
                            clusters: &clusters,
                            cut: &cut,
                            cross_source_only: false,
                            weight: &|a, b| scorer.score(a, b).1,
                        },
                    );
                    let (file, body) = rayon::join(
                        || write_flags(&opts.out, &store, &flags, false),
                        || {
                            let names = ClusterNames::Carried {
                                previous: &idx.cluster_names,
                                of: &ids.names,
                                created: &ids.created,
                            };
                            report_body(
                                &store,
                                &pairs,
                                &clusters,
                                link_w,
                                &flags,
                                &|a, b| scorer.score(a, b).1,
                                false,
                                opts.show_values,
                                &|rep| names.get(ids.cluster_of[rep.index()] as usize).to_owned(),
                            )
                        },
                    );
                    (
                        (summarize_flags(&store, &flags), cut.len() as u64),
                        (file, body),
                    )
                },
            );
            let files = clusters_file.and_then(|c| Ok(vec![c, changes_file?, flags_file?]));
            let secs = (t1, t2 - t1, t.elapsed().as_secs_f64() - t2);
            (ids, files, secs, (multi, largest), flags, body)
        },
        || {
            let t = Instant::now();
            let ((pairs_file, new_postings), id_slots) = rayon::join(
                || {
                    rayon::join(
                        || {
                            write_pairs(
                                &opts.out,
                                &store,
                                &cmps,
                                &scorer,
                                &rules,
                                &pairs,
                                Mode::Dedupe,
                            )
                        },
                        || new_postings(&idx, &old_to_new, &fresh_keys_per_rule, next_base),
                    )
                },
                // A compacted index has a new base, whose id table is every record's;
                // a layered one links the previous base's and writes the delta's.
                || compact.then(|| record_id_slots(&store)),
            );
            (
                pairs_file,
                new_postings,
                id_slots,
                t.elapsed().as_secs_f64(),
            )
        },
    );
    stages.push(("cluster".into(), cluster_secs.0));
    stages.push(("cluster ids".into(), cluster_secs.1));
    stages.push((
        "flags, clusters.parquet, changes.parquet, flags.parquet, report (after cluster ids)"
            .into(),
        cluster_secs.2,
    ));
    stages.push((
        "pairs.parquet, postings (beside cluster)".into(),
        beside_secs,
    ));
    let pairs_file = pairs_file?;
    let files = files?;
    st.finish(&format!("{} clusters", ids.names.len()));

    let st = progress.stage("write", None);
    let mut slots = std::mem::take(&mut idx.slots);
    slots.record_id = id_slots.unwrap_or(Slots(Vec::new()));
    let n_clusters = ids.names.len() as u64;
    let index = timed(&mut stages, "write index", || {
        let refs: Vec<PostingsRef<'_>> = match &new_postings {
            NewPostings::Compacted(p) => p.iter().map(PostingsRef::Sorted).collect(),
            NewPostings::Layered { .. } => Vec::new(),
        };
        let how = match &new_postings {
            NewPostings::Compacted(_) => PostingsWrite::Full,
            NewPostings::Layered { base_map, delta } => PostingsWrite::Layered {
                previous_index: &idx.dir,
                base_map,
                delta,
            },
        };
        write_index_with(
            &opts.out,
            &IndexContents {
                config: &config,
                model_hash: model_hash(&model, &tf),
                store: &store,
                slots: &slots,
                row_fp: &snap.fp,
                postings: &refs,
                pairs: &pairs,
                cluster_of: &ids.cluster_of,
                cluster_names: ClusterNames::Carried {
                    previous: &idx.cluster_names,
                    of: &ids.names,
                    created: &ids.created,
                },
            },
            how,
        )
    })?;
    let pairs_written = pairs.len() as u64;
    // Pairs written per rule, for report.html (the first rule whose keys the
    // two records share): update does not count again the candidates of
    // unchanged records.
    let mut per_rule = vec![0u64; rules.len()];
    for p in &pairs {
        per_rule[p.rule as usize] += 1;
    }
    drop(pairs);
    st.finish("outputs written");

    let summary = UpdateSummary {
        mode: "update",
        previous: opts.previous.display().to_string(),
        inputs: vec![opts.snapshot.display().to_string()],
        records: store.len() as u64,
        added: snap.added,
        changed: snap.changed,
        deleted,
        unchanged,
        rejects_in_normalized: store.rejects.clone(),
        candidate_pairs,
        pairs_kept_from_previous: pairs_kept,
        pairs_dropped_from_previous: pairs_dropped,
        pairs_written,
        matching_pairs,
        blocks_grown_over_cap: grown,
        blocks_shrunk_under_cap: shrunk,
        index_compacted: matches!(new_postings, NewPostings::Compacted(_)),
        clusters: n_clusters,
        clusters_with_duplicates: multi,
        largest_cluster: largest,
        cluster_changes: ids.counts.clone(),
        conflict_cut_pairs: cut_pairs,
        flags,
        threshold: config.model.threshold,
        stage_seconds: stages,
        total_seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: peak_rss_bytes(),
        threads: rayon::current_num_threads(),
    };
    let report = {
        let report = ReportData {
            mode: "update".to_owned(),
            changes: [
                ("added", summary.added),
                ("changed", summary.changed),
                ("deleted", summary.deleted),
                ("unchanged", summary.unchanged),
            ]
            .map(|(w, n)| (w.to_owned(), n))
            .to_vec(),
            records_per_input: vec![summary.records],
            records: summary.records,
            candidate_pairs: summary.candidate_pairs,
            pairs_written: summary.pairs_written,
            matching_pairs: summary.matching_pairs,
            clusters: summary.clusters,
            clusters_with_duplicates: summary.clusters_with_duplicates,
            largest_cluster: summary.largest_cluster,
            threshold: summary.threshold,
            threshold_weight: link_w,
            rules: rules
                .iter()
                .zip(per_rule)
                .map(|(r, n)| RuleRow {
                    rule: r.name.clone(),
                    new_pairs: n,
                    ..RuleRow::default()
                })
                .collect(),
            stage_seconds: summary.stage_seconds.clone(),
            total_seconds: summary.total_seconds,
            peak_rss_bytes: summary.peak_rss_bytes,
            threads: summary.threads,
            ..report_body
        };
        let report = with_run_facts(
            report,
            std::slice::from_ref(&opts.snapshot),
            opts.as_of,
            &summary.flags,
        );
        crate::report::html::render(&report)
    };
    let report_file = write_report(&opts.out, &report)?;
    pairs_file.commit()?;
    for f in files {
        f.commit()?;
    }
    report_file.commit()?;
    index.commit()?;
    write_atomic(&opts.out.join("model.json"), &model_json(&model, &tf))?;
    write_atomic(
        &opts.out.join("summary.json"),
        &serde_json::to_vec_pretty(&summary).expect("summary serializes"),
    )?;
    write_atomic(&opts.out.join("config.toml"), config.to_toml().as_bytes())?;
    Ok(summary)
}

/// The previous run's records with `key` under rule `k` (previous numbering):
/// the live base entries, then the delta's.
fn previous_records(idx: &RunIndex, k: usize, key: u64, out: &mut Vec<u32>) {
    let p = &idx.postings[k];
    for e in p.base.range(key) {
        let r = idx.base_map[p.base.records.get(e) as usize];
        if r != NONE {
            out.push(r);
        }
    }
    out.extend_from_slice(&p.delta.records[p.delta.range(key)]);
}

/// How many of the previous run's records have `key` under rule `k`.
fn previous_count(idx: &RunIndex, k: usize, key: u64) -> usize {
    let p = &idx.postings[k];
    let live = p
        .base
        .range(key)
        .filter(|&e| idx.base_map[p.base.records.get(e) as usize] != NONE)
        .count();
    live + p.delta.range(key).len()
}

/// The new run's postings.
enum NewPostings {
    /// The previous base files stay (linked); the base map now points to
    /// this run's records, and the delta holds every record not in the base.
    Layered {
        base_map: Vec<u32>,
        delta: Vec<Postings>,
    },
    /// One new base: the delta outgrew [`COMPACT_FRACTION`] of the base.
    Compacted(Vec<Postings>),
}

/// The previous base map and delta carried to this run's record numbers
/// (`old_to_new`; `n` records), the normalized rows' keys (`fresh`, per
/// rule, sorted) added to the delta; compacted into a new base when the
/// records added since the base and the base records gone since outnumber
/// [`COMPACT_FRACTION`] of the base.
/// The base map of the new run when it keeps the previous base (the
/// previous one composed with old → new record indices), and whether the
/// index is compacted instead: when the records added since the base plus
/// the base records gone since exceed [`COMPACT_FRACTION`] of the base.
fn next_base_map(idx: &RunIndex, old_to_new: &[u32], n: usize) -> (Vec<u32>, bool) {
    let base_map: Vec<u32> = idx
        .base_map
        .par_iter()
        .map(|&p| {
            if p == NONE {
                NONE
            } else {
                old_to_new[p as usize]
            }
        })
        .collect();
    let n_base = base_map.len();
    let live = base_map.par_iter().filter(|&&r| r != NONE).count();
    let outgrown = (n - live) + (n_base - live);
    let compact = n_base == 0 || outgrown as f64 > COMPACT_FRACTION * n_base as f64;
    (base_map, compact)
}

fn new_postings(
    idx: &RunIndex,
    old_to_new: &[u32],
    fresh: &[Vec<(u64, u32)>],
    (base_map, compact): (Vec<u32>, bool),
) -> NewPostings {
    let delta: Vec<Vec<(u64, u32)>> = idx
        .postings
        .par_iter()
        .zip(fresh)
        .map(|(p, fresh)| {
            let mut v: Vec<(u64, u32)> = p
                .delta
                .keys
                .iter()
                .zip(&p.delta.records)
                .filter_map(|(&key, &r)| {
                    let i = old_to_new[r as usize];
                    (i != NONE).then_some((key, i))
                })
                .collect();
            v.extend_from_slice(fresh);
            v.par_sort_unstable();
            v
        })
        .collect();
    if compact {
        NewPostings::Compacted(
            idx.postings
                .par_iter()
                .zip(&delta)
                .map(|(p, d)| merge_base(&p.base, &base_map, d))
                .collect(),
        )
    } else {
        NewPostings::Layered {
            base_map,
            delta: delta
                .into_iter()
                .map(|v| Postings {
                    keys: v.iter().map(|&(k, _)| k).collect(),
                    records: v.iter().map(|&(_, r)| r).collect(),
                })
                .collect(),
        }
    }
}

/// A new base: the live base entries (mapped by `base_map`) merged with the
/// delta by key; within a key the base entries come first.
fn merge_base(base: &BasePostings, base_map: &[u32], delta: &[(u64, u32)]) -> Postings {
    let mut out = Postings {
        keys: Vec::with_capacity(base.keys.len() + delta.len()),
        records: Vec::with_capacity(base.keys.len() + delta.len()),
    };
    let mut f = 0;
    for e in 0..base.keys.len() {
        let key = base.keys.get(e);
        while f < delta.len() && delta[f].0 < key {
            out.keys.push(delta[f].0);
            out.records.push(delta[f].1);
            f += 1;
        }
        let i = base_map[base.records.get(e) as usize];
        if i != NONE {
            out.keys.push(key);
            out.records.push(i);
        }
    }
    for &(key, i) in &delta[f..] {
        out.keys.push(key);
        out.records.push(i);
    }
    out
}

/// One row of `changes.parquet`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// The new cluster id (None for `removed`).
    pub cluster_id: Option<String>,
    /// created | merged | split | removed
    pub change: &'static str,
    /// The record's cluster id in the previous run (None for an added record).
    pub previous_cluster_id: Option<String>,
    pub record_id: String,
}

/// Cluster ids for the new run, and what changed.
struct ClusterIds {
    /// Cluster number per record.
    pub cluster_of: Vec<u32>,
    /// Per cluster number: the previous cluster whose id it keeps, or
    /// `FRESH |` an index into `created`.
    pub names: Vec<u32>,
    /// The new ids.
    pub created: Vec<String>,
    pub changes: Vec<Change>,
    pub counts: ClusterChanges,
}

/// Stable cluster ids.
///
/// Each previous cluster X has an anchor: its record whose record_id is X if
/// that record is still in the snapshot, else its remaining record with the
/// smallest record_id (X has no anchor when none of its records remain: it is
/// `removed`). X claims the new cluster holding its anchor. A new cluster
/// claimed once keeps the claimant's id (untouched, grown, shrunk, or the
/// anchor's part of a split). Claimed several times (a merge) it keeps the id
/// of the claimant that had more records in the previous run, then the
/// smaller id; the others are `merged`. A cluster nobody claims gets a new
/// id: its smallest record_id, or, when that string is already an id (of this
/// or the previous run), that string with `~2`, `~3` … appended, the first
/// one unused (clusters handled in order of their smallest record_id).
///
/// `affected` (from [`incremental_clusters`]): false for a record whose
/// cluster is a previous cluster, unchanged; such a cluster is the only
/// claimant of its new cluster, so which of its records is the anchor does
/// not matter and is not worked out (no record-id comparisons).
fn assign_ids(
    store: &RecordStore,
    representative: &[u32],
    snap: &Snapshot,
    idx: &RunIndex,
    affected: Option<&[bool]>,
) -> ClusterIds {
    let n = store.len();
    // Cluster number per record, numbered by representative in record order.
    let mut number = vec![u32::MAX; n];
    let mut reps: Vec<u32> = Vec::new();
    let cluster_of: Vec<u32> = representative
        .iter()
        .map(|&r| {
            let x = &mut number[r as usize];
            if *x == u32::MAX {
                *x = reps.len() as u32;
                reps.push(r);
            }
            *x
        })
        .collect();
    let old_name = |c: u32| -> &str { idx.cluster_names.get(c as usize) };
    let n_old_clusters = idx.cluster_names.len();
    let mut old_size = vec![0u32; n_old_clusters];
    for &c in &idx.cluster_of {
        old_size[c as usize] += 1;
    }
    // Previous cluster of each new record (unchanged and changed records).
    let mut prev_cluster = vec![NONE; n];
    for (j, &row) in snap.old_to_row.iter().enumerate() {
        if row != NONE {
            prev_cluster[row as usize] = idx.cluster_of[j];
        }
    }
    // Anchors: the new row of each previous cluster's anchor, or NONE. The
    // smallest (is not the named record, record id, new row) wins.
    let key = |row: u32, c: usize| {
        let rid = store.record_id(RecordId(row));
        (rid != old_name(c as u32), rid, row)
    };
    let mut anchor: Vec<u32> = vec![NONE; n_old_clusters];
    for (j, &row) in snap.old_to_row.iter().enumerate() {
        if row == NONE {
            continue;
        }
        let c = idx.cluster_of[j] as usize;
        let first = anchor[c] == NONE;
        if first || (affected.is_none_or(|a| a[row as usize]) && key(row, c) < key(anchor[c], c)) {
            anchor[c] = row;
        }
    }
    // The winning claimant of each new cluster (NONE: unclaimed). A
    // previous cluster x with an anchor in new cluster c lost (`merged`)
    // when winner[c] != x.
    let claim_order = |x: u32, y: u32| {
        old_size[y as usize]
            .cmp(&old_size[x as usize])
            .then(old_name(x).cmp(old_name(y)))
    };
    let mut winner = vec![NONE; reps.len()];
    let mut n_claims = 0u64;
    for (x, &row) in anchor.iter().enumerate() {
        if row != NONE {
            n_claims += 1;
            let w = &mut winner[cluster_of[row as usize] as usize];
            if *w == NONE || claim_order(x as u32, *w).is_lt() {
                *w = x as u32;
            }
        }
    }
    let lost = |c: u32, x: u32| -> bool {
        winner[c as usize] != x
            && anchor[x as usize] != NONE
            && cluster_of[anchor[x as usize] as usize] == c
    };
    let mut counts = ClusterChanges {
        merged: n_claims - winner.iter().filter(|&&w| w != NONE).count() as u64,
        ..ClusterChanges::default()
    };
    // Per cluster: the previous cluster whose id it keeps, or FRESH | index
    // into `created` (no string per kept id: there are millions).
    let mut names: Vec<u32> = winner.clone();
    let mut created: Vec<String> = Vec::new();
    let mut unclaimed: Vec<(&str, usize)> = (0..reps.len())
        .filter(|&c| names[c] == NONE)
        .map(|c| (store.record_id(RecordId(reps[c])), c))
        .collect();
    unclaimed.sort_unstable();
    // The previous ids a new name could collide with: an unclaimed base or
    // base~k (its stem before the last '~' is the base). Only these are
    // collected, not all previous ids.
    let bases: HashSet<&str, FxBuild> = unclaimed.iter().map(|&(b, _)| b).collect();
    let used: HashSet<&str, FxBuild> = if bases.is_empty() {
        HashSet::default()
    } else {
        (0..n_old_clusters as u32)
            .into_par_iter()
            .map(old_name)
            .filter(|name| match name.rsplit_once('~') {
                // One hash per id: most ids have no '~' (the stem is the id).
                None => bases.contains(name),
                Some((stem, _)) => bases.contains(stem) || bases.contains(name),
            })
            .collect::<Vec<&str>>()
            .into_iter()
            .collect()
    };
    let mut fresh_names: HashSet<String> = HashSet::new();
    for (base, c) in unclaimed {
        let mut name = base.to_owned();
        let mut k = 2;
        while used.contains(name.as_str()) || fresh_names.contains(&name) {
            name = format!("{base}~{k}");
            k += 1;
        }
        fresh_names.insert(name.clone());
        names[c] = FRESH | created.len() as u32;
        created.push(name);
        counts.created += 1;
    }
    // No table of the ids is built (millions of them, nearly all carried):
    // they are looked up by `ClusterIds::name` as they are written.
    let name = |c: u32| -> &str {
        match names[c as usize] {
            x if x & FRESH != 0 => &created[(x & !FRESH) as usize],
            x => old_name(x),
        }
    };
    let mut changes = Vec::new();
    let mut split_from: HashSet<u32> = HashSet::new();
    for (i, &c) in cluster_of.iter().enumerate() {
        let w = winner[c as usize];
        let prev = prev_cluster[i];
        // Most records keep their cluster and its id (prev == w): no string work.
        if w != NONE && (prev == NONE || prev == w) {
            continue;
        }
        let id = name(c);
        let change = if w == NONE {
            if prev != NONE {
                split_from.insert(prev);
            }
            "created"
        } else if prev == NONE || prev == w || old_name(prev) == id {
            continue;
        } else if lost(c, prev) {
            "merged"
        } else {
            split_from.insert(prev);
            "split"
        };
        changes.push(Change {
            cluster_id: Some(id.to_owned()),
            change,
            previous_cluster_id: (prev != NONE).then(|| old_name(prev).to_owned()),
            record_id: store.record_id(RecordId(i as u32)).to_owned(),
        });
    }
    counts.split = split_from.len() as u64;
    for (j, &c) in idx.cluster_of.iter().enumerate() {
        if anchor[c as usize] == NONE {
            changes.push(Change {
                cluster_id: None,
                change: "removed",
                previous_cluster_id: Some(old_name(c).to_owned()),
                record_id: idx.store.record_id(RecordId(j as u32)).to_owned(),
            });
        }
    }
    counts.removed = anchor.iter().filter(|&&a| a == NONE).count() as u64;
    changes.par_sort_unstable();
    ClusterIds {
        cluster_of,
        names,
        created,
        changes,
        counts,
    }
}

fn write_named_clusters(
    out: &Path,
    store: &RecordStore,
    ids: &ClusterIds,
    names: &ClusterNames<'_>,
    size: &[u32],
) -> Result<AtomicFile> {
    crate::pipeline::write_cluster_rows(
        out,
        store,
        false,
        |i, cid| cid.append_value(names.get(ids.cluster_of[i] as usize)),
        |i| size[i],
    )
}

fn write_changes(out: &Path, changes: &[Change]) -> Result<AtomicFile> {
    let schema = Arc::new(Schema::new(vec![
        ArrowField::new("change", DataType::Utf8, false),
        ArrowField::new("cluster_id", DataType::Utf8, true),
        ArrowField::new("previous_cluster_id", DataType::Utf8, true),
        ArrowField::new("record_id", DataType::Utf8, false),
    ]));
    let mut w = ParquetOut::create(&out.join("changes.parquet"), schema.clone())?;
    for chunk in changes.chunks(1 << 20) {
        let mut ch = StringBuilder::new();
        let mut cid = StringBuilder::new();
        let mut prev = StringBuilder::new();
        let mut rid = StringBuilder::new();
        for c in chunk {
            ch.append_value(c.change);
            cid.append_option(c.cluster_id.as_deref());
            prev.append_option(c.previous_cluster_id.as_deref());
            rid.append_value(&c.record_id);
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(ch.finish()),
            Arc::new(cid.finish()),
            Arc::new(prev.finish()),
            Arc::new(rid.finish()),
        ];
        w.write(&RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema"))?;
    }
    w.finish()
}
