//! The syllable validator: whether a word is made of well-formed
//! Vietnamese syllables, by the spelling rules (onset, vowel cluster, final
//! consonant, tone/final agreement). A legacy reading is a candidate for
//! [`super::repair`] only when its words pass, and input that does not pass
//! is what sends repair looking for one.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::normalize::fxhash::FxBuild;
use crate::normalize::letters::parse_letter;

/// Initial consonants, longest first so that the first prefix match wins.
const ONSETS: [&str; 27] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

const CODAS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

fn is_vowel_letter(c: char) -> bool {
    matches!(
        c,
        'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
    )
}

/// Whether vowel cluster `v` may stand before final `coda` (both lower case,
/// toneless). Lists the rhymes of standard orthography; the aim is to tell
/// real syllables from legacy-encoding debris, not to police spelling.
fn nucleus_allows(v: &str, coda: &str) -> bool {
    let open = coda.is_empty();
    let palatal = coda == "ch" || coda == "nh";
    match v {
        "a" | "ê" | "i" | "oa" | "uê" | "uy" => true,
        "e" | "o" | "ô" | "u" | "ư" | "oe" => !palatal,
        // "ơng"/"ơc" do not exist: seeing them means a dropped ư (TCVN3).
        "ơ" => matches!(coda, "" | "m" | "n" | "p" | "t"),
        "ă" | "â" | "iê" | "yê" | "uô" | "ươ" | "oă" | "uâ" | "uyê" | "oo" | "ôô" => {
            !open && !palatal
        }
        "ai" | "ao" | "au" | "âu" | "ay" | "ây" | "eo" | "êu" | "ia" | "iu" | "oi" | "ôi"
        | "ơi" | "ua" | "ui" | "ưa" | "ưi" | "ưu" | "ươi" | "ươu" | "uôi" | "iêu" | "yêu"
        | "oai" | "oay" | "uây" | "uya" | "uyu" | "oeo" | "uơ" | "y" => open,
        _ => false,
    }
}

/// After "qu" the u is part of the onset but the rhyme is the one written
/// with a medial o/u elsewhere (qua ~ hoa, quy ~ huy).
fn nucleus_allows_after_qu(v: &str, coda: &str) -> bool {
    let as_medial = match v {
        "a" => "oa",
        "ă" => "oă",
        "e" => "oe",
        "ai" => "oai",
        "ay" => "oay",
        "eo" => "oeo",
        "â" => "uâ",
        "ây" => "uây",
        "ê" => "uê",
        "ô" => "uô",
        "ơ" => "uơ",
        "y" => "uy",
        "yê" => "uyê",
        "ya" => "uya",
        "yu" => "uyu",
        "i" => "ui",
        _ => return false,
    };
    nucleus_allows(as_medial, coda)
}

/// Whether a toneless lower-case syllable with `tone` is well formed.
fn valid_skeleton(s: &str, tone: u8) -> bool {
    let mut onset = ONSETS
        .iter()
        .copied()
        .find(|o| s.starts_with(o))
        .unwrap_or("");
    let mut rest = &s[onset.len()..];
    if onset == "gi" && !rest.chars().next().is_some_and(is_vowel_letter) {
        // "gìn", "gì": the i is the vowel, not part of the onset.
        onset = "g";
        rest = &s[1..];
    }
    let vowel_len: usize = rest
        .chars()
        .take_while(|&c| is_vowel_letter(c))
        .map(char::len_utf8)
        .sum();
    if vowel_len == 0 {
        return false;
    }
    let (v, coda) = rest.split_at(vowel_len);
    if !CODAS.contains(&coda) {
        return false;
    }
    // Syllables closed by a stop take only sắc or nặng.
    if matches!(coda, "c" | "ch" | "p" | "t") && matches!(tone, 2..=4) {
        return false;
    }
    if onset == "qu" {
        nucleus_allows_after_qu(v, coda)
    } else {
        nucleus_allows(v, coda)
    }
}

/// One syllable (no spaces, no hyphens), NFC: letters of the Vietnamese
/// alphabet only, at most one tone, lower/UPPER/Title case.
///
/// Repair validates every word of the input and of each legacy reading, and
/// those words repeat from name to name (the same debris of the same
/// names, and the ư trials of TCVN3 readings), so answers are kept in a
/// per-thread cache of at most `SYLLABLE_CACHE` entries (about 15 MB),
/// emptied when full. Parts too long to be a
/// syllable are answered without it.
pub(super) fn valid_syllable(part: &str) -> bool {
    const SYLLABLE_CACHE: usize = 1 << 18;
    thread_local! {
        static KNOWN: RefCell<HashMap<Box<str>, bool, FxBuild>> =
            RefCell::new(HashMap::default());
    }
    if part.len() > 4 * 8 {
        return valid_syllable_uncached(part);
    }
    KNOWN.with_borrow_mut(|known| {
        if let Some(&v) = known.get(part) {
            return v;
        }
        if known.len() >= SYLLABLE_CACHE {
            known.clear();
        }
        let v = valid_syllable_uncached(part);
        known.insert(part.into(), v);
        v
    })
}

fn valid_syllable_uncached(part: &str) -> bool {
    let mut buf = [0u8; 32];
    let mut len = 0;
    let mut tone = 0u8;
    let mut letters = 0;
    let mut first_upper = false;
    let mut rest_upper = false;
    let mut rest_lower = false;
    for c in part.chars() {
        let Some((base, t, upper)) = parse_letter(c) else {
            return false;
        };
        letters += 1;
        if letters > 8 {
            return false;
        }
        if letters == 1 {
            first_upper = upper;
        } else if upper {
            rest_upper = true;
        } else {
            rest_lower = true;
        }
        if t != 0 {
            if tone != 0 {
                return false;
            }
            tone = t;
        }
        len += base.encode_utf8(&mut buf[len..]).len();
    }
    if letters == 0 || (rest_upper && (rest_lower || !first_upper)) {
        return false;
    }
    match std::str::from_utf8(&buf[..len]) {
        Ok(s) => valid_skeleton(s, tone),
        Err(_) => false,
    }
}

/// Every word holding a non-ASCII character is made of valid syllables
/// (split on hyphens). ASCII words are neutral: they are never the sign of a
/// legacy 8-bit encoding, and foreign or minority names must not count
/// against a string.
pub(super) fn words_clean(s: &str) -> bool {
    s.split(char::is_whitespace)
        .all(|w| w.is_ascii() || w.split('-').all(|p| p.is_empty() || valid_syllable(p)))
}

/// `w` (no white space) passes [`words_clean`].
#[inline]
pub(super) fn word_clean(w: &str) -> bool {
    w.is_ascii() || w.split('-').all(|p| p.is_empty() || valid_syllable(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllable_validator() {
        for ok in [
            "nguyễn", "Quý", "quỳnh", "giữ", "gì", "Đặng", "khuỷu", "thuở", "người", "rượu",
            "xoong", "Oanh", "Yến", "Uyên", "NGHIÊNG", "Ước", "Ạ", "y",
        ] {
            assert!(valid_syllable(ok), "{ok}");
        }
        for bad in [
            "nguyeãn",
            "traàn",
            "leâ",
            "NguyÔn",
            "hng",
            "trơng",
            "Phạmm",
            "bàc",
            "nguyễnn",
            "x",
            "hoaa",
            "ăn̉",
            "Tóá",
            "nGuyen",
        ] {
            assert!(!valid_syllable(bad), "{bad}");
        }
    }
}
