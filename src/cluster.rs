//! Clustering: connected components of the pairs at or above the threshold,
//! optionally conflict-aware.
//!
//! Union–find with path halving and union by size: O(n + e·α(n)). The
//! partition does not depend on the order of the edges, and cluster ids are
//! chosen from the members (the smallest record id), so the output is the same
//! at any thread count.
//!
//! # Conflict-aware clustering
//! Plain components let a chain of pairs join two people: twin A matches
//! A' (A's record without an ID number), A' matches twin B on family name,
//! date of birth and address, and A and B end in one cluster although they
//! hold different ID numbers. [`conflict_aware_components`] adds the matching
//! pairs greedily, strongest first (weight descending, ties by record
//! indices), and refuses a union when the merged cluster's valid 12-digit
//! ID numbers would not all be linked by single slips ([`id_slips`]: a wrong
//! digit or two swapped adjacent digits). One slip is the same number
//! mistyped; two records of one person may each carry an independent slip
//! (two slips apart), which joins only through the correct number or another
//! record one slip from both. Each side of a union is already linked, so the
//! union is allowed when one side has no 12-digit number or some number of
//! one side is within one slip of some number of the other. Twins registered
//! together can hold numbers two slips apart (serials ...4321 / ...4388): a
//! plain "at most two slips" rule would let a chain join them.
//! The refused pairs are the cut, reported as `conflict_cut` flags. A 9-digit
//! CMND never conflicts: people hold a CMND beside their 12-digit number.
//! Strongest first keeps each person's best-supported records together and
//! cuts the weakest link of a conflicting chain. Cost: O(e log e) for the
//! sort plus O(e · k²) for the checks, k the number of distinct IDs in the
//! two clusters (almost always ≤ 2). The input order of the pairs does not
//! matter, so the result is thread-count independent.

use rayon::prelude::*;

use crate::score::scorer::ScoredPair;
use crate::store::{Cid, RecordId, RecordStore};

/// Disjoint sets over record indices.
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
        true
    }
}

/// The clusters of `n` records linked by `edges`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clusters {
    /// For each record, the index of the record that names its cluster.
    pub representative: Vec<u32>,
    /// For each record, the size of its cluster.
    pub size: Vec<u32>,
}

impl Clusters {
    /// Clusters whose naming record is `i` and that satisfy `keep(size)`.
    fn count_named(&self, keep: impl Fn(u32) -> bool) -> u64 {
        self.representative
            .iter()
            .enumerate()
            .filter(|&(i, &r)| i as u32 == r && keep(self.size[i]))
            .count() as u64
    }

    /// The number of clusters, singletons included.
    pub fn count(&self) -> u64 {
        self.count_named(|_| true)
    }

    /// The number of clusters of two records or more.
    pub fn with_duplicates(&self) -> u64 {
        self.count_named(|size| size > 1)
    }

    /// The size of the largest cluster (0 when there are no records).
    pub fn largest(&self) -> u64 {
        self.size.iter().copied().max().unwrap_or(0).into()
    }
}

/// Connected components; each cluster is named by the member that `less`
/// puts first (the smallest record id).
pub fn connected_components(
    n: usize,
    edges: impl IntoIterator<Item = (RecordId, RecordId)>,
    less: impl Fn(u32, u32) -> bool,
) -> Clusters {
    let mut uf = UnionFind::new(n);
    for (a, b) in edges {
        uf.union(a.0, b.0);
    }
    let roots: Vec<u32> = (0..n as u32).map(|i| uf.find(i)).collect();
    let mut best = vec![u32::MAX; n];
    let mut count = vec![0u32; n];
    for (i, &r) in roots.iter().enumerate() {
        let r = r as usize;
        count[r] += 1;
        if best[r] == u32::MAX || less(i as u32, best[r]) {
            best[r] = i as u32;
        }
    }
    Clusters {
        representative: roots.iter().map(|&r| best[r as usize]).collect(),
        size: roots.iter().map(|&r| count[r as usize]).collect(),
    }
}

/// The fewest substitutions and adjacent transpositions turning the
/// 12-digit number `x` into `y` (optimal string alignment distance without
/// insertions or deletions, which a fixed-length number cannot have).
pub fn id_slips(x: u64, y: u64) -> u32 {
    let digits = |mut v: u64| {
        let mut d = [0u8; 12];
        for slot in d.iter_mut().rev() {
            *slot = (v % 10) as u8;
            v /= 10;
        }
        d
    };
    let (a, b) = (digits(x), digits(y));
    let mut dist = [0u32; 13];
    for i in 1..=12 {
        dist[i] = dist[i - 1] + u32::from(a[i - 1] != b[i - 1]);
        if i >= 2 && a[i - 1] != a[i - 2] && a[i - 1] == b[i - 2] && a[i - 2] == b[i - 1] {
            dist[i] = dist[i].min(dist[i - 2] + 1);
        }
    }
    dist[12]
}

/// The distinct personal ID numbers of each cluster root that grew beyond
/// one record (foldhash: cheaper than SipHash for u32 keys; the map is hit
/// twice per union).
type IdsByRoot = hashbrown::HashMap<u32, Vec<u64>, foldhash::fast::FixedState>;

/// One matching pair with its match weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightedPair {
    pub a: RecordId,
    pub b: RecordId,
    pub weight: f64,
}

/// Clusters and the pairs refused because they would have joined
/// conflicting ID numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ConflictAware {
    pub clusters: Clusters,
    /// Refused pairs, in the order they were considered (strongest first).
    pub cut: Vec<WeightedPair>,
}

/// Conflict-aware connected components (see the module documentation).
/// `personal_id(i)` is record `i`'s valid 12-digit ID number, if any;
/// `less` names each cluster by its first member, as in
/// [`connected_components`].
pub fn conflict_aware_components(
    n: usize,
    pairs: Vec<WeightedPair>,
    personal_id: impl Fn(u32) -> Option<u64>,
    less: impl Fn(u32, u32) -> bool,
) -> ConflictAware {
    // The pairs themselves, not references, sorted in parallel: a
    // reference sort read a random pair per comparison, on one thread.
    let mut order = pairs;
    order.par_sort_unstable_by(|x, y| {
        y.weight
            .total_cmp(&x.weight)
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    let mut uf = UnionFind::new(n);
    // Distinct IDs per root, only for clusters that grew beyond one record;
    // a singleton's IDs are its own. Sparse so 100 M records cost nothing.
    let mut ids: IdsByRoot = IdsByRoot::default();
    let ids_of = |root: u32, ids: &IdsByRoot| -> Vec<u64> {
        match ids.get(&root) {
            Some(v) => v.clone(),
            None => personal_id(root).into_iter().collect(),
        }
    };
    let mut cut = Vec::new();
    let mut edges = Vec::with_capacity(order.len());
    for p in order {
        let (ra, rb) = (uf.find(p.a.0), uf.find(p.b.0));
        if ra == rb {
            continue;
        }
        let (xa, xb) = (ids_of(ra, &ids), ids_of(rb, &ids));
        let linked = xa.is_empty()
            || xb.is_empty()
            || xa.iter().any(|&x| xb.iter().any(|&y| id_slips(x, y) <= 1));
        if !linked {
            cut.push(p);
            continue;
        }
        ids.remove(&ra);
        ids.remove(&rb);
        uf.union(ra, rb);
        let mut merged = xa;
        merged.extend(xb);
        merged.sort_unstable();
        merged.dedup();
        ids.insert(uf.find(ra), merged);
        edges.push((p.a, p.b));
    }
    // A refused pair may still end in one cluster through other records (a
    // two-slip pair joined later through the correct number): it was not cut.
    let cut = cut
        .into_iter()
        .filter(|p| uf.find(p.a.0) != uf.find(p.b.0))
        .collect();
    ConflictAware {
        clusters: connected_components(n, edges, less),
        cut,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_by_hand() {
        // 0-1-2 chain, 3 alone, 4-5; names ordered reversed (larger index first).
        let edges = [(0, 1), (1, 2), (4, 5)].map(|(a, b)| (RecordId(a), RecordId(b)));
        let c = connected_components(6, edges, |a, b| a > b);
        assert_eq!(c.representative, vec![2, 2, 2, 3, 5, 5]);
        assert_eq!(c.size, vec![3, 3, 3, 1, 2, 2]);
        // {0,1,2}, {3}, {4,5}: three clusters, two with duplicates, largest 3.
        assert_eq!((c.count(), c.with_duplicates(), c.largest()), (3, 2, 3));
        let none = connected_components(0, [], |a, b| a < b);
        assert_eq!(
            (none.count(), none.with_duplicates(), none.largest()),
            (0, 0, 0)
        );
    }

    #[test]
    fn edge_order_does_not_matter() {
        let e1 = [(0, 3), (3, 1), (2, 4)].map(|(a, b)| (RecordId(a), RecordId(b)));
        let mut e2 = e1;
        e2.reverse();
        let a = connected_components(5, e1, |a, b| a < b);
        let b = connected_components(5, e2, |a, b| a < b);
        assert_eq!(a, b);
        assert_eq!(a.representative, vec![0, 0, 2, 0, 2]);
    }

    const X: u64 = 1_080_123_401; // 001080123401
    const Y: u64 = 1_080_765_409; // 001080765409: serial differs in four digits

    #[test]
    fn slips_by_hand() {
        assert_eq!(id_slips(X, X), 0);
        assert_eq!(id_slips(X, 1_080_123_402), 1); // last digit
        assert_eq!(id_slips(X, 1_080_213_401), 1); // 12 → 21
        assert_eq!(id_slips(X, 1_080_213_409), 2); // swap and a digit
        assert_eq!(id_slips(X, Y), 4);
        // 0 → 1 at the front (leading zeros count as digits).
        assert_eq!(id_slips(X, 101_080_123_401), 1);
        assert!(id_slips(X, 1_080_213_409) <= 2);
        assert!(id_slips(X, Y) > 2);
    }

    fn wp(a: u32, b: u32, weight: f64) -> WeightedPair {
        WeightedPair {
            a: RecordId(a),
            b: RecordId(b),
            weight,
        }
    }

    fn ids(v: &[Option<u64>]) -> impl Fn(u32) -> Option<u64> + '_ {
        |i| v[i as usize]
    }

    #[test]
    fn the_weakest_link_of_a_conflicting_chain_is_cut() {
        // 0 holds X, 2 holds Y, 1 has no number and matches both.
        let v = [Some(X), None, Some(Y)];
        let r =
            conflict_aware_components(3, vec![wp(0, 1, 12.0), wp(1, 2, 11.0)], ids(&v), |a, b| {
                a < b
            });
        assert_eq!(r.clusters.representative, vec![0, 0, 2]);
        assert_eq!(r.cut, vec![wp(1, 2, 11.0)]);
        // The other link weaker: 1 goes with 2.
        let r =
            conflict_aware_components(3, vec![wp(0, 1, 11.0), wp(1, 2, 12.0)], ids(&v), |a, b| {
                a < b
            });
        assert_eq!(r.clusters.representative, vec![0, 1, 1]);
        assert_eq!(r.cut, vec![wp(0, 1, 11.0)]);
        // Plain components would have joined all three.
        let plain = connected_components(
            3,
            [(RecordId(0), RecordId(1)), (RecordId(1), RecordId(2))],
            |a, b| a < b,
        );
        assert_eq!(plain.representative, vec![0, 0, 0]);
    }

    #[test]
    fn slips_of_one_number_stay_together() {
        // X, X with one wrong digit, X with a swap: each pair at most two slips apart.
        let v = [Some(X), Some(1_080_123_402), Some(1_080_213_401), Some(X)];
        let pairs = [
            wp(0, 1, 20.0),
            wp(0, 2, 20.0),
            wp(1, 2, 15.0),
            wp(2, 3, 15.0),
        ];
        let r = conflict_aware_components(4, pairs.to_vec(), ids(&v), |a, b| a < b);
        assert_eq!(r.clusters.representative, vec![0, 0, 0, 0]);
        assert!(r.cut.is_empty());
    }

    #[test]
    fn twins_two_slips_apart_stay_apart() {
        // Twins registered together: serials ...4321 and ...4388 (two wrong
        // digits). Record 1 (no number) matches both: the weaker link is cut.
        let (a, b) = (1_201_004_321, 1_201_004_388);
        assert_eq!(id_slips(a, b), 2);
        let v = [Some(a), None, Some(b)];
        let r =
            conflict_aware_components(3, vec![wp(0, 1, 12.0), wp(1, 2, 11.0)], ids(&v), |x, y| {
                x < y
            });
        assert_eq!(r.clusters.representative, vec![0, 0, 2]);
        assert_eq!(r.cut, vec![wp(1, 2, 11.0)]);
    }

    #[test]
    fn two_slips_join_through_the_correct_number_and_are_not_reported_cut() {
        // 1 and 2 each carry one slip of X; their direct pair comes first and
        // is refused, then both join through record 0, so nothing was cut.
        let v = [Some(X), Some(1_080_123_402), Some(1_080_213_401)];
        let pairs = [wp(1, 2, 30.0), wp(0, 1, 20.0), wp(0, 2, 20.0)];
        let r = conflict_aware_components(3, pairs.to_vec(), ids(&v), |a, b| a < b);
        assert_eq!(r.clusters.representative, vec![0, 0, 0]);
        assert!(r.cut.is_empty());
    }

    #[test]
    fn ties_are_broken_by_record_indices() {
        let v = [Some(X), None, Some(Y)];
        let r =
            conflict_aware_components(3, vec![wp(1, 2, 10.0), wp(0, 1, 10.0)], ids(&v), |a, b| {
                a < b
            });
        // (0, 1) sorts before (1, 2) at equal weight, so (1, 2) is cut.
        assert_eq!(r.cut, vec![wp(1, 2, 10.0)]);
    }

    proptest::proptest! {
        /// Conflict-aware clusters partition the records, refine the plain
        /// components, never hold conflicting numbers, and do not depend on
        /// the order of the pairs.
        #[test]
        fn conflict_aware_invariants(
            n in 2usize..24,
            raw in proptest::collection::vec((0u32..24, 0u32..24, 0u8..8), 0..60),
            idv in proptest::collection::vec(0u8..5, 24),
        ) {
            // Numbers: none, X, X one digit off, Y, Y one digit off.
            let pool = [None, Some(X), Some(X + 1), Some(Y), Some(Y + 1)];
            let v: Vec<Option<u64>> = idv.iter().take(n).map(|&k| pool[k as usize]).collect();
            let pairs: Vec<WeightedPair> = raw
                .iter()
                .filter(|&&(a, b, _)| (a as usize) < n && (b as usize) < n && a < b)
                .map(|&(a, b, w)| wp(a, b, 10.0 + f64::from(w)))
                .collect();
            let r = conflict_aware_components(n, pairs.clone(), ids(&v), |a, b| a < b);
            let mut reversed = pairs.clone();
            reversed.reverse();
            let r2 = conflict_aware_components(n, reversed, ids(&v), |a, b| a < b);
            proptest::prop_assert_eq!(&r.clusters, &r2.clusters);
            let plain = connected_components(n, pairs.iter().map(|p| (p.a, p.b)), |a, b| a < b);
            for i in 0..n {
                for j in 0..n {
                    let (ci, cj) = (r.clusters.representative[i], r.clusters.representative[j]);
                    if ci == cj {
                        proptest::prop_assert_eq!(plain.representative[i], plain.representative[j]);
                        if let (Some(x), Some(y)) = (v[i], v[j]) {
                            // The pool's numbers within one slip of each other are X, X+1 and Y, Y+1.
                            proptest::prop_assert!(id_slips(x, y) <= 1);
                        }
                    }
                }
                let size = r.clusters.representative.iter().filter(|&&c| c == r.clusters.representative[i]).count();
                proptest::prop_assert_eq!(r.clusters.size[i] as usize, size);
            }
            for p in &r.cut {
                proptest::prop_assert_ne!(r.clusters.representative[p.a.index()], r.clusters.representative[p.b.index()]);
            }
            // Conversely, every pair whose records ended apart was cut, so
            // the cut can be read back from the pairs and the clusters
            // (`update` does, for its incrementally updated clusters).
            let key = |p: &WeightedPair| (p.a, p.b, p.weight.to_bits());
            let mut apart: Vec<_> = pairs
                .iter()
                .filter(|p| r.clusters.representative[p.a.index()] != r.clusters.representative[p.b.index()])
                .map(key)
                .collect();
            let mut cut: Vec<_> = r.cut.iter().map(key).collect();
            apart.sort_unstable();
            cut.sort_unstable();
            proptest::prop_assert_eq!(cut, apart);
        }
    }
}
