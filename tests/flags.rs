//! Data-quality flags and conflict-aware clustering through the real
//! `dinhdanh` binary, on the hand-made fixtures of `tests/data/flags/`
//! (expected flags worked out by hand in its README).

use std::path::{Path, PathBuf};

mod common;
use common::*;

fn fixture(name: &str) -> PathBuf {
    fixture_in("flags", name)
}

/// flags.parquet rows as (kind, record_id, other_record_id or "", detail).
fn flag_rows(run: &Path) -> Vec<(String, String, String, String)> {
    let c = read_columns(
        &run.join("flags.parquet"),
        &["kind", "record_id", "other_record_id", "detail"],
    );
    (0..c[0].len())
        .map(|i| {
            let get = |k: usize| c[k][i].clone().unwrap_or_default();
            (get(0), get(1), get(2), get(3))
        })
        .collect()
}

fn dedupe_fixture(out: &Path, threads: &str) {
    ok(&[
        "--threads",
        threads,
        "dedupe",
        "--config",
        s(&fixture("flags.toml")),
        "--model",
        s(&fixture("model.json")),
        "--as-of",
        "2026-11-28",
        s(&fixture("flags.csv")),
        "--out",
        s(out),
    ]);
}

#[test]
fn every_flag_kind_as_worked_out_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    dedupe_fixture(&run, "2");
    let expected: Vec<(&str, &str, &str, &str)> = vec![
        ("shared_id", "S1", "S2", "same_id_different_clusters"),
        ("multiple_ids", "M1", "M2", "one_digit_apart"),
        ("conflict_cut", "C2", "C3", "ids_conflict"),
        ("id_mismatch", "I1", "", "sex_digit_vs_sex"),
        ("id_mismatch", "I2", "", "id_year_vs_dob_year"),
        (
            "id_mismatch",
            "S2",
            "",
            "sex_digit_vs_sex+id_year_vs_dob_year",
        ),
        ("invalid_id", "V1", "", "citizen_id_unparseable"),
        ("invalid_date", "D1", "", "unparseable"),
        ("invalid_date", "D2", "", "impossible_date_repaired"),
        ("placeholder_date", "P1", "", "day_month_0101"),
        ("future_date", "F1", "", "after_as_of"),
        ("unknown_province", "Q1", "", "province_unrecognized"),
        ("encoding_repaired", "E1", "", "tcvn3"),
        ("missing_key_fields", "C2", "", "citizen_id"),
        ("missing_key_fields", "D1", "", "citizen_id"),
        ("missing_key_fields", "F1", "", "citizen_id"),
        ("missing_key_fields", "K1", "", "date_of_birth+citizen_id"),
        ("missing_key_fields", "K2", "", "name"),
    ];
    let got = flag_rows(&run);
    let got: Vec<(&str, &str, &str, &str)> = got
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn conflict_aware_clustering_cuts_the_chain_between_two_ids() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    dedupe_fixture(&run, "2");
    let c = read_columns(&run.join("clusters.parquet"), &["record_id", "cluster_id"]);
    let cluster = |id: &str| {
        let i = c[0].iter().position(|r| r.as_deref() == Some(id)).unwrap();
        c[1][i].clone().unwrap()
    };
    // C2 matches both C1 and C3 above the threshold; plain components would
    // join all three, though C1 and C3 hold conflicting ID numbers.
    assert_eq!(cluster("C1"), "C1");
    assert_eq!(cluster("C2"), "C1");
    assert_eq!(cluster("C3"), "C3");
    assert_eq!(cluster("M2"), "M1");
    // Same ID, weight 8.5: below the threshold, so apart.
    assert_eq!(cluster("U2"), "U2");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["conflict_cut_pairs"], 1);
}

#[test]
fn summary_counts_flags_by_kind_and_province() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    dedupe_fixture(&run, "2");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    let flags = &summary["flags"];
    assert_eq!(flags["total"], 18);
    let by_kind = &flags["by_kind"];
    for (kind, n) in [
        ("shared_id", 1),
        ("multiple_ids", 1),
        ("conflict_cut", 1),
        ("id_mismatch", 3),
        ("invalid_id", 1),
        ("invalid_date", 2),
        ("placeholder_date", 1),
        ("future_date", 1),
        ("unknown_province", 1),
        ("encoding_repaired", 1),
        ("missing_key_fields", 5),
    ] {
        assert_eq!(by_kind[kind], n, "{kind}");
    }
    let provinces: Vec<(u64, &str, u64)> = flags["by_province"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["code"].as_u64().unwrap(),
                p["name"].as_str().unwrap(),
                p["total"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        provinces,
        vec![
            (0, "unknown", 1),
            (1, "Hà Nội", 14),
            (48, "Đà Nẵng", 1),
            (79, "Hồ Chí Minh", 2)
        ]
    );
    assert_eq!(flags["by_province"][3]["by_kind"]["shared_id"], 1);
}

#[test]
fn flags_are_byte_identical_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("t1"), dir.path().join("t2"));
    dedupe_fixture(&one, "1");
    dedupe_fixture(&two, "2");
    for f in ["flags.parquet", "clusters.parquet"] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn details_carry_no_personal_values() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    dedupe_fixture(&run, "2");
    let text = std::fs::read_to_string(fixture("flags.csv")).unwrap();
    let values: Vec<&str> = text
        .lines()
        .skip(1)
        .flat_map(|l| l.split(',').skip(1))
        .filter(|v| v.len() >= 4)
        .collect();
    for (_, _, _, detail) in flag_rows(&run) {
        for v in &values {
            assert!(!detail.contains(v), "detail {detail:?} holds a value");
        }
    }
}

#[test]
fn link_mode_pairs_shared_ids_across_registers_only() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    ok(&[
        "link",
        "--config",
        s(&fixture("flags.toml")),
        "--model",
        s(&fixture("model.json")),
        "--as-of",
        "2026-11-28",
        s(&fixture("link-a.csv")),
        s(&fixture("link-b.csv")),
        "--out",
        s(&run),
    ]);
    let c = read_columns(
        &run.join("flags.parquet"),
        &[
            "kind",
            "record_id",
            "source",
            "other_record_id",
            "other_source",
        ],
    );
    let shared: Vec<String> = (0..c[0].len())
        .filter(|&i| c[0][i].as_deref() == Some("shared_id"))
        .map(|i| {
            format!(
                "{}:{} {}:{}",
                c[2][i].as_deref().unwrap(),
                c[1][i].as_deref().unwrap(),
                c[4][i].as_deref().unwrap(),
                c[3][i].as_deref().unwrap()
            )
        })
        .collect();
    assert_eq!(shared, ["link-a:S1 link-b:S2", "link-a:S1 link-b:S3"]);
    let mismatch: Vec<&str> = (0..c[0].len())
        .filter(|&i| c[0][i].as_deref() == Some("id_mismatch"))
        .map(|i| c[1][i].as_deref().unwrap())
        .collect();
    assert_eq!(mismatch, ["S2", "S3"]);
}

/// report.html's conflicts table lists the pair flags with the hand-worked
/// weights of tests/data/flags/README.md, strongest evidence first: the
/// linked M1/M2 (16.5), the cut C2/C3 (10.0), the shared number S1/S2 (−9,
/// strong evidence of two people).
#[test]
fn report_lists_the_pair_flags_strongest_first() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    dedupe_fixture(&run, "1");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    let start = html
        .find(r#"<section id="conflicts">"#)
        .expect("conflicts section");
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    let rows: Vec<&str> = section.split("<tr>").skip(2).collect();
    let expect = [
        ("multiple_ids", "M1", "M2", "16.50"),
        ("conflict_cut", "C2", "C3", "10.00"),
        ("shared_id", "S1", "S2", "-9.00"),
    ];
    assert_eq!(rows.len(), expect.len(), "{section}");
    for (row, (kind, a, b, w)) in rows.iter().zip(expect) {
        for needle in [
            format!("<code>{kind}</code>"),
            format!(">{a}<"),
            format!(">{b}<"),
            format!(">{w}<"),
        ] {
            assert!(row.contains(&needle), "{needle} not in {row}");
        }
    }
    // The flags-by-kind chart is present.
    assert!(html.contains(r#"id="flags""#));
}
