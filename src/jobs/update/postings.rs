//! The new run's postings: the previous postings mapped to the new record
//! numbers, with the added and changed records' keys.

use rayon::prelude::*;

use crate::index::{BasePostings, Postings, RunIndex, COMPACT_FRACTION};
use crate::intern::NONE;

/// The previous run's records with `key` under rule `k` (previous numbering):
/// the live base entries, then the delta's.
pub(crate) fn previous_records(idx: &RunIndex, k: usize, key: u64, out: &mut Vec<u32>) {
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
pub(crate) fn previous_count(idx: &RunIndex, k: usize, key: u64) -> usize {
    let p = &idx.postings[k];
    let live = p
        .base
        .range(key)
        .filter(|&e| idx.base_map[p.base.records.get(e) as usize] != NONE)
        .count();
    live + p.delta.range(key).len()
}

/// The new run's postings.
pub(crate) enum NewPostings {
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
pub(crate) fn next_base_map(idx: &RunIndex, old_to_new: &[u32], n: usize) -> (Vec<u32>, bool) {
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

pub(crate) fn new_postings(
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
pub(crate) fn merge_base(base: &BasePostings, base_map: &[u32], delta: &[(u64, u32)]) -> Postings {
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
