//! The 63 provinces of Circular 07/2016 and the 34 units of 2025.
//!
//! ID numbers keep the 63 old codes (cards are not reissued), while records
//! written after 1 July 2025 name the 34 provincial units of Resolution
//! 202/2025/QH15. Comparing two places therefore means mapping both to a
//! 2025 unit: [`same_unit`], [`ProvinceMatch::unit`].
//!
//! The table lives in `datasets/provinces.tsv` (sources in
//! `datasets/provinces.md`), compiled into the binary and parsed once.
//!
//! # Matching
//! [`lookup`] folds its input to a key: NFC or NFD alike, case, tone and
//! vowel marks removed, Đ (and its look-alikes Ð, Ɖ) → d, every
//! non-letter (spaces, dots, `-`, `–`, parentheses) dropped; leading
//! "Tỉnh", "Thành phố", "TP", "T." and trailing "City", "Province",
//! "Việt Nam" removed. "TP.HCM", "tp hcm" and "TPHCM" thus meet, as do
//! "Đắk Lắk" and "Dak Lak". A trailing "mới" ("new") asks for the 2025
//! unit of that name. Legacy encodings (VNI, TCVN3) must be repaired by
//! `text::repair` first.
//!
//! # JSON keys
//! [`ProvinceMatch`] is tagged by `kind`:
//! `{"kind":"province","code":79,"unit":79}`, `{"kind":"unit2025","unit":8}`,
//! `{"kind":"unknown"}`. A [`UnitId`] is a number: the 2016 code of the old
//! province whose name the unit kept (Tuyên Quang = 8, Huế = 46).
//!
//! Cost: [`lookup`] is one pass over the input into a 64-byte stack buffer
//! and one hash lookup; no allocation.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

/// A 2025 provincial unit, identified by the 2016 code of the old province
/// whose name it kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UnitId(pub u16);

/// One of the 63 provinces of Circular 07/2016.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Province {
    /// Circular 07/2016 code (the `PPP` of a personal ID number).
    pub code: u16,
    pub name: &'static str,
    /// The 2025 unit it belongs to since 1 July 2025.
    pub unit_2025: UnitId,
    /// Persons at the 2019 census, rounded to thousands.
    pub population: u32,
    /// Old CMND issuing prefix(es) as commonly published, `|`-separated
    /// when several; see `datasets/provinces.md` for uncertain ones.
    pub cmnd_prefix: &'static str,
    /// Other spellings recognised by [`lookup`].
    pub aliases: Vec<&'static str>,
}

/// One of the 34 provincial units since 1 July 2025.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub name: &'static str,
    /// The 2016 codes it took over, ascending.
    pub members: Vec<u16>,
    /// Sum of the members' 2019 populations.
    pub population: u32,
}

/// What a written province name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProvinceMatch {
    /// One of the 63 old provinces (and, for convenience, its 2025 unit).
    Province {
        code: u16,
        unit: UnitId,
    },
    /// A 2025 unit made of several old provinces, so no single old code.
    #[serde(rename = "unit2025")]
    Unit2025 {
        unit: UnitId,
    },
    Unknown,
}

impl ProvinceMatch {
    /// The 2025 unit, the level at which two places should be compared.
    pub fn unit(&self) -> Option<UnitId> {
        match *self {
            ProvinceMatch::Province { unit, .. } | ProvinceMatch::Unit2025 { unit } => Some(unit),
            ProvinceMatch::Unknown => None,
        }
    }

    /// The old province code, when the input named one.
    pub fn code(&self) -> Option<u16> {
        match *self {
            ProvinceMatch::Province { code, .. } => Some(code),
            _ => None,
        }
    }
}

struct Tables {
    provinces: Vec<Province>,
    units: Vec<Unit>,
    /// Index into `provinces` by code (codes are below 100).
    by_code: [Option<u8>; 100],
    index: HashMap<Box<str>, ProvinceMatch>,
    /// Keys that two different targets claimed; must stay empty (tested).
    #[cfg(test)]
    conflicts: Vec<String>,
}

const TSV: &str = include_str!("../../datasets/provinces.tsv");

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build)
}

/// Parses the compiled-in table. It is part of the program, not input, and
/// the tests check every row, so a malformed row is a build defect.
fn build() -> Tables {
    let mut provinces = Vec::with_capacity(63);
    let mut unit_names: Vec<&'static str> = Vec::new();
    let mut unit_of: Vec<usize> = Vec::with_capacity(63);
    for line in TSV.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&'static str> = line.split('\t').collect();
        assert!(cols.len() == 6, "provinces.tsv: 6 columns expected: {line}");
        let code: u16 = cols[0].parse().expect("provinces.tsv: code is a number");
        let population: u32 = cols[3]
            .parse()
            .expect("provinces.tsv: population_2019 is a number");
        let u = match unit_names.iter().position(|n| *n == cols[2]) {
            Some(u) => u,
            None => {
                unit_names.push(cols[2]);
                unit_names.len() - 1
            }
        };
        unit_of.push(u);
        provinces.push(Province {
            code,
            name: cols[1],
            unit_2025: UnitId(0),
            population: population * 1000,
            cmnd_prefix: cols[4],
            aliases: cols[5].split('|').filter(|a| !a.is_empty()).collect(),
        });
    }

    let mut units: Vec<Unit> = unit_names
        .iter()
        .enumerate()
        .map(|(u, &name)| {
            let members: Vec<&Province> = provinces
                .iter()
                .zip(&unit_of)
                .filter(|(_, &pu)| pu == u)
                .map(|(p, _)| p)
                .collect();
            // The unit is named after one of its old provinces; Huế, the
            // only renamed one, has a single member.
            let namesake = members
                .iter()
                .find(|p| same_key(p.name, name))
                .or(members.first())
                .expect("every unit name comes from a row, so it has a member");
            Unit {
                id: UnitId(namesake.code),
                name,
                members: members.iter().map(|p| p.code).collect(),
                population: members.iter().map(|p| p.population).sum(),
            }
        })
        .collect();
    for (p, &u) in provinces.iter_mut().zip(&unit_of) {
        p.unit_2025 = units[u].id;
    }
    units.sort_by_key(|u| u.id);

    let mut by_code = [None; 100];
    for (i, p) in provinces.iter().enumerate() {
        if let Some(slot) = by_code.get_mut(usize::from(p.code)) {
            *slot = Some(i as u8);
        }
    }

    let mut index: HashMap<Box<str>, ProvinceMatch> = HashMap::new();
    let mut conflicts = Vec::new();
    let mut add = |name: &str, target: ProvinceMatch, index: &mut HashMap<Box<str>, _>| {
        let Some(key) = Key::new(name) else {
            conflicts.push(format!("unfoldable name {name}"));
            return;
        };
        match index.get(key.as_str()) {
            Some(t) if *t != target => conflicts.push(format!("{name}: {t:?} vs {target:?}")),
            Some(_) => {}
            None => {
                index.insert(key.as_str().into(), target);
            }
        }
    };
    for p in &provinces {
        let target = ProvinceMatch::Province {
            code: p.code,
            unit: p.unit_2025,
        };
        add(p.name, target, &mut index);
        for a in &p.aliases {
            add(a, target, &mut index);
        }
    }
    for u in &units {
        // An old province of the same name wins: its unit is this one.
        if Key::new(u.name).is_some_and(|k| index.contains_key(k.as_str())) {
            continue;
        }
        add(u.name, unit_match(u), &mut index);
    }

    Tables {
        provinces,
        units,
        by_code,
        index,
        // Collected in every build (the first claim of a key wins either
        // way); only the tests read them.
        #[cfg(test)]
        conflicts,
    }
}

fn unit_match(u: &Unit) -> ProvinceMatch {
    match u.members.as_slice() {
        [only] => ProvinceMatch::Province {
            code: *only,
            unit: u.id,
        },
        _ => ProvinceMatch::Unit2025 { unit: u.id },
    }
}

fn same_key(a: &str, b: &str) -> bool {
    match (Key::new(a), Key::new(b)) {
        (Some(x), Some(y)) => x.as_str() == y.as_str(),
        _ => false,
    }
}

/// The 63 provinces, in code order.
pub fn provinces() -> &'static [Province] {
    &tables().provinces
}

/// The 34 units of 2025, ordered by [`UnitId`].
pub fn units_2025() -> &'static [Unit] {
    &tables().units
}

/// The province with this Circular 07/2016 code.
pub fn by_code(code: u16) -> Option<&'static Province> {
    let t = tables();
    let i = (*t.by_code.get(usize::from(code))?)?;
    t.provinces.get(usize::from(i))
}

/// The 2025 unit with this id.
pub fn unit(id: UnitId) -> Option<&'static Unit> {
    let t = tables();
    t.units
        .binary_search_by_key(&id, |u| u.id)
        .ok()
        .map(|i| &t.units[i])
}

/// Whether two old province codes lie in the same 2025 unit. False when
/// either code is unknown.
pub fn same_unit(a: u16, b: u16) -> bool {
    match (by_code(a), by_code(b)) {
        (Some(x), Some(y)) => x.unit_2025 == y.unit_2025,
        _ => false,
    }
}

/// What a written province name refers to. See the module docs for the
/// folding applied.
pub fn lookup(input: &str) -> ProvinceMatch {
    let Some(key) = Key::new(input) else {
        return ProvinceMatch::Unknown;
    };
    let t = tables();
    let Some(&found) = t.index.get(key.as_str()) else {
        return ProvinceMatch::Unknown;
    };
    if !key.wants_new_unit {
        return found;
    }
    match found.unit().and_then(unit) {
        Some(u) => unit_match(u),
        None => found,
    }
}

const KEY_CAP: usize = 64;

/// A folded lookup key in a stack buffer.
struct Key {
    buf: [u8; KEY_CAP],
    len: usize,
    /// The input ended in "mới": the 2025 unit is meant.
    wants_new_unit: bool,
}

impl Key {
    /// Folds `s`; `None` when it holds a letter that is not Vietnamese or
    /// Latin, or is too long to be a province name.
    fn new(s: &str) -> Option<Key> {
        // First pass: lower-case ASCII words separated by single spaces.
        let mut words = [0u8; KEY_CAP];
        let mut n = 0;
        let mut push = |b: u8, words: &mut [u8; KEY_CAP]| -> Option<()> {
            if b == b' ' && (n == 0 || words[n - 1] == b' ') {
                return Some(());
            }
            *words.get_mut(n)? = b;
            n += 1;
            Some(())
        };
        for c in s.chars() {
            match c {
                // Combining marks of NFD input belong to the letter before.
                '\u{0300}'..='\u{036F}' => {}
                'đ' | 'Đ' | 'Ð' | 'ð' | 'Ɖ' | 'ɖ' => push(b'd', &mut words)?,
                c if c.is_ascii_alphanumeric() => push(c.to_ascii_lowercase() as u8, &mut words)?,
                c if c.is_alphanumeric() => {
                    let mut base = None;
                    unicode_normalization::char::decompose_canonical(c, |d| {
                        if base.is_none() {
                            base = Some(d);
                        }
                    });
                    let b = base.filter(char::is_ascii_alphanumeric)?;
                    push(b.to_ascii_lowercase() as u8, &mut words)?;
                }
                _ => push(b' ', &mut words)?,
            }
        }
        let text = std::str::from_utf8(&words[..n]).ok()?.trim_end();
        let mut ws: [&str; 16] = [""; 16];
        let mut count = 0;
        for w in text.split(' ').filter(|w| !w.is_empty()) {
            *ws.get_mut(count)? = w;
            count += 1;
        }
        let mut ws = &ws[..count];
        let mut wants_new_unit = false;
        // Prefixes and suffixes are dropped only while something remains,
        // so that a bare "TP" stays unknown rather than matching "".
        loop {
            match ws {
                ["thanh", "pho", _, ..] => ws = &ws[2..],
                ["tinh" | "tp" | "t", _, ..] => ws = &ws[1..],
                [.., _, "viet", "nam"] => ws = &ws[..ws.len() - 2],
                [.., _, "vietnam" | "city" | "province"] => ws = &ws[..ws.len() - 1],
                [.., _, "moi"] => {
                    wants_new_unit = true;
                    ws = &ws[..ws.len() - 1];
                }
                _ => break,
            }
        }
        let mut key = Key {
            buf: [0; KEY_CAP],
            len: 0,
            wants_new_unit,
        };
        for w in ws {
            key.buf[key.len..key.len + w.len()].copy_from_slice(w.as_bytes());
            key.len += w.len();
        }
        Some(key)
    }

    fn as_str(&self) -> &str {
        // Only ASCII bytes are ever written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Circular 07/2016, Appendix 1, as listed in DOMAIN.md.
    const CODES: [u16; 63] = [
        1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35, 36,
        37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70, 72, 74,
        75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
    ];

    #[test]
    fn exactly_the_63_codes_of_circular_07_2016() {
        let codes: Vec<u16> = provinces().iter().map(|p| p.code).collect();
        assert_eq!(codes, CODES);
        for c in 0..200 {
            assert_eq!(by_code(c).is_some(), CODES.contains(&c), "code {c}");
        }
    }

    #[test]
    fn thirty_four_units_partition_the_provinces() {
        let units = units_2025();
        assert_eq!(units.len(), 34);
        let mut seen: Vec<u16> = units.iter().flat_map(|u| u.members.clone()).collect();
        seen.sort_unstable();
        assert_eq!(seen, CODES, "each old code in exactly one unit");
        for p in provinces() {
            let u = unit(p.unit_2025).expect("unit of a province exists");
            assert!(u.members.contains(&p.code));
        }
        // Resolution 202/2025/QH15: 11 units unchanged, 23 merged.
        assert_eq!(units.iter().filter(|u| u.members.len() == 1).count(), 11);
        assert_eq!(units.iter().filter(|u| u.members.len() == 3).count(), 6);
    }

    #[test]
    fn merged_units_follow_resolution_202() {
        // A few by hand: TP.HCM + Bình Dương + Bà Rịa–Vũng Tàu; Hà Giang
        // into Tuyên Quang; Kon Tum into Quảng Ngãi.
        assert_eq!(unit(UnitId(79)).unwrap().members, [74, 77, 79]);
        assert_eq!(unit(UnitId(8)).unwrap().members, [2, 8]);
        assert_eq!(unit(UnitId(51)).unwrap().members, [51, 62]);
        assert_eq!(unit(UnitId(46)).unwrap().name, "Huế");
        assert!(same_unit(2, 8));
        assert!(!same_unit(1, 79));
        assert!(!same_unit(1, 3));
    }

    #[test]
    fn population_sums_to_the_2019_census() {
        // 96,208,984 persons at the 2019 census; rows are rounded and
        // approximate, so allow 0.5 %.
        let total: u64 = provinces().iter().map(|p| u64::from(p.population)).sum();
        assert!((95_700_000..=96_700_000).contains(&total), "total {total}");
        let by_units: u64 = units_2025().iter().map(|u| u64::from(u.population)).sum();
        assert_eq!(by_units, total);
    }

    #[test]
    fn no_two_targets_share_a_key() {
        assert!(tables().conflicts.is_empty(), "{:?}", tables().conflicts);
    }

    #[test]
    fn folding_ignores_form_and_marks() {
        let k = |s| Key::new(s).map(|k| k.as_str().to_owned());
        assert_eq!(k("Thành phố Hồ Chí Minh").as_deref(), Some("hochiminh"));
        // NFD input: base letters followed by combining marks.
        assert_eq!(
            k("Ha\u{0300} No\u{0302}\u{0323}i").as_deref(),
            Some("hanoi")
        );
        assert_eq!(k("ĐẮK LẮK").as_deref(), Some("daklak"));
        assert_eq!(k("TP"), Some(String::from("tp")));
        assert_eq!(k("Москва"), None);
        assert_eq!(k(&"a".repeat(100)), None);
    }

    proptest::proptest! {
        #[test]
        fn lookup_never_panics(s in "\\PC{0,40}") {
            let _ = lookup(&s);
        }
    }
}
