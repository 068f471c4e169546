//! `summary.json`: what a run did, in one type for every job.
//!
//! `dedupe`, `link` and `update` fill the same [`Summary`]; `report.html`
//! is drawn from it ([`crate::write::report::render`]). Keys that belong to
//! one job only are `Option`s, left out of the JSON for the others (an
//! update has no per-rule blocking statistics, a dedupe no previous run).

use std::time::Instant;

use serde::Serialize;

use crate::block::RuleStats;
use crate::flags::FlagSummary;
use crate::store::Rejects;

/// Which job wrote a run (`mode` in `summary.json`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    #[default]
    Dedupe,
    Link,
    Update,
}

impl Job {
    /// The name in `summary.json` and `report.html`.
    pub fn name(self) -> &'static str {
        match self {
            Job::Dedupe => "dedupe",
            Job::Link => "link",
            Job::Update => "update",
        }
    }
}

/// How an update's clusters changed against the previous run's.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct ClusterChanges {
    /// Clusters with an id the previous run did not have.
    pub created: u64,
    /// Previous clusters absorbed into another previous cluster's id.
    pub merged: u64,
    /// Previous clusters some of whose records now carry another id.
    pub split: u64,
    /// Previous clusters none of whose records remain.
    pub removed: u64,
}

/// `summary.json` of any job. The JSON keys follow the field order. A job
/// sets what it has and leaves the rest to `..Summary::default()`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub mode: Job,
    /// `update`: the previous run directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    pub inputs: Vec<String>,
    pub records: u64,
    /// `dedupe`, `link`: records read from each input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records_per_input: Option<Vec<u64>>,
    /// `update`: records added, changed, deleted and unchanged since the
    /// previous run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<u64>,
    /// `dedupe`, `link`: rejected values (the record stays, the field is
    /// treated as missing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejects: Option<Rejects>,
    /// `update`: rejected values among the normalized (added and changed)
    /// records only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejects_in_normalized: Option<Rejects>,
    /// Candidate pairs scored. `update`: new ones only (involving an added or
    /// changed record, or in a block that shrank under the cap).
    pub candidate_pairs: u64,
    /// `update`: the previous run's pairs kept, and dropped (a record left,
    /// or its block grew over the cap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs_kept_from_previous: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs_dropped_from_previous: Option<u64>,
    pub pairs_written: u64,
    pub matching_pairs: u64,
    /// `update`: blocks that grew over `blocking.max_block_size` (their
    /// pairs dropped), and that shrank to the cap (their pairs scored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks_grown_over_cap: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks_shrunk_under_cap: Option<u64>,
    /// `update`: whether the index postings were rewritten as a new base
    /// (see [`crate::index::COMPACT_FRACTION`]) rather than linked to the
    /// previous base plus a delta.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_compacted: Option<bool>,
    pub clusters: u64,
    pub clusters_with_duplicates: u64,
    pub largest_cluster: u64,
    /// `dedupe`, `link`: what each blocking rule produced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking: Option<Vec<RuleStats>>,
    /// `update`: clusters created, merged, split and removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_changes: Option<ClusterChanges>,
    pub threshold: f64,
    /// Matching pairs conflict-aware clustering refused (`conflict_cut`
    /// flags).
    pub conflict_cut_pairs: u64,
    /// Flag counts by kind and by province (`flags.parquet` has the flags).
    pub flags: FlagSummary,
    /// `dedupe`, `link`: whether the model was trained (not read with
    /// `--model`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_trained: Option<bool>,
    /// The run's own measurements (they differ between runs).
    pub stage_seconds: Vec<(String, f64)>,
    pub total_seconds: f64,
    pub peak_rss_bytes: Option<u64>,
    pub threads: usize,
}

impl Summary {
    /// The run's own measurements, taken now: `stages` (name, seconds) and
    /// the time since `started`, peak memory and threads.
    pub fn measured(self, stages: Vec<(String, f64)>, started: Instant) -> Summary {
        Summary {
            stage_seconds: stages,
            total_seconds: started.elapsed().as_secs_f64(),
            peak_rss_bytes: peak_rss_bytes(),
            threads: rayon::current_num_threads(),
            ..self
        }
    }
}

/// Peak resident set size of this process, from /proc (Linux).
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
