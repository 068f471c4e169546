//! Incremental clustering: recompute only the components of matching pairs
//! that changed.

use crate::block::{rule_key, NO_KEY};
use crate::cluster::{conflict_aware_components, Clusters, UnionFind, WeightedPair};
use crate::config::Rule;
use crate::index::RunIndex;
use crate::intern::NONE;
use crate::score::scorer::ScoredPair;
use crate::store::{Cid, RecordId, RecordStore};

/// True when an earlier rule than `k` keys `a` and `b` together (then that
/// rule, not `k`, decides whether the pair is a candidate).
pub(crate) fn seen_earlier(
    store: &RecordStore,
    rules: &[Rule],
    k: usize,
    a: RecordId,
    b: RecordId,
) -> bool {
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
pub(crate) fn incremental_clusters(
    store: &RecordStore,
    pairs: &[ScoredPair],
    link_w: f64,
    idx: &RunIndex,
    old_to_new: &[u32],
) -> (Clusters, Vec<bool>) {
    let n = store.len();
    let new_to_old = invert(old_to_new, n);
    // Records normalized anew (no previous row) are dirty.
    let mut dirty: Vec<bool> = new_to_old.iter().map(|&j| j == NONE).collect();
    let now = matching_pairs(pairs, link_w);
    let before = previous_matching_pairs(idx, link_w, old_to_new, &mut dirty);
    mark_changed_pairs(&now, &before, &mut dirty);
    drop(before);
    let affected = affected_records(n, &now, &dirty);
    let redone = Redone::cluster(store, &now, &affected);
    let clusters = redone.with_carried(idx, &new_to_old, &affected);
    (clusters, affected)
}

/// A matching pair: (a, b, weight bits).
type Edge = (u32, u32, u64);

/// The new row of each previous row, inverted: the previous row of each of
/// the `n` new rows, or NONE.
fn invert(old_to_new: &[u32], n: usize) -> Vec<u32> {
    let mut new_to_old = vec![NONE; n];
    for (j, &i) in old_to_new.iter().enumerate() {
        if i != NONE {
            new_to_old[i as usize] = j as u32;
        }
    }
    new_to_old
}

/// This run's matching pairs, sorted by (a, b) as `pairs` is.
fn matching_pairs(pairs: &[ScoredPair], link_w: f64) -> Vec<Edge> {
    pairs
        .iter()
        .filter(|p| p.weight >= link_w)
        .map(|p| (p.a.0, p.b.0, p.weight.to_bits()))
        .collect()
}

/// The previous run's matching pairs between records still present, in
/// the new numbering; the surviving ends of the others are marked dirty.
/// Sorted by (a, b): the order of the unchanged records is kept, so
/// mapping keeps the previous sort.
fn previous_matching_pairs(
    idx: &RunIndex,
    link_w: f64,
    old_to_new: &[u32],
    dirty: &mut [bool],
) -> Vec<Edge> {
    let old = &idx.pairs;
    let mut before: Vec<Edge> = Vec::new();
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
    before
}

/// Marks dirty both ends of every matching pair that appeared, disappeared
/// or changed weight (a merge of the two sorted lists).
fn mark_changed_pairs(now: &[Edge], before: &[Edge], dirty: &mut [bool]) {
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
        let mut mark = |e: &Edge| {
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
}

/// Per record, whether its component of the new matching pairs has a dirty
/// record (and is redone).
fn affected_records(n: usize, now: &[Edge], dirty: &[bool]) -> Vec<bool> {
    let mut uf = UnionFind::new(n);
    for &(a, b, _) in now {
        uf.union(a, b);
    }
    let mut dirty_root = vec![false; n];
    for (i, &d) in dirty.iter().enumerate() {
        if d {
            let r = uf.find(i as u32);
            dirty_root[r as usize] = true;
        }
    }
    (0..n as u32)
        .map(|i| dirty_root[uf.find(i) as usize])
        .collect()
}

/// The affected records, clustered again on their own.
struct Redone {
    /// Record of each local number (the affected records, in order).
    global: Vec<u32>,
    /// Local number of each record (NONE when not affected).
    local: Vec<u32>,
    /// Clusters of the local numbers.
    clusters: Clusters,
}

impl Redone {
    /// Clusters the affected records, renumbered in order, by their matching pairs.
    fn cluster(store: &RecordStore, now: &[Edge], affected: &[bool]) -> Redone {
        let n = affected.len();
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
        // As `crate::cluster::cluster_pairs` clusters (the same ID numbers and order).
        let clusters = conflict_aware_components(
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
        Redone {
            global,
            local,
            clusters,
        }
    }

    /// The clusters of all records: the redone ones, and the previous
    /// cluster of every other record (represented by its first record,
    /// sized by count).
    fn with_carried(&self, idx: &RunIndex, new_to_old: &[u32], affected: &[bool]) -> Clusters {
        let n = affected.len();
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
                let l = self.local[i] as usize;
                representative.push(self.global[self.clusters.representative[l] as usize]);
                size.push(self.clusters.size[l]);
            } else {
                let c = idx.cluster_of[new_to_old[i] as usize] as usize;
                representative.push(first[c]);
                size.push(count[c]);
            }
        }
        Clusters {
            representative,
            size,
        }
    }
}
