//! Writers for run outputs: Parquet tables and JSON, all atomic.

pub mod parquet;
