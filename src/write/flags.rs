//! `flags.parquet`: one row per flag.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder};
use arrow::datatypes::{DataType, Field as ArrowField, Schema};
use arrow::record_batch::RecordBatch;

use crate::error::Result;
use crate::flags::Flag;
use crate::output::AtomicFile;
use crate::store::RecordStore;
use crate::write::parquet::ParquetOut;

/// Writes `DIR/flags.parquet` (not yet renamed into place: commit the
/// returned file with the other outputs). Columns: `kind`, `record_id`,
/// (`source` in link mode), `other_record_id`, (`other_source`), `detail`.
pub fn write_flags(
    out: &Path,
    store: &RecordStore,
    flags: &[Flag],
    link: bool,
) -> Result<AtomicFile> {
    let mut fields = vec![
        ArrowField::new("kind", DataType::Utf8, false),
        ArrowField::new("record_id", DataType::Utf8, false),
    ];
    if link {
        fields.push(ArrowField::new("source", DataType::Utf8, false));
    }
    fields.push(ArrowField::new("other_record_id", DataType::Utf8, true));
    if link {
        fields.push(ArrowField::new("other_source", DataType::Utf8, true));
    }
    fields.push(ArrowField::new("detail", DataType::Utf8, false));
    let schema = Arc::new(Schema::new(fields));
    let mut w = ParquetOut::create(&out.join("flags.parquet"), schema.clone())?;
    for chunk in flags.chunks(256 * 1024) {
        let mut kind = StringBuilder::new();
        let mut rid = StringBuilder::new();
        let mut src = StringBuilder::new();
        let mut other = StringBuilder::new();
        let mut other_src = StringBuilder::new();
        let mut detail = StringBuilder::new();
        for f in chunk {
            kind.append_value(f.kind.as_str());
            rid.append_value(store.record_id(f.record));
            src.append_value(store.source_name(f.record));
            other.append_option(f.other.map(|o| store.record_id(o)));
            other_src.append_option(f.other.map(|o| store.source_name(o)));
            detail.append_value(f.detail);
        }
        let mut cols: Vec<ArrayRef> = vec![Arc::new(kind.finish()), Arc::new(rid.finish())];
        if link {
            cols.push(Arc::new(src.finish()));
        }
        cols.push(Arc::new(other.finish()));
        if link {
            cols.push(Arc::new(other_src.finish()));
        }
        cols.push(Arc::new(detail.finish()));
        w.write(&RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema"))?;
    }
    w.finish()
}
