//! `clusters.parquet`: one row per record with its cluster id.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder, UInt32Builder};
use arrow::datatypes::{DataType, Field as ArrowField, Schema};
use arrow::record_batch::RecordBatch;

use crate::config::Mode;
use crate::error::Result;
use crate::output::AtomicFile;
use crate::store::{RecordId, RecordStore};
use crate::write::parquet::ParquetOut;

pub(crate) fn write_clusters(
    out: &Path,
    store: &RecordStore,
    clusters: &crate::cluster::Clusters,
    mode: Mode,
) -> Result<AtomicFile> {
    write_cluster_rows(
        out,
        store,
        mode == Mode::Link,
        |i, cid| {
            let rep = RecordId(clusters.representative[i]);
            match mode {
                Mode::Dedupe => cid.append_value(store.record_id(rep)),
                Mode::Link => cid.append_value(format!(
                    "{}:{}",
                    store.source_name(rep),
                    store.record_id(rep)
                )),
            }
        },
        |i| clusters.size[i],
    )
}

/// `clusters.parquet`: one row per record in store order — `record_id`,
/// `source` (when `with_source`), `cluster_id` (appended by `cluster_id(i,
/// builder)`), `cluster_size` (`size(i)`). Dedupe, link and update write it.
pub(crate) fn write_cluster_rows(
    out: &Path,
    store: &RecordStore,
    with_source: bool,
    cluster_id: impl Fn(usize, &mut StringBuilder),
    size: impl Fn(usize) -> u32,
) -> Result<AtomicFile> {
    let mut fields = vec![ArrowField::new("record_id", DataType::Utf8, false)];
    if with_source {
        fields.push(ArrowField::new("source", DataType::Utf8, false));
    }
    fields.push(ArrowField::new("cluster_id", DataType::Utf8, false));
    fields.push(ArrowField::new("cluster_size", DataType::UInt32, false));
    let schema = Arc::new(Schema::new(fields));
    let mut w = ParquetOut::create(&out.join("clusters.parquet"), schema.clone())?;
    let n = store.len();
    let mut start = 0;
    while start < n {
        let end = (start + (1 << 20)).min(n);
        let mut rid = StringBuilder::new();
        let mut src = StringBuilder::new();
        let mut cid = StringBuilder::new();
        let mut sizes = UInt32Builder::new();
        for i in start..end {
            let r = RecordId(i as u32);
            rid.append_value(store.record_id(r));
            if with_source {
                src.append_value(store.source_name(r));
            }
            cluster_id(i, &mut cid);
            sizes.append_value(size(i));
        }
        let mut cols: Vec<ArrayRef> = vec![Arc::new(rid.finish())];
        if with_source {
            cols.push(Arc::new(src.finish()));
        }
        cols.push(Arc::new(cid.finish()));
        cols.push(Arc::new(sizes.finish()));
        w.write(&RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema"))?;
        start = end;
    }
    w.finish()
}
