//! Runs the table-driven cases in `tests/data/{dates,ids,provinces}.toml`
//! against the date, ID-number and province parsers.
//!
//! Results are compared through their JSON form, so the tables also pin
//! the keys the CLI prints. Every failure names the case and its `why`.

use std::path::Path;

use dinhdanh::normalize::citizen_id::{cross_check, parse_id, Sex};
use dinhdanh::normalize::date::{parse_date, Date};
use dinhdanh::normalize::province::{lookup, provinces, ProvinceMatch, UnitId};
use serde::Deserialize;
use serde_json::Value;

fn read_table<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Compares the keys of `expect` with `actual`; the string "null" stands
/// for JSON null, which TOML cannot write.
fn mismatches(expect: &toml::Table, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (key, want) in expect {
        let want = match want {
            toml::Value::String(s) if s == "null" => Value::Null,
            other => serde_json::to_value(other).expect("TOML values convert to JSON"),
        };
        let got = actual.get(key).cloned().unwrap_or(Value::Null);
        if got != want {
            out.push(format!("{key}: expected {want}, got {got}"));
        }
    }
    out
}

#[derive(Deserialize)]
struct Case {
    input: String,
    why: String,
    expect: toml::Table,
}

#[derive(Deserialize)]
struct DateTable {
    today: Date2,
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Date2 {
    year: u16,
    month: u8,
    day: u8,
}

#[test]
fn date_table() {
    let table: DateTable = read_table("dates.toml");
    let today = Date::new(table.today.year, table.today.month, table.today.day)
        .expect("the table's today is a real date");
    assert!(table.case.len() >= 40, "at least 40 date cases");
    let mut failures = Vec::new();
    for case in &table.case {
        let got = serde_json::to_value(parse_date(&case.input, today)).expect("serializes");
        let mut bad = mismatches(&case.expect, &got);
        // Flags not named in the case must be off, so a spurious flag fails.
        for flag in ["placeholder", "impossible", "sentinel", "future"] {
            if !case.expect.contains_key(flag) && got[flag] != Value::Bool(false) {
                bad.push(format!("{flag}: expected false, got {}", got[flag]));
            }
        }
        if !case.expect.contains_key("repaired") && got["repaired"] != Value::Null {
            bad.push(format!("repaired: expected null, got {}", got["repaired"]));
        }
        if !bad.is_empty() {
            failures.push(format!(
                "{:?} ({}): {}",
                case.input,
                case.why,
                bad.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[derive(Deserialize)]
struct IdTable {
    case: Vec<Case>,
    cross_check: Vec<CrossCase>,
}

#[derive(Deserialize)]
struct CrossCase {
    input: String,
    why: String,
    sex: Option<String>,
    birth_year: Option<i32>,
    expect: toml::Table,
}

#[test]
fn id_table() {
    let table: IdTable = read_table("ids.toml");
    assert!(table.case.len() >= 30, "at least 30 ID cases");
    let mut failures = Vec::new();
    for case in &table.case {
        let got = serde_json::to_value(parse_id(&case.input)).expect("serializes");
        let bad = mismatches(&case.expect, &got);
        if !bad.is_empty() {
            failures.push(format!(
                "{:?} ({}): {}",
                case.input,
                case.why,
                bad.join("; ")
            ));
        }
    }
    for case in &table.cross_check {
        let sex = match case.sex.as_deref() {
            Some("male") => Some(Sex::Male),
            Some("female") => Some(Sex::Female),
            Some(other) => panic!("ids.toml: unknown sex {other:?}"),
            None => None,
        };
        let check = cross_check(&parse_id(&case.input), sex, case.birth_year);
        let got = serde_json::to_value(check).expect("serializes");
        let bad = mismatches(&case.expect, &got);
        if !bad.is_empty() {
            failures.push(format!(
                "cross_check {:?} ({}): {}",
                case.input,
                case.why,
                bad.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[derive(Deserialize)]
struct ProvinceTable {
    case: Vec<ProvinceCase>,
}

#[derive(Deserialize)]
struct ProvinceCase {
    input: String,
    why: String,
    kind: Option<String>,
    code: Option<u16>,
    unit: Option<u16>,
}

#[test]
fn province_table() {
    let table: ProvinceTable = read_table("provinces.toml");
    assert!(table.case.len() >= 100, "at least 100 province spellings");
    let mut failures = Vec::new();
    for case in &table.case {
        let got = lookup(&case.input);
        let kind_ok = match (case.kind.as_deref(), case.code) {
            (None, Some(code)) => got.code() == Some(code),
            (Some("unit2025"), None) => matches!(got, ProvinceMatch::Unit2025 { .. }),
            (Some("unknown"), None) => got == ProvinceMatch::Unknown,
            _ => panic!("provinces.toml: bad case {:?}", case.input),
        };
        let unit_ok = case.unit.is_none_or(|u| got.unit() == Some(UnitId(u)));
        if !kind_ok || !unit_ok {
            failures.push(format!("{:?} ({}): got {got:?}", case.input, case.why));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_province_is_found_by_its_plain_name() {
    // The table covers all 63 by their DOMAIN.md names; this guards the
    // dataset's own `name` column too.
    for p in provinces() {
        assert_eq!(lookup(p.name).code(), Some(p.code), "{}", p.name);
    }
}

#[test]
fn json_keys_are_the_documented_ones() {
    let today = Date::new(2025, 6, 15).expect("real date");
    let d = serde_json::to_string(&parse_date("30/02/1960", today)).expect("serializes");
    assert_eq!(
        d,
        r#"{"status":"valid","format":"dmy","year":1960,"month":2,"day":30,"precision":"day","placeholder":false,"impossible":true,"repaired":{"year":1960,"month":3,"day":1},"sentinel":false,"future":false}"#
    );
    let bad = serde_json::to_string(&parse_date("abc", today)).expect("serializes");
    assert!(
        bad.starts_with(r#"{"status":"invalid","reason":"unrecognized""#),
        "{bad}"
    );
    let id = serde_json::to_string(&parse_id("271450001")).expect("serializes");
    assert_eq!(
        id,
        r#"{"kind":"cmnd","prefix":27,"number":271450001,"shared_range":true}"#
    );
    let m = serde_json::to_string(&lookup("Tuyên Quang (mới)")).expect("serializes");
    assert_eq!(m, r#"{"kind":"unit2025","unit":8}"#);
    let m = serde_json::to_string(&lookup("TP.HCM")).expect("serializes");
    assert_eq!(m, r#"{"kind":"province","code":79,"unit":79}"#);
    let m = serde_json::to_string(&lookup("xyz")).expect("serializes");
    assert_eq!(m, r#"{"kind":"unknown"}"#);
}
