//! Windows-1258: base letters precomposed, tones as combining marks. The
//! forward encoder; [`super::repair`] recognises the form while it puts text
//! in NFC.

use crate::normalize::letters::{vowel_of, Vowel, TONES};

/// Toned letters that Windows-1258 holds precomposed (its Latin-1 survivors).
fn cp1258_precomposed(c: char) -> bool {
    "ÀÁÈÉÍÓÙÚàáèéíóùú".contains(c)
}

const COMBINING_TONES: [char; TONES] =
    ['\0', '\u{301}', '\u{300}', '\u{309}', '\u{303}', '\u{323}'];

/// NFC Unicode → text as Windows-1258 produces it: base letters
/// precomposed, tones as combining marks unless the toned letter itself is
/// in the code page ("Nguyễn" → "Nguyê\u{303}n", "Hà" stays "Hà").
///
/// Detection needs a precomposed base next to a combining tone: a name
/// whose only toned letters are plain a/e/i/o/u/y with tones outside the
/// code page ("Lý" → "Ly\u{301}") is indistinguishable from NFD and
/// [`super::repair`] reports it as Unicode (with the same text).
pub fn encode_cp1258(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match vowel_of(c) {
            Some(v) if v.tone != 0 && !cp1258_precomposed(c) => {
                out.push(Vowel { tone: 0, ..v }.to_char());
                out.push(COMBINING_TONES[v.tone as usize]);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A combining tone mark, the form Windows-1258 sends tones in.
#[inline]
pub(super) fn is_combining_tone(c: char) -> bool {
    matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}')
}
