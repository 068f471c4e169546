//! Full names: repair, canonical form, family / middle / given, keys.
//!
//! Steps of [`normalize_name`], in this order:
//! 1. [`text::repair`]: legacy encodings and NFD → NFC Unicode.
//! 2. Spaces: every run of white space (space, NBSP, tab, ...) becomes one
//!    space, zero-width characters are dropped, the ends are trimmed; the
//!    text is lower-cased in the same pass.
//! 3. [`tone::to_old_style`]: one tone placement for every key (hòa, thủy).
//! 4. Parse into family / middle / given (rules below), then title case per
//!    syllable ("ĐỖ" → "Đỗ"; also after '-' and '\'' as in "H'Hen").
//!
//! Parsing rules (n = number of words):
//! - n = 0: everything empty. n = 1: the word is the given name.
//! - Normal order (the Vietnamese norm, and the default): family first, given
//!   last, everything between is the middle name. The family name is two
//!   words when the first two form a compound of `family.tsv` (Tôn Thất,
//!   Âu Dương, ...) and at least one word is left for the given name. When
//!   the compound's second word is itself a common middle name (Nguyễn
//!   Phúc, Nguyễn Phước), two words must be left, so "Nguyễn Phúc Hưng" is
//!   family Nguyễn, middle Phúc, and "Nguyễn Phúc Vĩnh Lộc" is family Nguyễn
//!   Phúc. Father+mother double family names (Trần Lê ...) are not units:
//!   the second is part of the middle name.
//! - Given-first order ("An Nguyễn Văn", "Hùng Trần") is recognised only when
//!   all of these hold, so that a normal-order name is never turned around
//!   on weak evidence:
//!   - the first word is not a family name of the table;
//!   - the second word is a family name (or the second and third a compound);
//!   - every word after that family name is a middle name of the table
//!     (Văn, Thị, Minh, ...): western order moves only the given name;
//!   - the first word is a given name of the table, or the family name found
//!     is a compound (strong evidence on its own).
//!
//!   Names that are both family and given names (Hà, Mai, Lâm, Kim) stay in
//!   normal order: "Mai Nguyễn Thị" is read as family Mai.
//!
//! Table lookups match words with diacritics exactly and accent-free words by
//! key (see [`crate::datasets`]).
//!
//! Cost: O(length) plus a handful of hash lookups per word; about ten small
//! allocations per call (the output strings).

use serde::Serialize;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

use super::phonetic;
use super::text::{self, Encoding};
use super::tone;
use crate::datasets;

/// A normalized full name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NormalizedName {
    pub input: String,
    /// NFC, old tone style, title case, single spaces, family name first.
    pub canonical: String,
    /// Lower case, no marks, Đ→d, single spaces, family name first.
    pub key: String,
    pub family: String,
    /// Empty when absent.
    pub middle: String,
    pub given: String,
    /// Phonetic key of the canonical name, syllables joined by spaces.
    pub phonetic: String,
    pub encoding: Encoding,
    /// The input had the given name first ("An Nguyễn Văn").
    pub given_first: bool,
    /// Regional-variant group of the family name: the accent-free key of the
    /// group's standard form ("Huỳnh" → "hoang"), or the family name's own
    /// key when it is in no group. Empty when there is no family name.
    pub family_group: String,
    /// Same for the given name ("Phước" → "phuc").
    pub given_group: String,
}

/// Normalizes a full name. Never fails: any input gives a defined result
/// (empty input gives empty parts).
pub fn normalize_name(input: &str) -> NormalizedName {
    let repaired = text::repair(input);
    let lower = collapse_lower(&repaired.text);
    let old = tone::to_old_style(&lower);
    let words: Vec<&str> = old.split(' ').filter(|w| !w.is_empty()).collect();
    let parse = parse(&words);

    let family = title_join(&words[parse.family.clone()]);
    let middle = title_join(&words[parse.middle.clone()]);
    let given = title_join(&words[parse.given.clone()]);
    let mut canonical = String::with_capacity(old.len());
    for part in [&family, &middle, &given] {
        if !part.is_empty() {
            if !canonical.is_empty() {
                canonical.push(' ');
            }
            canonical.push_str(part);
        }
    }
    let key = name_key(&canonical);
    let phonetic = phonetic::phonetic_of_repaired(&canonical);
    NormalizedName {
        family_group: group(&family),
        given_group: group(&given),
        input: input.to_owned(),
        canonical,
        key,
        family,
        middle,
        given,
        phonetic,
        encoding: repaired.encoding,
        given_first: parse.given_first,
    }
}

/// Accent-free key of any text: lower case, combining marks removed, Đ→d
/// (and its look-alikes Ð, Ɖ), white-space runs → one space, trimmed.
/// Accepts NFC or NFD. Unlike `text::strip_marks`, it lower-cases and
/// collapses spaces in the same pass, because it runs once per name.
pub fn name_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        let Some(f) = fold_char(c) else { continue };
        if space {
            out.push(' ');
            space = false;
        }
        out.push(f);
    }
    out
}

/// One character folded to its lower-case base letter; `None` for combining
/// marks and zero-width characters, which the key drops.
pub(crate) fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    match c {
        // Đ has no canonical decomposition, so it needs its own rule.
        'đ' | 'Đ' | 'ð' | 'Ð' | 'ɖ' | 'Ɖ' => return Some('d'),
        '\u{200B}'..='\u{200D}' | '\u{FEFF}' => return None,
        _ => {}
    }
    if is_combining_mark(c) {
        return None;
    }
    let mut base = None;
    decompose_canonical(c, |d| {
        base.get_or_insert(d);
    });
    let base = base.unwrap_or(c);
    Some(base.to_lowercase().next().unwrap_or(base))
}

/// Lower case, zero-width characters dropped, white space collapsed to one
/// space, trimmed.
fn collapse_lower(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}') {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Title case of lower-case words joined by one space. A letter is upper-cased
/// at the start of a word and after '-' or '\''. Letters whose upper case is
/// several characters (ß) stay lower case, so that normalizing the canonical
/// form again gives the same text.
fn title_join(words: &[&str]) -> String {
    let mut out = String::with_capacity(words.iter().map(|w| w.len() + 1).sum());
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mut start = true;
        for c in w.chars() {
            if start {
                let mut up = c.to_uppercase();
                match (up.next(), up.next()) {
                    (Some(u), None) => out.push(u),
                    _ => out.push(c),
                }
            } else {
                out.push(c);
            }
            start = matches!(c, '-' | '\'');
        }
    }
    out
}

fn group(part: &str) -> String {
    match datasets::regional_group(part) {
        Some(g) => g.to_owned(),
        None => name_key(part),
    }
}

/// Word ranges of the three parts.
#[derive(Debug, PartialEq, Eq)]
struct Parse {
    family: std::ops::Range<usize>,
    middle: std::ops::Range<usize>,
    given: std::ops::Range<usize>,
    given_first: bool,
}

fn parse(words: &[&str]) -> Parse {
    let n = words.len();
    if n <= 1 {
        return Parse {
            family: 0..0,
            middle: 0..0,
            given: 0..n,
            given_first: false,
        };
    }
    if let Some(f) = given_first_family_len(words) {
        return Parse {
            family: 1..1 + f,
            middle: 1 + f..n,
            given: 0..1,
            given_first: true,
        };
    }
    let f = compound_at(words, 0).unwrap_or(1);
    Parse {
        family: 0..f,
        middle: f..n - 1,
        given: n - 1..n,
        given_first: false,
    }
}

/// `Some(2)` when words `at`, `at+1` are a compound family name and enough
/// words are left for the rest of the name (see the module docs).
fn compound_at(words: &[&str], at: usize) -> Option<usize> {
    let (a, b) = (words.get(at)?, words.get(at + 1)?);
    let mut pair = String::with_capacity(a.len() + b.len() + 1);
    pair.push_str(a);
    pair.push(' ');
    pair.push_str(b);
    let f = datasets::family_name(&pair)?;
    if !f.compound {
        return None;
    }
    let others = words.len() - 2;
    let needed = if datasets::is_middle_name(b) { 2 } else { 1 };
    (others >= needed).then_some(2)
}

/// The family name's length when the words are in given-first order.
fn given_first_family_len(words: &[&str]) -> Option<usize> {
    if datasets::family_name(words[0]).is_some() {
        return None;
    }
    let f = match compound_at(words, 1) {
        Some(f) => f,
        None if datasets::family_name(words[1]).is_some() => 1,
        None => return None,
    };
    let rest_are_middles = words[1 + f..].iter().all(|w| datasets::is_middle_name(w));
    let evidence = f == 2 || datasets::is_given_name(words[0]);
    (rest_are_middles && evidence).then_some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(s: &str) -> (String, String, String, bool) {
        let n = normalize_name(s);
        (n.family, n.middle, n.given, n.given_first)
    }

    fn p(f: &str, m: &str, g: &str, gf: bool) -> (String, String, String, bool) {
        (f.into(), m.into(), g.into(), gf)
    }

    #[test]
    fn normal_order() {
        assert_eq!(
            parts("Nguyễn Thị Minh Khai"),
            p("Nguyễn", "Thị Minh", "Khai", false)
        );
        assert_eq!(parts("Trần Hùng"), p("Trần", "", "Hùng", false));
        assert_eq!(parts("Hùng"), p("", "", "Hùng", false));
        assert_eq!(parts(""), p("", "", "", false));
        assert_eq!(parts(" \t\u{a0} "), p("", "", "", false));
    }

    #[test]
    fn compound_family_names() {
        assert_eq!(parts("Tôn Thất Thuyết"), p("Tôn Thất", "", "Thuyết", false));
        assert_eq!(parts("Âu Dương Phong"), p("Âu Dương", "", "Phong", false));
        assert_eq!(parts("Tôn Thất"), p("Tôn", "", "Thất", false));
        // Phúc is a common middle name: three words are not enough evidence.
        assert_eq!(
            parts("Nguyễn Phúc Hưng"),
            p("Nguyễn", "Phúc", "Hưng", false)
        );
        assert_eq!(
            parts("Nguyễn Phúc Vĩnh Lộc"),
            p("Nguyễn Phúc", "Vĩnh", "Lộc", false)
        );
        // Double family names and Tôn Nữ are not units.
        assert_eq!(parts("Trần Lê Hùng"), p("Trần", "Lê", "Hùng", false));
        assert_eq!(parts("Tôn Nữ Thị Ninh"), p("Tôn", "Nữ Thị", "Ninh", false));
    }

    #[test]
    fn given_first_order() {
        assert_eq!(parts("An Nguyễn Văn"), p("Nguyễn", "Văn", "An", true));
        assert_eq!(parts("Hùng Trần"), p("Trần", "", "Hùng", true));
        assert_eq!(parts("hung tran"), p("Tran", "", "Hung", true));
        assert_eq!(parts("Thuyết Tôn Thất"), p("Tôn Thất", "", "Thuyết", true));
        // First word is a family name: normal order.
        assert_eq!(parts("Mai Nguyễn Thị"), p("Mai", "Nguyễn", "Thị", false));
        // Last word is not a middle name: normal order.
        assert_eq!(parts("Anh Nguyễn Hùng"), p("Anh", "Nguyễn", "Hùng", false));
        // First word is not a known given name: normal order.
        assert_eq!(parts("Xyz Trần"), p("Xyz", "", "Trần", false));
    }

    #[test]
    fn canonical_and_key() {
        let n = normalize_name("  ĐỖ\u{a0}\u{a0}thị\tHỒNG  ");
        assert_eq!(n.canonical, "Đỗ Thị Hồng");
        assert_eq!(n.key, "do thi hong");
        let n = normalize_name("h'hen niê");
        assert_eq!(n.canonical, "H'Hen Niê");
        let n = normalize_name("An Nguyễn Văn");
        assert_eq!(n.canonical, "Nguyễn Văn An");
        assert_eq!(n.key, "nguyen van an");
    }

    #[test]
    fn regional_groups() {
        let a = normalize_name("Huỳnh Văn Phước");
        let b = normalize_name("Hoàng Văn Phúc");
        assert_eq!(a.family_group, "hoang");
        assert_eq!(a.family_group, b.family_group);
        assert_eq!(a.given_group, "phuc");
        assert_eq!(a.given_group, b.given_group);
        let c = normalize_name("Lê Thị Hương");
        assert_eq!(c.family_group, "le");
        assert_eq!(c.given_group, "huong");
        assert_ne!(c.given_group, normalize_name("Lê Thị Hường").given_group);
        assert_eq!(normalize_name("").family_group, "");
    }

    #[test]
    fn key_folds_every_mark_and_d_with_stroke() {
        assert_eq!(name_key("Đặng  Ưng\u{a0}Ý"), "dang ung y");
        // NFD input: base letters with combining marks.
        assert_eq!(name_key("Nguye\u{302}\u{303}n"), "nguyen");
        assert_eq!(name_key("Ðỗ Ɖức"), "do duc");
        assert_eq!(name_key("\u{200b} a "), "a");
    }

    #[test]
    fn unusual_input_does_not_panic() {
        for s in ["ß", "\u{301}", "-", "'", "A-", "日本 語", "\u{0}", "ǅ x"] {
            let n = normalize_name(s);
            assert_eq!(normalize_name(&n.canonical).canonical, n.canonical, "{s:?}");
        }
    }
}
