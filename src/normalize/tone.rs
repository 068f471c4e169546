//! Tone-mark placement: old style (hòa) ↔ new style (hoà).
//!
//! The two accepted styles differ only in open syllables whose vowel cluster
//! is oa, oe or uy with no "q" before it: the old style puts the tone on the
//! first vowel (hòa, khỏe, thủy, lũy), the new style on the second (hoà,
//! khoẻ, thuỷ, luỹ). Everything else — quý, hoàn, huỳnh, thuở, mùa, ngoài —
//! is written the same in both and is left alone. Rules after the Launchpad
//! Vietnamese spelling guide (see DOMAIN.md §2).
//!
//! After "qu" the u belongs to the onset and never carries the tone, in
//! either style: a tone written on it (Qúy, qùynh) moves to the next vowel
//! (Quý, quỳnh).
//!
//! Cost: one pass over the input; no allocation unless a syllable moves.

use std::borrow::Cow;

use super::letters::{vowel_of, Vowel, B_A, B_E, B_I, B_O, B_U, B_Y};

/// Moves tone marks to the old style (hòa, khỏe, thủy, lũy), any case.
/// Input must be NFC.
pub fn to_old_style(s: &str) -> Cow<'_, str> {
    restyle(s, Style::Old)
}

/// Moves tone marks to the new style (hoà, khoẻ, thuỷ, luỹ), any case.
/// Input must be NFC.
pub fn to_new_style(s: &str) -> Cow<'_, str> {
    restyle(s, Style::New)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Old,
    New,
}

fn restyle(s: &str, style: Style) -> Cow<'_, str> {
    // Only toned vowels can move; most names have none that need to.
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        if c.is_alphabetic() {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        let Some(st) = start.take() else { continue };
        if let Some(moved) = restyle_syllable(&s[st..i], style) {
            let buf = out.get_or_insert_with(|| String::with_capacity(s.len()));
            buf.push_str(&s[copied..st]);
            buf.push_str(&moved);
            copied = i;
        }
    }
    match out {
        Some(mut buf) => {
            buf.push_str(&s[copied..]);
            Cow::Owned(buf)
        }
        None => Cow::Borrowed(s),
    }
}

/// The syllable with its tone moved, or `None` when it does not change.
fn restyle_syllable(syl: &str, style: Style) -> Option<String> {
    let mut chars = ['\0'; 8];
    let mut n = 0;
    for c in syl.chars() {
        if n == chars.len() {
            return None; // no Vietnamese syllable is this long
        }
        chars[n] = c;
        n += 1;
    }
    let chars = &chars[..n];
    let mut vowels: [Option<Vowel>; 8] = [None; 8];
    for (slot, &c) in vowels.iter_mut().zip(chars) {
        *slot = vowel_of(c);
    }
    let base = |i: usize| vowels[i].map(|v| v.base);
    let is_letter = |i: usize, c: char| chars[i].eq_ignore_ascii_case(&c);

    // Onset: consonants, plus the u of "qu" and the i of "gi" before a vowel.
    let mut onset = chars.iter().take_while(|&&c| vowel_of(c).is_none()).count();
    let qu = is_letter(0, 'q') && n > 1 && base(1) == Some(B_U);
    let gi = is_letter(0, 'g') && n > 2 && base(1) == Some(B_I) && base(2).is_some();
    if onset == 1 && (qu || gi) {
        onset = 2;
    }
    // After "qu" the u is part of the onset: a tone written on it belongs
    // on the next vowel, in both styles (Qúy → Quý, qùynh → quỳnh).
    if qu && onset == 2 && n > 2 {
        if let (Some(u), Some(next)) = (vowels[1], vowels[2]) {
            if u.tone != 0 && next.tone == 0 {
                let mut out = String::with_capacity(syl.len() + 2);
                out.push(chars[0]);
                out.push(Vowel { tone: 0, ..u }.to_char());
                out.push(
                    Vowel {
                        tone: u.tone,
                        ..next
                    }
                    .to_char(),
                );
                out.extend(&chars[3..]);
                return Some(out);
            }
        }
    }
    // Exactly two vowels and nothing after them: an open syllable.
    if n != onset + 2 || vowels[onset].is_none() || vowels[onset + 1].is_none() {
        return None;
    }
    let (first, second) = (vowels[onset]?, vowels[onset + 1]?);
    let pair = (first.base, second.base);
    if !matches!(pair, (B_O, B_A) | (B_O, B_E) | (B_U, B_Y)) {
        return None;
    }
    let tone = match (first.tone, second.tone) {
        (0, 0) => return None,
        (t, 0) | (0, t) => t,
        _ => return None, // two tones: not a syllable we can reason about
    };
    let (on_first, on_second) = match style {
        Style::Old => (tone, 0),
        Style::New => (0, tone),
    };
    if first.tone == on_first && second.tone == on_second {
        return None;
    }
    let mut out = String::with_capacity(syl.len() + 2);
    out.extend(&chars[..onset]);
    out.push(
        Vowel {
            tone: on_first,
            ..first
        }
        .to_char(),
    );
    out.push(
        Vowel {
            tone: on_second,
            ..second
        }
        .to_char(),
    );
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_on_the_u_of_qu_moves_to_the_next_vowel_in_both_styles() {
        // Written by hand from the rule: the u of "qu" is onset.
        for (input, want) in [
            ("Qúy", "Quý"),
            ("qùynh", "quỳnh"),
            ("QÚY", "QUÝ"),
            ("qúa", "quá"),
            ("qủê", "quể"),
        ] {
            assert_eq!(to_old_style(input), want, "old style of {input}");
            assert_eq!(to_new_style(input), want, "new style of {input}");
        }
        // Already right, or not after q: unchanged.
        for same in ["Quý", "quỳnh", "Thủy", "Úy", "quy"] {
            assert!(matches!(to_old_style(same), Cow::Borrowed(_)), "{same}");
        }
    }

    #[test]
    fn moves_tone_in_oa_oe_uy_open_syllables() {
        let cases = [
            ("hòa", "hoà"),
            ("khỏe", "khoẻ"),
            ("thủy", "thuỷ"),
            ("lũy", "luỹ"),
            ("Hòa", "Hoà"),
            ("HÒA", "HOÀ"),
            ("Thanh Hóa", "Thanh Hoá"),
            ("Khánh Hòa", "Khánh Hoà"),
            ("Nguyễn Thị Thủy", "Nguyễn Thị Thuỷ"),
            ("xòe", "xoè"),
            ("Tuệ Thụy", "Tuệ Thuỵ"),
        ];
        for (old, new) in cases {
            assert_eq!(to_new_style(old), new, "{old} → new");
            assert_eq!(to_old_style(new), old, "{new} → old");
            assert_eq!(to_old_style(old), old, "{old} already old");
            assert_eq!(to_new_style(new), new, "{new} already new");
        }
    }

    #[test]
    fn leaves_syllables_that_do_not_differ() {
        for s in [
            "quý",
            "Quý",
            "QUÝ",
            "hoàn",
            "huỳnh",
            "Huỳnh",
            "thuở",
            "mùa",
            "tài",
            "ngoài",
            "khuya",
            "khuỷu",
            "quỳnh",
            "Hoàng",
            "Nguyễn Văn An",
            "Nguyen Van Hoa",
            "",
            "hoa",
            "giỏi",
            "Toàn",
            "Thuyết",
            "Xoay",
        ] {
            assert!(
                matches!(to_old_style(s), Cow::Borrowed(_)),
                "{s} should be borrowed (old)"
            );
            assert!(
                matches!(to_new_style(s), Cow::Borrowed(_)),
                "{s} should be borrowed (new)"
            );
        }
    }

    #[test]
    fn punctuation_and_spacing_are_kept() {
        assert_eq!(to_new_style("  Lê-Thủy, hòa "), "  Lê-Thuỷ, hoà ");
    }
}
