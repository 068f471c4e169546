//! Precision / recall / F1 of a clustering against ground truth.
//!
//! All figures are exact: every count comes from contingency counts between
//! the true person and the predicted cluster of each record, so nothing is
//! sampled and no pair of records is ever enumerated. With `n` truth records
//! the cost is O(n) expected time (hash maps of group counts) plus
//! O(Σ tags) for the per-tag figures, and O(n) memory, dominated by the
//! record-id index (about 60 bytes plus the id per record).
//!
//! # Definitions
//! - The universe is the set of records in the truth file. A record missing
//!   from the clusters file, or listed with a null `cluster_id`, is a
//!   singleton cluster.
//! - A *true pair* is an unordered pair of distinct records of one person; a
//!   *predicted pair* is an unordered pair of distinct records in one
//!   cluster. With [`EvalOptions::cross_source_only`], only pairs whose two
//!   records have different `source` count (link mode).
//! - Pairwise precision = TP / predicted pairs, recall = TP / true pairs. By
//!   convention precision is 1 when there are no predicted pairs (nothing was
//!   claimed, so nothing was claimed wrongly) and recall is 1 when there are
//!   no true pairs (nothing to find). F1 is the harmonic mean, 0 when both
//!   are 0.
//! - Recall for corruption tag `t`: among the true pairs in which at least one
//!   of the two records carries `t`, the share that are predicted pairs. Each
//!   pair counts once even if both records carry `t`. Computed as "all pairs
//!   minus pairs of two records without `t`" per person and per
//!   (person, cluster) cell, touching only the tagged records. 1 when the tag
//!   is on no true pair.
//! - Hard negatives: every record with role `twin` or `namesake` and a
//!   `related_person_id` (different from its own person) defines an
//!   unordered pair of persons of that kind; duplicates are counted once.
//!   The pair is *wrongly merged* when any record of one shares a cluster with
//!   any record of the other. A related person with no record in the truth
//!   file counts in the total and cannot be merged. Not affected by
//!   `cross_source_only`.
//! - B-cubed (Bagga & Baldwin 1998): per record, precision = |cluster ∩
//!   person| / |cluster| and recall = |cluster ∩ person| / |person|, averaged
//!   over all records; computed from the cells as Σ n_pc² / n_c / N.
//! - Exact clusters: true persons whose records form exactly one predicted
//!   cluster, nothing more, nothing less; the share is over true persons.
//!
//! # Flags (`--flags DIR/flags.parquet`)
//! Two flag kinds of `dinhdanh dedupe` / `link` have a counterpart in the
//! generator's truth (see `generate::corrupt`):
//! - `shared_id` against `id_borrowed` (a record carrying another person's
//!   12-digit number). A flag (pair) is *correct* when its two records
//!   belong to different persons and at least one carries `id_borrowed`.
//!   Precision = correct flags / flags. Recall = `id_borrowed` records named
//!   in at least one correct flag / `id_borrowed` records. A borrowed number
//!   whose owner has no record carrying it cannot be found and still counts
//!   in the denominator.
//! - `id_mismatch` against the corruptions that make a record's 12-digit
//!   number disagree with its own sex or birth year. Always: `id_borrowed`
//!   (another person's sex and year digits; equal to the record's own by
//!   chance about once in a hundred) and `dob_off_by_one_year` (the date
//!   moves, the number keeps the true year) — counted for recall when the
//!   record still carries a 12-digit number (not `id_missing` or
//!   `cmnd_instead_of_id`, which share the ID tag group with `id_borrowed`).
//!   Sometimes: `id_digit_typo` and `id_transposition` (when they touch the
//!   sex/century digit or the two year digits) and `dob_lunar` (when the
//!   month shift crosses New Year). A flagged record is *correct* when it
//!   carries any of these five tags; precision = correct / flagged records,
//!   recall = flagged "always" records / "always" records.
//!
//! Both ratios are 1 when their denominator is 0.
//!
//! Pair counts fit in `u64`: records are indexed by `u32`, so there are fewer
//! than 2³² records and fewer than 2⁶³ pairs. A cluster's (or person's) sum of
//! squared cell sizes is at most its size squared, so it fits in `u64` too.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Int32Type, Int64Type, Schema, UInt32Type, UInt64Type};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result};
use crate::intern::Interner;
use crate::load::{
    is_string_list_type, is_string_type, Source, StringColumn, StringListColumn, DEFAULT_BATCH_SIZE,
};
use crate::write::parquet::ParquetOut;

/// The columns a truth file must have.
pub const TRUTH_COLUMNS: [&str; 5] = [
    "record_id",
    "person_id",
    "role",
    "related_person_id",
    "corruptions",
];

/// Options of [`evaluate`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvalOptions {
    /// Link mode: count only pairs of records with different `source` (the
    /// truth file must then have a `source` column).
    pub cross_source_only: bool,
}

/// Pair-level figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pairwise {
    pub true_pairs: u64,
    pub predicted_pairs: u64,
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Recall over the true pairs touching records that carry one corruption tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagRecall {
    pub tag: String,
    /// Truth records carrying the tag.
    pub records: u64,
    /// True pairs with at least one record carrying the tag.
    pub true_pairs: u64,
    /// Of those, the pairs predicted together.
    pub found_pairs: u64,
    pub recall: f64,
}

/// Twin or namesake pairs of persons and how many were wrongly merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HardNegatives {
    pub pairs: u64,
    pub merged: u64,
    /// merged / pairs; 0 when there are no pairs.
    pub rate: f64,
}

/// B-cubed precision, recall and F1.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BCubed {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// Precision and recall of one flag kind against the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagScore {
    pub kind: String,
    /// Flags of the kind in the flags file.
    pub flags: u64,
    /// Of those, the correct ones (see the module documentation).
    pub correct: u64,
    pub precision: f64,
    /// Truth records the kind should find.
    pub truth_records: u64,
    /// Of those, the records found.
    pub found: u64,
    pub recall: f64,
}

/// Flag figures; present when a flags file was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagEvaluation {
    pub shared_id: FlagScore,
    pub id_mismatch: FlagScore,
}

/// The result of [`evaluate`]. `Display` prints an aligned table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub records: u64,
    pub true_persons: u64,
    pub predicted_clusters: u64,
    pub cross_source_only: bool,
    pub pairwise: Pairwise,
    /// Sorted by tag.
    pub by_corruption: Vec<TagRecall>,
    pub twins: HardNegatives,
    pub namesakes: HardNegatives,
    pub bcubed: BCubed,
    /// True persons matched by exactly one predicted cluster.
    pub exact_clusters: u64,
    /// exact_clusters / true_persons; 1 when there are no persons.
    pub exact_cluster_share: f64,
    /// Flag precision / recall, when [`evaluate_run`] got a flags file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flags: Option<FlagEvaluation>,
}

fn ratio(num: u64, den: u64, empty: f64) -> f64 {
    if den == 0 {
        empty
    } else {
        num as f64 / den as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Number of unordered pairs among `n` items.
fn c2(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Pairs among `n` items that involve at least one of `k` marked items.
fn c2_touching(n: u64, k: u64) -> u64 {
    c2(n) - c2(n - k)
}

/// Which kind of hard negative a role names.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    Twin,
    Namesake,
}

/// The truth file, indexed.
struct Truth {
    /// Record keys: per source id (or the single slot 0 when keys ignore the
    /// source), the record ids interned (the arena interner: ~40 bytes per
    /// record where a map of boxed strings took ~100, which made 100 M
    /// records need 26 GB) and, per code, the record index.
    keys: Vec<(Interner, Vec<u32>)>,
    keyed_by_source: bool,
    sources: Interner,
    /// Per record.
    person: Vec<u32>,
    source: Vec<u32>,
    persons: Interner,
    /// Per tag id, the records carrying it (each once, ascending).
    tag_records: Vec<Vec<u32>>,
    tags: Interner,
    /// (kind, person, related person_id) as written.
    relations: Vec<(Kind, u32, Box<str>)>,
}

impl Truth {
    fn record(&self, source: Option<&str>, record_id: &str) -> Option<u32> {
        let slot = if self.keyed_by_source {
            self.sources.get(source?)? as usize
        } else {
            0
        };
        let (ids, records) = self.keys.get(slot)?;
        ids.get(record_id).map(|code| records[code as usize])
    }
}

fn not_a_truth_file(path: &Path, column: &str) -> Error {
    Error::usage(format!(
        "{}: not a truth file: column '{column}' is missing (a truth file has columns {})",
        path.display(),
        TRUTH_COLUMNS.join(", ")
    ))
}

/// Checks that `src` is a truth file; returns whether it has a `source` column.
fn check_truth_columns(src: &Source, path: &Path) -> Result<bool> {
    for c in TRUTH_COLUMNS {
        if !src.has_column(c) {
            return Err(not_a_truth_file(path, c));
        }
    }
    for c in ["record_id", "person_id", "role", "related_person_id"] {
        src.require_string(c)?;
    }
    let corruptions_type = src.data_type("corruptions")?;
    if !is_string_type(&corruptions_type) && !is_string_list_type(&corruptions_type) {
        return Err(Error::data_at(
            path,
            None,
            Some("corruptions"),
            format!("expected a list of strings or a '|'-joined string, found {corruptions_type}"),
        ));
    }
    let has_source = src.has_column("source");
    if has_source {
        src.require_string("source")?;
    }
    Ok(has_source)
}

/// The columns of one batch of a truth file, in [`TRUTH_COLUMNS`] order.
struct TruthBatch<'a> {
    ids: StringColumn<'a>,
    persons: StringColumn<'a>,
    roles: StringColumn<'a>,
    related: StringColumn<'a>,
    /// `corruptions` as a list, or else as a '|'-joined string.
    tags_list: Option<StringListColumn<'a>>,
    tags_joined: Option<StringColumn<'a>>,
    sources: Option<StringColumn<'a>>,
}

impl<'a> TruthBatch<'a> {
    /// Views the columns of `batch`; `source` is its sixth column when present.
    fn new(src: &Source, batch: &'a RecordBatch, has_source: bool) -> Result<TruthBatch<'a>> {
        Ok(TruthBatch {
            ids: src.string_column(batch, 0)?,
            persons: src.string_column(batch, 1)?,
            roles: src.string_column(batch, 2)?,
            related: src.string_column(batch, 3)?,
            tags_list: StringListColumn::from_array(batch.column(4).as_ref()),
            tags_joined: StringColumn::from_array(batch.column(4).as_ref()),
            sources: if has_source {
                Some(src.string_column(batch, 5)?)
            } else {
                None
            },
        })
    }
}

impl Truth {
    /// An empty truth, keyed by (source, record_id) or by record_id alone.
    fn empty(keyed_by_source: bool) -> Truth {
        Truth {
            keys: vec![Default::default()],
            keyed_by_source,
            sources: Interner::default(),
            person: Vec::new(),
            source: Vec::new(),
            persons: Interner::default(),
            tag_records: Vec::new(),
            tags: Interner::default(),
            relations: Vec::new(),
        }
    }

    /// Adds row `i` of `b`, the file's row number `row` (for errors).
    fn push_row(&mut self, b: &TruthBatch<'_>, i: usize, path: &Path, row: u64) -> Result<()> {
        let missing =
            |col: &str| Error::data_at(path, Some(row), Some(col), "empty; every record needs one");
        let id = b.ids.get(i).ok_or_else(|| missing("record_id"))?;
        let person_id = b.persons.get(i).ok_or_else(|| missing("person_id"))?;
        let source_id = match &b.sources {
            Some(s) => self
                .sources
                .intern(s.get(i).ok_or_else(|| missing("source"))?),
            None => 0,
        };
        let r = u32::try_from(self.person.len())
            .map_err(|_| Error::data_at(path, Some(row), None, "more than 2^32 records"))?;
        self.add_key(source_id, id, r, path, row)?;
        let p = self.persons.intern(person_id);
        self.person.push(p);
        self.source.push(source_id);

        let kind = match b.roles.get(i).map(str::trim) {
            Some("twin") => Some(Kind::Twin),
            Some("namesake") => Some(Kind::Namesake),
            _ => None,
        };
        if let (Some(kind), Some(other)) = (kind, b.related.get(i).map(str::trim)) {
            if !other.is_empty() && other != person_id {
                self.relations.push((kind, p, other.into()));
            }
        }

        if let Some(list) = &b.tags_list {
            if let Some(items) = list.get(i) {
                items.for_each(|tag| self.add_tag(r, tag));
            }
        } else if let Some(joined) = &b.tags_joined {
            if let Some(s) = joined.get(i) {
                s.split('|').for_each(|tag| self.add_tag(r, tag));
            }
        }
        Ok(())
    }

    /// Indexes record `r` under its key; an error when the key is taken.
    fn add_key(&mut self, source_id: u32, id: &str, r: u32, path: &Path, row: u64) -> Result<()> {
        let slot = if self.keyed_by_source {
            source_id as usize
        } else {
            0
        };
        if self.keys.len() <= slot {
            self.keys.resize_with(slot + 1, Default::default);
        }
        let (ids, records) = &mut self.keys[slot];
        if ids.intern(id) as usize != records.len() {
            return Err(Error::data_at(
                path,
                Some(row),
                Some("record_id"),
                if self.keyed_by_source {
                    "duplicate record_id within its source"
                } else {
                    "duplicate record_id"
                },
            ));
        }
        records.push(r);
        Ok(())
    }

    /// Records that record `r` carries corruption `tag` (blank tags ignored).
    fn add_tag(&mut self, r: u32, tag: &str) {
        let tag = tag.trim();
        if tag.is_empty() {
            return;
        }
        let t = self.tags.intern(tag) as usize;
        if self.tag_records.len() <= t {
            self.tag_records.resize_with(t + 1, Vec::new);
        }
        // Records arrive in ascending order, so a repeated tag on one
        // record is always the last entry.
        if self.tag_records[t].last() != Some(&r) {
            self.tag_records[t].push(r);
        }
    }
}

/// Reads and indexes a truth file; records are keyed by (source, record_id)
/// when `key_by_source`.
fn read_truth(path: &Path, key_by_source: bool) -> Result<Truth> {
    let src = Source::open(path)?;
    let has_source = check_truth_columns(&src, path)?;
    let mut columns = TRUTH_COLUMNS.to_vec();
    if has_source {
        columns.push("source");
    }
    let mut truth = Truth::empty(key_by_source);
    if let Some(n) = src.num_rows() {
        let n = usize::try_from(n).unwrap_or(0);
        truth.person.reserve(n);
        truth.source.reserve(n);
    }
    let mut row: u64 = 0;
    for batch in src.batches(&columns, DEFAULT_BATCH_SIZE)? {
        let batch = batch?;
        let b = TruthBatch::new(&src, &batch, has_source)?;
        for i in 0..batch.num_rows() {
            row += 1;
            truth.push_row(&b, i, path, row)?;
        }
    }
    Ok(truth)
}

/// The cluster ids of one batch, string or integer.
enum ClusterIds<'a> {
    Str(StringColumn<'a>),
    I32(&'a arrow::array::Int32Array),
    I64(&'a arrow::array::Int64Array),
    U32(&'a arrow::array::UInt32Array),
    U64(&'a arrow::array::UInt64Array),
}

/// A cluster id: integer ids are interned by value, without formatting.
enum ClusterKey<'a> {
    Str(&'a str),
    Int(i128),
}

impl<'a> ClusterIds<'a> {
    fn new(array: &'a dyn Array) -> Option<ClusterIds<'a>> {
        Some(match array.data_type() {
            DataType::Int32 => ClusterIds::I32(array.as_primitive::<Int32Type>()),
            DataType::Int64 => ClusterIds::I64(array.as_primitive::<Int64Type>()),
            DataType::UInt32 => ClusterIds::U32(array.as_primitive::<UInt32Type>()),
            DataType::UInt64 => ClusterIds::U64(array.as_primitive::<UInt64Type>()),
            _ => ClusterIds::Str(StringColumn::from_array(array)?),
        })
    }

    fn get(&self, i: usize) -> Option<ClusterKey<'a>> {
        fn int<A: Array>(a: &A, i: usize, v: i128) -> Option<ClusterKey<'static>> {
            (!a.is_null(i)).then_some(ClusterKey::Int(v))
        }
        match self {
            ClusterIds::Str(c) => c.get(i).map(ClusterKey::Str),
            ClusterIds::I32(a) => int(*a, i, a.value(i).into()),
            ClusterIds::I64(a) => int(*a, i, a.value(i).into()),
            ClusterIds::U32(a) => int(*a, i, a.value(i).into()),
            ClusterIds::U64(a) => int(*a, i, a.value(i).into()),
        }
    }
}

fn is_cluster_id_type(dt: &DataType) -> bool {
    matches!(
        dt,
        DataType::Int32 | DataType::Int64 | DataType::UInt32 | DataType::UInt64
    ) || is_string_type(dt)
}

/// Reads the clusters file into a cluster index per truth record; records not
/// listed become singletons. Returns (cluster per record, number of clusters).
fn read_clusters(path: &Path, truth: &Truth) -> Result<(Vec<u32>, u32)> {
    const NONE: u32 = u32::MAX;
    let src = Source::open(path)?;
    src.require_string("record_id")?;
    let dt = src.data_type("cluster_id")?;
    if !is_cluster_id_type(&dt) {
        return Err(Error::data_at(
            path,
            None,
            Some("cluster_id"),
            format!("expected a string or Int32/Int64/UInt32/UInt64 column, found {dt}"),
        ));
    }
    let use_source = truth.keyed_by_source;
    let mut columns = vec!["record_id", "cluster_id"];
    if use_source {
        src.require_string("source")?;
        columns.push("source");
    }
    let n = truth.person.len();
    let mut cluster = vec![NONE; n];
    let mut seen = vec![false; n];
    let mut by_string = Interner::default();
    let mut by_int: Counts<i128> = counts();
    let mut next: u32 = 0;
    let mut row: u64 = 0;
    for batch in src.batches(&columns, DEFAULT_BATCH_SIZE)? {
        let batch = batch?;
        let ids = src.string_column(&batch, 0)?;
        let cids = ClusterIds::new(batch.column(1).as_ref()).ok_or_else(|| {
            Error::data_at(path, None, Some("cluster_id"), "unsupported column type")
        })?;
        let sources = if use_source {
            Some(src.string_column(&batch, 2)?)
        } else {
            None
        };
        for i in 0..batch.num_rows() {
            row += 1;
            let id = ids.get(i).ok_or_else(|| {
                Error::data_at(path, Some(row), Some("record_id"), "empty record_id")
            })?;
            let source = sources.as_ref().and_then(|s| s.get(i));
            let r = truth.record(source, id).ok_or_else(|| {
                Error::data_at(
                    path,
                    Some(row),
                    Some("record_id"),
                    if use_source {
                        "(source, record_id) not found in the truth file"
                    } else {
                        "record_id not found in the truth file"
                    },
                )
            })? as usize;
            if std::mem::replace(&mut seen[r], true) {
                return Err(Error::data_at(
                    path,
                    Some(row),
                    Some("record_id"),
                    "duplicate record_id in the clusters file",
                ));
            }
            let c = match cids.get(i) {
                None => continue, // null cluster id: a singleton, assigned below
                Some(ClusterKey::Str(s)) => by_string.intern(s),
                Some(ClusterKey::Int(v)) => *by_int.entry(v).or_insert_with(|| {
                    let c = next;
                    next += 1;
                    u64::from(c)
                }) as u32,
            };
            cluster[r] = c;
        }
    }
    // Strings and integers never mix in one column, so only one interner is
    // in use and its ids are dense from 0.
    let mut count = next.max(u32::try_from(by_string.len()).expect("ids fit in u32"));
    for c in cluster.iter_mut().filter(|c| **c == NONE) {
        *c = count;
        count += 1;
    }
    Ok((cluster, count))
}

/// Counts of records per group key. foldhash, not SipHash: the keys are our
/// own integers, and hashing was most of the time at 10 M records.
type Counts<K> = hashbrown::HashMap<K, u64, foldhash::fast::FixedState>;

fn counts<K>() -> Counts<K> {
    Counts::with_hasher(foldhash::fast::FixedState::with_seed(0x6576_616c))
}

fn bump<K: std::hash::Hash + Eq>(m: &mut Counts<K>, k: K) {
    *m.entry(k).or_insert(0) += 1;
}

fn cell(p: u32, c: u32) -> u64 {
    (u64::from(p) << 32) | u64::from(c)
}

/// Evaluates the clustering in `clusters` against the truth file `truth`.
/// See the module documentation for the definitions.
pub fn evaluate(truth: &Path, clusters: &Path, opts: &EvalOptions) -> Result<Evaluation> {
    evaluate_run(truth, clusters, None, opts)
}

/// [`evaluate`], and with `flags` (a `flags.parquet` written by `dedupe` or
/// `link`) also the flag figures of the module documentation.
pub fn evaluate_run(
    truth: &Path,
    clusters: &Path,
    flags: Option<&Path>,
    opts: &EvalOptions,
) -> Result<Evaluation> {
    // Key by (source, record_id) only when both files carry a source.
    let truth_has_source = Source::open(truth)?.has_column("source");
    let clusters_has_source = Source::open(clusters)?.has_column("source");
    if opts.cross_source_only && !truth_has_source {
        return Err(Error::usage(format!(
            "{}: cross-source evaluation needs a 'source' column in the truth file",
            truth.display()
        )));
    }
    let t = read_truth(truth, truth_has_source && clusters_has_source)?;
    let (cluster, n_clusters) = read_clusters(clusters, &t)?;
    let mut ev = compute(&t, &cluster, n_clusters as usize, opts.cross_source_only);
    if let Some(path) = flags {
        ev.flags = Some(evaluate_flags(&t, &read_flags(path, &t)?));
    }
    Ok(ev)
}

/// The flags of the two evaluated kinds, as truth record indices.
struct FlagRows {
    shared_id: Vec<(u32, u32)>,
    id_mismatch: Vec<u32>,
}

fn read_flags(path: &Path, truth: &Truth) -> Result<FlagRows> {
    let src = Source::open(path)?;
    for c in ["kind", "record_id", "other_record_id"] {
        if !src.has_column(c) {
            return Err(Error::usage(format!(
                "{}: not a flags file: column '{c}' is missing (flags.parquet has kind, \
                 record_id, other_record_id, detail)",
                path.display()
            )));
        }
        src.require_string(c)?;
    }
    let use_source =
        truth.keyed_by_source && src.has_column("source") && src.has_column("other_source");
    let mut columns = vec!["kind", "record_id", "other_record_id"];
    if use_source {
        columns.extend(["source", "other_source"]);
    }
    let mut rows = FlagRows {
        shared_id: Vec::new(),
        id_mismatch: Vec::new(),
    };
    let mut row: u64 = 0;
    for batch in src.batches(&columns, DEFAULT_BATCH_SIZE)? {
        let batch = batch?;
        let kinds = src.string_column(&batch, 0)?;
        let ids = src.string_column(&batch, 1)?;
        let others = src.string_column(&batch, 2)?;
        let (sources, other_sources) = if use_source {
            (
                Some(src.string_column(&batch, 3)?),
                Some(src.string_column(&batch, 4)?),
            )
        } else {
            (None, None)
        };
        for i in 0..batch.num_rows() {
            row += 1;
            let kind = kinds.get(i).unwrap_or("");
            if kind != "shared_id" && kind != "id_mismatch" {
                continue;
            }
            let find = |id: Option<&str>, source: Option<&str>, column: &str| {
                let id = id.ok_or_else(|| {
                    Error::data_at(
                        path,
                        Some(row),
                        Some(column),
                        "empty for a flag of this kind",
                    )
                })?;
                truth.record(source, id).ok_or_else(|| {
                    Error::data_at(
                        path,
                        Some(row),
                        Some(column),
                        "record not found in the truth file",
                    )
                })
            };
            let a = find(
                ids.get(i),
                sources.as_ref().and_then(|s| s.get(i)),
                "record_id",
            )?;
            if kind == "id_mismatch" {
                rows.id_mismatch.push(a);
            } else {
                let b = find(
                    others.get(i),
                    other_sources.as_ref().and_then(|s| s.get(i)),
                    "other_record_id",
                )?;
                rows.shared_id.push((a, b));
            }
        }
    }
    Ok(rows)
}

fn evaluate_flags(t: &Truth, rows: &FlagRows) -> FlagEvaluation {
    let n = t.person.len();
    let tagged = |tag: &str| -> Vec<bool> {
        let mut v = vec![false; n];
        if let Some(id) = t.tags.get(tag) {
            if let Some(records) = t.tag_records.get(id as usize) {
                for &r in records {
                    v[r as usize] = true;
                }
            }
        }
        v
    };
    let borrowed = tagged("id_borrowed");

    let mut found = vec![false; n];
    let mut correct = 0u64;
    for &(a, b) in &rows.shared_id {
        let (a, b) = (a as usize, b as usize);
        if t.person[a] != t.person[b] && (borrowed[a] || borrowed[b]) {
            correct += 1;
            found[a] |= borrowed[a];
            found[b] |= borrowed[b];
        }
    }
    let truth_records = borrowed.iter().filter(|&&x| x).count() as u64;
    let found_n = found.iter().filter(|&&x| x).count() as u64;
    let flags = rows.shared_id.len() as u64;
    let shared_id = FlagScore {
        kind: "shared_id".to_owned(),
        flags,
        correct,
        precision: ratio(correct, flags, 1.0),
        truth_records,
        found: found_n,
        recall: ratio(found_n, truth_records, 1.0),
    };

    let off_by_one = tagged("dob_off_by_one_year");
    let no_personal_id = {
        let (a, b) = (tagged("id_missing"), tagged("cmnd_instead_of_id"));
        a.iter().zip(&b).map(|(x, y)| *x || *y).collect::<Vec<_>>()
    };
    let sometimes: Vec<Vec<bool>> = ["id_digit_typo", "id_transposition", "dob_lunar"]
        .iter()
        .map(|tag| tagged(tag))
        .collect();
    let always: Vec<bool> = (0..n)
        .map(|r| (borrowed[r] || off_by_one[r]) && !no_personal_id[r])
        .collect();
    let mut flagged = vec![false; n];
    for &r in &rows.id_mismatch {
        flagged[r as usize] = true;
    }
    let flags = flagged.iter().filter(|&&x| x).count() as u64;
    let correct = (0..n)
        .filter(|&r| flagged[r] && (borrowed[r] || off_by_one[r] || sometimes.iter().any(|s| s[r])))
        .count() as u64;
    let truth_records = always.iter().filter(|&&x| x).count() as u64;
    let found_n = (0..n).filter(|&r| always[r] && flagged[r]).count() as u64;
    let id_mismatch = FlagScore {
        kind: "id_mismatch".to_owned(),
        flags,
        correct,
        precision: ratio(correct, flags, 1.0),
        truth_records,
        found: found_n,
        recall: ratio(found_n, truth_records, 1.0),
    };
    FlagEvaluation {
        shared_id,
        id_mismatch,
    }
}

/// Per-group record counts of the contingency table between true persons
/// and predicted clusters, and (in link mode only) the same per source.
struct Contingency {
    /// Records per person.
    n_p: Vec<u64>,
    /// Records per cluster.
    n_c: Vec<u64>,
    /// Records per (person, cluster) cell, keyed by [`cell`].
    n_pc: Counts<u64>,
    /// Per (group, source): empty unless `cross`.
    n_ps: Counts<(u32, u32)>,
    n_cs: Counts<(u32, u32)>,
    n_pcs: Counts<(u64, u32)>,
    cross: bool,
    /// Records in the truth file.
    records: usize,
}

/// In link mode, pairs within one source are subtracted from each group.
fn pairs(all: u64, same_source: u64) -> u64 {
    all - same_source
}

impl Contingency {
    /// Counts every record into its person, cluster and cell.
    fn count(t: &Truth, cluster: &[u32], n_clusters: usize, cross: bool) -> Contingency {
        let n = t.person.len();
        let mut n_p = vec![0u64; t.persons.len()];
        let mut n_c = vec![0u64; n_clusters];
        let mut n_pc: Counts<u64> = counts();
        // At most one cell per record; reserving avoids holding the old and the
        // new table at once while the map grows.
        n_pc.reserve(n);
        // Per (group, source) counts, only needed in link mode.
        let mut n_ps: Counts<(u32, u32)> = counts();
        let mut n_cs: Counts<(u32, u32)> = counts();
        let mut n_pcs: Counts<(u64, u32)> = counts();
        for ((&p, &c), &s) in t.person.iter().zip(cluster).zip(&t.source) {
            n_p[p as usize] += 1;
            n_c[c as usize] += 1;
            bump(&mut n_pc, cell(p, c));
            if cross {
                bump(&mut n_ps, (p, s));
                bump(&mut n_cs, (c, s));
                bump(&mut n_pcs, (cell(p, c), s));
            }
        }
        Contingency {
            n_p,
            n_c,
            n_pc,
            n_ps,
            n_cs,
            n_pcs,
            cross,
            records: n,
        }
    }

    /// True, predicted and correctly predicted pairs, and their ratios.
    fn pairwise(&self) -> Pairwise {
        let true_pairs = pairs(
            self.n_p.iter().map(|&k| c2(k)).sum(),
            self.n_ps.values().map(|&k| c2(k)).sum(),
        );
        let predicted_pairs = pairs(
            self.n_c.iter().map(|&k| c2(k)).sum(),
            self.n_cs.values().map(|&k| c2(k)).sum(),
        );
        let tp = pairs(
            self.n_pc.values().map(|&k| c2(k)).sum(),
            self.n_pcs.values().map(|&k| c2(k)).sum(),
        );
        let precision = ratio(tp, predicted_pairs, 1.0);
        let recall = ratio(tp, true_pairs, 1.0);
        Pairwise {
            true_pairs,
            predicted_pairs,
            true_positives: tp,
            false_positives: predicted_pairs - tp,
            false_negatives: true_pairs - tp,
            precision,
            recall,
            f1: f1(precision, recall),
        }
    }

    /// Recall per corruption tag, sorted by tag.
    fn by_corruption(&self, t: &Truth, cluster: &[u32]) -> Vec<TagRecall> {
        let tag_names: Vec<&str> = t.tags.iter().collect();
        let mut by_corruption: Vec<TagRecall> = t
            .tag_records
            .iter()
            .enumerate()
            .map(|(tag, records)| self.tag_recall(t, cluster, tag_names[tag], records))
            .collect();
        by_corruption.sort_by(|a, b| a.tag.cmp(&b.tag));
        by_corruption
    }

    /// Recall over the true pairs touching `records`, the records carrying `tag`.
    fn tag_recall(&self, t: &Truth, cluster: &[u32], tag: &str, records: &[u32]) -> TagRecall {
        let mut k_p: Counts<u32> = counts();
        let mut k_pc: Counts<u64> = counts();
        let mut k_ps: Counts<(u32, u32)> = counts();
        let mut k_pcs: Counts<(u64, u32)> = counts();
        for &r in records {
            let r = r as usize;
            let (p, c, s) = (t.person[r], cluster[r], t.source[r]);
            bump(&mut k_p, p);
            bump(&mut k_pc, cell(p, c));
            if self.cross {
                bump(&mut k_ps, (p, s));
                bump(&mut k_pcs, (cell(p, c), s));
            }
        }
        let true_pairs = pairs(
            k_p.iter()
                .map(|(&p, &k)| c2_touching(self.n_p[p as usize], k))
                .sum(),
            k_ps.iter()
                .map(|(ps, &k)| c2_touching(self.n_ps[ps], k))
                .sum(),
        );
        let found_pairs = pairs(
            k_pc.iter()
                .map(|(pc, &k)| c2_touching(self.n_pc[pc], k))
                .sum(),
            k_pcs
                .iter()
                .map(|(pcs, &k)| c2_touching(self.n_pcs[pcs], k))
                .sum(),
        );
        TagRecall {
            tag: tag.to_owned(),
            records: records.len() as u64,
            true_pairs,
            found_pairs,
            recall: ratio(found_pairs, true_pairs, 1.0),
        }
    }

    /// B-cubed precision and recall and the number of exactly matched
    /// persons, from the cells.
    fn bcubed_and_exact(&self) -> (BCubed, u64) {
        let n = self.records;
        // B-cubed from the cells: per cluster and per person, Σ n_pc².
        let mut sq_c = vec![0u64; self.n_c.len()];
        let mut sq_p = vec![0u64; self.n_p.len()];
        let mut exact_clusters = 0u64;
        for (&pc, &k) in &self.n_pc {
            let (p, c) = ((pc >> 32) as usize, (pc as u32) as usize);
            let k2 = k * k;
            sq_c[c] += k2;
            sq_p[p] += k2;
            if k == self.n_p[p] && k == self.n_c[c] {
                exact_clusters += 1;
            }
        }
        // Summed in index order so the floating-point result is reproducible.
        let mean = |sq: &[u64], sizes: &[u64]| -> f64 {
            if n == 0 {
                return 1.0;
            }
            let total: f64 = sq
                .iter()
                .zip(sizes)
                .filter(|(_, &size)| size > 0)
                .map(|(&s, &size)| s as f64 / size as f64)
                .sum();
            total / n as f64
        };
        let bp = mean(&sq_c, &self.n_c);
        let br = mean(&sq_p, &self.n_p);
        let bcubed = BCubed {
            precision: bp,
            recall: br,
            f1: f1(bp, br),
        };
        (bcubed, exact_clusters)
    }
}

/// Each person's distinct clusters, sorted: the person's row of the
/// contingency table, for the hard-negative intersections.
struct PersonClusters {
    /// The cells, sorted (so by person, then cluster).
    cells: Vec<u64>,
    /// Per person, where its cells start in `cells` (one more entry at the end).
    start: Vec<usize>,
}

impl PersonClusters {
    /// Sorts the cells of `n_pc` and indexes them by person.
    fn new(n_pc: &Counts<u64>, n_persons: usize) -> PersonClusters {
        let mut cells: Vec<u64> = n_pc.keys().copied().collect();
        cells.sort_unstable();
        let mut start = vec![0usize; n_persons + 1];
        for &pc in &cells {
            start[(pc >> 32) as usize + 1] += 1;
        }
        for p in 0..n_persons {
            start[p + 1] += start[p];
        }
        PersonClusters { cells, start }
    }

    /// The clusters holding records of person `p`, ascending.
    fn clusters_of(&self, p: u32) -> Vec<u32> {
        let p = p as usize;
        self.cells[self.start[p]..self.start[p + 1]]
            .iter()
            .map(|&pc| pc as u32)
            .collect()
    }

    /// True when a record of person `a` and one of person `b` share a cluster.
    fn share_a_cluster(&self, a: u32, b: u32) -> bool {
        let (ca, cb) = (self.clusters_of(a), self.clusters_of(b));
        let (mut i, mut j) = (0, 0);
        while i < ca.len() && j < cb.len() {
            match ca[i].cmp(&cb[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

/// The hard-negative pairs of persons of one kind and how many were merged.
fn hard_negatives(t: &Truth, person_clusters: &PersonClusters, kind: Kind) -> HardNegatives {
    // Known pairs as (min, max) person ids; unknown partners by name.
    let mut known: Vec<(u32, u32)> = Vec::new();
    let mut unknown: Vec<(u32, &str)> = Vec::new();
    for (k, p, other) in &t.relations {
        if *k != kind {
            continue;
        }
        match t.persons.get(other) {
            Some(q) => known.push(((*p).min(q), (*p).max(q))),
            None => unknown.push((*p, other)),
        }
    }
    known.sort_unstable();
    known.dedup();
    unknown.sort_unstable();
    unknown.dedup();
    let merged = known
        .iter()
        .filter(|&&(a, b)| person_clusters.share_a_cluster(a, b))
        .count() as u64;
    let total = (known.len() + unknown.len()) as u64;
    HardNegatives {
        pairs: total,
        merged,
        rate: ratio(merged, total, 0.0),
    }
}

/// All figures but the flags', from the truth and each record's cluster.
fn compute(t: &Truth, cluster: &[u32], n_clusters: usize, cross: bool) -> Evaluation {
    let n = t.person.len();
    let n_persons = t.persons.len();
    let table = Contingency::count(t, cluster, n_clusters, cross);
    let pairwise = table.pairwise();
    let by_corruption = table.by_corruption(t, cluster);
    let person_clusters = PersonClusters::new(&table.n_pc, n_persons);
    let twins = hard_negatives(t, &person_clusters, Kind::Twin);
    let namesakes = hard_negatives(t, &person_clusters, Kind::Namesake);
    drop(person_clusters);
    let (bcubed, exact_clusters) = table.bcubed_and_exact();
    Evaluation {
        records: n as u64,
        true_persons: n_persons as u64,
        predicted_clusters: n_clusters as u64,
        cross_source_only: cross,
        pairwise,
        by_corruption,
        twins,
        namesakes,
        bcubed,
        exact_clusters,
        exact_cluster_share: ratio(exact_clusters, n_persons as u64, 1.0),
        flags: None,
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pw = &self.pairwise;
        writeln!(f, "{:<28}{:>14}", "records", self.records)?;
        writeln!(f, "{:<28}{:>14}", "true persons", self.true_persons)?;
        writeln!(
            f,
            "{:<28}{:>14}",
            "predicted clusters", self.predicted_clusters
        )?;
        writeln!(f)?;
        let scope = if self.cross_source_only {
            "pairwise (cross-source pairs only)"
        } else {
            "pairwise"
        };
        writeln!(f, "{scope}")?;
        writeln!(f, "  {:<26}{:>14}", "true pairs", pw.true_pairs)?;
        writeln!(f, "  {:<26}{:>14}", "predicted pairs", pw.predicted_pairs)?;
        writeln!(f, "  {:<26}{:>14}", "true positives", pw.true_positives)?;
        writeln!(f, "  {:<26}{:>14}", "false positives", pw.false_positives)?;
        writeln!(f, "  {:<26}{:>14}", "false negatives", pw.false_negatives)?;
        writeln!(f, "  {:<26}{:>14.4}", "precision", pw.precision)?;
        writeln!(f, "  {:<26}{:>14.4}", "recall", pw.recall)?;
        writeln!(f, "  {:<26}{:>14.4}", "F1", pw.f1)?;
        writeln!(f)?;
        writeln!(f, "cluster level")?;
        writeln!(
            f,
            "  {:<26}{:>14.4}",
            "B-cubed precision", self.bcubed.precision
        )?;
        writeln!(f, "  {:<26}{:>14.4}", "B-cubed recall", self.bcubed.recall)?;
        writeln!(f, "  {:<26}{:>14.4}", "B-cubed F1", self.bcubed.f1)?;
        writeln!(f, "  {:<26}{:>14}", "exact clusters", self.exact_clusters)?;
        writeln!(
            f,
            "  {:<26}{:>14.4}",
            "exact cluster share", self.exact_cluster_share
        )?;
        writeln!(f)?;
        writeln!(f, "hard negatives wrongly merged")?;
        writeln!(
            f,
            "  {:<12}{:>10}{:>10}{:>10}",
            "kind", "merged", "pairs", "rate"
        )?;
        for (name, h) in [("twins", &self.twins), ("namesakes", &self.namesakes)] {
            writeln!(
                f,
                "  {:<12}{:>10}{:>10}{:>10.4}",
                name, h.merged, h.pairs, h.rate
            )?;
        }
        if let Some(fl) = &self.flags {
            writeln!(f)?;
            writeln!(f, "flags against the truth")?;
            writeln!(
                f,
                "  {:<12}{:>9}{:>9}{:>10}{:>9}{:>9}{:>9}",
                "kind", "flags", "correct", "precision", "truth", "found", "recall"
            )?;
            for s in [&fl.shared_id, &fl.id_mismatch] {
                writeln!(
                    f,
                    "  {:<12}{:>9}{:>9}{:>10.4}{:>9}{:>9}{:>9.4}",
                    s.kind, s.flags, s.correct, s.precision, s.truth_records, s.found, s.recall
                )?;
            }
        }
        if !self.by_corruption.is_empty() {
            writeln!(f)?;
            writeln!(f, "recall by corruption tag")?;
            let width = self
                .by_corruption
                .iter()
                .map(|t| t.tag.chars().count())
                .max()
                .unwrap_or(0)
                .max(3);
            writeln!(
                f,
                "  {:<width$}{:>10}{:>12}{:>12}{:>10}",
                "tag", "records", "true pairs", "found", "recall"
            )?;
            for t in &self.by_corruption {
                writeln!(
                    f,
                    "  {:<width$}{:>10}{:>12}{:>12}{:>10.4}",
                    t.tag, t.records, t.true_pairs, t.found_pairs, t.recall
                )?;
            }
        }
        Ok(())
    }
}

/// The key [`exact_key_clusters`] groups on: NFC, without whitespace and the
/// separators people type inside numbers ('-', '.', '/'), upper-cased; `None`
/// when nothing is left.
fn exact_key(value: &str) -> Option<String> {
    let key: String = value
        .nfc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '/'))
        .flat_map(char::to_uppercase)
        .collect();
    (!key.is_empty()).then_some(key)
}

/// A baseline clustering for demos until the matcher exists: records whose
/// `column` has the same non-null normalized value share a cluster, whose id
/// is the smallest `record_id` (by byte order) among them; every other record
/// is its own cluster. Returns (record_id, cluster_id) sorted by record_id.
/// O(n log n) time, O(n) memory.
pub fn exact_key_clusters(records: &Path, column: &str) -> Result<Vec<(String, String)>> {
    let src = Source::open(records)?;
    src.require_string("record_id")?;
    src.require_string(column)?;
    let mut rows: Vec<(String, u64, Option<u32>)> = Vec::new();
    let mut groups: HashMap<String, u32> = HashMap::new();
    let mut row: u64 = 0;
    for batch in src.batches(&["record_id", column], DEFAULT_BATCH_SIZE)? {
        let batch = batch?;
        let ids = src.string_column(&batch, 0)?;
        let values = src.string_column(&batch, 1)?;
        for i in 0..batch.num_rows() {
            row += 1;
            let id = ids.get(i).ok_or_else(|| {
                Error::data_at(records, Some(row), Some("record_id"), "empty record_id")
            })?;
            let group = values.get(i).and_then(exact_key).map(|k| {
                let next = u32::try_from(groups.len()).expect("fewer than 2^32 groups");
                *groups.entry(k).or_insert(next)
            });
            rows.push((id.to_owned(), row, group));
        }
    }
    drop(groups);
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    if let Some(w) = rows.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::data_at(
            records,
            Some(w[1].1),
            Some("record_id"),
            "duplicate record_id",
        ));
    }
    // Rows are sorted by id, so the first member seen of a group is its
    // smallest id.
    let mut first: HashMap<u32, usize> = HashMap::new();
    let cluster_of: Vec<usize> = rows
        .iter()
        .enumerate()
        .map(|(i, (_, _, g))| match g {
            Some(g) => *first.entry(*g).or_insert(i),
            None => i,
        })
        .collect();
    Ok(cluster_of
        .iter()
        .zip(&rows)
        .map(|(&c, (id, _, _))| (id.clone(), rows[c].0.clone()))
        .collect())
}

/// Writes `clusters` (record_id, cluster_id) to a Parquet file with columns
/// `record_id`, `cluster_id` (Utf8) and `cluster_size` (UInt32), in the given
/// order, atomically (through [`ParquetOut`], the writer every run output uses).
pub fn write_clusters(out: &Path, clusters: &[(String, String)]) -> Result<()> {
    let mut sizes: HashMap<&str, u32> = HashMap::new();
    for (_, c) in clusters {
        *sizes.entry(c.as_str()).or_insert(0) += 1;
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("record_id", DataType::Utf8, false),
        Field::new("cluster_id", DataType::Utf8, false),
        Field::new("cluster_size", DataType::UInt32, false),
    ]));
    let mut writer = ParquetOut::create(out, schema.clone())?;
    for chunk in clusters.chunks(DEFAULT_BATCH_SIZE) {
        let ids = StringArray::from_iter_values(chunk.iter().map(|(r, _)| r.as_str()));
        let cids = StringArray::from_iter_values(chunk.iter().map(|(_, c)| c.as_str()));
        let size = UInt32Array::from_iter_values(chunk.iter().map(|(_, c)| sizes[c.as_str()]));
        let columns: Vec<ArrayRef> = vec![Arc::new(ids), Arc::new(cids), Arc::new(size)];
        let batch =
            RecordBatch::try_new(schema.clone(), columns).map_err(|e| Error::format(out, e))?;
        writer.write(&batch)?;
    }
    writer.commit()
}
