//! Stable cluster ids: carried over from the previous run, new ones for
//! clusters created, and the changes (`changes.parquet`).

use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;

use crate::error::Result;
use crate::index::{ClusterNames, RunIndex};
use crate::intern::NONE;
use crate::jobs::update::snapshot::Snapshot;
use crate::jobs::update::FRESH;
use crate::normalize::fxhash::FxBuild;
use crate::output::AtomicFile;
use crate::store::{RecordId, RecordStore};
use crate::write::changes::Change;
use crate::write::summary::ClusterChanges;

/// Cluster ids for the new run, and what changed.
pub(crate) struct ClusterIds {
    /// Cluster number per record.
    pub cluster_of: Vec<u32>,
    /// Per cluster number: the previous cluster whose id it keeps, or
    /// `FRESH |` an index into `created`.
    pub names: Vec<u32>,
    /// The new ids.
    pub created: Vec<String>,
    pub changes: Vec<Change>,
    pub counts: ClusterChanges,
}

/// Stable cluster ids.
///
/// Each previous cluster X has an anchor: its record whose record_id is X if
/// that record is still in the snapshot, else its remaining record with the
/// smallest record_id (X has no anchor when none of its records remain: it is
/// `removed`). X claims the new cluster holding its anchor. A new cluster
/// claimed once keeps the claimant's id (untouched, grown, shrunk, or the
/// anchor's part of a split). Claimed several times (a merge) it keeps the id
/// of the claimant that had more records in the previous run, then the
/// smaller id; the others are `merged`. A cluster nobody claims gets a new
/// id: its smallest record_id, or, when that string is already an id (of this
/// or the previous run), that string with `~2`, `~3` … appended, the first
/// one unused (clusters handled in order of their smallest record_id).
///
/// `affected` (from [`incremental_clusters`]): false for a record whose
/// cluster is a previous cluster, unchanged; such a cluster is the only
/// claimant of its new cluster, so which of its records is the anchor does
/// not matter and is not worked out (no record-id comparisons).
pub(crate) fn assign_ids(
    store: &RecordStore,
    representative: &[u32],
    snap: &Snapshot,
    idx: &RunIndex,
    affected: Option<&[bool]>,
) -> ClusterIds {
    let (cluster_of, reps) = number_clusters(representative);
    let prev_cluster = previous_cluster_of(snap, idx, store.len());
    let claims = Claims::settle(
        anchors(store, snap, idx, affected),
        &cluster_of,
        reps.len(),
        idx,
    );
    // Per cluster: the previous cluster whose id it keeps, or FRESH | index
    // into `created` (no string per kept id: there are millions).
    let mut names: Vec<u32> = claims.winner.clone();
    let created = name_unclaimed(store, idx, &reps, &mut names);
    let mut ids = ClusterIds {
        cluster_of,
        names,
        changes: Vec::new(),
        counts: ClusterChanges {
            merged: claims.n_claims - claims.winner.iter().filter(|&&w| w != NONE).count() as u64,
            created: created.len() as u64,
            ..ClusterChanges::default()
        },
        created,
    };
    ids.counts.split = ids.push_record_changes(store, idx, &claims, &prev_cluster);
    ids.counts.removed = push_removed(idx, &claims.anchor, &mut ids.changes);
    ids.changes.par_sort_unstable();
    ids
}

/// The id of previous cluster `c`.
fn old_name(idx: &RunIndex, c: u32) -> &str {
    idx.cluster_names.get(c as usize)
}

/// Cluster number per record, numbered by representative in record order,
/// and the representative of each number.
fn number_clusters(representative: &[u32]) -> (Vec<u32>, Vec<u32>) {
    let mut number = vec![u32::MAX; representative.len()];
    let mut reps: Vec<u32> = Vec::new();
    let cluster_of: Vec<u32> = representative
        .iter()
        .map(|&r| {
            let x = &mut number[r as usize];
            if *x == u32::MAX {
                *x = reps.len() as u32;
                reps.push(r);
            }
            *x
        })
        .collect();
    (cluster_of, reps)
}

/// Previous cluster of each of the `n` new records (unchanged and changed
/// records; NONE for added ones).
fn previous_cluster_of(snap: &Snapshot, idx: &RunIndex, n: usize) -> Vec<u32> {
    let mut prev_cluster = vec![NONE; n];
    for (j, &row) in snap.old_to_row.iter().enumerate() {
        if row != NONE {
            prev_cluster[row as usize] = idx.cluster_of[j];
        }
    }
    prev_cluster
}

/// Anchors: the new row of each previous cluster's anchor, or NONE. The
/// smallest (is not the named record, record id, new row) wins.
fn anchors(
    store: &RecordStore,
    snap: &Snapshot,
    idx: &RunIndex,
    affected: Option<&[bool]>,
) -> Vec<u32> {
    let key = |row: u32, c: usize| {
        let rid = store.record_id(RecordId(row));
        (rid != old_name(idx, c as u32), rid, row)
    };
    let mut anchor: Vec<u32> = vec![NONE; idx.cluster_names.len()];
    for (j, &row) in snap.old_to_row.iter().enumerate() {
        if row == NONE {
            continue;
        }
        let c = idx.cluster_of[j] as usize;
        let first = anchor[c] == NONE;
        if first || (affected.is_none_or(|a| a[row as usize]) && key(row, c) < key(anchor[c], c)) {
            anchor[c] = row;
        }
    }
    anchor
}

/// Which previous cluster wins each new cluster.
struct Claims {
    /// Per previous cluster: the new row of its anchor, or NONE (`removed`).
    anchor: Vec<u32>,
    /// The winning claimant of each new cluster (NONE: unclaimed). A
    /// previous cluster x with an anchor in new cluster c lost (`merged`)
    /// when winner[c] != x.
    winner: Vec<u32>,
    /// Previous clusters with an anchor.
    n_claims: u64,
}

impl Claims {
    /// Each anchored previous cluster claims the new cluster of its anchor;
    /// the larger claimant wins, then the smaller id.
    fn settle(anchor: Vec<u32>, cluster_of: &[u32], n_clusters: usize, idx: &RunIndex) -> Claims {
        let mut old_size = vec![0u32; idx.cluster_names.len()];
        for &c in &idx.cluster_of {
            old_size[c as usize] += 1;
        }
        let claim_order = |x: u32, y: u32| {
            old_size[y as usize]
                .cmp(&old_size[x as usize])
                .then(old_name(idx, x).cmp(old_name(idx, y)))
        };
        let mut winner = vec![NONE; n_clusters];
        let mut n_claims = 0u64;
        for (x, &row) in anchor.iter().enumerate() {
            if row != NONE {
                n_claims += 1;
                let w = &mut winner[cluster_of[row as usize] as usize];
                if *w == NONE || claim_order(x as u32, *w).is_lt() {
                    *w = x as u32;
                }
            }
        }
        Claims {
            anchor,
            winner,
            n_claims,
        }
    }

    /// True when previous cluster `x` claimed new cluster `c` and lost.
    fn lost(&self, cluster_of: &[u32], c: u32, x: u32) -> bool {
        self.winner[c as usize] != x
            && self.anchor[x as usize] != NONE
            && cluster_of[self.anchor[x as usize] as usize] == c
    }
}

/// New ids for the clusters nobody claimed (`names[c] == NONE`): sets
/// `names[c]` to FRESH | index into the returned ids.
fn name_unclaimed(
    store: &RecordStore,
    idx: &RunIndex,
    reps: &[u32],
    names: &mut [u32],
) -> Vec<String> {
    let mut created: Vec<String> = Vec::new();
    let mut unclaimed: Vec<(&str, usize)> = (0..reps.len())
        .filter(|&c| names[c] == NONE)
        .map(|c| (store.record_id(RecordId(reps[c])), c))
        .collect();
    unclaimed.sort_unstable();
    let used = previous_ids_near(idx, &unclaimed);
    let mut fresh_names: HashSet<String> = HashSet::new();
    for (base, c) in unclaimed {
        let mut name = base.to_owned();
        let mut k = 2;
        while used.contains(name.as_str()) || fresh_names.contains(&name) {
            name = format!("{base}~{k}");
            k += 1;
        }
        fresh_names.insert(name.clone());
        names[c] = FRESH | created.len() as u32;
        created.push(name);
    }
    created
}

/// The previous ids a new name could collide with: an unclaimed base or
/// base~k (its stem before the last '~' is the base). Only these are
/// collected, not all previous ids.
fn previous_ids_near<'i>(
    idx: &'i RunIndex,
    unclaimed: &[(&str, usize)],
) -> HashSet<&'i str, FxBuild> {
    let bases: HashSet<&str, FxBuild> = unclaimed.iter().map(|&(b, _)| b).collect();
    if bases.is_empty() {
        return HashSet::default();
    }
    (0..idx.cluster_names.len() as u32)
        .into_par_iter()
        .map(|c| old_name(idx, c))
        .filter(|name| match name.rsplit_once('~') {
            // One hash per id: most ids have no '~' (the stem is the id).
            None => bases.contains(name),
            Some((stem, _)) => bases.contains(stem) || bases.contains(name),
        })
        .collect::<Vec<&str>>()
        .into_iter()
        .collect()
}

impl ClusterIds {
    /// Appends the `created`, `merged` and `split` changes of the new
    /// records; returns the number of previous clusters split.
    fn push_record_changes(
        &mut self,
        store: &RecordStore,
        idx: &RunIndex,
        claims: &Claims,
        prev_cluster: &[u32],
    ) -> u64 {
        // No table of the ids is built (millions of them, nearly all
        // carried): they are looked up as they are written.
        let (names, created) = (&self.names, &self.created);
        let name = |c: u32| -> &str {
            match names[c as usize] {
                x if x & FRESH != 0 => &created[(x & !FRESH) as usize],
                x => old_name(idx, x),
            }
        };
        let mut split_from: HashSet<u32> = HashSet::new();
        for (i, &c) in self.cluster_of.iter().enumerate() {
            let w = claims.winner[c as usize];
            let prev = prev_cluster[i];
            // Most records keep their cluster and its id (prev == w): no string work.
            if w != NONE && (prev == NONE || prev == w) {
                continue;
            }
            let id = name(c);
            let change = if w == NONE {
                if prev != NONE {
                    split_from.insert(prev);
                }
                "created"
            } else if prev == NONE || prev == w || old_name(idx, prev) == id {
                continue;
            } else if claims.lost(&self.cluster_of, c, prev) {
                "merged"
            } else {
                split_from.insert(prev);
                "split"
            };
            self.changes.push(Change {
                cluster_id: Some(id.to_owned()),
                change,
                previous_cluster_id: (prev != NONE).then(|| old_name(idx, prev).to_owned()),
                record_id: store.record_id(RecordId(i as u32)).to_owned(),
            });
        }
        split_from.len() as u64
    }
}

/// Appends a `removed` change per record of the previous clusters without
/// an anchor; returns the number of those clusters.
fn push_removed(idx: &RunIndex, anchor: &[u32], changes: &mut Vec<Change>) -> u64 {
    for (j, &c) in idx.cluster_of.iter().enumerate() {
        if anchor[c as usize] == NONE {
            changes.push(Change {
                cluster_id: None,
                change: "removed",
                previous_cluster_id: Some(old_name(idx, c).to_owned()),
                record_id: idx.store.record_id(RecordId(j as u32)).to_owned(),
            });
        }
    }
    anchor.iter().filter(|&&a| a == NONE).count() as u64
}

pub(crate) fn write_named_clusters(
    out: &Path,
    store: &RecordStore,
    ids: &ClusterIds,
    names: &ClusterNames<'_>,
    size: &[u32],
) -> Result<AtomicFile> {
    crate::write::clusters::write_cluster_rows(
        out,
        store,
        false,
        |i, cid| cid.append_value(names.get(ids.cluster_of[i] as usize)),
        |i| size[i],
    )
}
