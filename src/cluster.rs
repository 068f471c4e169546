//! Clustering: connected components of the pairs at or above the threshold.
//!
//! Union–find with path halving and union by size: O(n + e·α(n)). The
//! partition does not depend on the order of the edges, and cluster ids are
//! chosen from the members (the smallest record id), so the output is the same
//! at any thread count.

use crate::store::RecordId;

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
}
