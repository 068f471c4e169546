//! The jobs: `dedupe`/`link`, `update`, `explain` and `blocking-report`,
//! each a composition of the stages (load → normalize → block → score →
//! cluster → flags → write → index).

pub mod dedupe;
pub mod explain;
pub mod update;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::config::{Config, Mode};
use crate::error::Result;
use crate::index::PendingIndex;
use crate::normalize::date::Date;
use crate::output::{write_atomic, AtomicFile};
use crate::write::report::write_report;
use crate::write::summary::Summary;

/// What to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub config: Config,
    pub mode: Mode,
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    /// A trained model to reuse instead of training.
    pub model: Option<PathBuf>,
    /// Reference date for "future date" checks.
    pub as_of: Date,
    /// report.html lists names, dates of birth and provinces, not only ids.
    pub show_values: bool,
}

/// Runs one stage and records its wall time under `name`.
pub(crate) fn timed<T>(
    stages: &mut Vec<(String, f64)>,
    name: &str,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let t = Instant::now();
    let r = f()?;
    stages.push((name.to_owned(), t.elapsed().as_secs_f64()));
    Ok(r)
}

/// The end of every job. Every output is complete under a temporary name
/// (`files`; `report.html` is written here): rename them all into place,
/// then the run index, then the small files (`model.json`, `summary.json`,
/// `config.toml`).
pub(crate) fn finish(
    out: &Path,
    mut files: Vec<AtomicFile>,
    report: &str,
    index: Option<PendingIndex>,
    model_json: &[u8],
    summary: &Summary,
    config: &Config,
) -> Result<()> {
    files.push(write_report(out, report)?);
    for f in files {
        f.commit()?;
    }
    if let Some(index) = index {
        index.commit()?;
    }
    write_atomic(&out.join("model.json"), model_json)?;
    let summary_json = serde_json::to_vec_pretty(summary).expect("summary serializes");
    write_atomic(&out.join("summary.json"), &summary_json)?;
    write_atomic(&out.join("config.toml"), config.to_toml().as_bytes())
}
