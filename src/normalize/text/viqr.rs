//! VIQR (RFC 1456): ASCII with marks after letters ("Nguye^~n"), dd for
//! đ. Its table and forward encoder; the evidence a word gives is weighed
//! by the per-word cache of [`super::repair`].

use std::sync::OnceLock;

use super::decode::{insert, Table};
use crate::normalize::letters::{is_d_stroke, vowel_of, BASES, BASE_ASCII, LOWER, TONES, UPPER};

/// Tone marks in VIQR, in tone order (level has none).
const VIQR_TONES: [Option<char>; TONES] =
    [None, Some('\''), Some('`'), Some('?'), Some('~'), Some('.')];

/// Marks that also occur in plain ASCII names (apostrophe, full stop,
/// question mark) are weak evidence; the others are strong.
fn viqr_strength(modifier: Option<char>, tone: Option<char>) -> u8 {
    if modifier.is_some() || matches!(tone, Some('`' | '~')) {
        2
    } else {
        1
    }
}

pub(super) fn viqr_table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Table::new();
        for b in 0..BASES {
            let (letter, modifier) = BASE_ASCII[b];
            for k in 0..TONES {
                let tone = VIQR_TONES[k];
                let strength = viqr_strength(modifier, tone);
                for upper in [false, true] {
                    let mut s = String::with_capacity(3);
                    s.push(if upper {
                        letter.to_ascii_uppercase()
                    } else {
                        letter
                    });
                    s.extend(modifier);
                    s.extend(tone);
                    let c = if upper { UPPER[b][k] } else { LOWER[b][k] };
                    insert(&mut t, &s, c, false, strength);
                }
            }
        }
        for (k, c) in [("dd", 'đ'), ("DD", 'Đ'), ("Dd", 'Đ')] {
            insert(&mut t, k, c, false, 2);
        }
        t
    })
}

/// ASCII text that holds a VIQR mark or "dd" at all.
#[inline]
pub(super) fn ascii_may_be_viqr(b: &[u8]) -> bool {
    b.iter()
        .any(|&c| matches!(c, b'(' | b'^' | b'+' | b'\'' | b'`' | b'?' | b'~' | b'.'))
        || b.windows(2)
            .any(|w| w[0].eq_ignore_ascii_case(&b'd') && w[1].eq_ignore_ascii_case(&b'd'))
}

/// NFC Unicode → VIQR (ASCII with marks after letters, dd for đ).
pub fn encode_viqr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if let Some(v) = vowel_of(c) {
            let (letter, modifier) = BASE_ASCII[v.base as usize];
            out.push(if v.upper {
                letter.to_ascii_uppercase()
            } else {
                letter
            });
            out.extend(modifier);
            out.extend(VIQR_TONES[v.tone as usize]);
        } else {
            match is_d_stroke(c) {
                Some(true) => out.push_str("DD"),
                Some(false) => out.push_str("dd"),
                None => out.push(c),
            }
        }
    }
    out
}
