//! Atomic outputs: every file is written under a temporary name in its
//! destination directory and renamed into place only when complete, so a
//! failed or interrupted run never leaves a half-written file behind.
//!
//! Outputs hold a register's personal data (names, addresses, ID numbers in
//! the run index, the generator's records), so every file the program
//! creates is readable by its owner only (`0600`, directories `0700`) unless
//! the user asks otherwise ([`set_file_mode`], `--mode`). The mode is set
//! when a file or directory is created, never widened afterwards.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::{Error, Result};

/// Unix permission bits of the files this process creates.
static FILE_MODE: AtomicU32 = AtomicU32::new(0o600);

/// The default: readable and writable by the owner only.
pub const PRIVATE_MODE: u32 = 0o600;

/// Sets the permission bits of every file created from now on (`0o600`,
/// `0o640`, `0o644`, …); directories get the same bits plus search (`x`)
/// for every class that may read. Bits beyond read and write are refused.
pub fn set_file_mode(mode: u32) -> Result<()> {
    if mode & !0o666 != 0 || mode & 0o600 != 0o600 {
        return Err(Error::usage(format!(
            "--mode {mode:o}: give read and write permission bits that include the owner's \
             (600, the default: owner only; 640: group may read; 644: everyone may read)"
        )));
    }
    FILE_MODE.store(mode, Ordering::Relaxed);
    Ok(())
}

/// The permission bits of files this process creates.
pub fn file_mode() -> u32 {
    FILE_MODE.load(Ordering::Relaxed)
}

/// The permission bits of directories this process creates: the files'
/// bits plus search where reading is allowed.
pub fn dir_mode() -> u32 {
    let m = file_mode();
    m | ((m & 0o444) >> 2)
}

/// Creates (or truncates) `path` with [`file_mode`].
pub fn create_file(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, file_mode());
    let f = o.open(path)?;
    // An existing file keeps its mode through `open`: set it.
    set_mode(path, file_mode())?;
    Ok(f)
}

/// Creates `dir` and its missing parents with [`dir_mode`].
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, dir_mode());
    b.create(dir)
}

/// Sets `path`'s permission bits (a no-op off Unix).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// A temporary directory in `dir` with [`dir_mode`] (tempfile's mode
/// follows the umask: `0755` under the usual `022`).
pub fn temp_dir_in(dir: &Path, prefix: &str) -> std::io::Result<tempfile::TempDir> {
    let t = tempfile::Builder::new().prefix(prefix).tempdir_in(dir)?;
    set_mode(t.path(), dir_mode())?;
    Ok(t)
}

/// Creates `dir` (and parents) and checks that files can be created in it.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    create_dir_all(dir).map_err(|e| {
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
        set_mode(self.tmp.path(), file_mode()).map_err(|e| Error::io(&self.dest, e))?;
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
