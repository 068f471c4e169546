//! Outputs hold a register's personal data: every file and directory a run
//! creates — outputs, the run index, generated data — is readable by its
//! owner only (0600 / 0700) unless `--mode` asks otherwise (issue 20, part 1).
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::{dinhdanh, ok, s, show};

/// Every file and directory under `root` (itself included) with its mode bits.
fn modes(root: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let meta = std::fs::symlink_metadata(&p).expect("metadata");
        out.push((p.clone(), meta.is_dir(), meta.permissions().mode() & 0o777));
        if meta.is_dir() {
            for e in std::fs::read_dir(&p).expect("readable") {
                stack.push(e.expect("entry").path());
            }
        }
    }
    out
}

/// Fails naming every path whose mode is not `file` (files) / `dir` (dirs).
fn assert_modes(root: &Path, file: u32, dir: u32) {
    let all = modes(root);
    assert!(
        all.iter().filter(|(_, d, _)| !d).count() >= 2,
        "{root:?} holds files"
    );
    let wrong: Vec<String> = all
        .iter()
        .filter(|(_, is_dir, m)| *m != if *is_dir { dir } else { file })
        .map(|(p, _, m)| format!("{} {m:o}", p.display()))
        .collect();
    assert!(wrong.is_empty(), "expected {file:o} / {dir:o}: {wrong:#?}");
}

/// Generated data and a dedupe run (with its index), under `tmp`, with `mode`.
fn data_and_run(tmp: &Path, mode: Option<&str>) -> (PathBuf, PathBuf) {
    let (data, run) = (tmp.join("data"), tmp.join("run"));
    let mut m = Vec::new();
    if let Some(mode) = mode {
        m = vec!["--mode", mode];
    }
    let gen = [
        &m[..],
        &[
            "generate",
            "--records",
            "3000",
            "--seed",
            "3",
            "--out",
            s(&data),
        ],
    ]
    .concat();
    ok(&gen);
    let records = data.join("records.parquet");
    let dedupe = [&m[..], &["dedupe", s(&records), "--out", s(&run)]].concat();
    ok(&dedupe);
    (data, run)
}

#[test]
fn everything_a_run_creates_is_private_by_default() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (data, run) = data_and_run(tmp.path(), None);
    assert!(run.join("index").is_dir(), "dedupe wrote its index");
    assert_modes(&data, 0o600, 0o700);
    assert_modes(&run, 0o600, 0o700);
    // update: its index links the previous base's files and writes a delta.
    let next = tmp.path().join("next");
    ok(&[
        "update",
        "--previous",
        s(&run),
        s(&data.join("records.parquet")),
        "--out",
        s(&next),
    ]);
    assert_modes(&next, 0o600, 0o700);
    // A directory the run creates below a missing parent is private too.
    let deep = tmp.path().join("a/b/run");
    ok(&[
        "dedupe",
        s(&data.join("records.parquet")),
        "--out",
        s(&deep),
    ]);
    assert_modes(&tmp.path().join("a"), 0o600, 0o700);
}

#[test]
fn mode_640_lets_the_group_read() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (data, run) = data_and_run(tmp.path(), Some("640"));
    assert_modes(&data, 0o640, 0o750);
    assert_modes(&run, 0o640, 0o750);
}

#[test]
fn modes_beyond_read_and_write_or_without_the_owner_are_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for bad in ["700", "400", "066", "9", "rw"] {
        let out_dir = tmp.path().join(format!("out-{bad}"));
        let out = dinhdanh(&[
            "--mode",
            bad,
            "generate",
            "--records",
            "10",
            "--out",
            s(&out_dir),
        ]);
        assert_eq!(out.status.code(), Some(2), "--mode {bad}\n{}", show(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--mode"),
            "the message names the flag: {}",
            show(&out)
        );
        assert!(!out_dir.exists(), "nothing written for --mode {bad}");
    }
}
