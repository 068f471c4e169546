//! CSV tables read as Arrow string batches.
//!
//! Every column comes out as nullable `Utf8`; an empty field is null, the
//! convention of the tools that write these files (pandas, DuckDB, Excel
//! exports). Rows are read into one reused `ByteRecord` and copied straight
//! into the batch's string builders, so the cost per row is the copy of its
//! bytes and a UTF-8 check, with no allocation.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};

/// Header of a CSV file, read once when the source is opened.
#[derive(Debug)]
pub(crate) struct CsvTable {
    path: PathBuf,
    headers: Vec<String>,
}

fn reader(path: &Path) -> Result<csv::Reader<BufReader<File>>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    // `flexible` so that a ragged row reaches our own check, which names the
    // data row the way the rest of the crate counts rows.
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 20, file)))
}

fn csv_error(path: &Path, row: Option<u64>, err: csv::Error) -> Error {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => Error::io(path, e),
        other => Error::data_at(path, row, None, format!("malformed CSV: {other:?}")),
    }
}

impl CsvTable {
    pub(crate) fn open(path: &Path) -> Result<CsvTable> {
        let mut rdr = reader(path)?;
        let header = rdr.byte_headers().map_err(|e| csv_error(path, None, e))?;
        if header.is_empty() {
            return Err(Error::data(
                path,
                "empty file: a CSV input needs a header row naming its columns",
            ));
        }
        let mut headers = Vec::with_capacity(header.len());
        for (i, field) in header.iter().enumerate() {
            let name = std::str::from_utf8(field).map_err(|_| {
                Error::data(path, format!("header field {} is not valid UTF-8", i + 1))
            })?;
            let name = name.trim().to_owned();
            if headers.contains(&name) {
                return Err(Error::data_at(
                    path,
                    None,
                    Some(&name),
                    "column name appears twice in the header",
                ));
            }
            headers.push(name);
        }
        Ok(CsvTable {
            path: path.to_path_buf(),
            headers,
        })
    }

    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Batches of the columns at `indices` (header positions, in output
    /// order, already checked to exist).
    pub(crate) fn batches(&self, indices: &[usize], batch_size: usize) -> Result<CsvBatches> {
        let mut rdr = reader(&self.path)?;
        // Skip the header: the reader consumes it on the first call.
        rdr.byte_headers()
            .map_err(|e| csv_error(&self.path, None, e))?;
        let fields: Vec<Field> = indices
            .iter()
            .map(|&i| Field::new(self.headers[i].as_str(), DataType::Utf8, true))
            .collect();
        Ok(CsvBatches {
            path: self.path.clone(),
            reader: rdr,
            record: csv::ByteRecord::new(),
            projection: indices.to_vec(),
            schema: Arc::new(Schema::new(fields)),
            width: self.headers.len(),
            batch_size: batch_size.max(1),
            rows_read: 0,
            done: false,
        })
    }
}

/// Iterator over the record batches of a CSV file; see
/// [`crate::load::Source::batches`].
pub(crate) struct CsvBatches {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    record: csv::ByteRecord,
    projection: Vec<usize>,
    schema: SchemaRef,
    width: usize,
    batch_size: usize,
    rows_read: u64,
    done: bool,
}

impl CsvBatches {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut builders: Vec<StringBuilder> = self
            .projection
            .iter()
            .map(|_| StringBuilder::with_capacity(self.batch_size, self.batch_size * 16))
            .collect();
        let mut n = 0;
        while n < self.batch_size {
            let row = self.rows_read + 1;
            let more = self
                .reader
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.path, Some(row), e))?;
            if !more {
                break;
            }
            self.rows_read = row;
            if self.record.len() != self.width {
                return Err(Error::data_at(
                    &self.path,
                    Some(row),
                    None,
                    format!(
                        "row has {} fields but the header has {}",
                        self.record.len(),
                        self.width
                    ),
                ));
            }
            for (j, (b, &col)) in builders.iter_mut().zip(&self.projection).enumerate() {
                let raw = &self.record[col];
                if raw.is_empty() {
                    b.append_null();
                    continue;
                }
                let text = std::str::from_utf8(raw).map_err(|_| {
                    Error::data_at(
                        &self.path,
                        Some(row),
                        Some(self.schema.field(j).name()),
                        "not valid UTF-8 (convert the file to UTF-8 first)",
                    )
                })?;
                b.append_value(text);
            }
            n += 1;
        }
        if n == 0 {
            return Ok(None);
        }
        let columns: Vec<ArrayRef> = builders
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        RecordBatch::try_new(self.schema.clone(), columns)
            .map(Some)
            .map_err(|e| Error::format(&self.path, e))
    }
}

impl Iterator for CsvBatches {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Result<RecordBatch>> {
        if self.done {
            return None;
        }
        match self.next_batch() {
            Ok(Some(batch)) => Some(Ok(batch)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                // An error ends the stream: the reader's position inside a
                // broken row is not a place to resume from.
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
