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
    // As `crate::cluster::cluster_pairs` clusters (the same ID numbers and order).
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
