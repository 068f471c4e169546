//! TCVN 5712 VN3 ("ABC"): one byte per letter, toned letters in lower
//! case only. Its tables and forward encoder; the case a whole string gives
//! its caseless letters; and the ư that tools drop with the soft hyphen.

use std::borrow::Cow;
use std::sync::OnceLock;

use super::decode::{insert, Out, Table};
use super::syllable::valid_syllable;
use crate::normalize::letters::{is_d_stroke, vowel_of, BASES, LOWER, TONES, UPPER};

/// TCVN 5712 VN3 ("ABC"), as read in Windows-1252 / Latin-1. Only lower-case
/// toned letters exist; the level modified capitals Ă Â Ê Ô Ơ Ư Đ have their
/// own bytes 0xA1–0xA7. ư is 0xAD, the soft hyphen.
const TCVN3_LOWER: [[char; TONES]; BASES] = [
    ['a', '¸', 'µ', '¶', '·', '¹'],
    ['¨', '¾', '»', '¼', '½', 'Æ'],
    ['©', 'Ê', 'Ç', 'È', 'É', 'Ë'],
    ['e', 'Ð', 'Ì', 'Î', 'Ï', 'Ñ'],
    ['ª', 'Õ', 'Ò', 'Ó', 'Ô', 'Ö'],
    ['i', 'Ý', '×', 'Ø', 'Ü', 'Þ'],
    ['o', 'ã', 'ß', 'á', 'â', 'ä'],
    ['«', 'è', 'å', 'æ', 'ç', 'é'],
    ['¬', 'í', 'ê', 'ë', 'ì', 'î'],
    ['u', 'ó', 'ï', 'ñ', 'ò', 'ô'],
    ['\u{AD}', 'ø', 'õ', 'ö', '÷', 'ù'],
    ['y', 'ý', 'ú', 'û', 'ü', 'þ'],
];

/// Level capitals, rows as [`UPPER`] column 0.
const TCVN3_UPPER_LEVEL: [char; BASES] =
    ['A', '¡', '¢', 'E', '£', 'I', 'O', '¤', '¥', 'U', '¦', 'Y'];

const TCVN3_D: (char, char) = ('®', '§');

pub(super) fn tcvn3_table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Table::new();
        for b in 0..BASES {
            for k in 0..TONES {
                let mut buf = [0u8; 4];
                let caseless = k != 0;
                insert(
                    &mut t,
                    TCVN3_LOWER[b][k].encode_utf8(&mut buf),
                    LOWER[b][k],
                    caseless,
                    2,
                );
            }
            let mut buf = [0u8; 4];
            insert(
                &mut t,
                TCVN3_UPPER_LEVEL[b].encode_utf8(&mut buf),
                UPPER[b][0],
                false,
                2,
            );
        }
        let mut buf = [0u8; 4];
        insert(&mut t, TCVN3_D.0.encode_utf8(&mut buf), 'đ', false, 2);
        insert(&mut t, TCVN3_D.1.encode_utf8(&mut buf), 'Đ', false, 2);
        t
    })
}

/// NFC Unicode → TCVN3 (ABC) bytes as read through Windows-1252.
///
/// Lossy for case: TCVN3 has no toned capitals, so "NGUYỄN" becomes
/// "NGUYÔN" (Ô = 0xD4 = ễ). [`super::repair`] restores the case from the rest of
/// the string (all-capital strings and title case), so the round trip is
/// exact except for a toned capital in a string with no other evidence of
/// its case (a one-letter word such as "Á" in lower-case context).
pub fn encode_tcvn3(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if let Some(v) = vowel_of(c) {
            let (b, k) = (v.base as usize, v.tone as usize);
            out.push(if v.upper && k == 0 {
                TCVN3_UPPER_LEVEL[b]
            } else {
                TCVN3_LOWER[b][k]
            });
        } else {
            match is_d_stroke(c) {
                Some(true) => out.push(TCVN3_D.1),
                Some(false) => out.push(TCVN3_D.0),
                None => out.push(c),
            }
        }
    }
    out
}

/// The case of a whole string; the value indexes the TCVN3 readings of
/// [`super::Readings`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum CaseMode {
    Upper = 0,
    Title = 1,
    Lower = 2,
}

/// Evidence of the case of a string from letters whose case survived
/// encoding: capitals inside words, lower-case letters, capitals starting
/// a word. Words are judged alone and their evidence combined with
/// [`CaseEvidence::and`], so that it can be kept per word.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct CaseEvidence {
    inner_upper: bool,
    lower: bool,
    title: bool,
}

impl CaseEvidence {
    pub(super) fn of(out: &[Out]) -> CaseEvidence {
        let mut e = CaseEvidence::default();
        let mut at_start = true;
        for o in out {
            if o.c.is_whitespace() || o.c == '-' {
                at_start = true;
                continue;
            }
            if o.c.is_alphabetic() && !o.caseless {
                if o.c.is_uppercase() {
                    if at_start {
                        e.title = true;
                    } else {
                        e.inner_upper = true;
                    }
                } else if o.c.is_lowercase() {
                    e.lower = true;
                }
            }
            at_start = false;
        }
        e
    }

    #[inline]
    pub(super) fn and(self, o: CaseEvidence) -> CaseEvidence {
        CaseEvidence {
            inner_upper: self.inner_upper || o.inner_upper,
            lower: self.lower || o.lower,
            title: self.title || o.title,
        }
    }

    #[inline]
    pub(super) fn mode(self) -> CaseMode {
        if self.inner_upper && !self.lower {
            CaseMode::Upper
        } else if self.title {
            CaseMode::Title
        } else {
            CaseMode::Lower
        }
    }
}

/// Gives caseless letters (TCVN3 toned vowels) the case of `mode`: all
/// capitals, or a capital at the start of each word and after '-'.
pub(super) fn apply_case(out: &mut [Out], mode: CaseMode) {
    let mut at_start = true;
    for o in out.iter_mut() {
        if o.c.is_whitespace() || o.c == '-' {
            at_start = true;
            continue;
        }
        if o.caseless && (mode == CaseMode::Upper || (mode == CaseMode::Title && at_start)) {
            if let Some(mut v) = vowel_of(o.c) {
                v.upper = true;
                o.c = v.to_char();
            }
        }
        at_start = false;
    }
}

/// TCVN3's ư is the soft hyphen (0xAD), which many tools drop: "Tr­¬ng"
/// arrives as "Tr¬ng" (Trơng) and "H­ng" as "Hng". If a word is not a valid
/// syllable but becomes one with an ư inserted, insert it. `None` when the
/// word is invalid and stays so.
pub(super) fn restore_dropped_u_horn(word: &str, upper: bool) -> Option<Cow<'_, str>> {
    if word.split('-').all(|p| p.is_empty() || valid_syllable(p)) {
        return Some(Cow::Borrowed(word));
    }
    let u = if upper { 'Ư' } else { 'ư' };
    let mut candidate = String::with_capacity(word.len() + 2);
    for (i, c) in word.char_indices() {
        candidate.clear();
        if i == 0 && c.is_uppercase() && !upper {
            // Title case: the ư takes the capital ("Ớc" → "Ước").
            candidate.push('Ư');
            candidate.extend(c.to_lowercase());
            candidate.push_str(&word[c.len_utf8()..]);
        } else {
            candidate.push_str(&word[..i]);
            candidate.push(u);
            candidate.push_str(&word[i..]);
        }
        if valid_syllable(&candidate) {
            return Some(Cow::Owned(candidate));
        }
    }
    None
}
