//! Vietnamese phonetic key: one code per syllable, folding the spelling
//! variants that dialect pronunciation merges produce (DOMAIN.md §1).
//!
//! The key is built from the accent-free form of each syllable, so it drops
//! every diacritic:
//! - Tones are dropped entirely. Hỏi/ngã merge in the Centre and South, and
//!   the other tone confusions of careless data entry are better left to the
//!   accent-free key than to a coarse tone class that keys would disagree on.
//! - Vowel marks (ă â ê ô ơ ư) are dropped, as in the accent-free key.
//! - Đ is folded with D, so `phonetic_key(strip_marks(x)) == phonetic_key(x)`:
//!   registers without diacritics write Đặng as "Dang", and the phonetic key
//!   must still meet the Unicode record. The price is that Đ joins the
//!   d/gi/r/v code below (Đặng and Giang share a key).
//!
//! Folds, each from DOMAIN.md's list of merges:
//! - initials d, gi, r, v → `z` (North d/gi/r → [z]; South v/d/gi → [j]);
//! - s, x → `s`; tr, ch → `ch`;
//! - l, n → `l` (a rural Northern merge: it over-merges Lan/Nan, but spelling
//!   errors of that kind are common in registers written by ear);
//! - finals ng → n and c → t (Southern merge); nh and ch are kept;
//! - a rhyme that is just i or y is `i` (Vy/Vi, My/Mi, Quý/Quí, Sỹ/Sĩ); other
//!   i/y spellings (uy vs ui, ay vs ai) are different sounds and are kept.
//!
//! Spelling-only folds, no sound change: c/k/q → `k` (qu → `kw`), gh → g,
//! ngh → ng, ph → f.
//!
//! `phonetic_key(x)` depends only on the accent-free key of `x`. Cost:
//! O(length), one output allocation plus one reused syllable buffer.

use super::fold::fold_char;
use super::text;

/// Phonetic key of one syllable or a whole name (syllables joined by space).
/// Any input: it is repaired (legacy encodings, NFD) and lower-cased first;
/// characters other than letters and digits separate or are dropped.
pub fn phonetic_key(s: &str) -> String {
    phonetic_of_repaired(&text::repair(s).text)
}

/// [`phonetic_key`] of text that is already repaired Unicode.
pub(crate) fn phonetic_of_repaired(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut syllable = String::with_capacity(16);
    for c in s.chars() {
        if c.is_whitespace() || c == '-' {
            flush(&mut syllable, &mut out);
            continue;
        }
        match fold_char(c) {
            Some(f) if f.is_alphanumeric() => syllable.push(f),
            // Apostrophes, dots and marks inside a word ("H'Hen") vanish.
            _ => {}
        }
    }
    flush(&mut syllable, &mut out);
    out
}

fn flush(syllable: &mut String, out: &mut String) {
    if syllable.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push(' ');
    }
    encode_syllable(syllable, out);
    syllable.clear();
}

const VOWELS: &[u8] = b"aeiouy";

/// Longest-first initial consonants and their codes.
const INITIALS: &[(&str, &str)] = &[
    ("ngh", "ng"),
    ("ng", "ng"),
    ("nh", "nh"),
    ("ph", "f"),
    ("th", "th"),
    ("tr", "ch"),
    ("ch", "ch"),
    ("kh", "kh"),
    ("gh", "g"),
    ("qu", "kw"),
];

fn encode_syllable(s: &str, out: &mut String) {
    let (code, rhyme) = split_initial(s);
    out.push_str(code);
    if rhyme == "y" {
        out.push('i');
    } else if let Some(stem) = rhyme.strip_suffix("ng").filter(|s| !s.is_empty()) {
        out.push_str(stem);
        out.push('n');
    } else if let Some(stem) = rhyme.strip_suffix('c').filter(|s| !s.is_empty()) {
        out.push_str(stem);
        out.push('t');
    } else {
        out.push_str(rhyme);
    }
}

fn split_initial(s: &str) -> (&'static str, &str) {
    // In "gi" + vowel the i belongs to the consonant (gia = [za]); in "gì",
    // "gìn" it is the vowel.
    if let Some(rest) = s.strip_prefix("gi") {
        let vowel_follows = rest.bytes().next().is_some_and(|b| VOWELS.contains(&b));
        return ("z", if vowel_follows { rest } else { &s[1..] });
    }
    for (spelling, code) in INITIALS {
        if let Some(rest) = s.strip_prefix(spelling) {
            return (code, rest);
        }
    }
    let Some(first) = s.chars().next() else {
        return ("", s);
    };
    let code = match first {
        'd' | 'r' | 'v' | 'z' => "z",
        's' | 'x' => "s",
        'l' | 'n' => "l",
        'c' | 'k' | 'q' => "k",
        'g' => "g",
        'f' => "f",
        'b' => "b",
        'h' => "h",
        'm' => "m",
        'p' => "p",
        't' => "t",
        _ => return ("", s),
    };
    (code, &s[1..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(phonetic_key(a), phonetic_key(b), "{a} vs {b}");
    }

    fn differ(a: &str, b: &str) {
        assert_ne!(phonetic_key(a), phonetic_key(b), "{a} vs {b}");
    }

    #[test]
    fn domain_merges_fold() {
        same("Vy", "Vi");
        same("My", "Mi");
        same("Lý", "Lí");
        same("Quý", "Quí");
        same("Sỹ", "Sĩ");
        same("Trung", "Chung");
        same("Sơn", "Xơn");
        same("Lan", "Lang");
        same("Lộc", "Lột");
        same("Dũng", "Rũng");
        same("Giang", "Dang");
        same("Vương", "Dương");
        same("Nam", "Lam");
        // hỏi/ngã and every other tone.
        same("Kỷ", "Kỹ");
        same("Thủy", "Thùy");
    }

    #[test]
    fn distinct_sounds_stay_apart() {
        differ("Huy", "Hui");
        differ("Tay", "Tai");
        differ("Anh", "An");
        differ("Minh", "Min");
        differ("Bích", "Bít");
        differ("Nhung", "Lung");
        differ("Khoa", "Hoa");
        differ("Thanh", "Tanh");
        differ("Hùng", "Hưng Hùng");
    }

    #[test]
    fn exact_codes() {
        assert_eq!(phonetic_key("Nguyễn Văn Trung"), "nguyen zan chun");
        assert_eq!(phonetic_key("Đặng Thị Giang"), "zan thi zan");
        assert_eq!(phonetic_key("Phạm Quý Nghĩa"), "fam kwi ngia");
        assert_eq!(phonetic_key("Gì Ghi Kiên Cúc"), "zi gi kien kut");
        assert_eq!(phonetic_key("H'Hen Niê-Kdăm"), "hhen lie kdam");
        assert_eq!(phonetic_key("Ng"), "ng");
    }

    #[test]
    fn any_input() {
        assert_eq!(phonetic_key(""), "");
        assert_eq!(phonetic_key("  -  "), "");
        assert_eq!(phonetic_key("SƠN\u{a0}\tXUÂN"), "son suan");
        assert_eq!(phonetic_key("Nguye\u{302}\u{303}n"), "nguyen");
        assert_eq!(phonetic_key("日本"), "日本");
        assert_eq!(phonetic_key("Lan."), "lan");
    }
}
