//! Writing Arrow record batches to Parquet through an [`AtomicFile`].

use std::path::Path;
use std::sync::Arc;

use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::error::{Error, Result};
use crate::output::AtomicFile;

/// A Parquet file being written batch by batch; nothing appears at its final
/// path until [`ParquetOut::commit`].
pub struct ParquetOut {
    file: AtomicFile,
    writer: ArrowWriter<std::fs::File>,
}

impl ParquetOut {
    pub fn create(dest: &Path, schema: Arc<Schema>) -> Result<ParquetOut> {
        let file = AtomicFile::create(dest)?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(1).expect("level 1 is valid"),
            ))
            .set_max_row_group_row_count(Some(1 << 20))
            // Fixed "created by" so outputs do not change with the library version.
            .set_created_by("dinhdanh".to_owned());
        // Record and cluster ids are (nearly) all distinct: a dictionary only
        // costs a hash per value before the writer gives up on it.
        for f in schema.fields() {
            if f.name().ends_with("_id") {
                props =
                    props.set_column_dictionary_enabled(ColumnPath::from(f.name().as_str()), false);
            }
        }
        let props = props.build();
        let writer = ArrowWriter::try_new(file.file()?, schema, Some(props))
            .map_err(|e| Error::format(dest, e))?;
        Ok(ParquetOut { file, writer })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer
            .write(batch)
            .map_err(|e| Error::format(self.file.path(), e))
    }

    /// Closes the Parquet writer; the file is complete but still under its
    /// temporary name, so several outputs can be renamed together at the end.
    pub fn finish(self) -> Result<AtomicFile> {
        let path = self.file.path().to_path_buf();
        self.writer.close().map_err(|e| Error::format(&path, e))?;
        Ok(self.file)
    }

    pub fn commit(self) -> Result<()> {
        self.finish()?.commit()
    }
}
