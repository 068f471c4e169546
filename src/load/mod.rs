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
pub mod input;
mod parquet;

use std::path::{Path, PathBuf};

use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;

pub use column::{
    is_string_list_type, is_string_type, StringColumn, StringListColumn, StringListItems,
};

use crate::error::{Error, Result};

pub use input::load_store;

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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use ::parquet::arrow::ArrowWriter;
    use ::parquet::file::properties::WriterProperties;
    use arrow::array::{ArrayRef, Int64Array, ListBuilder, StringBuilder, StringDictionaryBuilder};
    use arrow::datatypes::{Field, Int32Type, Schema};

    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &[u8]) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write fixture");
        path
    }

    fn strings(source: &Source, batch: &RecordBatch, i: usize) -> Vec<Option<String>> {
        let col = source.string_column(batch, i).expect("string column");
        col.iter().map(|c| c.map(str::to_owned)).collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    /// A Parquet file with a plain, a dictionary, a list and an integer
    /// column, in two row groups.
    fn parquet_fixture(dir: &tempfile::TempDir) -> PathBuf {
        let path = dir.path().join("t.parquet");
        let mut dict = StringDictionaryBuilder::<Int32Type>::new();
        let mut list = ListBuilder::new(StringBuilder::new());
        for (p, tags) in [("P1", &["tone"][..]), ("P1", &[]), ("P2", &["vni", "viqr"])] {
            dict.append_value(p);
            for t in tags {
                list.values().append_value(t);
            }
            list.append(true);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(arrow::array::StringArray::from(vec![
                Some("r1"),
                None,
                Some("r3"),
            ])),
            Arc::new(dict.finish()),
            Arc::new(list.finish()),
            Arc::new(Int64Array::from(vec![7, 8, 9])),
        ];
        let schema = Arc::new(Schema::new(
            ["record_id", "person_id", "corruptions", "n"]
                .iter()
                .zip(&columns)
                .map(|(n, c)| Field::new(*n, c.data_type().clone(), true))
                .collect::<Vec<_>>(),
        ));
        let batch = RecordBatch::try_new(schema.clone(), columns).expect("valid batch");
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(2))
            .build();
        let file = std::fs::File::create(&path).expect("create");
        let mut w = ArrowWriter::try_new(file, schema, Some(props)).expect("writer");
        w.write(&batch).expect("write");
        w.close().expect("close");
        path
    }

    #[test]
    fn unsupported_extension_is_a_usage_error_listing_the_supported_ones() {
        let err = Source::open("people.xlsx").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(msg.contains("people.xlsx") && msg.contains(".parquet") && msg.contains(".csv"));
    }

    #[test]
    fn csv_projects_in_requested_order_with_empty_fields_as_null() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir,
            "a.csv",
            "\u{feff}record_id,name,source\nr1,Nguyễn Văn An,A\nr2,,B\nr3,Lê Thị Hà,A\n".as_bytes(),
        );
        let src = Source::open(&path).unwrap();
        assert_eq!(src.columns(), ["record_id", "name", "source"]);
        assert_eq!(src.num_rows(), None);
        assert_eq!(src.data_type("name").unwrap(), DataType::Utf8);
        let batches: Vec<RecordBatch> = src
            .batches(&["source", "record_id", "name"], 2)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(
            batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(),
            [2, 1]
        );
        assert_eq!(strings(&src, &batches[0], 0), [s("A"), s("B")]);
        assert_eq!(strings(&src, &batches[0], 1), [s("r1"), s("r2")]);
        assert_eq!(strings(&src, &batches[0], 2), [s("Nguyễn Văn An"), None]);
        assert_eq!(strings(&src, &batches[1], 2), [s("Lê Thị Hà")]);
    }

    #[test]
    fn missing_column_names_file_column_and_columns_present() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "a.csv", b"record_id,name\nr1,An\n");
        let src = Source::open(&path).unwrap();
        let err = src
            .batches(&["record_id", "dob"], 10)
            .err()
            .expect("missing column");
        let msg = err.to_string();
        assert!(msg.contains("a.csv") && msg.contains("'dob'"), "{msg}");
        assert!(msg.contains("record_id, name"), "{msg}");
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn ragged_csv_row_names_file_and_data_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "r.csv", b"a,b\n1,2\n3,4\n5\n6,7\n");
        let src = Source::open(&path).unwrap();
        let results: Vec<Result<RecordBatch>> = src.batches(&["a"], 100).unwrap().collect();
        assert_eq!(results.len(), 1, "the error ends the stream");
        let msg = results[0].as_ref().unwrap_err().to_string();
        assert!(msg.contains("r.csv, row 3"), "{msg}");
    }

    #[test]
    fn bad_utf8_names_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        // "Nguy\xeAn" is TCVN3 bytes, not UTF-8.
        let path = write(&dir, "b.csv", b"id,name\nr1,An\nr2,Nguy\xd4n\n");
        let src = Source::open(&path).unwrap();
        let err = src
            .batches(&["id", "name"], 100)
            .unwrap()
            .find_map(|b| b.err())
            .expect("error");
        assert!(
            err.to_string().contains("b.csv, row 2, column 'name'"),
            "{err}"
        );
        // Not projected, not checked: bad bytes in a column nobody reads are fine.
        assert!(src.batches(&["id"], 100).unwrap().all(|b| b.is_ok()));
    }

    #[test]
    fn empty_csv_and_duplicate_headers_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let empty = write(&dir, "e.csv", b"");
        assert!(Source::open(&empty)
            .unwrap_err()
            .to_string()
            .contains("header"));
        let dup = write(&dir, "d.csv", b"a,b,a\n1,2,3\n");
        assert!(Source::open(&dup).unwrap_err().to_string().contains("'a'"));
    }

    #[test]
    fn parquet_reads_projected_columns_across_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let path = parquet_fixture(&dir);
        let src = Source::open(&path).unwrap();
        assert_eq!(
            src.columns(),
            ["record_id", "person_id", "corruptions", "n"]
        );
        assert_eq!(src.num_rows(), Some(3));
        let batches: Vec<RecordBatch> = src
            .batches(&["corruptions", "person_id"], 10)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        assert_eq!(rows, 3);
        let mut persons = Vec::new();
        let mut tags = Vec::new();
        for b in &batches {
            assert_eq!(b.num_columns(), 2);
            persons.extend(strings(&src, b, 1));
            let list =
                StringListColumn::try_new(b.column(0).as_ref(), src.path(), "corruptions").unwrap();
            for i in 0..list.len() {
                tags.push(list.get(i).unwrap().collect::<Vec<_>>().join("|"));
            }
        }
        assert_eq!(persons, [s("P1"), s("P1"), s("P2")]);
        assert_eq!(tags, ["tone", "", "vni|viqr"]);
        // Null record_id survives the round trip as null.
        let ids: Vec<_> = src
            .batches(&["record_id"], 10)
            .unwrap()
            .flat_map(|b| strings(&src, &b.unwrap(), 0))
            .collect();
        assert_eq!(ids, [s("r1"), None, s("r3")]);
    }

    #[test]
    fn parquet_row_groups_decoded_in_parallel_come_out_in_file_order() {
        // 25 rows in row groups of 3 (nine groups: several parallel windows),
        // read in batches of 2; both columns, in the opposite order.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.parquet");
        let ids: Vec<String> = (0..25).map(|i| format!("r{i}")).collect();
        let names: Vec<String> = (0..25).map(|i| format!("n{}", 100 - i)).collect();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(arrow::array::StringArray::from(ids.clone())),
            Arc::new(arrow::array::StringArray::from(names.clone())),
        ];
        let schema = Arc::new(Schema::new(vec![
            Field::new("record_id", arrow::datatypes::DataType::Utf8, false),
            Field::new("full_name", arrow::datatypes::DataType::Utf8, false),
        ]));
        let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
        let props = WriterProperties::builder()
            .set_max_row_group_row_count(Some(3))
            .build();
        let mut w =
            ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, Some(props))
                .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let src = Source::open(&path).unwrap();
        let (mut got_names, mut got_ids) = (Vec::new(), Vec::new());
        for b in src.batches(&["full_name", "record_id"], 2).unwrap() {
            let b = b.unwrap();
            assert!(b.num_rows() <= 2);
            got_names.extend(strings(&src, &b, 0));
            got_ids.extend(strings(&src, &b, 1));
        }
        assert_eq!(got_ids, ids.iter().map(|v| s(v)).collect::<Vec<_>>());
        assert_eq!(got_names, names.iter().map(|v| s(v)).collect::<Vec<_>>());
    }

    #[test]
    fn parquet_wrong_type_names_file_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = parquet_fixture(&dir);
        let src = Source::open(&path).unwrap();
        let msg = src.require_string("n").unwrap_err().to_string();
        assert!(
            msg.contains("t.parquet") && msg.contains("'n'") && msg.contains("Int64"),
            "{msg}"
        );
        let b = src.batches(&["n"], 10).unwrap().next().unwrap().unwrap();
        assert!(src.string_column(&b, 0).is_err());
    }

    #[test]
    fn not_a_parquet_file_is_a_format_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "x.parquet", b"record_id\nr1\n");
        let err = Source::open(&path).unwrap_err();
        assert!(err.to_string().contains("x.parquet"), "{err}");
        assert_eq!(err.exit_code(), 1);
    }
}
