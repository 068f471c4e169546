//! Name tables compiled into the library from `datasets/names/*.tsv`.
//!
//! The files (and where each list and figure comes from) are described in
//! `datasets/names/README.md`. They are embedded with `include_str!` and
//! parsed once, on first use, into static tables:
//!
//! - [`family_names`]: family names with their population share (fractions
//!   summing to 1) and whether they are a two-syllable unit (Tôn Thất).
//! - [`middle_names`], [`given_names`]: name elements with a sex (M, F, or U
//!   for either) and a relative weight within their file. A unisex given name
//!   has one row per sex.
//! - [`regional_variants`]: pairs of regional forms of one name (Hoàng/Huỳnh).
//!
//! Lookups take one word (or a two-word compound) in any case. A word written
//! with diacritics is matched exactly ("Lệ" is not "Lê"); a word without any
//! ("le") is matched by its accent-free key, because registers without
//! diacritics cannot tell the two apart. [`is_family_name`] takes an
//! accent-free lowercase key only, as produced by
//! [`crate::normalize::fold::name_key`].
//!
//! The tables are small (a few hundred rows): building them costs well under
//! a millisecond, lookups are hash lookups.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::fold::name_key;

/// Sex of a middle or given name element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NameSex {
    Male,
    Female,
    /// Used for both (middle names only; unisex given names have two rows).
    Unisex,
}

/// One row of `family.tsv`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FamilyName {
    /// NFC, old tone style, title case; a compound has one space.
    pub name: &'static str,
    /// Fraction of the population; all rows sum to 1.
    pub share: f64,
    /// A two-syllable family name that is one unit (Tôn Thất, Âu Dương).
    pub compound: bool,
}

/// One row of `middle.tsv` or `given.tsv`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightedName {
    pub name: &'static str,
    pub sex: NameSex,
    /// Relative weight within its file (and sex); not normalized.
    pub weight: f64,
}

/// One row of `regional.tsv`: two regional forms of one name. `a` is the
/// standard form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionalPair {
    pub a: &'static str,
    pub b: &'static str,
}

const FAMILY_TSV: &str = include_str!("../../datasets/names/family.tsv");
const MIDDLE_TSV: &str = include_str!("../../datasets/names/middle.tsv");
const GIVEN_TSV: &str = include_str!("../../datasets/names/given.tsv");
const REGIONAL_TSV: &str = include_str!("../../datasets/names/regional.tsv");

// The files are part of the source: a parse failure is a build defect that
// the tests in this module catch, not a run-time input error.
const EMBEDDED: &str = "embedded name table is validated by the datasets unit tests";

static FAMILY: LazyLock<Vec<FamilyName>> =
    LazyLock::new(|| parse_family(FAMILY_TSV).expect(EMBEDDED));
static MIDDLE: LazyLock<Vec<WeightedName>> =
    LazyLock::new(|| parse_weighted(MIDDLE_TSV, true).expect(EMBEDDED));
static GIVEN: LazyLock<Vec<WeightedName>> =
    LazyLock::new(|| parse_weighted(GIVEN_TSV, false).expect(EMBEDDED));
static REGIONAL: LazyLock<Vec<RegionalPair>> =
    LazyLock::new(|| parse_regional(REGIONAL_TSV).expect(EMBEDDED));
static INDEX: LazyLock<Index> = LazyLock::new(Index::build);

/// All family names, most frequent first (compounds last).
pub fn family_names() -> &'static [FamilyName] {
    &FAMILY
}

/// All middle-name elements (Văn, Thị, Đức, ...).
pub fn middle_names() -> &'static [WeightedName] {
    &MIDDLE
}

/// All given names; unisex names appear once per sex.
pub fn given_names() -> &'static [WeightedName] {
    &GIVEN
}

/// All regional-variant pairs.
pub fn regional_variants() -> &'static [RegionalPair] {
    &REGIONAL
}

/// Is `key` (accent-free, lower case, one space inside a compound) the key
/// of a family name in the table? `is_family_name("nguyen")`,
/// `is_family_name("ton that")`.
pub fn is_family_name(key: &str) -> bool {
    INDEX.family.keys.contains(key)
}

/// The family-name row for `word` (one word, or a compound with one space),
/// any case; exact match when `word` has diacritics, key match otherwise.
pub fn family_name(word: &str) -> Option<&'static FamilyName> {
    let lower = lower(word);
    let i = if lower.is_ascii() {
        INDEX.family_by_key.get(lower.as_ref())
    } else {
        INDEX.family_by_name.get(lower.as_ref())
    };
    i.map(|&i| &FAMILY[i])
}

/// Is `word` a given name in the table (either sex)? Same matching as
/// [`family_name`].
pub fn is_given_name(word: &str) -> bool {
    INDEX.given.contains(word)
}

/// Is `word` a middle-name element in the table? Same matching as
/// [`family_name`].
pub fn is_middle_name(word: &str) -> bool {
    INDEX.middle.contains(word)
}

/// The regional-variant group of `word` (any case), or `None` when the word
/// is in no group. The group id is the accent-free key of the group's first
/// (standard) member: Hoàng, Huỳnh, "huynh" → `"hoang"`.
///
/// A word without diacritics is only mapped when its key is unambiguous
/// across all the name tables: "huong" may be Hương (no group) or Hường
/// (group "hong"), so it gets `None`.
///
/// Known limitation of ids made of keys: a name outside every group whose
/// own key equals a group id (Hòa, key "hoa", vs the group of Hoa/Huê) looks
/// like a member when callers fall back to the word's own key.
pub fn regional_group(word: &str) -> Option<&'static str> {
    let lower = lower(word);
    let g = if lower.is_ascii() {
        INDEX.group_by_key.get(lower.as_ref())
    } else {
        INDEX.group_by_name.get(lower.as_ref())
    };
    g.map(String::as_str)
}

/// Exact (lower-case, accented) names and their accent-free keys.
#[derive(Default)]
struct NameSet {
    names: HashSet<String>,
    keys: HashSet<String>,
}

impl NameSet {
    fn insert(&mut self, name: &str) {
        self.names.insert(name.to_lowercase());
        self.keys.insert(name_key(name));
    }

    fn contains(&self, word: &str) -> bool {
        let lower = lower(word);
        if lower.is_ascii() {
            self.keys.contains(lower.as_ref())
        } else {
            self.names.contains(lower.as_ref())
        }
    }
}

/// Lower case without allocating in the common case: the name parser looks
/// words up already lower-cased.
fn lower(word: &str) -> Cow<'_, str> {
    if word.chars().any(char::is_uppercase) {
        Cow::Owned(word.to_lowercase())
    } else {
        Cow::Borrowed(word)
    }
}

struct Index {
    family: NameSet,
    family_by_name: HashMap<String, usize>,
    family_by_key: HashMap<String, usize>,
    middle: NameSet,
    given: NameSet,
    group_by_name: HashMap<String, String>,
    group_by_key: HashMap<String, String>,
}

impl Index {
    fn build() -> Index {
        let mut family = NameSet::default();
        let mut family_by_name = HashMap::new();
        let mut family_by_key = HashMap::new();
        for (i, f) in FAMILY.iter().enumerate() {
            family.insert(f.name);
            family_by_name.entry(f.name.to_lowercase()).or_insert(i);
            // Rows are most frequent first, so an accent-free key maps to the
            // most frequent of the names sharing it.
            family_by_key.entry(name_key(f.name)).or_insert(i);
        }
        let mut middle = NameSet::default();
        MIDDLE.iter().for_each(|m| middle.insert(m.name));
        let mut given = NameSet::default();
        GIVEN.iter().for_each(|g| given.insert(g.name));

        // Groups: union of pairs (the pairs are disjoint today, but a chain
        // a–b, b–c must still give one group), id = key of the earliest
        // member in file order.
        let mut members: Vec<Vec<String>> = Vec::new();
        for p in REGIONAL.iter() {
            let (a, b) = (p.a.to_lowercase(), p.b.to_lowercase());
            let ga = members.iter().position(|g| g.contains(&a));
            let gb = members.iter().position(|g| g.contains(&b));
            match (ga, gb) {
                (None, None) => members.push(vec![a, b]),
                (Some(g), None) => members[g].push(b),
                (None, Some(g)) => members[g].push(a),
                (Some(x), Some(y)) if x != y => {
                    let (keep, gone) = (x.min(y), x.max(y));
                    let moved = members.remove(gone);
                    members[keep].extend(moved);
                }
                _ => {}
            }
        }
        let mut group_by_name = HashMap::new();
        for g in &members {
            let id = name_key(&g[0]);
            for m in g {
                group_by_name.insert(m.clone(), id.clone());
            }
        }
        // Every accented spelling known for each key, to tell whether an
        // accent-free word can be mapped to a group.
        let mut spellings: HashMap<String, HashSet<String>> = HashMap::new();
        let all = FAMILY
            .iter()
            .map(|f| f.name)
            .chain(MIDDLE.iter().map(|m| m.name))
            .chain(GIVEN.iter().map(|g| g.name))
            .chain(REGIONAL.iter().flat_map(|p| [p.a, p.b]));
        for name in all {
            spellings
                .entry(name_key(name))
                .or_default()
                .insert(name.to_lowercase());
        }
        let mut group_by_key = HashMap::new();
        for (key, names) in &spellings {
            let groups: HashSet<Option<&String>> =
                names.iter().map(|n| group_by_name.get(n)).collect();
            if groups.len() == 1 {
                if let Some(Some(id)) = groups.into_iter().next() {
                    group_by_key.insert(key.clone(), id.clone());
                }
            }
        }
        Index {
            family,
            family_by_name,
            family_by_key,
            middle,
            given,
            group_by_name,
            group_by_key,
        }
    }
}

/// Data rows of a TSV with the expected header, split into fields.
fn rows<'a>(
    text: &'a str,
    header: &str,
) -> Result<impl Iterator<Item = (usize, Vec<&'a str>)>, String> {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    if first != header {
        return Err(format!("header is {first:?}, expected {header:?}"));
    }
    Ok(lines
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 2, l.split('\t').collect())))
}

fn number(field: &str, line: usize) -> Result<f64, String> {
    match field.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!(
            "line {line}: {field:?} is not a non-negative number"
        )),
    }
}

fn parse_family(text: &'static str) -> Result<Vec<FamilyName>, String> {
    let mut out = Vec::new();
    for (line, f) in rows(text, "name\tshare\tcompound")? {
        let [name, share, compound] = f[..] else {
            return Err(format!("line {line}: expected 3 fields"));
        };
        let compound = match compound {
            "0" => false,
            "1" => true,
            _ => return Err(format!("line {line}: compound must be 0 or 1")),
        };
        out.push(FamilyName {
            name,
            share: number(share, line)?,
            compound,
        });
    }
    Ok(out)
}

fn parse_weighted(text: &'static str, allow_unisex: bool) -> Result<Vec<WeightedName>, String> {
    let mut out = Vec::new();
    for (line, f) in rows(text, "name\tsex\tweight")? {
        let [name, sex, weight] = f[..] else {
            return Err(format!("line {line}: expected 3 fields"));
        };
        let sex = match sex {
            "M" => NameSex::Male,
            "F" => NameSex::Female,
            "U" if allow_unisex => NameSex::Unisex,
            _ => return Err(format!("line {line}: bad sex {sex:?}")),
        };
        out.push(WeightedName {
            name,
            sex,
            weight: number(weight, line)?,
        });
    }
    Ok(out)
}

fn parse_regional(text: &'static str) -> Result<Vec<RegionalPair>, String> {
    let mut out = Vec::new();
    for (line, f) in rows(text, "a\tb")? {
        let [a, b] = f[..] else {
            return Err(format!("line {line}: expected 2 fields"));
        };
        out.push(RegionalPair { a, b });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    fn all_names() -> Vec<&'static str> {
        family_names()
            .iter()
            .map(|f| f.name)
            .chain(middle_names().iter().map(|m| m.name))
            .chain(given_names().iter().map(|g| g.name))
            .chain(regional_variants().iter().flat_map(|p| [p.a, p.b]))
            .collect()
    }

    #[test]
    fn embedded_tables_parse() {
        assert!(parse_family(FAMILY_TSV).is_ok());
        assert!(parse_weighted(MIDDLE_TSV, true).is_ok());
        assert!(parse_weighted(GIVEN_TSV, false).is_ok());
        assert!(parse_regional(REGIONAL_TSV).is_ok());
    }

    #[test]
    fn malformed_rows_are_errors_not_panics() {
        assert!(parse_family("name\tshare\tcompound\nX\t0.1\n").is_err());
        assert!(parse_family("name\tshare\tcompound\nX\tabc\t0\n").is_err());
        assert!(parse_family("name\tshare\tcompound\nX\t0.1\t2\n").is_err());
        assert!(parse_family("wrong header\n").is_err());
        assert!(parse_weighted("name\tsex\tweight\nX\tU\t1\n", false).is_err());
        assert!(parse_weighted("name\tsex\tweight\nX\tM\t-1\n", true).is_err());
        assert!(parse_regional("a\tb\nX\n").is_err());
    }

    #[test]
    fn names_are_nfc_title_case_and_old_tone_style() {
        for n in all_names() {
            assert_eq!(n.nfc().collect::<String>(), n, "{n} not NFC");
            assert_eq!(n.trim(), n);
            for syl in n.split(' ') {
                let mut cs = syl.chars();
                let first = cs.next().expect("no empty syllables");
                assert!(first.is_uppercase(), "{n}");
                assert!(cs.all(|c| c.is_lowercase()), "{n}");
                // New style puts the tone on the glide's partner in open
                // oa/oe/uy (hoà); the tables use the old style (hòa).
                let k: Vec<char> = syl.to_lowercase().chars().collect();
                if k.len() >= 2 {
                    let (a, b) = (k[k.len() - 2], k[k.len() - 1]);
                    let toned_ae = "àáảãạèéẻẽẹ".contains(b);
                    let toned_y = "ỳýỷỹỵ".contains(b);
                    let after_q = k.len() >= 3 && k[k.len() - 3] == 'q';
                    assert!(!(a == 'o' && toned_ae), "{n} is new tone style");
                    assert!(!(a == 'u' && toned_y && !after_q), "{n} is new style");
                }
            }
        }
    }

    #[test]
    fn family_shares_sum_to_one_and_cover_published_figures() {
        let f = family_names();
        assert!(f.len() >= 60);
        let total: f64 = f.iter().map(|x| x.share).sum();
        assert!((total - 1.0).abs() < 0.001, "total {total}");
        let share = |n: &str| f.iter().find(|x| x.name == n).map(|x| x.share);
        // DOMAIN.md: Nguyễn 38 %, Lê 9.5 %, Hoàng+Huỳnh 5 %, Vũ+Võ 3.9 %.
        assert_eq!(share("Nguyễn"), Some(0.38));
        assert_eq!(share("Lê"), Some(0.095));
        let pair = share("Hoàng").unwrap_or(0.0) + share("Huỳnh").unwrap_or(0.0);
        assert!((pair - 0.05).abs() < 1e-9);
        let pair = share("Vũ").unwrap_or(0.0) + share("Võ").unwrap_or(0.0);
        assert!((pair - 0.039).abs() < 1e-9);
        // The fourteen published names cover about 90 %.
        let top: f64 = f.iter().take(16).map(|x| x.share).sum();
        assert!((0.88..0.91).contains(&top), "{top}");
    }

    #[test]
    fn compound_family_names_are_exactly_the_documented_units() {
        let mut c: Vec<&str> = family_names()
            .iter()
            .filter(|f| f.compound)
            .map(|f| f.name)
            .collect();
        c.sort_unstable();
        assert_eq!(
            c,
            [
                "Hoàng Phủ",
                "Nguyễn Phúc",
                "Nguyễn Phước",
                "Tôn Thất",
                "Âu Dương"
            ]
        );
        for f in family_names() {
            assert_eq!(f.compound, f.name.contains(' '), "{}", f.name);
        }
    }

    #[test]
    fn no_duplicate_rows() {
        let mut seen = HashSet::new();
        for f in family_names() {
            assert!(seen.insert(f.name), "family {}", f.name);
        }
        let mut seen = HashSet::new();
        for m in middle_names() {
            assert!(seen.insert(m.name), "middle {}", m.name);
        }
        let mut seen = HashSet::new();
        for g in given_names() {
            assert!(seen.insert((g.name, g.sex)), "given {}", g.name);
        }
    }

    #[test]
    fn given_names_per_sex_and_unisex() {
        let count = |s| given_names().iter().filter(|g| g.sex == s).count();
        assert!(count(NameSex::Male) >= 150);
        assert!(count(NameSex::Female) >= 150);
        for n in ["Anh", "Bình", "Hà", "Khánh", "Linh", "Ngọc"] {
            for s in [NameSex::Male, NameSex::Female] {
                assert!(
                    given_names().iter().any(|g| g.name == n && g.sex == s),
                    "{n} {s:?}"
                );
            }
        }
        let w = |n: &str, s| {
            given_names()
                .iter()
                .find(|g| g.name == n && g.sex == s)
                .map_or(0.0, |g| g.weight)
        };
        // Common names outweigh rare ones.
        assert!(w("Hùng", NameSex::Male) > w("Kiểng", NameSex::Male));
        assert!(w("Hương", NameSex::Female) > w("Mận", NameSex::Female));
    }

    #[test]
    fn middle_names_van_and_thi_dominate() {
        let m = middle_names();
        let max = m.iter().map(|x| x.weight).fold(0.0, f64::max);
        let van = m.iter().find(|x| x.name == "Văn").expect("Văn listed");
        let thi = m.iter().find(|x| x.name == "Thị").expect("Thị listed");
        assert_eq!(van.sex, NameSex::Male);
        assert_eq!(thi.sex, NameSex::Female);
        for x in m {
            if x.name != "Văn" && x.name != "Thị" {
                assert!(x.weight * 5.0 < van.weight.min(thi.weight), "{}", x.name);
            }
        }
        assert!(max <= thi.weight.max(van.weight));
    }

    #[test]
    fn family_lookup_exact_with_marks_by_key_without() {
        assert!(is_family_name("nguyen"));
        assert!(is_family_name("ton that"));
        assert!(!is_family_name("hung"));
        assert_eq!(family_name("NGUYỄN").map(|f| f.name), Some("Nguyễn"));
        assert_eq!(family_name("le").map(|f| f.name), Some("Lê"));
        // Lệ is a given name; with its mark it is not Lê.
        assert_eq!(family_name("Lệ"), None);
        assert_eq!(family_name("Tôn Thất").map(|f| f.compound), Some(true));
        assert_eq!(family_name(""), None);
        assert!(is_given_name("Hùng") && is_given_name("hung"));
        assert!(!is_given_name("Hưng Hùng"));
        assert!(is_middle_name("THỊ") && is_middle_name("van"));
    }

    #[test]
    fn regional_groups_share_the_standard_forms_key() {
        assert_eq!(regional_group("Hoàng"), Some("hoang"));
        assert_eq!(regional_group("HUỲNH"), Some("hoang"));
        assert_eq!(regional_group("huynh"), Some("hoang"));
        assert_eq!(regional_group("Võ"), Some("vu"));
        assert_eq!(regional_group("Phước"), Some("phuc"));
        assert_eq!(regional_group("Hường"), Some("hong"));
        assert_eq!(regional_group("Bửu"), Some("bao"));
        assert_eq!(regional_group("Huê"), Some("hoa"));
        // Hương is not Hường, and "huong" could be either.
        assert_eq!(regional_group("Hương"), None);
        assert_eq!(regional_group("huong"), None);
        assert_eq!(regional_group("Hùng"), None);
    }
}
