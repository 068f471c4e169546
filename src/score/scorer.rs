//! Scoring a pair: comparison levels → match weight, with the trained
//! model and term-frequency tables.

use crate::config::Config;
use crate::intern::NONE;
use crate::score::compare::{compare, level, Comparison, Field, Packed, Pattern};
use crate::score::model::Model;
use crate::score::tf::{tf_code, TfMap, TfTables};
use crate::store::{RecordId, RecordStore};

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

pub(crate) fn name_views(cmps: &[Comparison]) -> Option<(usize, usize, usize)> {
    let find = |f: Field| cmps.iter().position(|c| c.field == f);
    Some((
        find(Field::FullName)?,
        find(Field::Given)?,
        find(Field::Family)?,
    ))
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

/// The weight below which a scored pair is not kept (`pairs.parquet`'s
/// floor, never above the threshold's).
pub(crate) fn output_floor(config: &Config) -> f64 {
    weight_of(
        config
            .output
            .min_pair_probability
            .min(config.model.threshold),
    )
}

/// The weight at which a match probability is reached.
pub(crate) fn weight_of(probability: f64) -> f64 {
    if probability <= 0.0 {
        f64::NEG_INFINITY
    } else {
        (probability / (1.0 - probability)).log2()
    }
}
