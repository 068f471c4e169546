//! Writers for run outputs: Parquet tables and JSON, all atomic, and the
//! self-contained HTML report.

pub mod html;
pub mod parquet;
