//! Writing Arrow record batches to Parquet through an [`AtomicFile`].

use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_writer::{
    compute_leaves, ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::output::AtomicFile;

/// Rows per row group (the readers decode one row group per thread).
const ROW_GROUP_ROWS: usize = 1 << 20;

/// A Parquet file being written batch by batch; nothing appears at its final
/// path until [`ParquetOut::commit`].
///
/// Batches are buffered until a row group is full; its columns are then
/// encoded and compressed in parallel (one rayon task per column) and
/// appended in column order. Each column writer receives exactly the batch
/// slices `ArrowWriter` would give it (the same row-group splits), and a
/// column's pages depend only on what its own writer received, so the file
/// is byte-identical to `ArrowWriter`'s at any thread count (a test below
/// checks this against `ArrowWriter`).
pub struct ParquetOut {
    file: AtomicFile,
    writer: SerializedFileWriter<std::fs::File>,
    factory: ArrowRowGroupWriterFactory,
    schema: Arc<Schema>,
    /// Slices of the batches of the row group being filled, in order.
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    group_rows: usize,
}

impl ParquetOut {
    pub fn create(dest: &Path, schema: Arc<Schema>) -> Result<ParquetOut> {
        Self::with_group_rows(dest, schema, ROW_GROUP_ROWS)
    }

    /// [`ParquetOut::create`] with row groups of `group_rows` rows (tests use small ones).
    fn with_group_rows(dest: &Path, schema: Arc<Schema>, group_rows: usize) -> Result<ParquetOut> {
        let file = AtomicFile::create(dest)?;
        let props = properties(&schema, group_rows);
        // Made through ArrowWriter so that the file carries exactly its
        // metadata (the embedded Arrow schema); nothing is written yet.
        let writer = ArrowWriter::try_new(file.file()?, schema.clone(), Some(props))
            .map_err(|e| Error::format(dest, e))?;
        let (writer, factory) = writer
            .into_serialized_writer()
            .map_err(|e| Error::format(dest, e))?;
        Ok(ParquetOut {
            file,
            writer,
            factory,
            schema,
            pending: Vec::new(),
            pending_rows: 0,
            group_rows: group_rows.max(1),
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.schema() != self.schema {
            return Err(Error::format(
                self.file.path(),
                "record batch does not match the file's schema",
            ));
        }
        let mut rest = batch.clone();
        while rest.num_rows() > 0 {
            let take = (self.group_rows - self.pending_rows).min(rest.num_rows());
            self.pending.push(rest.slice(0, take));
            self.pending_rows += take;
            rest = rest.slice(take, rest.num_rows() - take);
            if self.pending_rows >= self.group_rows {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Encodes the buffered rows as one row group, columns in parallel.
    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let path = self.file.path().to_path_buf();
        let pending = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        let writers = self
            .factory
            .create_column_writers(self.writer.flushed_row_groups().len())
            .map_err(|e| Error::format(&path, e))?;
        // The leaf writers of each field (one per field in a flat schema).
        let mut writers = writers.into_iter();
        let mut per_field: Vec<(usize, Vec<ArrowColumnWriter>)> = Vec::new();
        for (i, field) in self.schema.fields().iter().enumerate() {
            let leaves = compute_leaves(field.as_ref(), pending[0].column(i))
                .map_err(|e| Error::format(&path, e))?
                .len();
            per_field.push((i, writers.by_ref().take(leaves).collect()));
        }
        let schema = &self.schema;
        let chunks: Vec<Vec<ArrowColumnChunk>> = per_field
            .into_par_iter()
            .map(|(i, mut leaf_writers)| {
                let field = schema.field(i);
                for batch in &pending {
                    for (w, leaf) in leaf_writers
                        .iter_mut()
                        .zip(compute_leaves(field, batch.column(i))?)
                    {
                        w.write(&leaf)?;
                    }
                }
                leaf_writers.into_iter().map(|w| w.close()).collect()
            })
            .collect::<parquet::errors::Result<_>>()
            .map_err(|e| Error::format(&path, e))?;
        let mut rg = self
            .writer
            .next_row_group()
            .map_err(|e| Error::format(&path, e))?;
        for chunk in chunks.into_iter().flatten() {
            chunk
                .append_to_row_group(&mut rg)
                .map_err(|e| Error::format(&path, e))?;
        }
        rg.close().map_err(|e| Error::format(&path, e))?;
        Ok(())
    }

    /// Closes the Parquet writer; the file is complete but still under its
    /// temporary name, so several outputs can be renamed together at the end.
    pub fn finish(mut self) -> Result<AtomicFile> {
        self.flush()?;
        let path = self.file.path().to_path_buf();
        self.writer.close().map_err(|e| Error::format(&path, e))?;
        Ok(self.file)
    }

    pub fn commit(self) -> Result<()> {
        self.finish()?.commit()
    }
}

/// The writer properties of every output file.
fn properties(schema: &Schema, group_rows: usize) -> WriterProperties {
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).expect("level 1 is valid"),
        ))
        .set_max_row_group_row_count(Some(group_rows.max(1)))
        // Fixed "created by" so outputs do not change with the library version.
        .set_created_by("dinhdanh".to_owned());
    // Record and cluster ids are (nearly) all distinct: a dictionary only
    // costs a hash per value before the writer gives up on it.
    for f in schema.fields() {
        if f.name().ends_with("_id") {
            props = props.set_column_dictionary_enabled(ColumnPath::from(f.name().as_str()), false);
        }
    }
    props.build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Float64Array, StringArray, UInt32Array};
    use arrow::datatypes::{DataType, Field};

    /// The parallel column encoding must give the bytes `ArrowWriter` gives
    /// for the same batches and properties, across row-group boundaries that
    /// fall inside batches, with nulls, repeated and distinct values.
    #[test]
    fn parallel_encoding_is_byte_identical_to_arrow_writer() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("record_id", DataType::Utf8, false),
            Field::new("level", DataType::Utf8, true),
            Field::new("weight", DataType::Float64, false),
            Field::new("size", DataType::UInt32, false),
        ]));
        let batch = |start: usize, n: usize| {
            let ids: Vec<String> = (start..start + n).map(|i| format!("R{i:07}")).collect();
            let level: Vec<Option<&str>> = (start..start + n)
                .map(|i| match i % 5 {
                    0 => None,
                    1 | 2 => Some("exact"),
                    _ => Some("jw_0.88"),
                })
                .collect();
            let cols: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from(ids)),
                Arc::new(StringArray::from(level)),
                Arc::new(Float64Array::from_iter_values(
                    (start..start + n).map(|i| (i % 97) as f64 * 0.25 - 3.0),
                )),
                Arc::new(UInt32Array::from_iter_values(
                    (start..start + n).map(|i| (i % 7) as u32 + 1),
                )),
            ];
            RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema")
        };
        let sizes = [1usize, 999, 4000, 2500, 1, 3333];
        let dir = tempfile::tempdir().expect("temporary directory");
        for group_rows in [1000usize, 4096, 1 << 20] {
            let ours = dir.path().join(format!("ours-{group_rows}.parquet"));
            let mut w = ParquetOut::with_group_rows(&ours, schema.clone(), group_rows).unwrap();
            let mut reference = Vec::new();
            let mut r = ArrowWriter::try_new(
                &mut reference,
                schema.clone(),
                Some(properties(&schema, group_rows)),
            )
            .unwrap();
            let mut start = 0;
            for &n in &sizes {
                let b = batch(start, n);
                w.write(&b).unwrap();
                r.write(&b).unwrap();
                start += n;
            }
            w.commit().unwrap();
            r.close().unwrap();
            let written = std::fs::read(&ours).unwrap();
            assert!(
                written == reference,
                "group_rows {group_rows}: bytes differ"
            );
        }
    }

    #[test]
    fn a_batch_of_another_schema_is_an_error() {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::UInt32, false)]));
        let other = Arc::new(Schema::new(vec![Field::new("b", DataType::UInt32, false)]));
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut w = ParquetOut::create(&dir.path().join("x.parquet"), schema).unwrap();
        let b = RecordBatch::try_new(other, vec![Arc::new(UInt32Array::from(vec![1u32])) as _])
            .unwrap();
        assert!(w.write(&b).is_err());
    }
}
