//! Parquet tables read with the Arrow reader, projecting only the requested
//! columns so that a 20-column snapshot costs the I/O of the two columns a
//! stage needs.
//!
//! The file is memory-mapped (memmap2) and handed to the reader as
//! `bytes::Bytes` (zero-copy: parquet's `ChunkReader` is implemented for
//! `Bytes`), so a projected column chunk is paged in by the kernel on first
//! touch and never copied into a read buffer; the pages of columns that are
//! not requested are never read.

use std::collections::VecDeque;
use std::fs::File;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

use crate::error::{Error, Result};

/// A Parquet file whose footer has been read.
#[derive(Debug)]
pub(crate) struct ParquetTable {
    path: PathBuf,
    /// The whole file, memory-mapped; cloning is a reference-count bump.
    data: Bytes,
    metadata: ArrowReaderMetadata,
}

impl ParquetTable {
    pub(crate) fn open(path: &Path) -> Result<ParquetTable> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        // SAFETY: the map is read-only; the documented contract is that input
        // snapshots are not modified while a run reads them (as for any
        // reader of a file). Truncation by another process would fault the
        // read, not corrupt memory we write.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::io(path, e))?;
        let data = Bytes::from_owner(map);
        let mut metadata = ArrowReaderMetadata::load(&data, ArrowReaderOptions::new())
            .map_err(|e| Error::format(path, e))?;
        // Text columns are read as `Utf8View`: a view points into the
        // decompressed page (or holds a short string inline) instead of
        // copying every value into a new offsets + bytes buffer.
        let schema = metadata.schema();
        if schema
            .fields()
            .iter()
            .any(|f| f.data_type() == &DataType::Utf8)
        {
            let fields: Vec<Field> = schema
                .fields()
                .iter()
                .map(|f| match f.data_type() {
                    DataType::Utf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
                    _ => f.as_ref().clone(),
                })
                .collect();
            let hinted = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
            metadata = ArrowReaderMetadata::try_new(
                metadata.metadata().clone(),
                ArrowReaderOptions::new().with_schema(hinted),
            )
            .map_err(|e| Error::format(path, e))?;
        }
        Ok(ParquetTable {
            path: path.to_path_buf(),
            data,
            metadata,
        })
    }

    pub(crate) fn schema(&self) -> &SchemaRef {
        self.metadata.schema()
    }

    pub(crate) fn num_rows(&self) -> u64 {
        // The footer stores an i64; a negative count can only come from a
        // corrupt footer, and the reader will fail on it later.
        u64::try_from(self.metadata.metadata().file_metadata().num_rows()).unwrap_or(0)
    }

    /// Batches of the top-level columns at `indices` (schema positions, in
    /// output order, already checked to exist).
    pub(crate) fn batches(&self, indices: &[usize], batch_size: usize) -> Result<ParquetBatches> {
        let mut roots: Vec<usize> = indices.to_vec();
        roots.sort_unstable();
        roots.dedup();
        // The reader yields projected columns in file order; remember where
        // each requested column sits in that order.
        let order: Vec<usize> = indices
            .iter()
            .map(|i| {
                roots
                    .binary_search(i)
                    .expect("every index was inserted into roots")
            })
            .collect();
        let mask = ProjectionMask::roots(self.metadata.parquet_schema(), roots.iter().copied());
        let identity = order.iter().copied().eq(0..roots.len());
        let groups = self.metadata.metadata().row_groups();
        // Row groups are decoded a few at a time in parallel when each is
        // small enough to hold decoded (the generator writes 262 144 rows per
        // group); a file of huge row groups is streamed batch by batch.
        let parallel = groups.len() > 1
            && groups
                .iter()
                .all(|g| g.num_rows() as usize <= PARALLEL_GROUP_ROWS);
        let source = if parallel {
            BatchSource::Groups {
                data: self.data.clone(),
                metadata: self.metadata.clone(),
                mask,
                next: 0,
                count: groups.len(),
                decoded: VecDeque::new(),
            }
        } else {
            BatchSource::Stream(
                ParquetRecordBatchReaderBuilder::new_with_metadata(
                    self.data.clone(),
                    self.metadata.clone(),
                )
                .with_projection(mask)
                .with_batch_size(batch_size.max(1))
                .build()
                .map_err(|e| Error::format(&self.path, e))?,
            )
        };
        Ok(ParquetBatches {
            path: self.path.clone(),
            source,
            batch_size: batch_size.max(1),
            order: (!identity).then_some(order),
        })
    }
}

/// Largest row group decoded whole (in parallel with its neighbours).
const PARALLEL_GROUP_ROWS: usize = 1 << 20;

/// Iterator over the record batches of a Parquet file; see
/// [`crate::load::Source::batches`].
pub(crate) struct ParquetBatches {
    path: PathBuf,
    source: BatchSource,
    batch_size: usize,
    /// `None` when the file order already is the requested order.
    order: Option<Vec<usize>>,
}

enum BatchSource {
    /// One reader over the whole file.
    Stream(ParquetRecordBatchReader),
    /// Row groups decoded `rayon::current_num_threads()` at a time, in
    /// parallel; their batches are handed out in file order.
    Groups {
        data: Bytes,
        metadata: ArrowReaderMetadata,
        mask: ProjectionMask,
        next: usize,
        count: usize,
        decoded: VecDeque<Result<RecordBatch>>,
    },
}

impl ParquetBatches {
    /// The next batch in file order, columns in file order.
    fn next_in_file_order(&mut self) -> Option<Result<RecordBatch>> {
        let path = &self.path;
        match &mut self.source {
            BatchSource::Stream(reader) => Some(reader.next()?.map_err(|e| Error::format(path, e))),
            BatchSource::Groups {
                data,
                metadata,
                mask,
                next,
                count,
                decoded,
            } => {
                if decoded.is_empty() && *next < *count {
                    let end = (*next + rayon::current_num_threads().max(1)).min(*count);
                    let batch_size = self.batch_size;
                    let groups: Vec<Vec<Result<RecordBatch>>> = (*next..end)
                        .into_par_iter()
                        .map(|g| {
                            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
                                data.clone(),
                                metadata.clone(),
                            )
                            .with_projection(mask.clone())
                            .with_row_groups(vec![g])
                            .with_batch_size(batch_size)
                            .build();
                            match reader {
                                Ok(r) => r.map(|b| b.map_err(|e| Error::format(path, e))).collect(),
                                Err(e) => vec![Err(Error::format(path, e))],
                            }
                        })
                        .collect();
                    *next = end;
                    decoded.extend(groups.into_iter().flatten());
                }
                decoded.pop_front()
            }
        }
    }
}

impl Iterator for ParquetBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        let batch = match self.next_in_file_order()? {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        Some(match &self.order {
            None => Ok(batch),
            Some(order) => batch
                .project(order)
                .map_err(|e| Error::format(&self.path, e)),
        })
    }
}
