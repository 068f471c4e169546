//! Loading input tables: Parquet and CSV, both streamed as Arrow
//! [`RecordBatch`]es.
//!
//! Every stage that reads a file goes through [`Source`]: open it once (which
//! reads only the Parquet footer or the CSV header), ask for the columns it
//! needs, and iterate over batches. Memory is bounded by one batch (CSV) or
//! one row group's projected columns (Parquet), so a 100 M-record snapshot
//! streams through in constant memory. Cells are read through the
//! allocation-free [`StringColumn`] / [`StringListColumn`] views, which hide
//! the string flavours (`Utf8`, `LargeUtf8`, `Utf8View`, dictionaries).
//!
//! ```no_run
//! use dinhdanh::load::{Source, StringColumn};
//! # fn main() -> dinhdanh::Result<()> {
//! let source = Source::open("records.parquet")?;
//! for batch in source.batches(&["record_id", "full_name"], 65_536)? {
//!     let batch = batch?;
//!     let ids = source.string_column(&batch, 0)?;
//!     for row in 0..ids.len() {
//!         let _id: Option<&str> = ids.get(row);
//!     }
//! }
//! # Ok(()) }
//! ```

mod column;
mod csv;
mod parquet;

use std::path::{Path, PathBuf};

use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;

pub use column::{
    is_string_list_type, is_string_type, StringColumn, StringListColumn, StringListItems,
};

use crate::error::{Error, Result};

/// The extensions [`Source::open`] accepts, for messages.
pub const SUPPORTED_EXTENSIONS: &str = ".parquet, .csv";

/// Default rows per batch: large enough to amortise per-batch work, small
/// enough that a batch of a dozen string columns stays within a few MB.
pub const DEFAULT_BATCH_SIZE: usize = 65_536;

#[derive(Debug)]
enum Table {
    Parquet(parquet::ParquetTable),
    Csv(csv::CsvTable),
}

/// An input table, opened but not yet read.
#[derive(Debug)]
pub struct Source {
    path: PathBuf,
    table: Table,
}

impl Source {
    /// Opens `path`, choosing the format by extension (`.parquet`, `.csv`,
    /// case-insensitive). Reads only the Parquet footer or the CSV header.
    pub fn open(path: impl AsRef<Path>) -> Result<Source> {
        let path = path.as_ref();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let table = match ext.as_deref() {
            Some("parquet") => Table::Parquet(parquet::ParquetTable::open(path)?),
            Some("csv") => Table::Csv(csv::CsvTable::open(path)?),
            _ => {
                return Err(Error::usage(format!(
                    "{}: unsupported file type; supported extensions are {SUPPORTED_EXTENSIONS}",
                    path.display()
                )))
            }
        };
        Ok(Source {
            path: path.to_path_buf(),
            table,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The column names, in file order.
    pub fn columns(&self) -> Vec<String> {
        match &self.table {
            Table::Parquet(t) => t
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect(),
            Table::Csv(t) => t.headers().to_vec(),
        }
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.index_of(name).is_some()
    }

    /// The number of data rows, when known without reading the file (Parquet:
    /// from the footer; CSV: unknown).
    pub fn num_rows(&self) -> Option<u64> {
        match &self.table {
            Table::Parquet(t) => Some(t.num_rows()),
            Table::Csv(_) => None,
        }
    }

    /// The Arrow type `column` will have in the batches (always `Utf8` for
    /// CSV), or the missing-column error.
    pub fn data_type(&self, column: &str) -> Result<DataType> {
        let i = self.require(column)?;
        Ok(match &self.table {
            Table::Parquet(t) => t.schema().field(i).data_type().clone(),
            Table::Csv(_) => DataType::Utf8,
        })
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        match &self.table {
            Table::Parquet(t) => t.schema().index_of(name).ok(),
            Table::Csv(t) => t.headers().iter().position(|h| h == name),
        }
    }

    /// The position of `column`, or an error naming the file and the column
    /// and listing the columns present.
    fn require(&self, column: &str) -> Result<usize> {
        self.index_of(column).ok_or_else(|| {
            Error::data_at(
                &self.path,
                None,
                Some(column),
                format!(
                    "no such column; columns present: {}",
                    self.columns().join(", ")
                ),
            )
        })
    }

    /// Streams the named columns, in the order asked for, in batches of at
    /// most `batch_size` rows. Fails before reading any row if a column is
    /// missing.
    pub fn batches(&self, columns: &[&str], batch_size: usize) -> Result<Batches> {
        let indices = columns
            .iter()
            .map(|c| self.require(c))
            .collect::<Result<Vec<_>>>()?;
        let inner = match &self.table {
            Table::Parquet(t) => BatchesInner::Parquet(t.batches(&indices, batch_size)?),
            Table::Csv(t) => BatchesInner::Csv(t.batches(&indices, batch_size)?),
        };
        Ok(Batches { inner })
    }

    /// The string view of column `index` of a batch from this source; a wrong
    /// type is an error naming this file and the column.
    pub fn string_column<'a>(
        &self,
        batch: &'a RecordBatch,
        index: usize,
    ) -> Result<StringColumn<'a>> {
        let name = batch.schema_ref().field(index).name().clone();
        StringColumn::try_new(batch.column(index).as_ref(), &self.path, &name)
    }

    /// Checks before reading that `column` exists and is a string column.
    pub fn require_string(&self, column: &str) -> Result<()> {
        let dt = self.data_type(column)?;
        if is_string_type(&dt) {
            Ok(())
        } else {
            Err(Error::data_at(
                &self.path,
                None,
                Some(column),
                format!("expected a string column, found {dt}"),
            ))
        }
    }
}

enum BatchesInner {
    Parquet(parquet::ParquetBatches),
    Csv(csv::CsvBatches),
}

/// The batches of a [`Source`]: `Result<RecordBatch>` items whose columns
/// are the requested ones, in the requested order. After an error the
/// iterator may end.
pub struct Batches {
    inner: BatchesInner,
}

impl Iterator for Batches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        match &mut self.inner {
            BatchesInner::Parquet(b) => b.next(),
            BatchesInner::Csv(b) => b.next(),
        }
    }
}
