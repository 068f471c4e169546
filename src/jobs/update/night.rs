//! The night's outputs around the clustering. The clustering is one
//! sequential union-find; `pairs.parquet`, the merged postings and (when
//! compacting) the record-id table do not depend on it, so they are built on
//! the other thread meanwhile ([`Night::beside_clustering`]), and
//! `clusters.parquet`, `changes.parquet`, the flags and the report's body
//! follow the cluster ids on the clustering's thread ([`Night::cluster`]).
//! Only the index waits for both sides.

use std::time::Instant;

use super::clusters::incremental_clusters;
use super::ids::{assign_ids, write_named_clusters, ClusterIds};
use super::postings::{new_postings, NewPostings};
use super::snapshot::Snapshot;
use super::UpdateOptions;
use crate::cluster::{cluster_pairs, WeightedPair};
use crate::config::{Mode, Rule};
use crate::error::Result;
use crate::flags::{compute_flags, summarize as summarize_flags, FlagInput, FlagSummary};
use crate::index::{record_id_slots, ClusterNames, RunIndex, Slots};
use crate::output::AtomicFile;
use crate::score::compare::Comparison;
use crate::score::scorer::{ScoredPair, Scorer};
use crate::store::RecordStore;
use crate::write::changes::write_changes;
use crate::write::flags::write_flags;
use crate::write::pairs::write_pairs;
use crate::write::report::html::ReportData;
use crate::write::report::report_body;

/// What the outputs are made from.
pub(crate) struct Night<'a> {
    pub(crate) opts: &'a UpdateOptions,
    pub(crate) idx: &'a RunIndex,
    /// The merged store.
    pub(crate) store: &'a RecordStore,
    pub(crate) snap: &'a Snapshot,
    pub(crate) cmps: &'a [Comparison],
    pub(crate) scorer: &'a Scorer<'a>,
    pub(crate) rules: &'a [Rule],
    pub(crate) old_to_new: &'a [u32],
    /// Every pair kept, sorted by records.
    pub(crate) pairs: &'a [ScoredPair],
    /// The threshold as a match weight.
    pub(crate) link_w: f64,
}

/// The clustering's side.
pub(crate) struct Clustered {
    pub(crate) ids: ClusterIds,
    /// clusters.parquet, changes.parquet, flags.parquet (not yet renamed).
    pub(crate) files: Result<Vec<AtomicFile>>,
    /// Seconds: clustering, cluster ids, the outputs after them.
    pub(crate) secs: (f64, f64, f64),
    pub(crate) multi: u64,
    pub(crate) largest: u64,
    /// The flags' summary and the pairs the clustering cut.
    pub(crate) flags: (FlagSummary, u64),
    pub(crate) body: ReportData,
}

/// The other side.
pub(crate) struct Beside {
    pub(crate) pairs_file: Result<AtomicFile>,
    pub(crate) new_postings: NewPostings,
    pub(crate) id_slots: Option<Slots>,
    pub(crate) secs: f64,
}

impl Night<'_> {
    /// The stages' seconds of both sides, for `summary.json`.
    pub(crate) fn stage_seconds(c: &Clustered, b: &Beside) -> Vec<(String, f64)> {
        [
            ("cluster", c.secs.0),
            ("cluster ids", c.secs.1),
            (
                "flags, clusters.parquet, changes.parquet, flags.parquet, report (after cluster ids)",
                c.secs.2,
            ),
            ("pairs.parquet, postings (beside cluster)", b.secs),
        ]
        .map(|(name, secs)| (name.to_owned(), secs))
        .to_vec()
    }

    /// Clusters (only the changed components when `in_order`), assigns
    /// the ids, then writes clusters.parquet and changes.parquet beside the
    /// flags, flags.parquet and the report's body.
    pub(crate) fn cluster(&self, in_order: bool) -> Clustered {
        let t = Instant::now();
        let (clusters, affected) = if in_order {
            let (c, a) = incremental_clusters(
                self.store,
                self.pairs,
                self.link_w,
                self.idx,
                self.old_to_new,
            );
            (c, Some(a))
        } else {
            (
                cluster_pairs(self.store, self.pairs, self.link_w).clusters,
                None,
            )
        };
        let t1 = t.elapsed().as_secs_f64();
        let ids = assign_ids(
            self.store,
            &clusters.representative,
            self.snap,
            self.idx,
            affected.as_deref(),
        );
        let t2 = t.elapsed().as_secs_f64();
        let multi = clusters.with_duplicates();
        let largest = clusters.largest();
        let ((clusters_file, changes_file), (flags, (flags_file, body))) = rayon::join(
            || {
                rayon::join(
                    || {
                        let names = ClusterNames::Carried {
                            previous: &self.idx.cluster_names,
                            of: &ids.names,
                            created: &ids.created,
                        };
                        write_named_clusters(
                            &self.opts.out,
                            self.store,
                            &ids,
                            &names,
                            &clusters.size,
                        )
                    },
                    || write_changes(&self.opts.out, &ids.changes),
                )
            },
            || {
                // The pairs conflict-aware clustering refused are exactly
                // the matching pairs whose records ended in different
                // clusters (every accepted pair joins its two records, and
                // clusters only grow, so a refused pair stays apart;
                // `cluster::tests` checks this), so the incremental
                // clustering need not return them.
                let cut: Vec<WeightedPair> = self
                    .pairs
                    .iter()
                    .filter(|p| {
                        p.weight >= self.link_w
                            && clusters.representative[p.a.index()]
                                != clusters.representative[p.b.index()]
                    })
                    .map(|p| WeightedPair {
                        a: p.a,
                        b: p.b,
                        weight: p.weight,
                    })
                    .collect();
                let flags = compute_flags(
                    self.store,
                    &FlagInput {
                        clusters: &clusters,
                        cut: &cut,
                        cross_source_only: false,
                        weight: &|a, b| self.scorer.score(a, b).1,
                    },
                );
                let (file, body) = rayon::join(
                    || write_flags(&self.opts.out, self.store, &flags, false),
                    || {
                        let names = ClusterNames::Carried {
                            previous: &self.idx.cluster_names,
                            of: &ids.names,
                            created: &ids.created,
                        };
                        report_body(
                            self.store,
                            self.pairs,
                            &clusters,
                            self.link_w,
                            &flags,
                            &|a, b| self.scorer.score(a, b).1,
                            false,
                            self.opts.show_values,
                            &|rep| names.get(ids.cluster_of[rep.index()] as usize).to_owned(),
                        )
                    },
                );
                (
                    (summarize_flags(self.store, &flags), cut.len() as u64),
                    (file, body),
                )
            },
        );
        let files = clusters_file.and_then(|c| Ok(vec![c, changes_file?, flags_file?]));
        let secs = (t1, t2 - t1, t.elapsed().as_secs_f64() - t2);
        Clustered {
            ids,
            files,
            secs,
            multi,
            largest,
            flags,
            body,
        }
    }

    /// `pairs.parquet` and the new postings, and the record-id table of a
    /// compacted index.
    pub(crate) fn beside_clustering(
        &self,
        fresh_keys_per_rule: &[Vec<(u64, u32)>],
        next_base: (Vec<u32>, bool),
    ) -> Beside {
        let compact = next_base.1;
        let t = Instant::now();
        let ((pairs_file, new_postings), id_slots) = rayon::join(
            || {
                rayon::join(
                    || {
                        write_pairs(
                            &self.opts.out,
                            self.store,
                            self.cmps,
                            self.scorer,
                            self.rules,
                            self.pairs,
                            Mode::Dedupe,
                        )
                    },
                    || new_postings(self.idx, self.old_to_new, fresh_keys_per_rule, next_base),
                )
            },
            // A compacted index has a new base, whose id table is every record's;
            // a layered one links the previous base's and writes the delta's.
            || compact.then(|| record_id_slots(self.store)),
        );
        Beside {
            pairs_file,
            new_postings,
            id_slots,
            secs: t.elapsed().as_secs_f64(),
        }
    }
}
