//! Term-frequency adjustment: on exact agreement of a name or a date of
//! birth, u is the value's frequency instead of the field's average.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::intern::NONE;
use crate::score::compare::{Comparison, Field, Fields};
use crate::score::model::Model;
use crate::store::{RecordId, RecordStore};

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
pub(crate) struct TfTables {
    pub(crate) tables: Vec<Option<Vec<f32>>>,
}

pub(crate) fn tf_code<S: Fields + ?Sized>(fields: &S, field: Field, r: RecordId) -> u32 {
    match field {
        Field::FullName => fields.name_code(r),
        Field::Given => fields.name_entry(r).map_or(NONE, |n| n.given),
        Field::Family => fields.name_entry(r).map_or(NONE, |n| n.family),
        Field::Extra(i) => fields.store().extras[i].codes[r.index()],
        _ => NONE,
    }
}

/// The value a term-frequency code stands for (what the model's counts are keyed by).
pub(crate) fn tf_value(store: &RecordStore, field: Field, code: u32) -> &str {
    match field {
        Field::FullName => store
            .names
            .token(store.names.entries[code as usize].canonical),
        Field::Given | Field::Family => store.names.token(code),
        Field::Extra(i) => &store.extras[i].values[code as usize],
        _ => "",
    }
}

pub(crate) fn tf_dictionary_len(store: &RecordStore, field: Field) -> usize {
    match field {
        Field::FullName => store.names.entries.len(),
        Field::Given | Field::Family => store.names.tokens.len(),
        Field::Extra(i) => store.extras[i].values.len(),
        _ => 0,
    }
}

pub(crate) fn tf_weight(m: f64, n: u32, total: u64) -> f32 {
    let tf = f64::from(n) / total.max(1) as f64;
    (m / tf).log2() as f32
}

impl TfTables {
    /// Tables from the model's counts where it carries them, else counted in
    /// the store; also returns the counts used (to be written with the model).
    pub(crate) fn new(
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
