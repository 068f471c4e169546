//! Runs the table in `tests/data/encodings.toml` through `repair`, and checks
//! the invariants of text repair and tone placement with proptest.

use dinhdanh::normalize::text::{
    encode_tcvn3, encode_utf8_as_cp1252, encode_viqr, encode_vni, repair, strip_marks, to_nfd,
    Encoding,
};
use dinhdanh::normalize::tone::{to_new_style, to_old_style};
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Table {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    input: String,
    expected: String,
    encoding: String,
    why: String,
}

#[test]
fn table_of_encodings() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/encodings.toml");
    let text = std::fs::read_to_string(path).expect("the table is part of the repository");
    let table: Table = toml::from_str(&text).expect("the table is valid TOML");
    assert!(table.case.len() >= 80, "only {} cases", table.case.len());
    let mut failures = Vec::new();
    for c in &table.case {
        let got = repair(&c.input);
        if got.text != c.expected || got.encoding.as_str() != c.encoding {
            failures.push(format!(
                "{}: {:?} → {:?} ({}), expected {:?} ({}) — {}",
                c.name,
                c.input,
                got.text,
                got.encoding.as_str(),
                c.expected,
                c.encoding,
                c.why
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        table.case.len(),
        failures.join("\n")
    );
}

// --- generators ------------------------------------------------------------

/// Family names whose every legacy encoding is visibly not Unicode.
const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý",
];
/// Middle names that carry a mark (so VIQR has evidence in every name).
const MIDDLE: &[&str] = &["Văn", "Thị", "Đức", "Hữu", "Xuân", "Ngọc", "Thế", "Công"];
const GIVEN: &[&str] = &[
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hằng", "Hiếu", "Hoa", "Hòa", "Hoà", "Hùng",
    "Hương", "Khánh", "Khoa", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngọc", "Nhung", "Phúc",
    "Phương", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thủy", "Thuỷ", "Trang", "Trung", "Tuấn",
    "Tú", "Uyên", "Vy", "Yến", "Ánh", "Ân", "Ước", "Đạt", "Khỏe", "Quý", "Nghĩa", "Giữ", "Thuở",
    "Huệ", "Oanh", "Ý",
];

#[derive(Clone, Copy, Debug)]
enum Case3 {
    Title,
    Upper,
    Lower,
}

fn apply_case(s: &str, case: Case3) -> String {
    match case {
        Case3::Title => s.to_owned(),
        Case3::Upper => s.to_uppercase(),
        Case3::Lower => s.to_lowercase(),
    }
}

fn clean_name() -> impl Strategy<Value = String> {
    (
        prop::sample::select(FAMILY),
        prop::sample::select(MIDDLE),
        prop::collection::vec(prop::sample::select(GIVEN), 1..3),
        prop::sample::select(vec![Case3::Title, Case3::Upper, Case3::Lower]),
    )
        .prop_map(|(f, m, g, case)| {
            let name = format!("{f} {m} {}", g.join(" "));
            apply_case(&name, case)
        })
}

/// Clean names with stray spacing, in NFC or NFD: all genuine Unicode.
fn genuine_input() -> impl Strategy<Value = (String, String)> {
    (
        clean_name(),
        prop::sample::select(vec![" ", "  ", "\t"]),
        any::<bool>(),
    )
        .prop_map(|(name, sep, nfd)| {
            let spaced = name.replace(' ', sep);
            let input = if nfd { to_nfd(&spaced) } else { spaced.clone() };
            (input, spaced)
        })
}

proptest! {
    #[test]
    fn repair_is_idempotent(s in any::<String>()) {
        let once = repair(&s);
        let twice = repair(&once.text);
        prop_assert_eq!(&twice.text, &once.text);
    }

    #[test]
    fn repair_is_idempotent_on_encoded_names(name in clean_name(), which in 0usize..4) {
        let encoded = match which {
            0 => encode_vni(&name),
            1 => encode_tcvn3(&name),
            2 => encode_viqr(&name),
            _ => encode_utf8_as_cp1252(&name),
        };
        let once = repair(&encoded);
        prop_assert_eq!(repair(&once.text).text, once.text);
    }

    #[test]
    fn genuine_names_are_left_alone((input, nfc) in genuine_input()) {
        let r = repair(&input);
        prop_assert_eq!(r.text, nfc);
        prop_assert_eq!(r.encoding, Encoding::Unicode);
    }

    #[test]
    fn vni_round_trips(name in clean_name()) {
        let r = repair(&encode_vni(&name));
        prop_assert_eq!((r.text, r.encoding), (name, Encoding::Vni));
    }

    #[test]
    fn tcvn3_round_trips(name in clean_name()) {
        // Exact: the string's case is consistent, so it is restored.
        let r = repair(&encode_tcvn3(&name));
        prop_assert_eq!((r.text, r.encoding), (name, Encoding::Tcvn3));
    }

    #[test]
    fn viqr_round_trips(name in clean_name()) {
        let r = repair(&encode_viqr(&name));
        prop_assert_eq!((r.text, r.encoding), (name, Encoding::Viqr));
    }

    #[test]
    fn utf8_as_cp1252_round_trips(name in clean_name()) {
        let r = repair(&encode_utf8_as_cp1252(&name));
        prop_assert_eq!((r.text, r.encoding), (name, Encoding::Utf8AsCp1252));
    }

    #[test]
    fn strip_marks_leaves_ascii(name in clean_name()) {
        let s = strip_marks(&name);
        prop_assert!(s.is_ascii(), "{}", s);
        prop_assert_eq!(s.chars().count(), name.chars().count());
    }

    #[test]
    fn old_style_of_new_style_is_old_style(name in clean_name()) {
        let new = to_new_style(&name);
        prop_assert_eq!(to_old_style(&new), to_old_style(&name));
        let old = to_old_style(&name);
        prop_assert_eq!(to_new_style(&old), to_new_style(&name));
    }

    #[test]
    fn tone_styles_on_arbitrary_text(s in "\\PC{0,20}") {
        let new = to_new_style(&s);
        prop_assert_eq!(to_old_style(&new), to_old_style(&s));
    }
}
