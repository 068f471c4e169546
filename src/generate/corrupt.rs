//! The corruption catalogue and the making of one record from a person.
//!
//! A person's first record carries only surface noise (date format, case
//! style, province spelling). Every extra record draws 1–4 corruptions from
//! the catalogue; each is applied only where it changes something (no
//! `middle_dropped` without a middle name), and at most one per field group
//! (one encoding, one date error, one ID error), so the truth tags say exactly
//! what happened to the record.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::person::{days_in_month, other_province, Case, Person};
use super::rng::Weighted;
use super::tables;
use crate::normalize::{text, tone};

/// One kind of damage applied to a record, as written in the truth file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Corruption {
    NoDiacritics,
    Nfd,
    ToneStyle,
    UpperCase,
    LowerCase,
    Vni,
    Tcvn3,
    Viqr,
    Utf8AsCp1252,
    Typo,
    RegionalVariant,
    MiddleDropped,
    GivenFirstOrder,
    ExtraSpaces,
    DobDayMonthSwap,
    DobYearOnly,
    DobPlaceholder0101,
    DobOffByOneYear,
    DobLunar,
    DobImpossible,
    IdMissing,
    IdDigitTypo,
    IdTransposition,
    CmndInsteadOfId,
    ProvinceMoved,
    ProvinceOtherSpelling,
    AddressMissing,
    SexMissing,
    /// The record carries another person's ID number (a conflict).
    IdBorrowed,
}

impl Corruption {
    /// Every tag, in catalogue order.
    pub const ALL: [Corruption; 29] = [
        Corruption::NoDiacritics,
        Corruption::Nfd,
        Corruption::ToneStyle,
        Corruption::UpperCase,
        Corruption::LowerCase,
        Corruption::Vni,
        Corruption::Tcvn3,
        Corruption::Viqr,
        Corruption::Utf8AsCp1252,
        Corruption::Typo,
        Corruption::RegionalVariant,
        Corruption::MiddleDropped,
        Corruption::GivenFirstOrder,
        Corruption::ExtraSpaces,
        Corruption::DobDayMonthSwap,
        Corruption::DobYearOnly,
        Corruption::DobPlaceholder0101,
        Corruption::DobOffByOneYear,
        Corruption::DobLunar,
        Corruption::DobImpossible,
        Corruption::IdMissing,
        Corruption::IdDigitTypo,
        Corruption::IdTransposition,
        Corruption::CmndInsteadOfId,
        Corruption::ProvinceMoved,
        Corruption::ProvinceOtherSpelling,
        Corruption::AddressMissing,
        Corruption::SexMissing,
        Corruption::IdBorrowed,
    ];

    pub fn as_str(self) -> &'static str {
        use Corruption::*;
        match self {
            NoDiacritics => "no_diacritics",
            Nfd => "nfd",
            ToneStyle => "tone_style",
            UpperCase => "upper_case",
            LowerCase => "lower_case",
            Vni => "vni",
            Tcvn3 => "tcvn3",
            Viqr => "viqr",
            Utf8AsCp1252 => "utf8_as_cp1252",
            Typo => "typo",
            RegionalVariant => "regional_variant",
            MiddleDropped => "middle_dropped",
            GivenFirstOrder => "given_first_order",
            ExtraSpaces => "extra_spaces",
            DobDayMonthSwap => "dob_day_month_swap",
            DobYearOnly => "dob_year_only",
            DobPlaceholder0101 => "dob_placeholder_0101",
            DobOffByOneYear => "dob_off_by_one_year",
            DobLunar => "dob_lunar",
            DobImpossible => "dob_impossible",
            IdMissing => "id_missing",
            IdDigitTypo => "id_digit_typo",
            IdTransposition => "id_transposition",
            CmndInsteadOfId => "cmnd_instead_of_id",
            ProvinceMoved => "province_moved",
            ProvinceOtherSpelling => "province_other_spelling",
            AddressMissing => "address_missing",
            SexMissing => "sex_missing",
            IdBorrowed => "id_borrowed",
        }
    }

    /// Corruptions in one group exclude each other on a record.
    fn group(self) -> u8 {
        use Corruption::*;
        match self {
            NoDiacritics | Nfd | Vni | Tcvn3 | Viqr | Utf8AsCp1252 => 1,
            UpperCase | LowerCase => 2,
            DobDayMonthSwap | DobYearOnly | DobPlaceholder0101 | DobOffByOneYear | DobLunar
            | DobImpossible => 3,
            IdMissing | IdDigitTypo | IdTransposition | CmndInsteadOfId | IdBorrowed => 4,
            ProvinceMoved | ProvinceOtherSpelling => 5,
            _ => 0,
        }
    }

    /// Relative frequency among the corruptions of a duplicate record.
    fn weight(self) -> f64 {
        use Corruption::*;
        match self {
            Typo => 10.0,
            NoDiacritics => 8.0,
            IdMissing => 5.0,
            ToneStyle
            | MiddleDropped
            | DobDayMonthSwap
            | IdDigitTypo
            | CmndInsteadOfId
            | ProvinceMoved
            | ProvinceOtherSpelling
            | AddressMissing => 4.0,
            Viqr | GivenFirstOrder | DobYearOnly | DobPlaceholder0101 | DobLunar => 2.0,
            IdBorrowed => 0.0,
            _ => 3.0,
        }
    }
}

/// Serialized as its tag, so JSON and the truth file agree.
impl Serialize for Corruption {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A date of birth as one record states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Dob {
    year: i32,
    month: u8,
    day: u8,
    year_only: bool,
}

/// What one record says, before it is rendered to strings.
struct Draft {
    family: Vec<String>,
    middle: Vec<String>,
    given: String,
    given_first: bool,
    tone_flip: bool,
    case: Case,
    encoding: Option<Corruption>,
    extra_spaces: bool,
    dob: Dob,
    male: Option<bool>,
    id: Option<String>,
    province: String,
    address: Option<String>,
}

/// One output row of the records file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecordRow {
    pub full_name: String,
    pub date_of_birth: Option<String>,
    pub sex: Option<&'static str>,
    pub citizen_id: Option<String>,
    pub province: Option<String>,
    pub address: Option<String>,
}

/// The person's fixed identifiers, computed once by the caller.
pub(crate) struct Ids {
    pub citizen_id: String,
    pub cmnd: Option<String>,
    /// Another person's ID, when this record borrows one.
    pub borrowed: Option<String>,
}

fn catalogue() -> &'static Weighted {
    static W: std::sync::OnceLock<Weighted> = std::sync::OnceLock::new();
    W.get_or_init(|| Weighted::new(Corruption::ALL.iter().map(|c| c.weight())))
}

/// The province as written: its own name, or its 2025 unit's.
fn province_spelling(prov: u8, as_2025: bool) -> String {
    let p = &tables::provinces()[usize::from(prov)];
    if as_2025 {
        p.unit_2025.to_owned()
    } else {
        p.name.to_owned()
    }
}

/// Makes one record of `person`. `corrupt` is false for a person's first
/// record. Returns the row and the corruptions applied, in catalogue order.
pub(crate) fn make_record(
    person: &Person,
    ids: &Ids,
    corrupt: bool,
    rng: &mut ChaCha8Rng,
) -> (RecordRow, Vec<Corruption>) {
    let mut d = Draft {
        family: person.family.split(' ').map(str::to_owned).collect(),
        middle: person.middle.iter().map(|m| (*m).to_owned()).collect(),
        given: person.given.to_owned(),
        given_first: false,
        tone_flip: false,
        case: person.case,
        encoding: None,
        extra_spaces: false,
        dob: Dob {
            year: i32::from(person.core.year),
            month: person.core.month,
            day: person.core.day,
            year_only: false,
        },
        male: Some(person.core.male),
        id: Some(ids.citizen_id.clone()),
        province: province_spelling(person.cur_prov, person.prov_as_2025),
        address: Some(person.address.clone()),
    };
    let mut applied: Vec<Corruption> = Vec::new();
    if let Some(other) = &ids.borrowed {
        d.id = Some(other.clone());
        applied.push(Corruption::IdBorrowed);
    }
    if corrupt {
        let wanted = match rng.random::<f64>() {
            u if u < 0.45 => 1,
            u if u < 0.75 => 2,
            u if u < 0.92 => 3,
            _ => 4,
        };
        let mut attempts = 0;
        let start = applied.len();
        while applied.len() - start < wanted && attempts < 40 {
            attempts += 1;
            let c = Corruption::ALL[catalogue().pick(rng.random::<f64>())];
            if applied
                .iter()
                .any(|a| *a == c || (c.group() != 0 && a.group() == c.group()))
            {
                continue;
            }
            if apply(c, &mut d, person, ids, rng) {
                applied.push(c);
            }
        }
    }
    applied.sort();
    (render(&d, rng), applied)
}

/// Applies one corruption; false when it would change nothing.
///
/// Longer than 150 lines on purpose (issue 19): it is one `match` with an
/// arm per corruption kind (29), not a sequence of stages, and it reads best
/// whole: each arm says in a few lines what its corruption does to the
/// draft and when it would change nothing, beside the others of its group
/// (the encodings, the date shifts, the ID edits). A function per arm would
/// scatter the catalogue over a couple of dozen small functions without
/// making any one step clearer.
fn apply(c: Corruption, d: &mut Draft, person: &Person, ids: &Ids, rng: &mut ChaCha8Rng) -> bool {
    use Corruption::*;
    match c {
        NoDiacritics | Nfd | Vni | Tcvn3 | Viqr | Utf8AsCp1252 => {
            if full_name_words(d).iter().all(|w| w.is_ascii()) {
                return false;
            }
            d.encoding = Some(c);
        }
        ToneStyle => {
            if !full_name_words(d).iter().any(|w| has_tone_style_choice(w)) {
                return false;
            }
            d.tone_flip = true;
        }
        UpperCase => {
            if d.case == Case::Upper {
                return false;
            }
            d.case = Case::Upper;
        }
        LowerCase => d.case = Case::Lower,
        Typo => {
            let slot = rng.random_range(0..10u8);
            let word = if slot < 5 || (slot >= 8 && d.middle.is_empty()) {
                &mut d.given
            } else if slot < 8 {
                let i = rng.random_range(0..d.family.len());
                &mut d.family[i]
            } else {
                let i = rng.random_range(0..d.middle.len());
                &mut d.middle[i]
            };
            *word = typo(word, rng);
        }
        RegionalVariant => {
            let mut slots: Vec<&mut String> = d
                .family
                .iter_mut()
                .chain(d.middle.iter_mut())
                .chain(std::iter::once(&mut d.given))
                .filter(|w| regional_variant(w).is_some())
                .collect();
            if slots.is_empty() {
                return false;
            }
            let i = rng.random_range(0..slots.len());
            let w = &mut slots[i];
            let v = regional_variant(w).expect("filtered to words with a variant");
            **w = v.to_owned();
        }
        MiddleDropped => {
            if d.middle.is_empty() {
                return false;
            }
            d.middle.clear();
        }
        GivenFirstOrder => d.given_first = true,
        ExtraSpaces => d.extra_spaces = true,
        DobDayMonthSwap => {
            if d.dob.day > 12 || d.dob.day == d.dob.month {
                return false;
            }
            std::mem::swap(&mut d.dob.day, &mut d.dob.month);
        }
        DobYearOnly => d.dob.year_only = true,
        DobPlaceholder0101 => {
            if d.dob.day == 1 && d.dob.month == 1 {
                return false;
            }
            d.dob.day = 1;
            d.dob.month = 1;
        }
        DobOffByOneYear => {
            d.dob.year += if rng.random_bool(0.5) { 1 } else { -1 };
            d.dob.day = d.dob.day.min(days_in_month(d.dob.year, d.dob.month));
        }
        DobLunar => {
            // A lunar date read as solar: the month shifts by one, and the
            // year with it across Tết.
            if rng.random_bool(0.7) {
                if d.dob.month == 1 {
                    d.dob.month = 12;
                    d.dob.year -= 1;
                } else {
                    d.dob.month -= 1;
                }
            } else if d.dob.month == 12 {
                d.dob.month = 1;
                d.dob.year += 1;
            } else {
                d.dob.month += 1;
            }
            d.dob.day = d.dob.day.min(days_in_month(d.dob.year, d.dob.month));
        }
        DobImpossible => match person.core.impossible {
            Some((day, month)) => {
                d.dob.day = day;
                d.dob.month = month;
            }
            None => return false,
        },
        IdMissing => d.id = None,
        IdDigitTypo => {
            let mut digits: Vec<u8> = ids.citizen_id.bytes().collect();
            let i = rng.random_range(0..digits.len());
            let old = digits[i] - b'0';
            digits[i] = b'0' + (old + rng.random_range(1..10u8)) % 10;
            d.id = Some(String::from_utf8(digits).expect("ASCII digits"));
        }
        IdTransposition => {
            let mut digits: Vec<u8> = ids.citizen_id.bytes().collect();
            let n = digits.len();
            let start = rng.random_range(0..n - 1);
            let Some(i) = (0..n - 1)
                .map(|k| (start + k) % (n - 1))
                .find(|&i| digits[i] != digits[i + 1])
            else {
                return false;
            };
            digits.swap(i, i + 1);
            d.id = Some(String::from_utf8(digits).expect("ASCII digits"));
        }
        CmndInsteadOfId => match &ids.cmnd {
            Some(c) => d.id = Some(c.clone()),
            None => return false,
        },
        ProvinceMoved => {
            // Moved people appear where they were registered before; the
            // others on a record from a later move. The address moves too.
            let prov = if person.moved {
                person.core.birth_prov
            } else {
                other_province(rng, person.cur_prov)
            };
            d.province = province_spelling(prov, rng.random_bool(0.2));
            if d.address.is_some() {
                d.address = Some(super::person::draw_address(rng));
            }
        }
        ProvinceOtherSpelling => {
            let p = &tables::provinces()[usize::from(person.cur_prov)];
            let options: Vec<&str> = std::iter::once(p.name)
                .chain(std::iter::once(p.unit_2025))
                .chain(p.aliases.iter().copied())
                .filter(|s| *s != d.province)
                .collect();
            if options.is_empty() {
                return false;
            }
            d.province = options[rng.random_range(0..options.len())].to_owned();
        }
        AddressMissing => d.address = None,
        SexMissing => d.male = None,
        IdBorrowed => return false,
    }
    true
}

fn full_name_words(d: &Draft) -> Vec<&str> {
    d.family
        .iter()
        .chain(d.middle.iter())
        .chain(std::iter::once(&d.given))
        .map(String::as_str)
        .collect()
}

fn regional_variant(word: &str) -> Option<&'static str> {
    tables::regional_variants().find_map(|(a, b)| {
        if a == word {
            Some(b)
        } else if b == word {
            Some(a)
        } else {
            None
        }
    })
}

/// True when the syllable ends in oa/oe/uy (not after q) with a tone mark,
/// the only place the old and new tone styles differ (DOMAIN.md §2).
pub(crate) fn has_tone_style_choice(word: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    let lower = word.to_lowercase();
    let decomposed: Vec<char> = lower.nfd().collect();
    let is_tone = |c: char| matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}');
    if !decomposed.iter().any(|&c| is_tone(c)) {
        return false;
    }
    let bases: String = decomposed.iter().filter(|&&c| !is_tone(c)).collect();
    if bases.chars().any(|c| ('\u{300}'..='\u{36f}').contains(&c)) {
        // A modified vowel (â, ơ ...) takes the tone: no choice.
        return false;
    }
    (bases.ends_with("oa") || bases.ends_with("oe") || bases.ends_with("uy"))
        && !bases.ends_with("quy")
}

const LETTERS: &[char] = &[
    'a', 'ă', 'â', 'b', 'c', 'd', 'đ', 'e', 'ê', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o', 'ô', 'ơ',
    'p', 'q', 'r', 's', 't', 'u', 'ư', 'v', 'x', 'y',
];

/// One keyboard slip: insert, delete, substitute or transpose a letter.
fn typo(word: &str, rng: &mut ChaCha8Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    for _ in 0..8 {
        let mut c = chars.clone();
        match rng.random_range(0..4u8) {
            0 => {
                let at = rng.random_range(0..=c.len());
                c.insert(at, LETTERS[rng.random_range(0..LETTERS.len())]);
            }
            1 if c.len() > 1 => {
                c.remove(rng.random_range(0..c.len()));
            }
            2 if !c.is_empty() => {
                let at = rng.random_range(0..c.len());
                c[at] = LETTERS[rng.random_range(0..LETTERS.len())];
            }
            3 if c.len() > 1 => {
                let at = rng.random_range(0..c.len() - 1);
                c.swap(at, at + 1);
            }
            _ => continue,
        }
        // A change of case only would vanish when the name is re-cased.
        let changed: String = c.into_iter().collect();
        if changed.to_lowercase() != word.to_lowercase() {
            return changed;
        }
    }
    // Appending a letter always changes the word.
    chars.push('h');
    chars.into_iter().collect()
}

fn title(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for (i, c) in word.chars().enumerate() {
        if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn render(d: &Draft, rng: &mut ChaCha8Rng) -> RecordRow {
    let mut words: Vec<&str> = Vec::with_capacity(6);
    if d.given_first {
        words.push(&d.given);
    }
    words.extend(d.family.iter().map(String::as_str));
    words.extend(d.middle.iter().map(String::as_str));
    if !d.given_first {
        words.push(&d.given);
    }
    let mut name = words.join(" ");
    if d.tone_flip {
        let new = tone::to_new_style(&name).into_owned();
        name = if new != name {
            new
        } else {
            tone::to_old_style(&name).into_owned()
        };
    }
    name = match d.case {
        Case::Upper => name.to_uppercase(),
        Case::Lower => name.to_lowercase(),
        Case::Title => name.split(' ').map(title).collect::<Vec<_>>().join(" "),
    };
    name = match d.encoding {
        Some(Corruption::NoDiacritics) => text::strip_marks(&name),
        Some(Corruption::Nfd) => text::to_nfd(&name),
        Some(Corruption::Vni) => text::encode_vni(&name),
        Some(Corruption::Tcvn3) => text::encode_tcvn3(&name),
        Some(Corruption::Viqr) => text::encode_viqr(&name),
        Some(Corruption::Utf8AsCp1252) => text::encode_utf8_as_cp1252(&name),
        _ => name,
    };
    if d.extra_spaces {
        name = match rng.random_range(0..3u8) {
            0 => name.replacen(' ', "  ", 1),
            1 => format!(" {name}"),
            _ => format!("{name}  "),
        };
    }
    RecordRow {
        full_name: name,
        date_of_birth: Some(format_dob(&d.dob, rng)),
        sex: d.male.map(|m| if m { "Nam" } else { "Nữ" }),
        citizen_id: d.id.clone(),
        province: Some(d.province.clone()),
        address: d.address.clone(),
    }
}

/// Dates in the formats registers use; the format is surface noise.
fn format_dob(dob: &Dob, rng: &mut ChaCha8Rng) -> String {
    if dob.year_only {
        return format!("{:04}", dob.year);
    }
    let (y, m, d) = (dob.year, dob.month, dob.day);
    match rng.random::<f64>() {
        u if u < 0.70 => format!("{d:02}/{m:02}/{y:04}"),
        u if u < 0.82 => format!("{y:04}-{m:02}-{d:02}"),
        u if u < 0.90 => format!("{y:04}{m:02}{d:02}"),
        _ => format!("{d}/{m}/{y:04}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn tags_are_snake_case_and_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Corruption::ALL {
            let s = c.as_str();
            assert!(s
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'));
            assert!(seen.insert(s), "{s} twice");
            // serde and as_str agree: the truth file and the summary use both.
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{s}\""));
        }
    }

    #[test]
    fn tone_style_choice_only_on_oa_oe_uy() {
        for (w, want) in [
            ("Hòa", true),
            ("Hoà", true),
            ("Thủy", true),
            ("KHỎE", true),
            ("Hoàng", false), // final consonant: one style only
            ("Quý", false),   // qu: u belongs to the consonant
            ("Hoa", false),   // no tone mark
            ("Mùa", false),
            ("Huy", false),
        ] {
            assert_eq!(has_tone_style_choice(w), want, "{w}");
        }
    }

    #[test]
    fn typo_always_changes_the_word() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for w in ["An", "Nguyễn", "Y", "Thị"] {
            for _ in 0..200 {
                assert_ne!(typo(w, &mut rng), w);
            }
        }
    }

    #[test]
    fn regional_variants_go_both_ways() {
        assert_eq!(regional_variant("Hoàng"), Some("Huỳnh"));
        assert_eq!(regional_variant("Võ"), Some("Vũ"));
        assert_eq!(regional_variant("Lan"), None);
    }
}
