//! End-to-end tests of the matching engine through the real `dinhdanh`
//! binary, on hand-made fixtures in `tests/data/engine/` (synthetic names)
//! and on small generated populations.
//!
//! The hand-checked fixture `people.csv` is scored with a model trained on a
//! generated population (`generate --records 20000 --seed 1`, deduplicated
//! with `small-u.toml`), because EM on twenty records means nothing. The
//! non-Vietnamese register uses a hand-written `foreign-model.json` whose
//! weights are chosen in the file, so its expected clusters follow from
//! arithmetic done by hand in the comments below.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use std::sync::{Arc, OnceLock};

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Field, Schema};
use dinhdanh::load::Source;
use parquet::arrow::ArrowWriter;

mod common;
use common::*;

fn fixture(name: &str) -> PathBuf {
    fixture_in("engine", name)
}

const OUTPUTS: [&str; 4] = [
    "pairs.parquet",
    "clusters.parquet",
    "model.json",
    "summary.json",
];

/// clusters.parquet as cluster_id → record ids, and the multi-record
/// clusters as a set of sorted id lists.
fn clusters(run: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let cols = read_columns(&run.join("clusters.parquet"), &["record_id", "cluster_id"]);
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (r, c) in cols[0].iter().zip(&cols[1]) {
        map.entry(c.clone().expect("cluster_id set"))
            .or_default()
            .insert(r.clone().expect("record_id set"));
    }
    map
}

fn multi(map: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<Vec<String>> {
    map.values()
        .filter(|v| v.len() > 1)
        .map(|v| v.iter().cloned().collect())
        .collect()
}

fn ids(list: &[&[&str]]) -> BTreeSet<Vec<String>> {
    list.iter()
        .map(|g| g.iter().map(|s| s.to_string()).collect())
        .collect()
}

/// A generated 20 000-record population, deduplicated with 2 threads; shared
/// by the determinism test and as the trained model for `people.csv`.
struct Trained {
    _dir: tempfile::TempDir,
    data: PathBuf,
    run: PathBuf,
}

fn trained() -> &'static Trained {
    static T: OnceLock<Trained> = OnceLock::new();
    T.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("gen");
        let run = dir.path().join("run2");
        ok(&[
            "generate",
            "--records",
            "20000",
            "--seed",
            "1",
            "--out",
            s(&data),
        ]);
        let cfg = fixture("small-u.toml");
        ok(&[
            "--threads",
            "2",
            "dedupe",
            "--config",
            s(&cfg),
            s(&data.join("records.parquet")),
            "--out",
            s(&run),
        ]);
        Trained {
            _dir: dir,
            data,
            run,
        }
    })
}

/// people.csv scored with the trained model, run once for all fixture tests.
fn people_run() -> &'static (tempfile::TempDir, BTreeMap<String, BTreeSet<String>>) {
    static R: OnceLock<(tempfile::TempDir, BTreeMap<String, BTreeSet<String>>)> = OnceLock::new();
    R.get_or_init(|| {
        let t = trained();
        let dir = tempfile::tempdir().expect("temp dir");
        let run = dir.path().join("people");
        ok(&[
            "dedupe",
            s(&fixture("people.csv")),
            "--model",
            s(&t.run.join("model.json")),
            "--out",
            s(&run),
        ]);
        let c = clusters(&run);
        (dir, c)
    })
}

fn cluster_of<'a>(map: &'a BTreeMap<String, BTreeSet<String>>, id: &str) -> &'a BTreeSet<String> {
    map.values()
        .find(|v| v.contains(id))
        .unwrap_or_else(|| panic!("{id} is in no cluster: {map:?}"))
}

// ---------------------------------------------------------------------------
// 1. Hand-checked fixture (decisions in tests/data/engine/README.md)

/// The whole partition of people.csv, decided by hand.
#[test]
fn people_fixture_exact_clusters() {
    let (_, map) = people_run();
    let all: BTreeSet<String> = map.values().flatten().cloned().collect();
    let expected_all: BTreeSet<String> = (1..=20).map(|i| format!("F{i:02}")).collect();
    assert_eq!(all, expected_all, "every record appears exactly once");
    assert_eq!(map.values().map(BTreeSet::len).sum::<usize>(), 20);
    assert_eq!(
        multi(map),
        ids(&[
            &["F01", "F02"],
            &["F03", "F04"],
            &["F05", "F06"],
            &["F07", "F09"],
            &["F13", "F14"],
        ]),
        "{map:?}"
    );
    // The cluster id is the smallest record id of the cluster.
    for (cid, members) in map {
        assert_eq!(Some(cid), members.iter().next(), "{map:?}");
    }
}

#[test]
fn people_tcvn3_duplicate_joins() {
    let (_, map) = people_run();
    assert!(cluster_of(map, "F01").contains("F02"), "{map:?}");
}

#[test]
fn people_vni_duplicate_joins() {
    let (_, map) = people_run();
    assert!(cluster_of(map, "F05").contains("F06"), "{map:?}");
}

#[test]
fn people_no_diacritics_and_id_typo_joins() {
    let (_, map) = people_run();
    assert!(cluster_of(map, "F03").contains("F04"), "{map:?}");
}

#[test]
fn people_twins_stay_apart() {
    let (_, map) = people_run();
    let c = cluster_of(map, "F07");
    assert!(c.contains("F09") && !c.contains("F08"), "{map:?}");
    assert_eq!(cluster_of(map, "F08").len(), 1, "{map:?}");
}

#[test]
fn people_namesakes_stay_apart() {
    let (_, map) = people_run();
    assert_eq!(cluster_of(map, "F10").len(), 1, "{map:?}");
    assert_eq!(cluster_of(map, "F11").len(), 1, "{map:?}");
}

// ---------------------------------------------------------------------------
// 2. Thread count does not change any output byte

#[test]
fn one_and_two_threads_write_identical_files() {
    let t = trained();
    let dir = tempfile::tempdir().expect("temp dir");
    let run1 = dir.path().join("run1");
    ok(&[
        "--threads",
        "1",
        "dedupe",
        "--config",
        s(&fixture("small-u.toml")),
        s(&t.data.join("records.parquet")),
        "--out",
        s(&run1),
    ]);
    for f in ["pairs.parquet", "clusters.parquet", "model.json"] {
        let a = std::fs::read(run1.join(f)).expect("1-thread output");
        let b = std::fs::read(t.run.join(f)).expect("2-thread output");
        assert!(a == b, "{f} differs between --threads 1 and --threads 2");
    }
    // Not vacuous: the run found duplicates.
    assert!(!multi(&clusters(&run1)).is_empty());
}

// ---------------------------------------------------------------------------
// 3. link on two generated registers

#[test]
fn link_two_registers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("pair");
    let run = dir.path().join("link");
    ok(&[
        "generate",
        "--records",
        "5000",
        "--registers",
        "2",
        "--seed",
        "3",
        "--out",
        s(&data),
    ]);
    ok(&[
        "link",
        "--config",
        s(&fixture("small-u.toml")),
        s(&data.join("a.parquet")),
        s(&data.join("b.parquet")),
        "--out",
        s(&run),
    ]);
    let cl = read_columns(&run.join("clusters.parquet"), &["record_id", "source"]);
    let got: BTreeSet<(String, String)> = cl[1]
        .iter()
        .zip(&cl[0])
        .map(|(s, r)| (s.clone().expect("source"), r.clone().expect("id")))
        .collect();
    assert_eq!(got.len(), cl[0].len(), "a record appears twice");
    let mut want = BTreeSet::new();
    for name in ["a", "b"] {
        let ids = read_columns(&data.join(format!("{name}.parquet")), &["record_id"]);
        for id in &ids[0] {
            want.insert((name.to_string(), id.clone().expect("generated id")));
        }
    }
    assert_eq!(
        got, want,
        "clusters.parquet must hold every record of a and b"
    );

    let out = ok(&[
        "evaluate",
        "--cross-source-only",
        "--json",
        "--truth",
        s(&data.join("truth.parquet")),
        "--clusters",
        s(&run.join("clusters.parquet")),
    ]);
    let ev: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let f1 = ev["pairwise"]["f1"].as_f64().expect("f1");
    eprintln!("link cross-source F1 = {f1:.4}");
    assert!(f1 >= 0.9, "cross-source F1 {f1}\n{}", show(&out));
}

// ---------------------------------------------------------------------------
// 4. A non-Vietnamese register with split names and an extra field
//
// foreign-model.json: prior -8; foreign.toml sets threshold 0.999 → a link
// needs weight ≥ 9.97. The name counts once: the full-name weight when it is
// positive and at least given + family, else given + family (score::Scorer).
//   E01/E02 Smith John/Jon, same date and postcode:
//     -8 + (full other -1 → given one edit +2, family +4) + dob 12 + postcode 3 = 13 → link
//   E01/E03 same after case and date format: -8 + (full +4 < 5 + 4 → 9) + 12 + 3 = 16 → link
//   E01/E04 twin Jane: -8 + (-4 + 4) + 12 + 3 = 7 → apart
//   E05/E06 Emily/Emilie: -8 + (2 + 4) + 12 + 3 = 13 → link
//   E05/E07 same name, other date: -8 + 9 - 8 + 3 = -4 → apart
//   E09/E10 same, date written d/m/y: 16 → link
//   E12/E13 postcode missing on one: -8 + 9 + 12 = 13 → link

#[test]
fn foreign_register_hand_model() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = dir.path().join("foreign");
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
    let map = clusters(&run);
    assert_eq!(map.values().map(BTreeSet::len).sum::<usize>(), 13);
    assert_eq!(
        multi(&map),
        ids(&[
            &["E01", "E02", "E03"],
            &["E05", "E06"],
            &["E09", "E10"],
            &["E12", "E13"],
        ]),
        "{map:?}"
    );
    // The extra field is a comparison of its own in pairs.parquet.
    let src = Source::open(run.join("pairs.parquet")).expect("pairs open");
    assert!(src.has_column("postcode_level"), "{:?}", src.columns());
}

/// Training on the register itself (no --model) also runs end to end.
#[test]
fn foreign_register_trains() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = dir.path().join("foreign");
    ok(&[
        "dedupe",
        "--config",
        s(&fixture("foreign.toml")),
        s(&fixture("foreign.csv")),
        "--out",
        s(&run),
    ]);
    let map = clusters(&run);
    assert_eq!(map.values().map(BTreeSet::len).sum::<usize>(), 13);
    for f in OUTPUTS {
        assert!(run.join(f).exists(), "{f} missing");
    }
}

// ---------------------------------------------------------------------------
// 5. Bad input

const HEADER: &str = "record_id,full_name,date_of_birth,sex,citizen_id,province,address\n";
const ROW_A: &str = "B01,Quách Thị Diễm,03/04/1986,Nữ,001186765432,Hà Nội,Số 5 Hàng Gai\n";
const ROW_B: &str = "B02,La Văn Kiệt,17/10/1979,Nam,079079234567,Hồ Chí Minh,Số 9 Nguyễn Trãi\n";
/// Personal values of the rows above that must never reach stderr.
const PERSONAL: [&str; 6] = [
    "Quách",
    "Diễm",
    "Kiệt",
    "03/04/1986",
    "001186765432",
    "079079234567",
];

/// Runs dedupe on `input`, expects exit `code`, checks that stderr names
/// every string in `names` and no personal value, and that --out holds no
/// output file.
fn expect_failure(input: &Path, code: i32, names: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().join("out");
    let out = dinhdanh(&["dedupe", s(input), "--out", s(&out_dir)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{}", show(&out));
    for n in names {
        assert!(err.contains(n), "stderr should name {n:?}\n{}", show(&out));
    }
    for p in PERSONAL {
        assert!(!err.contains(p), "stderr leaks {p:?}\n{}", show(&out));
    }
    if out_dir.exists() {
        for e in std::fs::read_dir(&out_dir).expect("out dir lists") {
            let name = e.expect("entry").file_name();
            let name = name.to_string_lossy();
            assert!(
                !OUTPUTS.contains(&name.as_ref()),
                "--out holds {name} after a failed run"
            );
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("fixture writes");
    p
}

#[test]
fn missing_column_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!("{HEADER}{ROW_A}{ROW_B}").replace("date_of_birth,", "born,");
    let p = write(dir.path(), "nodob.csv", &text);
    expect_failure(&p, 1, &["nodob.csv", "date_of_birth"]);
}

#[test]
fn int_column_where_string_expected_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join("intid.parquet");
    let str_col = |v: &[&str]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("record_id", str_col(&["B01", "B02"])),
        ("full_name", str_col(&["Quách Thị Diễm", "La Văn Kiệt"])),
        ("date_of_birth", str_col(&["03/04/1986", "17/10/1979"])),
        ("sex", str_col(&["Nữ", "Nam"])),
        (
            "citizen_id",
            Arc::new(Int64Array::from(vec![1_186_765_432_i64, 79_079_234_567])) as ArrayRef,
        ),
        ("province", str_col(&["Hà Nội", "Hồ Chí Minh"])),
        ("address", str_col(&["Số 5 Hàng Gai", "Số 9 Nguyễn Trãi"])),
    ])
    .expect("batch builds");
    let file = std::fs::File::create(&p).expect("parquet creates");
    let mut w = ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
    expect_failure(&p, 1, &["intid.parquet", "citizen_id"]);
    // The integer rendering of the ids must not leak either.
    let out = dinhdanh(&["dedupe", s(&p), "--out", s(&dir.path().join("o2"))]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("1186765432"), "{}", show(&out));
}

#[test]
fn empty_input_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = write(dir.path(), "empty.csv", HEADER);
    expect_failure(&p, 1, &["empty.csv"]);
}

#[test]
fn empty_parquet_input_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = dir.path().join("empty.parquet");
    let schema = Arc::new(Schema::new(
        HEADER
            .trim()
            .split(',')
            .map(|c| Field::new(c, arrow::datatypes::DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let file = std::fs::File::create(&p).expect("parquet creates");
    let w = ArrowWriter::try_new(file, schema, None).expect("writer");
    w.close().expect("close");
    expect_failure(&p, 1, &["empty.parquet"]);
}

#[test]
fn duplicate_record_id_names_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Data rows: 1 = B01, 2 = B02, 3 = B01 again.
    let text = format!("{HEADER}{ROW_A}{ROW_B}{}", ROW_B.replace("B02", "B01"));
    let p = write(dir.path(), "dupid.csv", &text);
    expect_failure(&p, 1, &["dupid.csv", "record_id", "row 3"]);
}

#[test]
fn duplicate_record_id_names_first_repeating_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Data rows: 1 = B01, 2 = B02, 3 = B03, 4 = B02 again, 5 = B01 again.
    // Row 4 is the first row whose id appeared earlier (B01 sorts first, but
    // repeats later).
    let text = format!(
        "{HEADER}{ROW_A}{ROW_B}{}{}{}",
        ROW_B.replace("B02", "B03"),
        ROW_B,
        ROW_A
    );
    let p = write(dir.path(), "dupids.csv", &text);
    expect_failure(&p, 1, &["dupids.csv", "record_id", "row 4"]);
}

#[test]
fn null_record_id_names_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!("{HEADER}{ROW_A}{}", ROW_B.replace("B02", ""));
    let p = write(dir.path(), "nullid.csv", &text);
    expect_failure(&p, 1, &["nullid.csv", "record_id", "row 2"]);
}

// ---------------------------------------------------------------------------
// 6. Configuration and explain

#[test]
fn init_config_equals_defaults() {
    let out = ok(&["init-config"]);
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let parsed = dinhdanh::config::Config::from_toml(&text).expect("init-config parses");
    assert_eq!(parsed, dinhdanh::config::Config::default());

    // The binary accepts it too, and a run with it writes the same outputs
    // as a run with the built-in defaults.
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = write(dir.path(), "d.toml", &text);
    let with = dir.path().join("with");
    let without = dir.path().join("without");
    let input = fixture("people.csv");
    ok(&["dedupe", "--config", s(&cfg), s(&input), "--out", s(&with)]);
    ok(&["dedupe", s(&input), "--out", s(&without)]);
    for f in [
        "pairs.parquet",
        "clusters.parquet",
        "model.json",
        "config.toml",
    ] {
        let a = std::fs::read(with.join(f)).expect("output");
        let b = std::fs::read(without.join(f)).expect("output");
        assert!(a == b, "{f} differs between init-config and defaults");
    }
}

#[test]
fn unknown_config_key_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = write(dir.path(), "bad.toml", "[model]\nthreshhold = 0.9\n");
    let out = dinhdanh(&[
        "dedupe",
        "--config",
        s(&cfg),
        s(&fixture("people.csv")),
        "--out",
        s(&dir.path().join("o")),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("threshhold"), "{}", show(&out));
}

/// explain on the people.csv run: one line per comparison, each with a
/// level name of that comparison.
#[test]
fn explain_prints_every_comparison_level() {
    let (dir, _) = people_run();
    let run = dir.path().join("people");
    // F03 / F04: no diacritics, one ID digit mistyped (README.md of the fixtures).
    let out = ok(&["explain", "--run", s(&run), "F03", "F04"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let level_of = |cmp: &str| -> String {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(cmp))
            .unwrap_or_else(|| panic!("no line for {cmp}\n{}", show(&out)));
        line.split_whitespace().nth(1).unwrap_or("").to_owned()
    };
    assert_eq!(level_of("full_name"), "exact_no_marks", "{}", show(&out));
    assert_eq!(level_of("given_name"), "exact", "{}", show(&out));
    assert_eq!(level_of("family_name"), "exact", "{}", show(&out));
    assert_eq!(level_of("date_of_birth"), "exact", "{}", show(&out));
    assert_eq!(level_of("citizen_id"), "one_digit", "{}", show(&out));
    assert_eq!(level_of("sex"), "same", "{}", show(&out));
    // Province is neutral (missing) when the addresses agree, by design.
    assert!(
        ["same", "missing"].contains(&level_of("province").as_str()),
        "{}",
        show(&out)
    );
    assert_eq!(level_of("address"), "exact", "{}", show(&out));
}

/// explain on a run with split names and unset roles: the run's saved
/// config.toml omits the unset roles, so reading it back restores their
/// defaults (full_name = "full_name", address = "address", ...).
#[test]
fn explain_on_split_name_register() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = dir.path().join("foreign");
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
    let out = ok(&["explain", "--run", s(&run), "E01", "E02"]);
    let text = String::from_utf8_lossy(&out.stdout);
    // E01 Smith John 1980-04-12 2000 vs E02 Smith Jon 1980-04-12 2000;
    // weights from foreign-model.json.
    let want = [
        ("given_name", "jw_0.88_or_one_edit", "2.00"),
        ("family_name", "exact", "4.00"),
        ("date_of_birth", "exact", "12.00"),
        ("postcode", "exact", "3.00"),
    ];
    let lines: Vec<&str> = text.lines().collect();
    for (cmp, level, weight) in want {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(cmp))
            .unwrap_or_else(|| panic!("no line for {cmp}\n{}", show(&out)));
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(f, [cmp, level, weight], "{}", show(&out));
    }
}

/// The config.toml a run writes reads back as the configuration it used.
#[test]
fn saved_config_round_trips() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = dir.path().join("foreign");
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
    let saved = std::fs::read_to_string(run.join("config.toml")).expect("config.toml");
    let used = std::fs::read_to_string(fixture("foreign.toml")).expect("foreign.toml");
    let used = dinhdanh::config::Config::from_toml(&used).expect("fixture config is valid");
    let back = dinhdanh::config::Config::from_toml(&saved).expect("saved config parses");
    assert_eq!(back, used);
}
