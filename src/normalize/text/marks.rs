//! Marks pulled apart (NFD) or taken off (the accent-free form).

use unicode_normalization::UnicodeNormalization;

use crate::normalize::letters::{is_d_stroke, vowel_of, BASE_ASCII};

/// NFC Unicode → NFD.
pub fn to_nfd(s: &str) -> String {
    s.nfd().collect()
}

/// Accent-free form: all marks removed, Đ→D, đ→d; case kept.
pub fn strip_marks(s: &str) -> String {
    if s.is_ascii() {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(v) = vowel_of(c) {
            let letter = BASE_ASCII[v.base as usize].0;
            out.push(if v.upper {
                letter.to_ascii_uppercase()
            } else {
                letter
            });
        } else if let Some(upper) = is_d_stroke(c) {
            out.push(if upper { 'D' } else { 'd' });
        } else {
            // Anything else (combining marks, other accented letters):
            // keep the non-mark parts of its canonical decomposition.
            unicode_normalization::char::decompose_canonical(c, |d| {
                if !unicode_normalization::char::is_combining_mark(d) {
                    out.push(d);
                }
            });
        }
    }
    out
}
