//! `dedupe` and `link`: load → normalize → block → train → score → cluster → write.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{ArrayRef, Float64Builder, StringBuilder, UInt32Builder};
use arrow::datatypes::{DataType, Field as ArrowField, Schema};
use arrow::record_batch::RecordBatch;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::block::{parse_rule, Blocker, KeyPart, RuleStats};
use crate::cluster::{conflict_aware_components, ConflictAware, WeightedPair};
use crate::compare::{compare, comparisons, level, Comparison, Field, Fields, Packed, Pattern};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::flags::{
    compute_flags, summarize as summarize_flags, write_flags, FlagInput, FlagSummary,
};
use crate::intern::NONE;
use crate::load::Source;
use crate::model::{em, probability, u_from_counts, Model};
use crate::normalize::date::Date;
use crate::output::{prepare_dir, write_atomic, AtomicFile};
use crate::progress::Progress;
use crate::report::parquet::ParquetOut;
use crate::store::{Cid, Present, RawRow, RecordId, RecordStore, StoreBuilder};

/// The config's blocking rules, parsed (validate() already checked them).
fn parse_rules(config: &Config) -> Result<Vec<crate::block::Rule>> {
    config
        .blocking
        .rules
        .iter()
        .map(|r| parse_rule(r, config).map_err(Error::usage))
        .collect()
}

/// Dedupe one register, or link two.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Dedupe,
    Link,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub config: Config,
    pub mode: Mode,
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    /// A trained model to reuse instead of training.
    pub model: Option<PathBuf>,
    /// Reference date for "future date" checks.
    pub as_of: Date,
    /// report.html lists names, dates of birth and provinces, not only ids.
    pub show_values: bool,
}

/// `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub mode: Mode,
    pub inputs: Vec<String>,
    pub records: u64,
    pub records_per_input: Vec<u64>,
    pub rejects: crate::store::Rejects,
    pub candidate_pairs: u64,
    pub pairs_written: u64,
    pub matching_pairs: u64,
    pub clusters: u64,
    pub clusters_with_duplicates: u64,
    pub largest_cluster: u64,
    pub blocking: Vec<RuleStats>,
    pub threshold: f64,
    /// Above-threshold pairs conflict-aware clustering refused.
    pub conflict_cut_pairs: u64,
    /// Flag counts by kind and by province (`flags.parquet` has the flags).
    pub flags: FlagSummary,
    pub model_trained: bool,
    pub stage_seconds: Vec<(String, f64)>,
    pub total_seconds: f64,
    pub peak_rss_bytes: Option<u64>,
    pub threads: usize,
}

/// Peak resident set size of this process, from /proc (Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Loads the inputs into a store, checking columns, ids and types.
pub fn load_store(config: &Config, inputs: &[PathBuf], as_of: Date) -> Result<RecordStore> {
    load_store_fp(config, inputs, as_of, None)
}

/// Which roles the config gives the input.
pub(crate) fn present_roles(config: &Config) -> Present {
    let cols = &config.columns;
    Present {
        name: cols.full_name.is_some() || cols.given_name.is_some(),
        dob: cols.date_of_birth.is_some(),
        sex: cols.sex.is_some(),
        citizen_id: cols.citizen_id.is_some(),
        province: cols.province.is_some(),
        address: cols.address.is_some(),
    }
}

/// [`load_store`], also collecting each row's raw-value fingerprint
/// ([`crate::hash::row_fingerprint`]) for the run index.
pub(crate) fn load_store_fp(
    config: &Config,
    inputs: &[PathBuf],
    as_of: Date,
    mut fingerprints: Option<&mut Vec<u64>>,
) -> Result<RecordStore> {
    let mut builder = StoreBuilder::new(config, present_roles(config), as_of);
    for path in inputs {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let src = builder.add_source(&name);
        let stride = config.extra.len();
        let rows = read_batches(config, path, |_, rows, extras| {
            let fp = fingerprints.as_deref_mut();
            rayon::join(
                || {
                    if let Some(fp) = fp {
                        fp.par_extend(rows.par_iter().enumerate().map(|(i, row)| {
                            crate::hash::row_fingerprint(row, &extras[i * stride..(i + 1) * stride])
                        }));
                    }
                },
                || builder.push_batch(src, rows, extras),
            );
            Ok(())
        })?;
        if rows == 0 {
            return Err(Error::data(path, "the input has no records"));
        }
    }
    let store = builder.finish();
    check_unique_ids(&store, inputs, &config.columns.record_id)?;
    Ok(store)
}

/// Configured roles: (role, input column).
pub(crate) type Roles<'c> = Vec<(&'static str, &'c str)>;

/// Opens one input and checks that every configured column exists and holds
/// strings. Returns the source, the configured roles (role, column) and the
/// columns to read: the roles' in order, then the extra fields'.
pub(crate) fn open_input<'c>(
    config: &'c Config,
    path: &Path,
) -> Result<(Source, Roles<'c>, Vec<&'c str>)> {
    let roles = config.columns.roles();
    let mut wanted: Vec<&str> = roles.iter().map(|&(_, c)| c).collect();
    for e in &config.extra {
        wanted.push(&e.column);
    }
    let source = Source::open(path)?;
    for (role, col) in roles
        .iter()
        .copied()
        .chain(config.extra.iter().map(|e| ("extra", e.column.as_str())))
    {
        if !source.has_column(col) {
            return Err(Error::data_at(
                path,
                None,
                Some(col),
                format!(
                    "missing column for role {role}; columns present: {}. Set [columns] {role} \
                     in the config to the right column, or to \"\" if the register has none",
                    source.columns().join(", ")
                ),
            ));
        }
        source.require_string(col)?;
    }
    Ok((source, roles, wanted))
}

/// Reads every row of one input: checks that each configured column exists
/// and holds strings and that every row has a record_id, then calls
/// `f(first_row_number, rows, extras)` per batch (row numbers 1-based), where
/// `extras` holds the extra fields' values row by row (`config.extra.len()`
/// per row). Returns the number of rows.
pub(crate) fn read_batches(
    config: &Config,
    path: &Path,
    mut f: impl FnMut(u64, &[RawRow<'_>], &[Option<&str>]) -> Result<()> + Send,
) -> Result<u64> {
    let cols = &config.columns;
    let (source, roles, wanted) = open_input(config, path)?;
    let index_of = |role: &str| roles.iter().position(|&(r, _)| r == role);
    let [id, full, family, middle, given, dob, sex, cid, province, address] = [
        "record_id",
        "full_name",
        "family_name",
        "middle_name",
        "given_name",
        "date_of_birth",
        "sex",
        "citizen_id",
        "province",
        "address",
    ]
    .map(index_of);
    let id = id.expect("record_id is always a role");
    let mut row_no: u64 = 0;
    let mut batches = source.batches(&wanted, 64 * 1024)?;
    let mut next = batches.next();
    while let Some(batch) = next {
        let batch = batch?;
        let columns: Vec<_> = (0..wanted.len())
            .map(|i| source.string_column(&batch, i))
            .collect::<Result<_>>()?;
        let get = |idx: Option<usize>, i: usize| idx.and_then(|c| columns[c].get(i));
        let first = row_no + 1;
        let mut rows = Vec::with_capacity(batch.num_rows());
        let mut extras = Vec::with_capacity(batch.num_rows() * config.extra.len());
        for i in 0..batch.num_rows() {
            row_no += 1;
            let Some(record_id) = get(Some(id), i).filter(|s| !s.trim().is_empty()) else {
                return Err(Error::data_at(
                    path,
                    Some(row_no),
                    Some(&cols.record_id),
                    "record_id is null or empty; every record needs an id",
                ));
            };
            for k in 0..config.extra.len() {
                extras.push(columns[roles.len() + k].get(i));
            }
            rows.push(RawRow {
                record_id,
                full_name: get(full, i),
                family_name: get(family, i),
                middle_name: get(middle, i),
                given_name: get(given, i),
                date_of_birth: get(dob, i),
                sex: get(sex, i),
                citizen_id: get(cid, i),
                province: get(province, i),
                address: get(address, i),
            });
        }
        // Decode the next batch while this one is taken in (decoding is
        // sequential; taking in is parallel per column).
        let (n, r) = rayon::join(|| batches.next(), || f(first, &rows, &extras));
        r?;
        next = n;
    }
    Ok(row_no)
}

/// Record ids must be unique within each input. A duplicate is reported at
/// the first row whose id appeared on an earlier row of the same input.
///
/// Records are sorted by a hash of (input, id) packed with the record index
/// into one u64, and only records whose hashes agree are compared as
/// strings: sorting the records by their id strings read two ids at random
/// per comparison.
fn check_unique_ids(store: &RecordStore, inputs: &[PathBuf], column: &str) -> Result<()> {
    use std::hash::{BuildHasher, Hasher};
    let n = store.len();
    let index_bits = usize::BITS - n.leading_zeros();
    let index_mask = (1u64 << index_bits) - 1;
    let hasher = foldhash::fast::FixedState::with_seed(0x7265_636f_7264_6964);
    let mut keyed: Vec<u64> = (0..n as u32)
        .into_par_iter()
        .map(|i| {
            let r = RecordId(i);
            let mut h = hasher.build_hasher();
            h.write_u8(store.source[r.index()]);
            h.write(store.record_id(r).as_bytes());
            // The hash's high bits above the index: equal ids sort next to
            // each other, in record order.
            (h.finish() << index_bits) | u64::from(i)
        })
        .collect();
    keyed.par_sort_unstable();
    let same = |a: RecordId, b: RecordId| {
        store.source[a.index()] == store.source[b.index()]
            && store.record_id(a) == store.record_id(b)
    };
    let repeat = keyed
        .chunk_by(|x, y| x >> index_bits == y >> index_bits)
        .filter(|run| run.len() > 1)
        .filter_map(|run| {
            let rec = |k: u64| RecordId((k & index_mask) as u32);
            (1..run.len()).find_map(|j| {
                let b = rec(run[j]);
                run[..j].iter().any(|&a| same(rec(a), b)).then_some(b)
            })
        })
        .min();
    if let Some(b) = repeat {
        // Records of one input are stored contiguously in row order, so
        // the row number is the position within its input.
        let src = store.source[b.index()] as usize;
        let offset = (0..b.index())
            .filter(|&i| store.source[i] as usize == src)
            .count() as u64;
        return Err(Error::data_at(
            &inputs[src],
            Some(offset + 1),
            Some(column),
            "duplicate record_id (the same id appears on an earlier row)",
        ));
    }
    Ok(())
}

/// Term-frequency counts a model carries (`model.json`, key
/// `term_frequency`), per comparison name: the number of records with a value,
/// and for each value seen at least twice its count, keyed by
/// [`crate::hash::hash_bytes`] of the value (so the model file holds no
/// personal values). A value not listed counts once. With the counts in the
/// model, `dedupe --model` and `update` score with the same weights whatever
/// the new data's frequencies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TfCount {
    pub total: u64,
    /// (value hash, count), sorted by hash.
    pub counts: Vec<(u64, u32)>,
}

/// Term-frequency counts by comparison name.
pub type TfMap = BTreeMap<String, TfCount>;

/// Term-frequency tables: for comparison c with a tf level, the adjusted
/// weight of exact agreement on each value code.
struct TfTables {
    tables: Vec<Option<Vec<f32>>>,
}

fn tf_code<S: Fields + ?Sized>(fields: &S, field: Field, r: RecordId) -> u32 {
    match field {
        Field::FullName => fields.name_code(r),
        Field::Given => fields.name_entry(r).map_or(NONE, |n| n.given),
        Field::Family => fields.name_entry(r).map_or(NONE, |n| n.family),
        Field::Extra(i) => fields.store().extras[i].codes[r.index()],
        _ => NONE,
    }
}

/// The value a term-frequency code stands for (what the model's counts are keyed by).
fn tf_value(store: &RecordStore, field: Field, code: u32) -> &str {
    match field {
        Field::FullName => store
            .names
            .token(store.names.entries[code as usize].canonical),
        Field::Given | Field::Family => store.names.token(code),
        Field::Extra(i) => &store.extras[i].values[code as usize],
        _ => "",
    }
}

fn tf_dictionary_len(store: &RecordStore, field: Field) -> usize {
    match field {
        Field::FullName => store.names.entries.len(),
        Field::Given | Field::Family => store.names.tokens.len(),
        Field::Extra(i) => store.extras[i].values.len(),
        _ => 0,
    }
}

fn tf_weight(m: f64, n: u32, total: u64) -> f32 {
    let tf = f64::from(n) / total.max(1) as f64;
    (m / tf).log2() as f32
}

impl TfTables {
    /// Tables from the model's counts where it carries them, else counted in
    /// the store; also returns the counts used (to be written with the model).
    fn new(
        store: &RecordStore,
        cmps: &[Comparison],
        model: &Model,
        enabled: bool,
        carried: Option<&TfMap>,
    ) -> (TfTables, TfMap) {
        let mut used = TfMap::new();
        let tables = cmps
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let lvl = c
                    .tf_level
                    .filter(|_| enabled || matches!(c.field, Field::Extra(_)))?;
                let m = model.comparisons[i].levels[lvl as usize].m;
                if let Some(tc) = carried.and_then(|t| t.get(&c.name)) {
                    let counts: HashMap<u64, u32> = tc.counts.iter().copied().collect();
                    let t: Vec<f32> = (0..tf_dictionary_len(store, c.field) as u32)
                        .into_par_iter()
                        .map(|code| {
                            let h =
                                crate::hash::hash_bytes(tf_value(store, c.field, code).as_bytes());
                            tf_weight(m, counts.get(&h).copied().unwrap_or(1), tc.total)
                        })
                        .collect();
                    used.insert(c.name.clone(), tc.clone());
                    return Some(t);
                }
                // Codes are dense: count in a vector, not a hash map.
                let mut counts = vec![0u32; tf_dictionary_len(store, c.field)];
                let mut total = 0u64;
                for r in 0..store.len() {
                    let code = tf_code(store, c.field, RecordId(r as u32));
                    if code != NONE {
                        counts[code as usize] += 1;
                        total += 1;
                    }
                }
                let max = counts.iter().rposition(|&n| n > 0).map_or(0, |k| k + 1);
                let mut t = vec![0f32; max];
                let mut listed: Vec<(u64, u32)> = Vec::new();
                for (code, &n) in counts.iter().enumerate().take(max) {
                    if n == 0 {
                        continue;
                    }
                    t[code] = tf_weight(m, n, total);
                    if n >= 2 {
                        let h = crate::hash::hash_bytes(
                            tf_value(store, c.field, code as u32).as_bytes(),
                        );
                        listed.push((h, n));
                    }
                }
                listed.sort_unstable();
                used.insert(
                    c.name.clone(),
                    TfCount {
                        total,
                        counts: listed,
                    },
                );
                Some(t)
            })
            .collect();
        (TfTables { tables }, used)
    }
}

/// `model.json`: the model, then the term-frequency counts it was scored with
/// (compact: they can be long).
pub(crate) fn model_json(model: &Model, tf: &TfMap) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(model).expect("model serializes");
    if !tf.is_empty() {
        let body = text.trim_end().trim_end_matches('}').trim_end().len();
        text.truncate(body);
        text.push_str(",\n  \"term_frequency\": ");
        text.push_str(&serde_json::to_string(tf).expect("counts serialize"));
        text.push_str("\n}");
    }
    text.into_bytes()
}

/// A hash of the model and its counts: equal models score pairs alike.
pub(crate) fn model_hash(model: &Model, tf: &TfMap) -> u64 {
    let bytes = serde_json::to_vec(&(model, tf)).expect("model serializes");
    crate::hash::hash_bytes(&bytes)
}

/// Reads a `model.json` (with its term-frequency counts, if any) and checks it
/// fits the comparisons.
pub(crate) fn read_model(path: &Path, cmps: &[Comparison]) -> Result<(Model, Option<TfMap>)> {
    #[derive(Deserialize)]
    struct Counts {
        #[serde(default)]
        term_frequency: Option<TfMap>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let model: Model = serde_json::from_str(&text)
        .map_err(|e| Error::usage(format!("{}: not a model.json: {e}", path.display())))?;
    let counts: Counts = serde_json::from_str(&text)
        .map_err(|e| Error::usage(format!("{}: not a model.json: {e}", path.display())))?;
    model
        .check_fits(cmps)
        .map_err(|why| Error::usage(format!("{}: {why}", path.display())))?;
    Ok((model, counts.term_frequency))
}

/// Scores pairs: weights by table lookup, term-frequency on exact levels.
///
/// The name is counted once. `full_name` and `given_name` + `family_name`
/// are two views of the same evidence (an exact full name implies exact
/// parts), and adding all three triple-counts name agreement: a namesake born
/// the same day then outweighs a different ID number. The pair's name
/// evidence is the larger of the two views — the full name sees the middle
/// name and word order, the parts see a typo or a regional variant in one
/// part — and the other view's weights are reported as 0.
pub struct Scorer<'a> {
    /// The compared columns row by row (what `score` reads while scoring
    /// all candidate pairs); None after [`Scorer::release_rows`], when the
    /// few pairs left to score read the store's columns (the same levels,
    /// `tests/compare_rows.rs`).
    packed: Option<Packed<'a>>,
    store: &'a RecordStore,
    cmps: &'a [Comparison],
    table: Vec<f64>,
    prior: f64,
    tf: TfTables,
    /// Indices of the full-name, given-name and family-name comparisons.
    name_views: Option<(usize, usize, usize)>,
    /// The term-frequency counts the weights use (written with the model).
    pub tf_used: TfMap,
}

impl<'a> Scorer<'a> {
    /// `carried`: the model's term-frequency counts; None counts them in the store.
    pub(crate) fn new(
        store: &'a RecordStore,
        cmps: &'a [Comparison],
        model: &Model,
        tf: bool,
        carried: Option<&TfMap>,
    ) -> Scorer<'a> {
        let (tf, tf_used) = TfTables::new(store, cmps, model, tf, carried);
        Scorer {
            packed: Some(Packed::new(store)),
            store,
            cmps,
            table: model.weight_table(),
            prior: model.prior_weight,
            tf,
            tf_used,
            name_views: name_views(cmps),
        }
    }

    /// The weight of comparison `i` at level `l` for the pair. On the
    /// term-frequency level the two records may hold different values (an exact
    /// family-name level also accepts the same name without marks): the weight
    /// is that of the more frequent value, as Splink does, so a pair scores the
    /// same whichever record comes first in the input.
    pub fn level_weight(&self, i: usize, l: u8, a: RecordId, b: RecordId) -> f64 {
        if let (Some(t), Some(tl)) = (&self.tf.tables[i], self.cmps[i].tf_level) {
            if l == tl {
                let field = self.cmps[i].field;
                let w = |r: RecordId| {
                    // From the packed rows the comparison just read (the
                    // store's name column is a cache miss per record).
                    let code = match &self.packed {
                        Some(packed) => tf_code(packed, field, r),
                        None => tf_code(self.store, field, r),
                    };
                    (code != NONE).then(|| t.get(code as usize).copied().unwrap_or(f32::MAX))
                };
                match (w(a), w(b)) {
                    (Some(x), Some(y)) => return f64::from(x.min(y)),
                    (Some(x), None) | (None, Some(x)) => return f64::from(x),
                    (None, None) => {}
                }
            }
        }
        self.table[i * 16 + l as usize]
    }

    /// The counted weight of each comparison for the pair (a, b) with
    /// pattern `p`. The match weight is the prior plus their sum.
    pub fn weights(&self, p: Pattern, a: RecordId, b: RecordId) -> [f64; 16] {
        let mut w = [0.0; 16];
        for (i, x) in w.iter_mut().enumerate().take(self.cmps.len()) {
            *x = self.level_weight(i, level(p, i), a, b);
        }
        if let Some((full, given, family)) = self.name_views {
            // A disagreeing full name ("other") says less than the parts
            // do: they tell a typo in one part from a different given name.
            if w[full] > 0.0 && w[full] >= w[given] + w[family] {
                w[given] = 0.0;
                w[family] = 0.0;
            } else {
                w[full] = 0.0;
            }
        }
        w
    }

    /// Scores the pair found by blocking rule `rule`; kept when its weight is
    /// at least `min_w` (what dedupe and update write to pairs.parquet).
    pub(crate) fn keep(
        &self,
        a: RecordId,
        b: RecordId,
        rule: usize,
        min_w: f64,
    ) -> Option<ScoredPair> {
        let (pattern, weight) = self.score(a, b);
        (weight >= min_w).then_some(ScoredPair {
            a,
            b,
            rule: rule as u8,
            pattern,
            weight,
        })
    }

    /// Frees the packed rows (32 bytes per record) once the candidate pairs
    /// are scored; later calls read the store's columns.
    pub(crate) fn release_rows(&mut self) {
        self.packed = None;
    }

    pub fn score(&self, a: RecordId, b: RecordId) -> (Pattern, f64) {
        let p = match &self.packed {
            Some(packed) => compare(packed, self.cmps, a, b),
            None => compare(self.store, self.cmps, a, b),
        };
        let w = self.prior + self.weights(p, a, b).iter().sum::<f64>();
        (p, w)
    }
}

fn name_views(cmps: &[Comparison]) -> Option<(usize, usize, usize)> {
    let find = |f: Field| cmps.iter().position(|c| c.field == f);
    Some((
        find(Field::FullName)?,
        find(Field::Given)?,
        find(Field::Family)?,
    ))
}

/// Runs one stage and records its wall time under `name`.
pub(crate) fn timed<T>(
    stages: &mut Vec<(String, f64)>,
    name: &str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let t = Instant::now();
    let r = f()?;
    stages.push((name.to_owned(), t.elapsed().as_secs_f64()));
    Ok(r)
}

/// Records per side among which [`estimate_u`] draws its random pairs.
const U_SUBSET: usize = 1 << 16;

/// Draws random pairs (across registers in link mode) and counts their levels.
fn estimate_u(
    packed: &Packed<'_>,
    cmps: &[Comparison],
    mode: Mode,
    n: u64,
    seed: u64,
) -> Vec<Vec<f64>> {
    let store = packed.store();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let len = store.len() as u32;
    let (a_range, b_range) = match mode {
        Mode::Dedupe => ((0, len), (0, len)),
        Mode::Link => {
            let split = store.source.iter().position(|&s| s == 1).unwrap_or(0) as u32;
            ((0, split), (split, len))
        }
    };
    // Random pairs are drawn among a random subset of `U_SUBSET` records per
    // side: each pair is still uniform over all pairs (so u is unbiased), but
    // the subset's rows, names and addresses stay in cache. Drawn from the
    // whole store, every pair cost a dozen cache misses, and estimating u
    // was a sixth of a 1 M run's CPU time.
    let subset = |(lo, hi): (u32, u32), rng: &mut rand_chacha::ChaCha8Rng| -> Vec<u32> {
        let size = (hi - lo) as usize;
        if size <= U_SUBSET {
            return (lo..hi).collect();
        }
        let mut s: Vec<u32> = rand::seq::index::sample(rng, size, U_SUBSET)
            .into_iter()
            .map(|i| lo + i as u32)
            .collect();
        s.sort_unstable();
        s
    };
    // Each pair as one u64 (a, then b): sorting plain integers is several
    // times faster than sorting tuples, in the same order.
    let mut pairs: Vec<u64> = Vec::with_capacity(n as usize);
    if a_range.1 > a_range.0 && b_range.1 > b_range.0 && len >= 2 {
        let side_a = subset(a_range, &mut rng);
        let side_b = match mode {
            Mode::Dedupe => side_a.clone(),
            Mode::Link => subset(b_range, &mut rng),
        };
        while (pairs.len() as u64) < n {
            let a = side_a[rng.random_range(0..side_a.len())];
            let b = side_b[rng.random_range(0..side_b.len())];
            if a != b {
                pairs.push(u64::from(a) << 32 | u64::from(b));
            }
        }
    }
    // Counts do not depend on the order of the pairs; in record order, one
    // side of each comparison reads the store sequentially (random pairs are
    // otherwise all cache misses).
    pairs.par_sort_unstable();
    let counts = pairs
        .par_chunks(64 * 1024)
        .map(|chunk| {
            let mut c: Vec<Vec<u64>> = cmps.iter().map(|c| vec![0; c.levels.len()]).collect();
            for &ab in chunk {
                let (a, b) = (RecordId((ab >> 32) as u32), RecordId(ab as u32));
                let p = compare(packed, cmps, a, b);
                for (i, row) in c.iter_mut().enumerate() {
                    row[level(p, i) as usize] += 1;
                }
            }
            c
        })
        .reduce(
            || cmps.iter().map(|c| vec![0; c.levels.len()]).collect(),
            |mut x, y| {
                for (rx, ry) in x.iter_mut().zip(y) {
                    for (a, b) in rx.iter_mut().zip(ry) {
                        *a += b;
                    }
                }
                x
            },
        );
    u_from_counts(cmps, &counts)
}

/// Comparisons whose outcome a blocking part conditions on: EM on pairs
/// blocked by the part must not estimate their m (the pairs agree on them by
/// construction).
fn conditioned(part: KeyPart, field: Field) -> bool {
    use KeyPart as K;
    match part {
        K::CitizenId | K::IdLast6 => field == Field::CitizenId,
        K::Dob | K::BirthYear | K::YearMonth | K::MonthDay => field == Field::Dob,
        K::Given | K::PhoneticGiven => matches!(field, Field::Given | Field::FullName),
        K::Family => matches!(field, Field::Family | Field::FullName),
        K::FullName | K::PhoneticName => {
            matches!(field, Field::Given | Field::Family | Field::FullName)
        }
        K::Province => field == Field::Province,
        K::Sex => field == Field::Sex,
        K::Address => field == Field::Address,
        K::Extra(i) => field == Field::Extra(i),
    }
}

/// Unsupervised training, the Splink recipe:
/// 1. u from random pairs;
/// 2. for each blocking rule, EM on (a sample of) the pairs in its blocks with
///    the comparisons the rule conditions on held out; each comparison's m is
///    the mean over the sessions that estimated it;
/// 3. λ for *random* pairs, so that prior + Σ log2(m/u) is a proper posterior
///    with u from random pairs: a rule whose agreement is one comparison's top
///    level finds λ_s·pairs_s matches, which are the share m(top) of all
///    matches; λ = matches / all pairs.
fn train(
    store: &RecordStore,
    cmps: &[Comparison],
    blocker: &Blocker<'_>,
    config: &Config,
    mode: Mode,
) -> Model {
    let m = &config.model;
    let packed = Packed::new(store);
    let mut u = estimate_u(&packed, cmps, mode, m.u_sample_pairs, m.seed);
    let per_session = (m.em_sample_pairs / blocker.rules.len().max(1) as u64).max(1000);
    let mut sums: Vec<Vec<f64>> = cmps.iter().map(|c| vec![0.0; c.levels.len()]).collect();
    let mut sessions_per_cmp = vec![0u32; cmps.len()];
    let mut match_estimates: Vec<(usize, f64)> = Vec::new();
    // (comparison, non-matching pairs that agree exactly) from single-key rules.
    let mut exact_non_matches: Vec<(usize, f64)> = Vec::new();
    let mut em_pairs = 0;
    let mut iterations = 0;
    let mut converged = true;
    for (k, rule) in blocker.rules.iter().enumerate() {
        let held: Vec<bool> = cmps
            .iter()
            .map(|c| rule.parts.iter().any(|&p| conditioned(p, c.field)))
            .collect();
        if held.iter().all(|&h| h) {
            continue;
        }
        let mut mask: Pattern = 0;
        for (i, &h) in held.iter().enumerate() {
            if !h {
                mask |= 0xF << (4 * i);
            }
        }
        let pairs_in_rule = blocker.pairs_in_rule(k);
        let rate = (per_session as f64 / pairs_in_rule.max(1) as f64).min(1.0);
        let cut = if rate >= 1.0 {
            u64::MAX
        } else {
            (rate * u64::MAX as f64) as u64
        };
        let counts = blocker.fold_rule_pairs(
            k,
            PatternCounts::default,
            |acc, a, b| {
                if cut == u64::MAX || sample_hash(a, b, m.seed) <= cut {
                    *acc.entry(compare(&packed, cmps, a, b) & mask).or_default() += 1;
                }
            },
            |mut x, y| {
                for (p, n) in y {
                    *x.entry(p).or_default() += n;
                }
                x
            },
        );
        let mut patterns: Vec<(Pattern, u64)> = counts.into_iter().collect();
        patterns.sort_unstable();
        let n: u64 = patterns.iter().map(|p| p.1).sum();
        if n == 0 {
            continue;
        }
        em_pairs += n;
        let r = em(cmps, &patterns, &u, m.em_max_iterations, m.em_tolerance);
        iterations += r.iterations;
        converged &= r.converged;
        for (i, &h) in held.iter().enumerate() {
            if !h {
                sessions_per_cmp[i] += 1;
                for (s, v) in sums[i].iter_mut().zip(&r.m[i]) {
                    *s += v;
                }
            }
        }
        // Rules that are exactly one comparison's top level estimate the number of matches.
        if let [part] = rule.parts[..] {
            let top = match part {
                KeyPart::CitizenId => cmps.iter().position(|c| c.field == Field::CitizenId),
                KeyPart::Dob => cmps.iter().position(|c| c.field == Field::Dob),
                _ => None,
            };
            if let Some(i) = top {
                match_estimates.push((i, r.lambda * pairs_in_rule as f64));
                exact_non_matches.push((i, (1.0 - r.lambda) * pairs_in_rule as f64));
            }
        }
    }
    let mut m_est: Vec<Vec<f64>> = cmps
        .iter()
        .map(|c| {
            // A comparison no session could estimate keeps a neutral m = u.
            vec![0.0; c.levels.len()]
        })
        .collect();
    for i in 0..cmps.len() {
        for l in 1..cmps[i].levels.len() {
            m_est[i][l] = if sessions_per_cmp[i] > 0 {
                (sums[i][l] / f64::from(sessions_per_cmp[i])).max(1e-9)
            } else {
                u[i][l]
            };
        }
    }
    let n = store.len() as f64;
    let all_pairs = match mode {
        Mode::Dedupe => n * (n - 1.0) / 2.0,
        Mode::Link => {
            let a = store.source.iter().filter(|&&s| s == 0).count() as f64;
            a * (n - a)
        }
    };
    let estimates: Vec<f64> = match_estimates
        .iter()
        .filter(|&&(i, _)| sessions_per_cmp[i] > 0)
        .map(|&(i, found)| {
            // Top agreement: exact (and, for dates, exact after repair).
            let top = m_est[i][1]
                + if cmps[i].field == Field::Dob {
                    m_est[i][2]
                } else {
                    0.0
                };
            found / top.max(1e-6)
        })
        .collect();
    let matches = if estimates.is_empty() {
        // No single-key rule to calibrate with: assume each record has one
        // duplicate in ten, a conservative prior for registers.
        n / 10.0
    } else {
        estimates.iter().sum::<f64>() / estimates.len() as f64
    };
    let lambda = (matches / all_pairs.max(1.0)).clamp(1e-12, 0.5);
    // Random sampling cannot see agreements rarer than 1 in `u_sample_pairs`:
    // exact ID agreement between different people is ~1e-9, but the sample's
    // floor is ~5e-7, which costs an exact ID match 6 bits of evidence. A
    // single-key rule's blocks hold *every* pair that agrees exactly, and its
    // EM session says which share of them are not matches, so u(exact) =
    // non-matching agreeing pairs / all pairs, counted instead of sampled.
    for &(i, non_matches) in &exact_non_matches {
        let counted = non_matches.max(1.0) / all_pairs.max(1.0);
        if sessions_per_cmp[i] > 0 && counted < u[i][1] {
            u[i][1] = counted;
        }
    }
    let r = crate::model::EmResult {
        m: m_est,
        lambda,
        iterations,
        converged,
    };
    Model::new(cmps, &u, &r, m.u_sample_pairs, em_pairs)
}

/// Pattern counts of one EM session (a few hundred distinct patterns, millions
/// of increments: a fast fixed hash, not SipHash).
type PatternCounts = hashbrown::HashMap<Pattern, u64, foldhash::fast::FixedState>;

fn sample_hash(a: RecordId, b: RecordId, seed: u64) -> u64 {
    let mut z = (u64::from(a.0) << 32 | u64::from(b.0)) ^ seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// One scored pair kept for output.
#[derive(Clone, Copy, Debug)]
pub struct ScoredPair {
    pub a: RecordId,
    pub b: RecordId,
    /// Index of the blocking rule that found the pair.
    pub rule: u8,
    pub pattern: Pattern,
    pub weight: f64,
}

/// The weight at which a match probability is reached.
pub(crate) fn weight_of(probability: f64) -> f64 {
    if probability <= 0.0 {
        f64::NEG_INFINITY
    } else {
        (probability / (1.0 - probability)).log2()
    }
}

/// Clusters the records linked by pairs at or above `link_w`: the one place
/// `dedupe` and `update` cluster, so their partitions agree.
pub(crate) fn cluster_pairs(
    store: &RecordStore,
    pairs: &[ScoredPair],
    link_w: f64,
) -> ConflictAware {
    let matching: Vec<WeightedPair> = pairs
        .iter()
        .filter(|p| p.weight >= link_w)
        .map(|p| WeightedPair {
            a: p.a,
            b: p.b,
            weight: p.weight,
        })
        .collect();
    conflict_aware_components(
        store.len(),
        matching,
        |i| {
            let c = store.cid[i as usize];
            (c.kind == Cid::PERSONAL).then_some(c.value)
        },
        |x, y| {
            let (x, y) = (RecordId(x), RecordId(y));
            (store.record_id(x), store.source[x.index()])
                < (store.record_id(y), store.source[y.index()])
        },
    )
}

/// Runs dedupe or link and writes every output; returns the summary.
pub fn run(opts: &RunOptions, progress: &Progress) -> Result<Summary> {
    let started = Instant::now();
    let config = &opts.config;
    match (opts.mode, opts.inputs.len()) {
        (Mode::Dedupe, 1) | (Mode::Link, 2) => {}
        (Mode::Dedupe, _) => return Err(Error::usage("dedupe takes exactly one input file")),
        (Mode::Link, _) => {
            return Err(Error::usage("link takes exactly two input files (A and B)"))
        }
    }
    prepare_dir(&opts.out)?;
    let mut stages = Vec::new();

    let st = progress.stage("load", None);
    let mut row_fp = Vec::new();
    let store = timed(&mut stages, "load+normalize", || {
        let fp = (opts.mode == Mode::Dedupe).then_some(&mut row_fp);
        load_store_fp(config, &opts.inputs, opts.as_of, fp)
    })?;
    st.finish(&format!("{} records", store.len()));

    let cmps = comparisons(&store);
    let rules = parse_rules(config)?;
    let st = progress.stage("block", None);
    // Dedupe writes each rule's postings, in the run index's format, as soon
    // as the rule is blocked, and the index links these files: kept in
    // memory, they were the largest structure after the store (12 bytes per
    // record and rule) from blocking to the end of the run.
    let postings_dir = match opts.mode {
        Mode::Dedupe => Some(
            tempfile::Builder::new()
                .prefix(".dinhdanh-postings-")
                .tempdir_in(&opts.out)
                .map_err(|e| Error::io(&opts.out, e))?,
        ),
        Mode::Link => None,
    };
    let mut blocker = timed(&mut stages, "block", || {
        Blocker::with_postings(
            &store,
            rules,
            config.blocking.max_block_size,
            opts.mode == Mode::Link,
            |k, sorted| match &postings_dir {
                Some(dir) => write_postings(dir.path(), k, sorted),
                None => Ok(()),
            },
        )
    })?;
    st.finish(&format!("{} rules", blocker.rules.len()));
    for s in &blocker.stats {
        if s.keyed_records == 0 && !store.is_empty() {
            eprintln!(
                "warning: blocking rule '{}' gave no record a key: a field it joins is missing \
                 from every record (is its column set under [columns]?), so it finds no pairs",
                s.rule
            );
        }
        if s.oversized_blocks > 0 {
            eprintln!(
                "warning: blocking rule '{}' skipped {} blocks larger than {} ({} records); \
                 raise blocking.max_block_size or make the rule more specific",
                s.rule, s.oversized_blocks, config.blocking.max_block_size, s.oversized_records
            );
        }
    }

    let st = progress.stage("train", None);
    let (model, carried_tf, trained) = timed(&mut stages, "train", || match &opts.model {
        Some(path) => {
            let (model, tf) = read_model(path, &cmps)?;
            Ok((model, tf, false))
        }
        None => Ok((
            train(&store, &cmps, &blocker, config, opts.mode),
            None,
            true,
        )),
    })?;
    st.finish(&format!(
        "lambda {:.4}, {} EM iterations",
        model.lambda, model.em_iterations
    ));

    let st = progress.stage("score", None);
    let mut scorer = Scorer::new(
        &store,
        &cmps,
        &model,
        config.model.term_frequency,
        carried_tf.as_ref(),
    );
    let min_w = weight_of(
        config
            .output
            .min_pair_probability
            .min(config.model.threshold),
    );
    // One pass scores the pairs and counts what each rule added (the
    // statistics a separate counting pass used to enumerate them for).
    let n_rules = blocker.rules.len();
    let (mut pairs, added) = timed(&mut stages, "score", || {
        Ok(blocker.fold_pairs(
            || (Vec::<ScoredPair>::new(), vec![0u64; n_rules]),
            |acc, k, a, b| {
                acc.1[k] += 1;
                acc.0.extend(scorer.keep(a, b, k, min_w));
            },
            |mut x, mut y| {
                x.0.append(&mut y.0);
                for (p, q) in x.1.iter_mut().zip(&y.1) {
                    *p += q;
                }
                x
            },
        ))
    })?;
    let candidate_pairs = blocker.set_new_pairs(&added);
    let (rules, rule_stats) = blocker.into_rules_and_stats();
    // The rest scores only a few pairs (flags, report; pairs.parquet reads
    // term frequencies): the store's columns serve them.
    scorer.release_rows();
    pairs.par_sort_unstable_by_key(|p| (p.a, p.b));
    st.finish(&format!(
        "{candidate_pairs} candidate pairs, {} kept",
        pairs.len()
    ));

    let st = progress.stage("cluster", None);
    let threshold = config.model.threshold;
    let link_w = (threshold / (1.0 - threshold)).log2();
    let matching_pairs = pairs.iter().filter(|p| p.weight >= link_w).count() as u64;
    // Clustering is one sequential union-find: the run index's record-id
    // table (which depends only on the store) is built on the other core
    // meanwhile.
    let (ConflictAware { clusters, cut }, id_slots) = timed(&mut stages, "cluster", || {
        Ok(rayon::join(
            || cluster_pairs(&store, &pairs, link_w),
            || (opts.mode == Mode::Dedupe).then(|| crate::index::StoreSlots::build(&store)),
        ))
    })?;
    let n_clusters = clusters.count();
    let multi = clusters.with_duplicates();
    let largest = clusters.largest();
    st.finish(&format!("{n_clusters} clusters, {} pairs cut", cut.len()));

    let st = progress.stage("flag", None);
    let flags = timed(&mut stages, "flag", || {
        Ok(compute_flags(
            &store,
            &FlagInput {
                clusters: &clusters,
                cut: &cut,
                cross_source_only: opts.mode == Mode::Link,
                weight: &|a, b| scorer.score(a, b).1,
            },
        ))
    })?;
    let flag_summary = summarize_flags(&store, &flags);
    st.finish(&format!("{} flags", flags.len()));

    let st = progress.stage("write", None);
    let files = timed(&mut stages, "write", || {
        // The Parquet outputs are written side by side (each writer is
        // sequential), then the index (its files in parallel). Errors are
        // reported in a fixed order.
        let parquet = || -> Result<Vec<AtomicFile>> {
            let ((p, c), f) = rayon::join(
                || {
                    rayon::join(
                        || {
                            write_pairs(
                                &opts.out, &store, &cmps, &scorer, &rules, &pairs, opts.mode,
                            )
                        },
                        || write_clusters(&opts.out, &store, &clusters, opts.mode),
                    )
                },
                || write_flags(&opts.out, &store, &flags, opts.mode == Mode::Link),
            );
            Ok(vec![p?, c?, f?])
        };
        let index = || -> Result<Option<crate::index::PendingIndex>> {
            let (Some(slots), Some(postings_dir)) = (id_slots, &postings_dir) else {
                return Ok(None);
            };
            Ok(Some(write_dedupe_index(
                opts,
                &store,
                slots,
                postings_dir.path(),
                &row_fp,
                &pairs,
                &clusters,
                model_hash(&model, &scorer.tf_used),
            )?))
        };
        // Side by side: written one after the other they peaked as high at
        // 10 M (the write stage is not the run's peak).
        let (files, index) = rayon::join(parquet, index);
        Ok((files?, index?))
    })?;
    let (files, index) = files;
    st.finish("outputs written");

    let summary = Summary {
        mode: opts.mode,
        inputs: opts
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        records: store.len() as u64,
        records_per_input: (0..store.sources.len())
            .map(|s| store.source.iter().filter(|&&x| x as usize == s).count() as u64)
            .collect(),
        rejects: store.rejects.clone(),
        candidate_pairs,
        pairs_written: pairs.len() as u64,
        matching_pairs,
        clusters: n_clusters,
        clusters_with_duplicates: multi,
        largest_cluster: largest,
        blocking: rule_stats,
        threshold,
        conflict_cut_pairs: cut.len() as u64,
        flags: flag_summary,
        model_trained: trained,
        stage_seconds: stages,
        total_seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: peak_rss_bytes(),
        threads: rayon::current_num_threads(),
    };
    let link = opts.mode == Mode::Link;
    let body = report_body(
        &store,
        &pairs,
        &clusters,
        link_w,
        &flags,
        &|a, b| scorer.score(a, b).1,
        link,
        opts.show_values,
        &|rep| {
            if link {
                format!("{}:{}", store.source_name(rep), store.record_id(rep))
            } else {
                store.record_id(rep).to_owned()
            }
        },
    );
    let report = crate::report::html::ReportData {
        mode: match opts.mode {
            Mode::Dedupe => "dedupe",
            Mode::Link => "link",
        }
        .to_owned(),
        records_per_input: summary.records_per_input.clone(),
        records: summary.records,
        candidate_pairs: summary.candidate_pairs,
        pairs_written: summary.pairs_written,
        matching_pairs: summary.matching_pairs,
        clusters: summary.clusters,
        clusters_with_duplicates: summary.clusters_with_duplicates,
        largest_cluster: summary.largest_cluster,
        threshold: summary.threshold,
        threshold_weight: link_w,
        rules: summary
            .blocking
            .iter()
            .map(|s| crate::report::html::RuleRow {
                rule: s.rule.clone(),
                new_pairs: s.new_pairs,
                pairs_in_blocks: s.pairs_in_blocks,
                oversized_blocks: s.oversized_blocks,
                oversized_records: s.oversized_records,
            })
            .collect(),
        stage_seconds: summary.stage_seconds.clone(),
        total_seconds: summary.total_seconds,
        peak_rss_bytes: summary.peak_rss_bytes,
        threads: summary.threads,
        ..body
    };
    let report = crate::report::html::render(&with_run_facts(
        report,
        &opts.inputs,
        opts.as_of,
        &summary.flags,
    ));
    let mut files = files;
    files.push(write_report(&opts.out, &report)?);
    // Everything is complete under temporary names: rename all together.
    for f in files {
        f.commit()?;
    }
    if let Some(index) = index {
        index.commit()?;
    }
    write_atomic(
        &opts.out.join("model.json"),
        &model_json(&model, &scorer.tf_used),
    )?;
    let summary_json = serde_json::to_vec_pretty(&summary).expect("summary serializes");
    write_atomic(&opts.out.join("summary.json"), &summary_json)?;
    let config_toml = config.to_toml();
    write_atomic(&opts.out.join("config.toml"), config_toml.as_bytes())?;
    Ok(summary)
}

/// The parts of report.html read from the run's records, pairs, clusters
/// and flags (O(n) over records and pairs); the caller fills in the run's
/// counts and [`with_run_facts`] the rest. `update` builds it while its
/// clusters are at hand. `link`: records are named `source:id`, as in
/// clusters.parquet; `cluster_name(rep)`: the id of the cluster whose
/// representative is record `rep`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn report_body(
    store: &RecordStore,
    pairs: &[ScoredPair],
    clusters: &crate::cluster::Clusters,
    link_w: f64,
    flags: &[crate::flags::Flag],
    weight: &(dyn Fn(RecordId, RecordId) -> f64 + Sync),
    link: bool,
    show_values: bool,
    cluster_name: &dyn Fn(RecordId) -> String,
) -> crate::report::html::ReportData {
    use crate::flags::FlagKind;
    use crate::report::html::{self as h, ClusterRow, ConflictRow, RecordValues};
    let shown_id = |r: RecordId| {
        if link {
            format!("{}:{}", store.source_name(r), store.record_id(r))
        } else {
            store.record_id(r).to_owned()
        }
    };
    let roots = || (0..store.len()).filter(|&i| clusters.representative[i] as usize == i);
    let mut top: Vec<usize> = roots().filter(|&i| clusters.size[i] > 1).collect();
    // Largest first; equal sizes by cluster id, so the table is the same at any thread count.
    let largest_first = |&x: &usize, &y: &usize| {
        let (a, b) = (RecordId(x as u32), RecordId(y as u32));
        clusters.size[y].cmp(&clusters.size[x]).then_with(|| {
            (store.record_id(a), store.source[x]).cmp(&(store.record_id(b), store.source[y]))
        })
    };
    // Only the first TOP_CLUSTERS are shown: select them, then sort those
    // (sorting all clusters compared record ids of 0.84 M at 10 M records).
    if top.len() > h::TOP_CLUSTERS {
        top.select_nth_unstable_by(h::TOP_CLUSTERS - 1, largest_first);
        top.truncate(h::TOP_CLUSTERS);
    }
    top.sort_by(largest_first);
    let slot: HashMap<u32, usize> = top
        .iter()
        .enumerate()
        .map(|(k, &i)| (i as u32, k))
        .collect();
    let mut members: Vec<Vec<RecordId>> = vec![Vec::new(); top.len()];
    // `size` is per record: records of smaller clusters skip the lookup.
    let smallest = top.last().map_or(u32::MAX, |&i| clusters.size[i]);
    for (i, rep) in clusters.representative.iter().enumerate() {
        if clusters.size[i] < smallest {
            continue;
        }
        if let Some(&k) = slot.get(rep) {
            members[k].push(RecordId(i as u32));
        }
    }
    let mut shown: Vec<RecordId> = Vec::new();
    let largest_clusters = top
        .iter()
        .zip(members)
        .map(|(&rep, mut m)| {
            m.sort_by(|&a, &b| {
                (store.record_id(a), store.source[a.index()])
                    .cmp(&(store.record_id(b), store.source[b.index()]))
            });
            m.truncate(h::MAX_MEMBERS);
            shown.extend(&m);
            ClusterRow {
                cluster_id: cluster_name(RecordId(rep as u32)),
                size: u64::from(clusters.size[rep]),
                members: m.into_iter().map(shown_id).collect(),
            }
        })
        .collect();
    // The strongest conflicts: pair flags, the model's evidence strongest
    // first — a cut pair the model wanted to link (high weight), a shared
    // number the model says two people hold (low weight) — ties by ids.
    // Each pair flag's weight scored in parallel (0.22 M pair flags at 10 M
    // records), then the strongest MAX_CONFLICTS selected and only those
    // sorted. The order is total: pair flags with equal ids differ only in
    // detail, last in the flags' own order.
    let mut conflict_flags: Vec<(f64, &crate::flags::Flag)> = flags
        .par_iter()
        .filter(|f| f.kind.is_pair())
        .filter_map(|f| f.other.map(|o| (weight(f.record, o), f)))
        .collect();
    let strength = |w: f64, k: FlagKind| if k == FlagKind::SharedId { -w } else { w };
    let strongest_first = |(wx, x): &(f64, &crate::flags::Flag),
                           (wy, y): &(f64, &crate::flags::Flag)| {
        strength(*wy, y.kind)
            .total_cmp(&strength(*wx, x.kind))
            .then_with(|| x.kind.as_str().cmp(y.kind.as_str()))
            .then_with(|| {
                let key = |f: &crate::flags::Flag| {
                    let o = f.other.expect("pair flags have a second record");
                    (
                        store.record_id(f.record),
                        store.source[f.record.index()],
                        store.record_id(o),
                        store.source[o.index()],
                    )
                };
                key(x).cmp(&key(y))
            })
            .then_with(|| x.detail.cmp(y.detail))
    };
    if conflict_flags.len() > h::MAX_CONFLICTS {
        conflict_flags.select_nth_unstable_by(h::MAX_CONFLICTS - 1, strongest_first);
        conflict_flags.truncate(h::MAX_CONFLICTS);
    }
    conflict_flags.sort_by(strongest_first);
    let conflicts: Vec<ConflictRow> = conflict_flags
        .iter()
        .map(|&(w, f)| {
            let o = f.other.expect("pair flags have a second record");
            shown.push(f.record);
            shown.push(o);
            ConflictRow {
                kind: f.kind.as_str().to_owned(),
                record_ids: vec![shown_id(f.record), shown_id(o)],
                weight: Some(w),
                detail: f.detail.to_owned(),
            }
        })
        .collect();
    shown.sort_by(|&a, &b| {
        (store.record_id(a), store.source[a.index()])
            .cmp(&(store.record_id(b), store.source[b.index()]))
    });
    shown.dedup();
    let values = show_values.then(|| {
        shown
            .iter()
            .map(|&r| {
                let name = store
                    .name_entry(r)
                    .map_or(String::new(), |n| store.names.token(n.canonical).to_owned());
                let d = store.dob[r.index()];
                let date_of_birth = match (d.year, d.month, d.day) {
                    (0, _, _) => String::new(),
                    (y, 0, _) => format!("{y:04}"),
                    (y, m, 0) => format!("{y:04}-{m:02}"),
                    (y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
                };
                let code = store.province[r.index()];
                let province = match code {
                    0 => String::new(),
                    c if c >= 1000 => crate::normalize::province::unit(
                        crate::normalize::province::UnitId(c - 1000),
                    )
                    .map_or(String::new(), |u| u.name.to_owned()),
                    c => crate::normalize::province::by_code(c)
                        .map_or(String::new(), |p| p.name.to_owned()),
                };
                let v = RecordValues {
                    name,
                    date_of_birth,
                    province,
                };
                (shown_id(r), v)
            })
            .collect()
    });
    h::ReportData {
        weights: h::Histogram::from_weights(pairs.iter().map(|p| p.weight), link_w),
        cluster_sizes: h::size_distribution(roots().map(|i| u64::from(clusters.size[i]))),
        largest_clusters,
        conflicts,
        values,
        ..h::ReportData::default()
    }
}

/// `report` with what every run shows the same way: its input file names,
/// the program version, the reference date and the flag counts.
pub(crate) fn with_run_facts(
    report: crate::report::html::ReportData,
    inputs: &[PathBuf],
    as_of: Date,
    flags: &FlagSummary,
) -> crate::report::html::ReportData {
    crate::report::html::ReportData {
        inputs: inputs
            .iter()
            .map(|p| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            })
            .collect(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        as_of: format!("{:04}-{:02}-{:02}", as_of.year, as_of.month, as_of.day),
        flags_by_kind: flags.by_kind.iter().map(|(k, &n)| (k.clone(), n)).collect(),
        flags_by_province: flags
            .by_province
            .iter()
            .map(|p| {
                let name = if p.code == 0 {
                    "unknown or missing".to_owned()
                } else {
                    p.name.clone()
                };
                (
                    name,
                    p.by_kind.iter().map(|(k, &n)| (k.clone(), n)).collect(),
                )
            })
            .collect(),
        ..report
    }
}

pub(crate) fn write_report(out: &Path, html: &str) -> Result<AtomicFile> {
    use std::io::Write as _;
    let dest = out.join("report.html");
    let f = AtomicFile::create(&dest)?;
    let mut w = f.writer()?;
    w.write_all(html.as_bytes())
        .map_err(|e| Error::io(&dest, e))?;
    w.flush().map_err(|e| Error::io(&dest, e))?;
    drop(w);
    Ok(f)
}

/// The run index of a dedupe run (written under a temporary name).
/// `slots` is the store's record-id table, built beside clustering.
#[allow(clippy::too_many_arguments)]
fn write_dedupe_index(
    opts: &RunOptions,
    store: &RecordStore,
    slots: crate::index::StoreSlots,
    postings_dir: &Path,
    row_fp: &[u64],
    pairs: &[ScoredPair],
    clusters: &crate::cluster::Clusters,
    model_hash: u64,
) -> Result<crate::index::PendingIndex> {
    use crate::index::{write_index_with, ClusterNames, IndexContents, PostingsWrite, StrTable};
    let mut number = vec![u32::MAX; store.len()];
    let mut names = StrTable::default();
    let cluster_of: Vec<u32> = clusters
        .representative
        .iter()
        .map(|&rep| {
            let n = &mut number[rep as usize];
            if *n == u32::MAX {
                *n = names.len() as u32;
                names.push(store.record_id(RecordId(rep)));
            }
            *n
        })
        .collect();
    // The postings were written while blocking (`write_postings`): the
    // index links them — the files, byte for byte, of a full write.
    write_index_with(
        &opts.out,
        &IndexContents {
            config: &opts.config,
            model_hash,
            store,
            slots: &slots,
            row_fp,
            postings: &[],
            pairs,
            cluster_of: &cluster_of,
            cluster_names: ClusterNames::Table(&names),
        },
        PostingsWrite::Prewritten { dir: postings_dir },
    )
}

/// Writes rule `k`'s postings (keyed records as (key, record), sorted) as
/// the run index's `rule{k}.keys.u64` and `rule{k}.records.u32` (format v4,
/// ARCHITECTURE.md) into `dir`.
fn write_postings(dir: &Path, k: usize, sorted: &[(u64, u32)]) -> Result<()> {
    let (keys, records) = rayon::join(
        || {
            write_le(&dir.join(format!("rule{k}.keys.u64")), sorted, |p, out| {
                out.extend_from_slice(&p.0.to_le_bytes())
            })
        },
        || {
            write_le(
                &dir.join(format!("rule{k}.records.u32")),
                sorted,
                |p, out| out.extend_from_slice(&p.1.to_le_bytes()),
            )
        },
    );
    keys.and(records)
}

/// Writes one little-endian column of `items` (`put` appends an item's bytes).
fn write_le<T>(path: &Path, items: &[T], put: impl Fn(&T, &mut Vec<u8>)) -> Result<()> {
    use std::io::Write;
    let mut f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut buf = Vec::with_capacity(1 << 20);
    for chunk in items.chunks(64 * 1024) {
        buf.clear();
        for item in chunk {
            put(item, &mut buf);
        }
        f.write_all(&buf).map_err(|e| Error::io(path, e))?;
    }
    Ok(())
}

pub(crate) fn write_pairs(
    out: &Path,
    store: &RecordStore,
    cmps: &[Comparison],
    scorer: &Scorer<'_>,
    rules: &[crate::block::Rule],
    pairs: &[ScoredPair],
    mode: Mode,
) -> Result<AtomicFile> {
    let mut fields = vec![
        ArrowField::new("left_id", DataType::Utf8, false),
        ArrowField::new("right_id", DataType::Utf8, false),
    ];
    if mode == Mode::Link {
        fields.push(ArrowField::new("left_source", DataType::Utf8, false));
        fields.push(ArrowField::new("right_source", DataType::Utf8, false));
    }
    fields.push(ArrowField::new("match_weight", DataType::Float64, false));
    fields.push(ArrowField::new(
        "match_probability",
        DataType::Float64,
        false,
    ));
    fields.push(ArrowField::new("blocking_rule", DataType::Utf8, false));
    for c in cmps {
        fields.push(ArrowField::new(
            format!("{}_level", c.name),
            DataType::Utf8,
            false,
        ));
        fields.push(ArrowField::new(
            format!("{}_weight", c.name),
            DataType::Float64,
            false,
        ));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut w = ParquetOut::create(&out.join("pairs.parquet"), schema.clone())?;
    for chunk in pairs.chunks(256 * 1024) {
        let mut left = StringBuilder::new();
        let mut right = StringBuilder::new();
        let mut ls = StringBuilder::new();
        let mut rs = StringBuilder::new();
        let mut weight = Float64Builder::new();
        let mut prob = Float64Builder::new();
        let mut rule = StringBuilder::new();
        let mut lv: Vec<StringBuilder> = cmps.iter().map(|_| StringBuilder::new()).collect();
        let mut wt: Vec<Float64Builder> = cmps.iter().map(|_| Float64Builder::new()).collect();
        for p in chunk {
            left.append_value(store.record_id(p.a));
            right.append_value(store.record_id(p.b));
            ls.append_value(store.source_name(p.a));
            rs.append_value(store.source_name(p.b));
            weight.append_value(p.weight);
            prob.append_value(probability(p.weight));
            rule.append_value(&rules[p.rule as usize].name);
            let weights = scorer.weights(p.pattern, p.a, p.b);
            for (i, c) in cmps.iter().enumerate() {
                let l = level(p.pattern, i);
                lv[i].append_value(c.levels[l as usize]);
                wt[i].append_value(weights[i]);
            }
        }
        let mut cols: Vec<ArrayRef> = vec![Arc::new(left.finish()), Arc::new(right.finish())];
        if mode == Mode::Link {
            cols.push(Arc::new(ls.finish()));
            cols.push(Arc::new(rs.finish()));
        }
        cols.push(Arc::new(weight.finish()));
        cols.push(Arc::new(prob.finish()));
        cols.push(Arc::new(rule.finish()));
        for (mut l, mut x) in lv.into_iter().zip(wt) {
            cols.push(Arc::new(l.finish()));
            cols.push(Arc::new(x.finish()));
        }
        let batch = RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema");
        w.write(&batch)?;
    }
    w.finish()
}

fn write_clusters(
    out: &Path,
    store: &RecordStore,
    clusters: &crate::cluster::Clusters,
    mode: Mode,
) -> Result<AtomicFile> {
    write_cluster_rows(
        out,
        store,
        mode == Mode::Link,
        |i, cid| {
            let rep = RecordId(clusters.representative[i]);
            match mode {
                Mode::Dedupe => cid.append_value(store.record_id(rep)),
                Mode::Link => cid.append_value(format!(
                    "{}:{}",
                    store.source_name(rep),
                    store.record_id(rep)
                )),
            }
        },
        |i| clusters.size[i],
    )
}

/// `clusters.parquet`: one row per record in store order — `record_id`,
/// `source` (when `with_source`), `cluster_id` (appended by `cluster_id(i,
/// builder)`), `cluster_size` (`size(i)`). Dedupe, link and update write it.
pub(crate) fn write_cluster_rows(
    out: &Path,
    store: &RecordStore,
    with_source: bool,
    cluster_id: impl Fn(usize, &mut StringBuilder),
    size: impl Fn(usize) -> u32,
) -> Result<AtomicFile> {
    let mut fields = vec![ArrowField::new("record_id", DataType::Utf8, false)];
    if with_source {
        fields.push(ArrowField::new("source", DataType::Utf8, false));
    }
    fields.push(ArrowField::new("cluster_id", DataType::Utf8, false));
    fields.push(ArrowField::new("cluster_size", DataType::UInt32, false));
    let schema = Arc::new(Schema::new(fields));
    let mut w = ParquetOut::create(&out.join("clusters.parquet"), schema.clone())?;
    let n = store.len();
    let mut start = 0;
    while start < n {
        let end = (start + (1 << 20)).min(n);
        let mut rid = StringBuilder::new();
        let mut src = StringBuilder::new();
        let mut cid = StringBuilder::new();
        let mut sizes = UInt32Builder::new();
        for i in start..end {
            let r = RecordId(i as u32);
            rid.append_value(store.record_id(r));
            if with_source {
                src.append_value(store.source_name(r));
            }
            cluster_id(i, &mut cid);
            sizes.append_value(size(i));
        }
        let mut cols: Vec<ArrayRef> = vec![Arc::new(rid.finish())];
        if with_source {
            cols.push(Arc::new(src.finish()));
        }
        cols.push(Arc::new(cid.finish()));
        cols.push(Arc::new(sizes.finish()));
        w.write(&RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema"))?;
        start = end;
    }
    w.finish()
}

/// `dinhdanh blocking-report`: what each rule would generate, before scoring.
pub fn blocking_report(config: &Config, inputs: &[PathBuf]) -> Result<String> {
    use std::fmt::Write as _;
    let store = load_store(config, inputs, Date::today())?;
    let rules = parse_rules(config)?;
    let mut blocker = Blocker::new(
        &store,
        rules,
        config.blocking.max_block_size,
        inputs.len() == 2,
    );
    let total = blocker.count_new_pairs();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} records; max_block_size {}\n",
        store.len(),
        config.blocking.max_block_size
    );
    let _ = writeln!(
        s,
        "{:<32} {:>12} {:>10} {:>15} {:>15} {:>10}",
        "rule", "keyed recs", "blocks", "pairs in blocks", "new pairs", "oversized"
    );
    for st in &blocker.stats {
        let _ = writeln!(
            s,
            "{:<32} {:>12} {:>10} {:>15} {:>15} {:>10}",
            st.rule,
            st.keyed_records,
            st.blocks,
            st.pairs_in_blocks,
            st.new_pairs,
            st.oversized_blocks
        );
    }
    let _ = writeln!(
        s,
        "\ntotal pairs to score: {total}\n\nlargest blocks (size, a record id in it):"
    );
    for st in &blocker.stats {
        let sizes: Vec<String> = st
            .largest_blocks
            .iter()
            .map(|(n, id)| format!("{n} ({id})"))
            .collect();
        let _ = writeln!(s, "  {:<30} {}", st.rule, sizes.join(", "));
    }
    Ok(s)
}

/// `dinhdanh explain`: the levels and weights of two records of a run.
pub fn explain(run_dir: &Path, id1: &str, id2: &str) -> Result<String> {
    use std::fmt::Write as _;
    let read = |name: &str| {
        let p = run_dir.join(name);
        std::fs::read_to_string(&p).map_err(|e| {
            Error::usage(format!(
                "{}: {e}; --run must name a directory written by dedupe or link",
                p.display()
            ))
        })
    };
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")?)
        .map_err(|e| Error::usage(format!("{}: {e}", run_dir.join("summary.json").display())))?;
    let config = Config::from_toml(&read("config.toml")?)?;
    // Checked before the (slow) load so a wrong --run fails fast with advice.
    read("model.json")?;
    let inputs: Vec<PathBuf> = summary["inputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(PathBuf::from))
                .collect()
        })
        .unwrap_or_default();
    let store = load_store(&config, &inputs, Date::today())?;
    let cmps = comparisons(&store);
    let (model, carried) = read_model(&run_dir.join("model.json"), &cmps)?;
    let find = |spec: &str, default_source: usize| -> Result<RecordId> {
        let (src, id) = match spec.split_once(':') {
            Some((s, id)) if store.sources.iter().any(|n| n == s) => (
                store.sources.iter().position(|n| n == s).expect("checked"),
                id,
            ),
            _ => (default_source.min(store.sources.len() - 1), spec),
        };
        (0..store.len() as u32)
            .map(RecordId)
            .find(|&r| store.source[r.index()] as usize == src && store.record_id(r) == id)
            .ok_or_else(|| Error::usage(format!("record id {spec} is not in the run's input")))
    };
    let a = find(id1, 0)?;
    let b = find(id2, 1)?;
    let scorer = Scorer::new(
        &store,
        &cmps,
        &model,
        config.model.term_frequency,
        carried.as_ref(),
    );
    let (p, w) = scorer.score(a, b);
    let mut s = String::new();
    let _ = writeln!(s, "{id1} vs {id2}\n");
    let _ = writeln!(s, "{:<16} {:<28} {:>8}", "comparison", "level", "weight");
    let _ = writeln!(
        s,
        "{:<16} {:<28} {:>8.2}",
        "(prior)", "", model.prior_weight
    );
    let weights = scorer.weights(p, a, b);
    for (i, c) in cmps.iter().enumerate() {
        let l = level(p, i);
        let _ = writeln!(
            s,
            "{:<16} {:<28} {:>8.2}",
            c.name, c.levels[l as usize], weights[i]
        );
    }
    let _ = writeln!(
        s,
        "\nmatch weight {w:.2}, match probability {:.6} (threshold {})",
        probability(w),
        config.model.threshold
    );
    Ok(s)
}
