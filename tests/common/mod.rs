//! Helpers the integration tests share: run the real binary, read outputs.
//! Each test crate uses a subset, hence the dead_code allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dinhdanh::load::Source;

/// A fixture file under `tests/data/<dir>/`.
pub fn fixture_in(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
        .join(name)
}

/// Runs `dinhdanh --quiet ARGS`.
pub fn dinhdanh(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dinhdanh"))
        .arg("--quiet")
        .args(args)
        .output()
        .expect("the dinhdanh binary runs")
}

pub fn show(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs the binary and fails the test, printing its output, unless it exits 0.
pub fn ok(args: &[&str]) -> Output {
    let out = dinhdanh(args);
    assert!(out.status.success(), "dinhdanh {args:?}\n{}", show(&out));
    out
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

pub type Columns = Vec<Vec<Option<String>>>;

/// All string columns of a Parquet or CSV file, by name.
pub fn read_columns(path: &Path, columns: &[&str]) -> Columns {
    let source = Source::open(path).expect("file opens");
    let mut out = vec![Vec::new(); columns.len()];
    for batch in source.batches(columns, 4096).expect("columns exist") {
        let batch = batch.expect("batch reads");
        for (i, col) in out.iter_mut().enumerate() {
            let c = source.string_column(&batch, i).expect("string column");
            col.extend(c.iter().map(|v| v.map(str::to_owned)));
        }
    }
    out
}
