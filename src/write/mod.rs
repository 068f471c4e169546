//! Writing a run's outputs: Parquet tables over atomic files ([`parquet`]),
//! one module per table, `summary.json` ([`summary`]) and `report.html`
//! ([`report`]).

pub mod changes;
pub mod clusters;
pub mod flags;
pub mod pairs;
pub mod parquet;
pub mod report;
pub mod summary;
