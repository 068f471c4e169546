//! `changes.parquet`: what a nightly `update` changed, cluster by cluster.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder};
use arrow::datatypes::{DataType, Field as ArrowField, Schema};
use arrow::record_batch::RecordBatch;

use crate::error::Result;
use crate::output::AtomicFile;
use crate::write::parquet::ParquetOut;

/// One row of `changes.parquet`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// The new cluster id (None for `removed`).
    pub cluster_id: Option<String>,
    /// created | merged | split | removed
    pub change: &'static str,
    /// The record's cluster id in the previous run (None for an added record).
    pub previous_cluster_id: Option<String>,
    pub record_id: String,
}

pub(crate) fn write_changes(out: &Path, changes: &[Change]) -> Result<AtomicFile> {
    let schema = Arc::new(Schema::new(vec![
        ArrowField::new("change", DataType::Utf8, false),
        ArrowField::new("cluster_id", DataType::Utf8, true),
        ArrowField::new("previous_cluster_id", DataType::Utf8, true),
        ArrowField::new("record_id", DataType::Utf8, false),
    ]));
    let mut w = ParquetOut::create(&out.join("changes.parquet"), schema.clone())?;
    for chunk in changes.chunks(1 << 20) {
        let mut ch = StringBuilder::new();
        let mut cid = StringBuilder::new();
        let mut prev = StringBuilder::new();
        let mut rid = StringBuilder::new();
        for c in chunk {
            ch.append_value(c.change);
            cid.append_option(c.cluster_id.as_deref());
            prev.append_option(c.previous_cluster_id.as_deref());
            rid.append_value(&c.record_id);
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(ch.finish()),
            Arc::new(cid.finish()),
            Arc::new(prev.finish()),
            Arc::new(rid.finish()),
        ];
        w.write(&RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema"))?;
    }
    w.finish()
}
