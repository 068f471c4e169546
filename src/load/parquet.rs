//! Parquet tables read with the Arrow reader, projecting only the requested
//! columns so that a 20-column snapshot costs the I/O of the two columns a
//! stage needs.
//!
//! The file is memory-mapped (memmap2) and handed to the reader as
//! `bytes::Bytes` (zero-copy: parquet's `ChunkReader` is implemented for
//! `Bytes`), so a projected column chunk is paged in by the kernel on first
//! touch and never copied into a read buffer; the pages of columns that are
//! not requested are never read.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;

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
        let metadata = ArrowReaderMetadata::load(&data, ArrowReaderOptions::new())
            .map_err(|e| Error::format(path, e))?;
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
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
            self.data.clone(),
            self.metadata.clone(),
        )
        .with_projection(mask)
        .with_batch_size(batch_size.max(1))
        .build()
        .map_err(|e| Error::format(&self.path, e))?;
        let identity = order.iter().copied().eq(0..roots.len());
        Ok(ParquetBatches {
            path: self.path.clone(),
            reader,
            order: (!identity).then_some(order),
        })
    }
}

/// Iterator over the record batches of a Parquet file; see
/// [`crate::load::Source::batches`].
pub(crate) struct ParquetBatches {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    /// `None` when the file order already is the requested order.
    order: Option<Vec<usize>>,
}

impl Iterator for ParquetBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        let batch = match self.reader.next()? {
            Ok(b) => b,
            Err(e) => return Some(Err(Error::format(&self.path, e))),
        };
        Some(match &self.order {
            None => Ok(batch),
            Some(order) => batch
                .project(order)
                .map_err(|e| Error::format(&self.path, e)),
        })
    }
}
