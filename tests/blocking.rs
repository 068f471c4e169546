//! Blocking keys, checked on hand-made records: which records a rule keys
//! and which pairs it emits.

use std::path::Path;

use dinhdanh::config::parse_rule;

use dinhdanh::block::Blocker;
use dinhdanh::config::Config;
use dinhdanh::load::input::load_store;
use dinhdanh::normalize::date::Date;

/// Pairs of record ids the rules emit, each pair and the list sorted (a pair
/// emitted twice appears twice).
fn blocked_pairs(csv: &str, rules: &[&str]) -> (Vec<(String, String)>, Vec<u64>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("records.csv");
    std::fs::write(&path, csv).expect("write csv");
    let config = Config::default();
    let store =
        load_store(&config, &[path.as_path()].map(Path::to_path_buf), as_of()).expect("load");
    let rules = rules
        .iter()
        .map(|r| parse_rule(r, &config).expect("rule parses"))
        .collect();
    let blocker = Blocker::new(&store, rules, config.blocking.max_block_size, false);
    let pairs = blocker.fold_pairs(
        Vec::new,
        |acc, _, a, b| {
            let (x, y) = (store.record_id(a).to_owned(), store.record_id(b).to_owned());
            acc.push(if x < y { (x, y) } else { (y, x) });
        },
        |mut x, y| {
            x.extend(y);
            x
        },
    );
    let keyed = blocker.stats.iter().map(|s| s.keyed_records).collect();
    let mut pairs: Vec<_> = pairs;
    pairs.sort();
    (pairs, keyed)
}

fn as_of() -> Date {
    Date::new(2026, 1, 1).expect("a date")
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

const HEADER: &str = "record_id,full_name,date_of_birth,sex,citizen_id,province,address\n";

#[test]
fn address_key_ignores_case_marks_and_punctuation() {
    // r1 and r2: one address written two ways (upper case without marks, other
    // punctuation); r3 has none; r4 lives two doors away. All four share
    // family name and date of birth.
    let csv = format!(
        "{HEADER}\
         r1,Nguyễn Thị Lan,12/03/1990,Nữ,,Hà Nội,\"Số 12 Trần Phú, Phường Ba Đình\"\n\
         r2,NGUYEN THI LANN,1990-03-12,Nữ,,Hà Nội,SO 12 TRAN PHU - PHUONG BA DINH\n\
         r3,Nguyễn Thị Lan,12/03/1990,Nữ,,Hà Nội,\n\
         r4,Nguyễn Thị Lan,12/03/1990,Nữ,,Hà Nội,\"Số 14 Trần Phú, Phường Ba Đình\"\n"
    );
    let (pairs, keyed) = blocked_pairs(&csv, &["dob+family+address"]);
    assert_eq!(pairs, Vec::from([pair("r1", "r2")]));
    assert_eq!(keyed, vec![3], "r3 has no address, so no key");
}

#[test]
fn address_rule_skips_pairs_an_earlier_rule_emitted() {
    // r1/r2 share date of birth, family name and address; r1/r3 only date of
    // birth and family name. With dob+family first, every pair comes from it
    // and the address rule adds none.
    let csv = format!(
        "{HEADER}\
         r1,Trần Văn Nam,01/02/1980,Nam,,Huế,Thôn Phú Lộc\n\
         r2,Trần Văn Nam,01/02/1980,Nam,,Huế,Thôn Phú Lộc\n\
         r3,Trần Văn Nam,01/02/1980,Nam,,Huế,Thôn An Lộc\n"
    );
    let (pairs, _) = blocked_pairs(&csv, &["dob+family", "dob+family+address"]);
    assert_eq!(
        pairs,
        Vec::from([pair("r1", "r2"), pair("r1", "r3"), pair("r2", "r3")])
    );
    let (pairs, _) = blocked_pairs(&csv, &["dob+family+address"]);
    assert_eq!(pairs, Vec::from([pair("r1", "r2")]));
}
