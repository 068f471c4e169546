//! Atomic outputs: every file is written under a temporary name in its
//! destination directory and renamed into place only when complete, so a
//! failed or interrupted run never leaves a half-written file behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Creates `dir` (and parents) and checks that files can be created in it.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::usage(format!(
            "cannot create output directory {}: {e}; choose a writable --out directory",
            dir.display()
        ))
    })?;
    tempfile::NamedTempFile::new_in(dir).map_err(|e| {
        Error::usage(format!(
            "output directory {} is not writable: {e}; choose a writable --out directory",
            dir.display()
        ))
    })?;
    Ok(())
}

/// A file being written under a temporary name next to its final path.
/// Dropping it without calling [`AtomicFile::commit`] removes the temporary.
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    pub fn create(dest: impl Into<PathBuf>) -> Result<AtomicFile> {
        let dest = dest.into();
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".dinhdanh-")
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dest, e))?;
        Ok(AtomicFile { tmp, dest })
    }

    /// The open temporary file, for writers that take a `File`.
    pub fn file(&self) -> Result<File> {
        self.tmp.reopen().map_err(|e| Error::io(&self.dest, e))
    }

    /// A buffered writer on the temporary file.
    pub fn writer(&self) -> Result<BufWriter<File>> {
        Ok(BufWriter::with_capacity(1 << 20, self.file()?))
    }

    pub fn path(&self) -> &Path {
        &self.dest
    }

    /// Syncs and renames the temporary file to its final name.
    pub fn commit(self) -> Result<()> {
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| Error::io(&self.dest, e))?;
        self.tmp
            .persist(&self.dest)
            .map_err(|e| Error::io(&self.dest, e.error))?;
        Ok(())
    }
}

/// Writes `bytes` to `dest` atomically.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> Result<()> {
    let f = AtomicFile::create(dest)?;
    let mut w = f.writer()?;
    w.write_all(bytes).map_err(|e| Error::io(dest, e))?;
    w.flush().map_err(|e| Error::io(dest, e))?;
    drop(w);
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.json");
        {
            let f = AtomicFile::create(&dest).unwrap();
            let mut w = f.writer().unwrap();
            w.write_all(b"partial").unwrap();
        }
        assert!(!dest.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn committed_file_has_content() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.json");
        write_atomic(&dest, b"{}").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"{}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
