//! The blocking postings of the run index (`rule{k}.*`): per blocking rule,
//! the keyed records sorted by key. A base (memory-mapped, shared by hard
//! link between runs, in base numbering) and the delta of the records added
//! since, in this run's numbering.

use std::path::Path;

use super::format::{write_iter, MappedArray};
use crate::error::Result;

/// One blocking rule's postings: the keyed records sorted by key (ties in
/// record order for `dedupe`; see ARCHITECTURE.md for `update`).
#[derive(Clone, Debug, Default)]
pub struct Postings {
    pub keys: Vec<u64>,
    pub records: Vec<u32>,
}

impl Postings {
    /// The records with `key` (a range of `records`).
    pub fn range(&self, key: u64) -> std::ops::Range<usize> {
        let lo = self.keys.partition_point(|&k| k < key);
        let hi = lo + self.keys[lo..].partition_point(|&k| k == key);
        lo..hi
    }
}

/// One rule's base postings, memory-mapped: records in base numbering (see
/// [`RunIndex::base_map`](super::RunIndex::base_map)), sorted by key.
pub struct BasePostings {
    pub keys: MappedArray<u64>,
    pub records: MappedArray<u32>,
}

impl BasePostings {
    /// The entries with `key` (a range of `records`).
    pub fn range(&self, key: u64) -> std::ops::Range<usize> {
        let first = |after: bool| {
            let (mut lo, mut hi) = (0, self.keys.len());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let k = self.keys.get(mid);
                if k < key || (after && k == key) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        first(false)..first(true)
    }
}

/// One rule's postings in a layered index: the base (shared, by hard link,
/// with the run that wrote it) and the delta of the records added since.
pub struct LayeredPostings {
    pub base: BasePostings,
    /// Records in this run's numbering, sorted by (key, record).
    pub delta: Postings,
}

/// How [`write_index_with`](super::write_index_with) writes the postings.
pub enum PostingsWrite<'a> {
    /// `IndexContents::postings` as a new base; the base map is the identity.
    Full,
    /// As `Full`, but the base postings files are already written in `dir`
    /// (`dedupe` writes them while blocking) and are linked from there.
    Prewritten { dir: &'a Path },
    /// The previous index's base files (hard-linked, or copied across file
    /// systems), this run's base map and delta; `IndexContents::postings` is
    /// not used.
    Layered {
        previous_index: &'a Path,
        base_map: &'a [u32],
        delta: &'a [Postings],
    },
}

/// One rule's postings to write: already sorted, or (dedupe) the blocker's
/// sorted record order with each record's key.
pub enum PostingsRef<'a> {
    Sorted(&'a Postings),
    ByRecord { keys: &'a [u64], records: &'a [u32] },
}

/// Writes rule `k`'s postings (keyed records as (key, record), sorted) as
/// the run index's `rule{k}.keys.u64` and `rule{k}.records.u32` into `dir`
/// (dedupe writes them while blocking, and the index links the files).
pub fn write_postings(dir: &Path, k: usize, sorted: &[(u64, u32)]) -> Result<()> {
    let (keys, records) = rayon::join(
        || {
            write_iter(
                dir,
                &format!("rule{k}.keys.u64"),
                sorted.iter().map(|p| p.0),
            )
        },
        || {
            write_iter(
                dir,
                &format!("rule{k}.records.u32"),
                sorted.iter().map(|p| p.1),
            )
        },
    );
    keys.and(records)
}
