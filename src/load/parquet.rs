//! Parquet tables read with the Arrow reader, projecting only the requested
//! columns so that a 20-column snapshot costs the I/O of the two columns a
//! stage needs.
//!
//! Why `std::fs::File` and not a memory map: the zero-copy route is
//! `bytes::Bytes::from_owner(mmap)`, which needs the `bytes` crate as a
//! direct dependency so the type can be named, and `Cargo.toml` is frozen
//! (bytes 1.12 is in the tree only as a dependency of parquet). A hand-written
//! `ChunkReader` over the map would also have to return `bytes::Bytes`. The
//! `File` reader reads each projected column chunk with one positioned read
//! into one buffer per chunk, which is what the map would page in anyway;
//! memory stays bounded by one row group's projected chunks.

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
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
    metadata: ArrowReaderMetadata,
}

impl ParquetTable {
    pub(crate) fn open(path: &Path) -> Result<ParquetTable> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| Error::format(path, e))?;
        Ok(ParquetTable {
            path: path.to_path_buf(),
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
        // A fresh handle per iterator: cloned `File`s share one cursor, so two
        // iterators over one handle could interleave their seeks.
        let file = File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
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
        let reader =
            ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.metadata.clone())
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
