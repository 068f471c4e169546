//! Writers for the records and truth files, one row group per batch, every
//! file through [`AtomicFile`] so a failed run leaves nothing behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::corrupt::{Corruption, RecordRow};
use super::OutputFormat;
use crate::error::{Error, Result};
use crate::output::AtomicFile;

/// One row of the truth file.
pub(crate) struct TruthRow {
    pub record_id: String,
    pub person_id: String,
    pub role: &'static str,
    pub related_person_id: Option<String>,
    pub corruptions: Vec<Corruption>,
    pub source: Option<&'static str>,
}

enum Inner {
    Parquet(ArrowWriter<File>),
    Csv(csv::Writer<BufWriter<File>>),
}

/// A table file being written.
pub(crate) struct TableWriter {
    file: AtomicFile,
    inner: Inner,
    schema: SchemaRef,
}

const RECORD_COLUMNS: [&str; 7] = [
    "record_id",
    "full_name",
    "date_of_birth",
    "sex",
    "citizen_id",
    "province",
    "address",
];

fn records_schema() -> SchemaRef {
    Arc::new(Schema::new(
        RECORD_COLUMNS
            .iter()
            .map(|c| Field::new(*c, DataType::Utf8, *c != "record_id"))
            .collect::<Vec<_>>(),
    ))
}

fn truth_schema(with_source: bool) -> SchemaRef {
    let mut fields = vec![
        Field::new("record_id", DataType::Utf8, false),
        Field::new("person_id", DataType::Utf8, false),
        Field::new("role", DataType::Utf8, false),
        Field::new("related_person_id", DataType::Utf8, true),
        Field::new(
            "corruptions",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
    ];
    if with_source {
        fields.push(Field::new("source", DataType::Utf8, false));
    }
    Arc::new(Schema::new(fields))
}

impl TableWriter {
    fn create(
        path: PathBuf,
        format: OutputFormat,
        schema: SchemaRef,
        row_group_size: usize,
    ) -> Result<TableWriter> {
        let file = AtomicFile::create(&path)?;
        let inner = match format {
            OutputFormat::Parquet => {
                let level = ZstdLevel::try_new(1).map_err(|e| Error::format(&path, e))?;
                let props = WriterProperties::builder()
                    .set_compression(Compression::ZSTD(level))
                    .set_max_row_group_row_count(Some(row_group_size.max(1)))
                    .build();
                let w = ArrowWriter::try_new(file.file()?, schema.clone(), Some(props))
                    .map_err(|e| Error::format(&path, e))?;
                Inner::Parquet(w)
            }
            OutputFormat::Csv => {
                let mut w = csv::Writer::from_writer(file.writer()?);
                w.write_record(schema.fields().iter().map(|f| f.name().as_str()))
                    .map_err(|e| csv_err(&path, e))?;
                Inner::Csv(w)
            }
        };
        Ok(TableWriter {
            file,
            inner,
            schema,
        })
    }

    pub(crate) fn records(path: PathBuf, format: OutputFormat, rgs: usize) -> Result<Self> {
        Self::create(path, format, records_schema(), rgs)
    }

    pub(crate) fn truth(
        path: PathBuf,
        format: OutputFormat,
        rgs: usize,
        with_source: bool,
    ) -> Result<Self> {
        Self::create(path, format, truth_schema(with_source), rgs)
    }

    pub(crate) fn path(&self) -> &Path {
        self.file.path()
    }

    /// Writes one batch of records as one row group.
    pub(crate) fn write_records(&mut self, ids: &[String], rows: &[RecordRow]) -> Result<()> {
        let path = self.file.path().to_path_buf();
        match &mut self.inner {
            Inner::Parquet(w) => {
                let col = |f: &dyn Fn(&RecordRow) -> Option<&str>| -> ArrayRef {
                    let mut b = StringBuilder::with_capacity(rows.len(), rows.len() * 16);
                    for r in rows {
                        b.append_option(f(r));
                    }
                    Arc::new(b.finish())
                };
                let mut idb = StringBuilder::with_capacity(ids.len(), ids.len() * 11);
                for id in ids {
                    idb.append_value(id);
                }
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(idb.finish()),
                    col(&|r| Some(r.full_name.as_str())),
                    col(&|r| r.date_of_birth.as_deref()),
                    col(&|r| r.sex),
                    col(&|r| r.citizen_id.as_deref()),
                    col(&|r| r.province.as_deref()),
                    col(&|r| r.address.as_deref()),
                ];
                write_batch(w, self.schema.clone(), columns, &path)
            }
            Inner::Csv(w) => {
                for (id, r) in ids.iter().zip(rows) {
                    w.write_record([
                        id.as_str(),
                        &r.full_name,
                        r.date_of_birth.as_deref().unwrap_or(""),
                        r.sex.unwrap_or(""),
                        r.citizen_id.as_deref().unwrap_or(""),
                        r.province.as_deref().unwrap_or(""),
                        r.address.as_deref().unwrap_or(""),
                    ])
                    .map_err(|e| csv_err(&path, e))?;
                }
                Ok(())
            }
        }
    }

    /// Writes one batch of truth rows as one row group.
    pub(crate) fn write_truth(&mut self, rows: &[TruthRow]) -> Result<()> {
        let path = self.file.path().to_path_buf();
        let with_source = self.schema.fields().len() == 6;
        match &mut self.inner {
            Inner::Parquet(w) => {
                let mut rid = StringBuilder::new();
                let mut pid = StringBuilder::new();
                let mut role = StringBuilder::new();
                let mut rel = StringBuilder::new();
                let mut cor = ListBuilder::new(StringBuilder::new());
                let mut src = StringBuilder::new();
                for r in rows {
                    rid.append_value(&r.record_id);
                    pid.append_value(&r.person_id);
                    role.append_value(r.role);
                    rel.append_option(r.related_person_id.as_deref());
                    for c in &r.corruptions {
                        cor.values().append_value(c.as_str());
                    }
                    cor.append(true);
                    src.append_value(r.source.unwrap_or(""));
                }
                let mut columns: Vec<ArrayRef> = vec![
                    Arc::new(rid.finish()),
                    Arc::new(pid.finish()),
                    Arc::new(role.finish()),
                    Arc::new(rel.finish()),
                    Arc::new(cor.finish()),
                ];
                if with_source {
                    columns.push(Arc::new(src.finish()));
                }
                write_batch(w, self.schema.clone(), columns, &path)
            }
            Inner::Csv(w) => {
                for r in rows {
                    let tags = r
                        .corruptions
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join("|");
                    let mut fields = vec![
                        r.record_id.as_str(),
                        &r.person_id,
                        r.role,
                        r.related_person_id.as_deref().unwrap_or(""),
                        &tags,
                    ];
                    if with_source {
                        fields.push(r.source.unwrap_or(""));
                    }
                    w.write_record(&fields).map_err(|e| csv_err(&path, e))?;
                }
                Ok(())
            }
        }
    }

    /// Finishes the file and renames it into place.
    pub(crate) fn finish(self) -> Result<()> {
        let path = self.file.path().to_path_buf();
        match self.inner {
            Inner::Parquet(w) => {
                w.close().map_err(|e| Error::format(&path, e))?;
            }
            Inner::Csv(w) => {
                let mut inner = w
                    .into_inner()
                    .map_err(|e| Error::io(&path, std::io::Error::other(e.to_string())))?;
                inner.flush().map_err(|e| Error::io(&path, e))?;
            }
        }
        self.file.commit()
    }
}

fn write_batch(
    w: &mut ArrowWriter<File>,
    schema: SchemaRef,
    columns: Vec<ArrayRef>,
    path: &Path,
) -> Result<()> {
    let batch = RecordBatch::try_new(schema, columns).map_err(|e| Error::format(path, e))?;
    w.write(&batch).map_err(|e| Error::format(path, e))?;
    // One batch, one row group: memory stays bounded by the batch size.
    w.flush().map_err(|e| Error::format(path, e))
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    Error::io(path, std::io::Error::other(e.to_string()))
}
