//! Blocking and scoring what changed: only the blocks an added, changed or
//! removed record touches are visited (their previous members read from the
//! memory-mapped postings), and the previous run's pairs between unchanged
//! records are kept unless their block grew over the cap (module docs of
//! [`super`]: the candidate set is exactly a full run's).

use std::collections::HashSet;

use rayon::prelude::*;

use super::clusters::seen_earlier;
use super::postings::{previous_count, previous_records};
use crate::block::{rule_key, NO_KEY};
use crate::config::Rule;
use crate::index::RunIndex;
use crate::intern::NONE;
use crate::score::scorer::{ScoredPair, Scorer};
use crate::store::{RecordId, RecordStore};

/// What the night changed, as blocking sees it.
pub(crate) struct Delta<'a> {
    pub(crate) idx: &'a RunIndex,
    /// The merged store (previous records and the snapshot's new rows).
    pub(crate) store: &'a RecordStore,
    pub(crate) rules: &'a [Rule],
    /// Per previous record: its number in the merged store, or NONE.
    pub(crate) old_to_new: &'a [u32],
    /// The merged store's added and changed records.
    pub(crate) fresh_rows: &'a [u32],
    /// Per rule: the sorted keys of the previous records that left their
    /// blocks (deleted or changed).
    pub(crate) removed_keys: &'a [Vec<u64>],
}

/// What the block+score stage found.
pub(crate) struct Scored {
    /// New candidate pairs scored.
    pub(crate) candidate_pairs: u64,
    /// Previous pairs kept.
    pub(crate) pairs_kept: u64,
    /// Every pair kept, new and previous, sorted by records.
    pub(crate) pairs: Vec<ScoredPair>,
    /// Blocks that grew over the cap, and that shrank to it.
    pub(crate) grown: u64,
    pub(crate) shrunk: u64,
    /// Per rule: the fresh records' (key, record), sorted (the new postings'
    /// delta).
    pub(crate) fresh_keys_per_rule: Vec<Vec<(u64, u32)>>,
}

/// The blocks to visit and what happens to the previous ones.
struct Plan {
    /// (rule, key, whether the block's old records pair among themselves).
    tasks: Vec<(usize, u64, bool)>,
    /// (rule, key) of blocks that grew over the cap: their pairs are dropped.
    dropped: HashSet<(usize, u64)>,
    grown: u64,
    shrunk: u64,
    fresh_keys_per_rule: Vec<Vec<(u64, u32)>>,
}

/// Blocks and scores the night's change; `min_w`: the output floor.
pub(crate) fn block_and_score(
    d: &Delta<'_>,
    scorer: &Scorer<'_>,
    cap: usize,
    min_w: f64,
) -> Scored {
    let plan = plan_blocks(d, cap);
    let (candidate_pairs, mut found) = score_blocks(d, &plan, scorer, min_w);
    let kept = previous_pairs(d, &plan.dropped, scorer, min_w);
    let pairs_kept = kept.len() as u64;
    found.extend(kept);
    found.par_sort_unstable_by_key(|p| (p.a, p.b));
    found.dedup_by_key(|p| (p.a, p.b));
    Scored {
        candidate_pairs,
        pairs_kept,
        pairs: found,
        grown: plan.grown,
        shrunk: plan.shrunk,
        fresh_keys_per_rule: plan.fresh_keys_per_rule,
    }
}

/// Per rule, every key a fresh or removed record has: the block's size
/// before and after decides whether it is visited, dropped or reopened.
fn plan_blocks(d: &Delta<'_>, cap: usize) -> Plan {
    let mut plan = Plan {
        tasks: Vec::new(),
        dropped: HashSet::new(),
        grown: 0,
        shrunk: 0,
        fresh_keys_per_rule: Vec::with_capacity(d.rules.len()),
    };
    for (k, rule) in d.rules.iter().enumerate() {
        let mut fresh_keys: Vec<(u64, u32)> = d
            .fresh_rows
            .par_iter()
            .map(|&i| (rule_key(d.store, rule, RecordId(i)), i))
            .filter(|&(key, _)| key != NO_KEY)
            .collect();
        fresh_keys.par_sort_unstable();
        let rk = &d.removed_keys[k];
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
                let old_size = previous_count(d.idx, k, key);
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
                plan.dropped.insert((k, key));
                plan.grown += 1;
            }
            if new_ok && new_size >= 2 && (came > 0 || !old_ok) {
                if !old_ok {
                    plan.shrunk += 1;
                }
                plan.tasks.push((k, key, !old_ok));
            }
        }
        plan.fresh_keys_per_rule.push(fresh_keys);
    }
    plan
}

/// Scores the pairs of the planned blocks that involve a fresh record (all
/// of a reopened block's pairs), each once: (candidates, pairs kept).
fn score_blocks(
    d: &Delta<'_>,
    plan: &Plan,
    scorer: &Scorer<'_>,
    min_w: f64,
) -> (u64, Vec<ScoredPair>) {
    plan.tasks
        .par_iter()
        .map(|&(k, key, reopened)| {
            let fk = &plan.fresh_keys_per_rule[k];
            let lo = fk.partition_point(|&(x, _)| x < key);
            let hi = fk.partition_point(|&(x, _)| x <= key);
            let fresh: Vec<u32> = fk[lo..hi].iter().map(|&(_, i)| i).collect();
            let mut old: Vec<u32> = Vec::new();
            previous_records(d.idx, k, key, &mut old);
            old.retain_mut(|j| {
                *j = d.old_to_new[*j as usize];
                *j != NONE
            });
            old.sort_unstable();
            let mut out = Vec::new();
            let mut count = 0u64;
            let mut consider = |x: u32, y: u32| {
                let (a, b) = (RecordId(x.min(y)), RecordId(x.max(y)));
                if seen_earlier(d.store, d.rules, k, a, b) {
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
        )
}

/// The previous run's pairs between unchanged records, unless their block
/// grew over the cap.
fn previous_pairs(
    d: &Delta<'_>,
    dropped: &HashSet<(usize, u64)>,
    scorer: &Scorer<'_>,
    min_w: f64,
) -> Vec<ScoredPair> {
    let old_pairs = &d.idx.pairs;
    let old_to_new = d.old_to_new;
    (0..old_pairs.len())
        .into_par_iter()
        .filter_map(|p| {
            let a = old_to_new[old_pairs.a[p] as usize];
            let b = old_to_new[old_pairs.b[p] as usize];
            if a == NONE || b == NONE {
                return None;
            }
            let k = old_pairs.rule[p] as usize;
            if !dropped.is_empty()
                && dropped.contains(&(k, rule_key(d.store, &d.rules[k], RecordId(a))))
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
        .collect()
}
