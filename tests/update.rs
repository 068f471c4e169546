//! `dinhdanh update` through the real binary: with the model fixed, the
//! clusters after an update equal (as partitions) those of a full `dedupe`
//! of the new snapshot; stable cluster ids on a hand-made case; bad input
//! gives a clear error and writes nothing; the previous run is not modified.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use dinhdanh::load::Source;
use parquet::arrow::ArrowWriter;

mod common;
use common::*;

fn fixture(name: &str) -> PathBuf {
    fixture_in("engine", name)
}

fn write_parquet(path: &Path, names: &[String], cols: &Columns) {
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|n| Field::new(n, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = cols
        .iter()
        .map(|c| Arc::new(StringArray::from(c.clone())) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).expect("batch");
    let file = std::fs::File::create(path).expect("create");
    let mut w = ArrowWriter::try_new(file, schema, None).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
}

/// record_id → cluster_id of a run.
fn cluster_ids(run: &Path) -> BTreeMap<String, String> {
    let cols = read_columns(&run.join("clusters.parquet"), &["record_id", "cluster_id"]);
    cols[0]
        .iter()
        .zip(&cols[1])
        .map(|(r, c)| (r.clone().expect("id"), c.clone().expect("cluster")))
        .collect()
}

/// The clusters of a run as a partition: a set of record-id sets (ids ignored).
fn partition(run: &Path) -> BTreeSet<BTreeSet<String>> {
    let mut by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (r, c) in cluster_ids(run) {
        by.entry(c).or_default().insert(r);
    }
    by.into_values().collect()
}

fn report(run: &Path) -> String {
    std::fs::read_to_string(run.join("report.html")).expect("report.html")
}

/// The `<section id="{id}">` of a report, whole.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<section id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no section {id}"));
    let len = html[start..].find("</section>").expect("section ends");
    &html[start..start + len]
}

/// `n` with a comma every three digits, as the report writes counts.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The rows of a run's flags.parquet, in file order.
fn flag_rows(run: &Path) -> Vec<Vec<Option<String>>> {
    let cols = read_columns(
        &run.join("flags.parquet"),
        &["kind", "record_id", "other_record_id", "detail"],
    );
    (0..cols[0].len())
        .map(|i| cols.iter().map(|c| c[i].clone()).collect())
        .collect()
}

/// Every file under `dir` with its bytes (to check a run is left untouched).
fn snapshot_dir(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

fn summary(run: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(run.join("summary.json")).expect("summary"))
        .expect("json")
}

/// A new snapshot of a generated register: rows deleted, names and dates
/// edited, records added (copies of existing people with new ids, so they
/// join and merge clusters), optionally with the rows in another order.
/// Returns (added, changed, deleted) as the test counts them.
fn make_snapshot(old: &Path, new: &Path, reorder: bool) -> (u64, u64, u64) {
    make_snapshot_tagged(old, new, reorder, "ADD")
}

/// [`make_snapshot`] with the added records' ids starting with `tag` (a
/// second night needs ids the first did not use).
fn make_snapshot_tagged(old: &Path, new: &Path, reorder: bool, tag: &str) -> (u64, u64, u64) {
    let names = Source::open(old).expect("opens").columns();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let cols = read_columns(old, &refs);
    let col = |n: &str| names.iter().position(|x| x == n).expect("generated column");
    let (id, name, dob, addr) = (
        col("record_id"),
        col("full_name"),
        col("date_of_birth"),
        col("address"),
    );
    let n = cols[0].len();
    let mut rows: Vec<Vec<Option<String>>> = Vec::new();
    let (mut changed, mut deleted) = (0, 0);
    for i in 0..n {
        let mut row: Vec<Option<String>> = cols.iter().map(|c| c[i].clone()).collect();
        if i % 50 == 7 {
            deleted += 1;
            continue;
        }
        let before = row.clone();
        if i % 37 == 3 {
            // Another record's name: may now match that record's person.
            row[name] = cols[name][(i + 1) % n].clone();
        }
        if i % 41 == 5 {
            row[dob] = Some("15/06/1971".into());
        }
        if row != before {
            changed += 1;
        }
        rows.push(row);
    }
    let mut added = 0;
    for i in (11..n).step_by(60) {
        let mut row: Vec<Option<String>> = cols.iter().map(|c| c[i].clone()).collect();
        row[id] = Some(format!("{tag}{i:06}"));
        if i % 120 == 11 {
            row[addr] = None;
        }
        rows.push(row);
        added += 1;
    }
    if reorder {
        // A fixed interleaving: odd positions first, then even ones reversed.
        let (odd, even): (Vec<_>, Vec<_>) =
            rows.into_iter().enumerate().partition(|(k, _)| k % 2 == 1);
        rows = odd
            .into_iter()
            .chain(even.into_iter().rev())
            .map(|(_, r)| r)
            .collect();
    }
    let out: Columns = (0..names.len())
        .map(|c| rows.iter().map(|r| r[c].clone()).collect())
        .collect();
    write_parquet(new, &names, &out);
    (added, changed, deleted)
}

/// A province no register has.
const UNKNOWN_PROVINCE: &str = "Tỉnh Atlantis";
/// Birth dates after the previous run's reference date (2026-11-01); the
/// first is before this run's ([`AS_OF`]), the second after it.
const EARLIER_FUTURE_DOB: &str = "15/06/2030";
const LATER_FUTURE_DOB: &str = "15/06/2040";
const AS_OF: &str = "2031-01-01";

/// Copies a snapshot with every 97th row's province replaced by
/// [`UNKNOWN_PROVINCE`] and every 89th and 83rd row's date of birth by a
/// future one (the generator writes neither).
fn with_unknown_provinces(from: &Path, to: &Path) {
    let names = Source::open(from).expect("opens").columns();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut cols = read_columns(from, &refs);
    let col = |n: &str| names.iter().position(|x| x == n).expect("generated column");
    let (p, dob) = (col("province"), col("date_of_birth"));
    for i in 0..cols[p].len() {
        if i % 97 == 0 {
            cols[p][i] = Some(UNKNOWN_PROVINCE.into());
        }
        if i % 89 == 1 {
            cols[dob][i] = Some(EARLIER_FUTURE_DOB.into());
        } else if i % 83 == 2 {
            cols[dob][i] = Some(LATER_FUTURE_DOB.into());
        }
    }
    write_parquet(to, &names, &cols);
}

/// Generates 20 000 records with `seed` under `d/data`; returns the snapshot.
fn generate_20k(d: &Path, seed: &str) -> PathBuf {
    let data = d.join("data");
    ok(&[
        "generate",
        "--records",
        "20000",
        "--seed",
        seed,
        "--out",
        s(&data),
    ]);
    data.join("records.parquet")
}

fn update_equals_full_dedupe(config: Option<&Path>, reorder: bool, seed: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let old_snap = d.join("old.parquet");
    with_unknown_provinces(&generate_20k(d, seed), &old_snap);
    let new_snap = d.join("new.parquet");
    let (added, changed, deleted) = make_snapshot(&old_snap, &new_snap, reorder);
    let mut cfg: Vec<&str> = Vec::new();
    if let Some(c) = config {
        cfg = vec!["--config", s(c)];
    }
    // The previous run's reference date is before the made-up birth dates
    // of 2030, this run's after them: unchanged records' `future_date`
    // flags must be decided again.
    let old = d.join("old");
    let mut args = vec!["dedupe", "--as-of", "2026-11-01"];
    args.extend(&cfg);
    args.extend([s(&old_snap), "--out", s(&old)]);
    ok(&args);
    let before = snapshot_dir(&old);
    let model = old.join("model.json");

    let upd = d.join("upd");
    ok(&[
        "update",
        "--previous",
        s(&old),
        "--model",
        s(&model),
        "--as-of",
        AS_OF,
        s(&new_snap),
        "--out",
        s(&upd),
    ]);
    let full = d.join("full");
    let mut args = vec!["dedupe", "--model", s(&model), "--as-of", AS_OF];
    args.extend(&cfg);
    args.extend([s(&new_snap), "--out", s(&full)]);
    ok(&args);

    let sm = summary(&upd);
    assert_eq!(sm["added"], added, "{sm}");
    assert_eq!(sm["changed"], changed, "{sm}");
    assert_eq!(sm["deleted"], deleted, "{sm}");
    assert_eq!(
        sm["unchanged"].as_u64().expect("count") + added + changed,
        sm["records"].as_u64().expect("count")
    );
    // The edits matter: the partition moved since the previous run ...
    let p_old = partition(&old);
    let p_upd = partition(&upd);
    let p_full = partition(&full);
    assert_ne!(
        p_old, p_full,
        "the new snapshot should change some clusters"
    );
    // ... and update finds the same partition as the full run.
    let only_upd: Vec<_> = p_upd.difference(&p_full).take(5).collect();
    let only_full: Vec<_> = p_full.difference(&p_upd).take(5).collect();
    assert!(
        only_upd.is_empty() && only_full.is_empty(),
        "update and full dedupe disagree: only in update {only_upd:?}, only in full {only_full:?}"
    );
    // ... and the same flags (flags.parquet is sorted, so row for row): the
    // unchanged records' flag inputs come from the previous index, the
    // conflict cut from the incremental clustering.
    let f_upd = flag_rows(&upd);
    let f_full = flag_rows(&full);
    assert_eq!(f_upd.len(), f_full.len(), "number of flags");
    if let Some((u, f)) = f_upd.iter().zip(&f_full).find(|(u, f)| u != f) {
        panic!("update and full dedupe flag differently: {u:?} vs {f:?}");
    }
    for kind in [
        "encoding_repaired",
        "multiple_ids",
        "shared_id",
        "unknown_province",
        "future_date",
    ] {
        assert!(
            f_upd.iter().any(|r| r[0].as_deref() == Some(kind)),
            "no {kind} flag: the check would be vacuous"
        );
    }
    // Independently of dedupe: the records flagged `unknown_province` are
    // those of the new snapshot whose province is the made-up one (most of
    // them unchanged records, whose flag comes from the previous index).
    let flagged: BTreeSet<String> = f_upd
        .iter()
        .filter(|r| r[0].as_deref() == Some("unknown_province"))
        .map(|r| r[1].clone().expect("record id"))
        .collect();
    let snap = read_columns(&new_snap, &["record_id", "province"]);
    let expected: BTreeSet<String> = (0..snap[0].len())
        .filter(|&i| snap[1][i].as_deref() == Some(UNKNOWN_PROVINCE))
        .map(|i| snap[0][i].clone().expect("record id"))
        .collect();
    assert_eq!(flagged, expected);
    // Likewise `future_date`: the 2040 birth dates only; the previous run
    // (an earlier reference date) had flagged the 2030 ones too.
    let future = |f: &[Vec<Option<String>>]| -> BTreeSet<String> {
        f.iter()
            .filter(|r| r[0].as_deref() == Some("future_date"))
            .map(|r| r[1].clone().expect("record id"))
            .collect()
    };
    let snap = read_columns(&new_snap, &["record_id", "date_of_birth"]);
    let expected: BTreeSet<String> = (0..snap[0].len())
        .filter(|&i| snap[1][i].as_deref() == Some(LATER_FUTURE_DOB))
        .map(|i| snap[0][i].clone().expect("record id"))
        .collect();
    assert_eq!(future(&f_upd), expected);
    let prev = read_columns(&old_snap, &["record_id", "date_of_birth"]);
    let expected_before: BTreeSet<String> = (0..prev[0].len())
        .filter(|&i| {
            let v = prev[1][i].as_deref();
            v == Some(EARLIER_FUTURE_DOB) || v == Some(LATER_FUTURE_DOB)
        })
        .map(|i| prev[0][i].clone().expect("record id"))
        .collect();
    assert_eq!(future(&flag_rows(&old)), expected_before);
    assert_eq!(sm["flags"], summary(&full)["flags"]);
    assert_eq!(
        sm["conflict_cut_pairs"],
        summary(&full)["conflict_cut_pairs"]
    );
    // report.html: an update report with the run's counts, whose sections
    // computed from pairs, clusters and flags are the full run's.
    let (r_upd, r_full) = (report(&upd), report(&full));
    assert!(r_upd.contains("<h1>dinhdanh update report</h1>"));
    for (what, key) in [("added", "added"), ("deleted", "deleted")] {
        let card = format!(
            "<div class=\"v\">{}</div><div class=\"k\">records {what}</div>",
            thousands(sm[key].as_u64().expect("count"))
        );
        assert!(r_upd.contains(&card), "no card {card}");
    }
    for id in ["weights", "sizes", "flags", "flags-province", "conflicts"] {
        assert_eq!(
            section(&r_upd, id),
            section(&r_full, id),
            "report section {id} differs from the full run's"
        );
    }
    // Every record of the snapshot is in clusters.parquet exactly once.
    assert_eq!(
        cluster_ids(&upd).len(),
        read_columns(&new_snap, &["record_id"])[0].len()
    );
    // The previous run is untouched.
    assert_eq!(
        snapshot_dir(&old),
        before,
        "update modified the previous run"
    );
    // The update's own index supports the next night: an update of it with
    // no change keeps every cluster id.
    let again = d.join("again");
    ok(&[
        "update",
        "--previous",
        s(&upd),
        "--as-of",
        AS_OF,
        s(&new_snap),
        "--out",
        s(&again),
    ]);
    assert_eq!(cluster_ids(&again), cluster_ids(&upd));
    assert_eq!(flag_rows(&again), f_upd);
    assert_eq!(summary(&again)["unchanged"], sm["records"]);
}

#[test]
fn update_equals_full_dedupe_as_partitions() {
    update_equals_full_dedupe(None, false, "11");
}

/// A block-size cap of 4 makes many blocks cross it in both directions as
/// records come and go; the rows are also reordered.
#[test]
fn update_equals_full_dedupe_with_small_blocks_and_reordered_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("cap.toml");
    let text =
        dinhdanh::config::DEFAULT_CONFIG.replace("max_block_size = 2000", "max_block_size = 4");
    assert_ne!(text, dinhdanh::config::DEFAULT_CONFIG);
    std::fs::write(&cfg, text).expect("write config");
    update_equals_full_dedupe(Some(&cfg), true, "12");
}

/// The index files of a run, by name, with their bytes.
fn index_files(run: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot_dir(&run.join("index"))
        .into_iter()
        .map(|(p, b)| (p.file_name().expect("name").to_string_lossy().into(), b))
        .collect()
}

/// Index format v3 over three nights: the first update links the previous
/// base postings (same inode) and writes a delta; its run still works as
/// `--previous` after the first run is deleted; the second night's changes
/// push the delta past 15 % of the base, which compacts it; the result
/// equals a full dedupe; an update after compaction keeps every id; one and
/// two threads write identical files.
#[test]
fn layered_index_over_nights_compaction_and_deleted_previous_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let snap0 = generate_20k(d, "13");
    let (snap1, snap2) = (d.join("s1.parquet"), d.join("s2.parquet"));
    let (added1, changed1, deleted1) = make_snapshot_tagged(&snap0, &snap1, false, "ADD");
    let (added2, changed2, deleted2) = make_snapshot_tagged(&snap1, &snap2, false, "NEXT");
    let run0 = d.join("run0");
    ok(&["dedupe", s(&snap0), "--out", s(&run0)]);
    let model = d.join("model.json");
    std::fs::copy(run0.join("model.json"), &model).expect("keep the model");
    let update = |prev: &Path, snap: &Path, out: &Path, threads: &str| {
        ok(&[
            "--threads",
            threads,
            "update",
            "--previous",
            s(prev),
            s(snap),
            "--out",
            s(out),
        ]);
    };

    // Night 1: records added since the base (added + changed) and base
    // records gone (deleted + changed), 20 000 base records.
    let run1 = d.join("run1");
    update(&run0, &snap1, &run1, "2");
    let outgrown = (added1 + changed1) + (deleted1 + changed1);
    let compact1 = outgrown as f64 > 0.15 * 20000.0;
    assert!(
        !compact1,
        "the test wants a first night under 15 %: {outgrown}"
    );
    assert_eq!(summary(&run1)["index_compacted"], false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let ino = |run: &Path, f: &str| {
            std::fs::metadata(run.join("index").join(f))
                .expect("index file")
                .ino()
        };
        for f in [
            "rule0.keys.u64",
            "rule0.records.u32",
            "record_id.bytes",
            "record_id.slots.u32",
            "row_fp.u64",
            "name.u32",
            "dob.u64",
            "address.u32",
        ] {
            assert_eq!(ino(&run0, f), ino(&run1, f), "{f} is not a hard link");
        }
        assert_ne!(ino(&run0, "base_map.u32"), ino(&run1, "base_map.u32"));
        // The delta holds the records no base entry maps to: the added and
        // the changed ones (8 bytes of row fingerprint each).
        let delta_fp = std::fs::metadata(run1.join("index/delta.row_fp.u64"))
            .expect("delta file")
            .len();
        assert_eq!(delta_fp, 8 * (added1 + changed1));
    }
    // A damaged layered index is refused with the file named and nothing
    // written: a delta file one record short; a base map sending two base
    // entries to one record; a flag set that is not a roaring bitmap, one
    // with bytes after it, one naming a record past the end, one repairing
    // records another encoding's set repairs too.
    type Damage = fn(&mut Vec<u8>);
    let damage: [(&str, &str, Damage); 6] = [
        ("province_unknown.roaring", "bytes after", |b| b.push(0)),
        ("repaired.cp1258.roaring", "also in repaired.", |b| {
            b.clear();
            roaring::RoaringBitmap::from_iter(0..2000u32)
                .serialize_into(&mut *b)
                .expect("serialize");
        }),
        ("delta.name.u32", "damaged", |b| b.truncate(b.len() - 4)),
        ("province_unknown.roaring", "not a roaring bitmap", |b| {
            *b = b"not a bitmap".to_vec();
        }),
        ("repaired.vni.roaring", "out of range", |b| {
            b.clear();
            roaring::RoaringBitmap::from_iter([4_000_000_000u32])
                .serialize_into(&mut *b)
                .expect("serialize");
        }),
        ("base_map.u32", "damaged", |b| {
            let live: Vec<usize> = (0..b.len() / 4)
                .filter(|&i| b[4 * i..4 * i + 4] != [0xFF; 4])
                .take(2)
                .collect();
            let first: [u8; 4] = b[4 * live[0]..4 * live[0] + 4].try_into().expect("4 bytes");
            b[4 * live[1]..4 * live[1] + 4].copy_from_slice(&first);
        }),
    ];
    for (file, why, edit) in damage {
        let bad = d.join("bad-prev");
        std::fs::create_dir_all(bad.join("index")).expect("mkdir");
        for e in std::fs::read_dir(&run1)
            .expect("run1")
            .chain(std::fs::read_dir(run1.join("index")).expect("index"))
        {
            let e = e.expect("entry");
            if e.path().is_file() {
                let rel = e
                    .path()
                    .strip_prefix(&run1)
                    .expect("inside run1")
                    .to_path_buf();
                std::fs::copy(e.path(), bad.join(rel)).expect("copy");
            }
        }
        let path = bad.join("index").join(file);
        let mut bytes = std::fs::read(&path).expect("read");
        edit(&mut bytes);
        std::fs::write(&path, bytes).expect("write");
        let out = d.join("from-bad");
        fails(
            &["update", "--previous", s(&bad), s(&snap1), "--out", s(&out)],
            2,
            &["damaged", file, why],
            &out,
        );
        std::fs::remove_dir_all(&bad).expect("remove");
    }

    // One thread writes the same files as two.
    let run1_t1 = d.join("run1-t1");
    update(&run0, &snap1, &run1_t1, "1");
    for f in [
        "clusters.parquet",
        "changes.parquet",
        "pairs.parquet",
        "flags.parquet",
    ] {
        let (a, b) = (
            std::fs::read(run1.join(f)).expect("read"),
            std::fs::read(run1_t1.join(f)).expect("read"),
        );
        assert!(a == b, "{f} differs between --threads 1 and --threads 2");
    }
    assert!(
        index_files(&run1) == index_files(&run1_t1),
        "index differs by threads"
    );
    std::fs::remove_dir_all(&run1_t1).expect("remove");

    // The run is self-contained: the run it linked from can go.
    std::fs::remove_dir_all(&run0).expect("remove run0");

    // Night 2: past 15 % since the base: compacted.
    let run2 = d.join("run2");
    update(&run1, &snap2, &run2, "2");
    assert_eq!(summary(&run2)["index_compacted"], true);
    // Records of run1's delta (added or changed on night 1) are found by id
    // like those of its base: the counts are the snapshot's.
    assert_eq!(summary(&run2)["added"], added2);
    assert_eq!(summary(&run2)["changed"], changed2);
    assert_eq!(summary(&run2)["deleted"], deleted2);
    let full2 = d.join("full2");
    ok(&[
        "dedupe",
        "--model",
        s(&model),
        s(&snap2),
        "--out",
        s(&full2),
    ]);
    assert_eq!(partition(&run2), partition(&full2));
    assert_eq!(
        cluster_ids(&run2).len(),
        read_columns(&snap2, &["record_id"])[0].len()
    );

    // Night 3, after the compaction, with no change: every id kept, and a
    // fresh delta on the new base.
    let run3 = d.join("run3");
    update(&run2, &snap2, &run3, "2");
    assert_eq!(cluster_ids(&run3), cluster_ids(&run2));
    assert_eq!(summary(&run3)["unchanged"], summary(&run2)["records"]);
    assert_eq!(summary(&run3)["index_compacted"], false);
    assert_eq!(changes(&run3), BTreeSet::new());
}

// ---------------------------------------------------------------------------
// Stable ids on the hand-checked foreign register (tests/engine.rs explains
// its hand-written model: a link needs weight ≥ 9.97).
//
// Previous run: {E01,E02,E03} E01, {E04}, {E05,E06} E05, {E07}, {E08},
// {E09,E10} E09, {E11}, {E12,E13} E12.
// Night 1:
//   E01–E03 untouched                       → E01 kept, no change rows
//   E07 born 1992-11-03 like E05: 20 → link → merge of E05 (2 records) and
//                                             E07 (1): E05 kept, E07 merged
//   E11 becomes Smith Jane 1980-04-12 2000 like E04: 20 → link; E01/E11 is
//       6 → apart. Merge of two 1-record clusters: the smaller id E04 wins
//   E09 born 1976-01-01: E09/E10 0 → apart → split: E09 keeps its id, E10 new
//   E12 deleted: {E13} keeps E12 (its anchor is E13, the smallest left)
//   E08 deleted: cluster E08 removed
//   E14 added (E08's values): a new cluster E14
// Night 2: a new record with id E12 (alone) → E12 is taken (by E13's
// cluster) → E12~2.
// ---------------------------------------------------------------------------

const FOREIGN_HEADER: &str = "id,surname,first_name,birth_date,postcode\n";

fn night1_csv() -> String {
    let text = std::fs::read_to_string(fixture("foreign.csv")).expect("fixture");
    let mut out = String::from(FOREIGN_HEADER);
    for line in text.lines().skip(1) {
        let id = line.split(',').next().expect("id");
        let line = match id {
            "E07" => "E07,Brown,Emily,1992-11-03,3050",
            "E11" => "E11,Smith,Jane,1980-04-12,2000",
            "E09" => "E09,Garcia,Maria,1976-01-01,2600",
            "E08" | "E12" => continue,
            _ => line,
        };
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("E14,Lindqvist,Anna,2001-01-01,1000\n");
    out
}

fn changes(run: &Path) -> BTreeSet<(String, String, String, String)> {
    let cols = read_columns(
        &run.join("changes.parquet"),
        &["change", "cluster_id", "previous_cluster_id", "record_id"],
    );
    (0..cols[0].len())
        .map(|i| {
            let g = |c: usize| cols[c][i].clone().unwrap_or_else(|| "-".into());
            (g(0), g(1), g(2), g(3))
        })
        .collect()
}

fn set4(rows: &[[&str; 4]]) -> BTreeSet<(String, String, String, String)> {
    rows.iter()
        .map(|r| (r[0].into(), r[1].into(), r[2].into(), r[3].into()))
        .collect()
}

#[test]
fn stable_ids_merge_split_untouched_removed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let (cfg, model) = (fixture("foreign.toml"), fixture("foreign-model.json"));
    let day0 = d.join("day0");
    ok(&[
        "dedupe",
        "--config",
        s(&cfg),
        "--model",
        s(&model),
        s(&fixture("foreign.csv")),
        "--out",
        s(&day0),
    ]);
    let snap1 = d.join("night1.csv");
    std::fs::write(&snap1, night1_csv()).expect("write");
    let day1 = d.join("day1");
    ok(&[
        "update",
        "--previous",
        s(&day0),
        s(&snap1),
        "--out",
        s(&day1),
    ]);
    let want: BTreeMap<String, String> = [
        ("E01", "E01"),
        ("E02", "E01"),
        ("E03", "E01"),
        ("E04", "E04"),
        ("E11", "E04"),
        ("E05", "E05"),
        ("E06", "E05"),
        ("E07", "E05"),
        ("E09", "E09"),
        ("E10", "E10"),
        ("E13", "E12"),
        ("E14", "E14"),
    ]
    .iter()
    .map(|&(r, c)| (r.to_owned(), c.to_owned()))
    .collect();
    assert_eq!(cluster_ids(&day1), want);
    assert_eq!(
        changes(&day1),
        set4(&[
            ["merged", "E04", "E11", "E11"],
            ["merged", "E05", "E07", "E07"],
            ["created", "E10", "E09", "E10"],
            ["created", "E14", "-", "E14"],
            ["removed", "-", "E08", "E08"],
        ])
    );
    let c = &summary(&day1)["cluster_changes"];
    assert_eq!(
        (
            c["created"].clone(),
            c["merged"].clone(),
            c["split"].clone(),
            c["removed"].clone()
        ),
        (2.into(), 2.into(), 1.into(), 1.into()),
        "{c}"
    );
    // The same partition as a full run of night 1.
    let full = d.join("full1");
    ok(&[
        "dedupe",
        "--config",
        s(&cfg),
        "--model",
        s(&model),
        s(&snap1),
        "--out",
        s(&full),
    ]);
    assert_eq!(partition(&full), partition(&day1));

    let snap2 = d.join("night2.csv");
    std::fs::write(
        &snap2,
        format!("{}E12,Nakamura,Yuki,1999-09-09,7000\n", night1_csv()),
    )
    .expect("write");
    let day2 = d.join("day2");
    ok(&[
        "update",
        "--previous",
        s(&day1),
        s(&snap2),
        "--out",
        s(&day2),
    ]);
    let mut want2 = want.clone();
    want2.insert("E12".into(), "E12~2".into());
    assert_eq!(cluster_ids(&day2), want2);
    assert_eq!(changes(&day2), set4(&[["created", "E12~2", "-", "E12"]]));
}

// ---------------------------------------------------------------------------
// Bad input: a clear error, the exit code of src/error.rs, nothing written.
// ---------------------------------------------------------------------------

fn foreign_run(d: &Path) -> PathBuf {
    let run = d.join("prev");
    ok(&[
        "dedupe",
        "--config",
        s(&fixture("foreign.toml")),
        "--model",
        s(&fixture("foreign-model.json")),
        s(&fixture("foreign.csv")),
        "--out",
        s(&run),
    ]);
    run
}

fn fails(args: &[&str], code: i32, words: &[&str], out: &Path) {
    let o = dinhdanh(args);
    assert_eq!(o.status.code(), Some(code), "{}", show(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    for w in words {
        assert!(err.contains(w), "stderr lacks {w:?}: {err}");
    }
    assert!(!out.exists(), "an output directory was written");
}

#[test]
fn other_index_version_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let prev = foreign_run(dir.path());
    let manifest = prev.join("index/manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    // Version 4 (no per-record flag inputs) is refused.
    let edited = text.replace("\"version\": 5,", "\"version\": 4,");
    assert_ne!(text, edited);
    std::fs::write(&manifest, edited).expect("write");
    let out = dir.path().join("new");
    fails(
        &[
            "update",
            "--previous",
            s(&prev),
            s(&fixture("foreign.csv")),
            "--out",
            s(&out),
        ],
        2,
        &[
            "format version 4",
            "reads version 5",
            "full `dinhdanh dedupe`",
        ],
        &out,
    );
}

#[test]
fn config_that_invalidates_the_index_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let prev = foreign_run(dir.path());
    let text = std::fs::read_to_string(fixture("foreign.toml")).expect("config");
    let edited = text.replace(
        "rules = [\"dob\", \"given+birth_year\", \"extra:postcode\"]",
        "rules = [\"dob\", \"extra:postcode\"]",
    );
    assert_ne!(text, edited);
    let cfg = dir.path().join("other.toml");
    std::fs::write(&cfg, edited).expect("write");
    let out = dir.path().join("new");
    fails(
        &[
            "update",
            "--previous",
            s(&prev),
            "--config",
            s(&cfg),
            s(&fixture("foreign.csv")),
            "--out",
            s(&out),
        ],
        2,
        &["blocking.rules", "invalidates"],
        &out,
    );
    // Threads do not invalidate it.
    let same = dir.path().join("threads.toml");
    std::fs::write(&same, format!("{text}\n[run]\nthreads = 1\n")).expect("write");
    let out2 = dir.path().join("new2");
    ok(&[
        "update",
        "--previous",
        s(&prev),
        "--config",
        s(&same),
        s(&fixture("foreign.csv")),
        "--out",
        s(&out2),
    ]);
}

#[test]
fn snapshot_without_record_ids_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let prev = foreign_run(dir.path());
    let out = dir.path().join("new");
    // A null id on data row 2.
    let snap = dir.path().join("nullid.csv");
    std::fs::write(
        &snap,
        format!("{FOREIGN_HEADER}E01,Smith,John,1980-04-12,2000\n,Smith,Jon,1980-04-12,2000\n"),
    )
    .expect("write");
    fails(
        &["update", "--previous", s(&prev), s(&snap), "--out", s(&out)],
        1,
        &["row 2", "'id'", "record_id is null"],
        &out,
    );
    // No id column at all.
    let snap = dir.path().join("noid.csv");
    std::fs::write(
        &snap,
        "surname,first_name,birth_date,postcode\nSmith,John,1980-04-12,2000\n",
    )
    .expect("write");
    fails(
        &["update", "--previous", s(&prev), s(&snap), "--out", s(&out)],
        1,
        &["'id'", "missing column"],
        &out,
    );
}

#[test]
fn another_model_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let prev = foreign_run(dir.path());
    let text = std::fs::read_to_string(fixture("foreign-model.json")).expect("model");
    let edited = text.replacen("\"prior_weight\": -8.0", "\"prior_weight\": -9.0", 1);
    assert_ne!(text, edited, "the fixture model's prior is written -8.0");
    let model = dir.path().join("other-model.json");
    std::fs::write(&model, edited).expect("write");
    let out = dir.path().join("new");
    fails(
        &[
            "update",
            "--previous",
            s(&prev),
            "--model",
            s(&model),
            s(&fixture("foreign.csv")),
            "--out",
            s(&out),
        ],
        2,
        &["not the model the previous run scored"],
        &out,
    );
}
