//! Text repair: NFC, Đ look-alikes and legacy Vietnamese encodings.
//!
//! Registers built before Unicode stored names in 8-bit font encodings
//! (VNI-Windows, TCVN3/ABC), in ASCII with marks after letters (VIQR, RFC 1456)
//! or in Windows-1258 with separate tone marks; newer systems sometimes read
//! UTF-8 bytes as Windows-1252 ("Nguyá»…n"). [`repair`] decides, per whole
//! string, which of these a name arrived in and converts it to NFC Unicode.
//!
//! Detection is conservative: a decoding is accepted when the input is *not*
//! a sequence of well-formed Vietnamese syllables and the decoded text *is*
//! one (checked by a small syllable validator built on the spelling rules:
//! onset, vowel cluster, final consonant, tone/final agreement).
//!
//! Some legacy strings are also well-formed Unicode: TCVN3 "Tõ Lan" (Từ Lan),
//! "Kú" (Kỳ), "Vò THÕ CHI" (VŨ THẾ CHI); VNI "LAÕ" (LÃ); UTF-8 read as
//! Windows-1252 "HÃ\u{a0} Giang" (Hà Giang, the NBSP being the second byte
//! of à). Syllable shape cannot tell these apart, so the decision falls to
//! *name evidence*: each reading scores the number of its words that are
//! known name words ([`crate::normalize::datasets::family_name`], including two-word
//! family names, [`crate::normalize::datasets::is_middle_name`],
//! [`crate::normalize::datasets::is_given_name`]; new-style tones are looked up in the
//! old style of the tables), ties broken by the number found in the table of
//! their place (family, middles, given; or given, family, middles): VNI
//! "Hoà Chung" is Hồ Chung, as Hòa is no family name; then by the number in
//! place in the standard order alone. "More known words" below means more
//! in that order. The rule:
//!
//! - input that is valid Unicode keeps its Unicode reading unless a legacy
//!   reading that is also all-valid has **strictly more** known words, or
//!   is the strict UTF-8 decoding of its Windows-1252 bytes: that structure
//!   is evidence enough, since each Latin-1 letter of Vietnamese is a UTF-8
//!   lead byte that genuine text never follows with the 0x80–0xBF signs
//!   (NBSP above all) a continuation needs ("Mai LÃ\u{a0}i" is Mai Lài);
//! - input that is not valid Unicode takes the valid legacy reading with the
//!   most known words, ties going to the first in the trial order (UTF-8 as
//!   Windows-1252, VNI, TCVN3) — VNI "Böu" is Bưu, TCVN3 "Böu" is Bửu;
//! - in VIQR, one weak mark (`' . ?`, also punctuation) is not enough
//!   evidence on its own ("Le Thi Hoa?" stays ASCII) unless it makes a known
//!   name word ("Tha.ch" → Thạch, "Kha'nh" → Khánh, "Ly' Hoa" → Lý Hoa).
//!
//! Limits: a name made of words outside the tables gets no help from this
//! rule, so such an ambiguous string stays Unicode (legacy text of an unknown
//! name is missed; genuine text is never rewritten on shape alone). A genuine
//! name whose words are all in the tables, in their old tone style and in
//! one of the two orders, is never rewritten: no reading can score more.
//! Real collisions cannot be resolved: VNI of "Phí Hồng" is the genuine
//! "Phí Hoàng" (a tie, kept as Unicode, so that VNI name is missed), and the
//! genuine new-style "Hoà Kim Lan" (given name first) is read as VNI
//! Hồ Kim Lan. A genuine name with unknown words could be rewritten if a
//! legacy reading of it happens to spell more table names.
//!
//! The code tables below were written from the published charts (VNI-Windows,
//! TCVN 5712:1993 VN3 "ABC", RFC 1456 VIQR) and are tested letter by letter.
//!
//! Cost: O(n) in the input length. Clean input (NFC, no marker characters)
//! takes a fast path that allocates only the output `String`; the legacy
//! decoders run only on strings that fail validation or that hold a
//! character some legacy encoding produces (U+0080–U+00FF and the
//! Windows-1252 signs), and name tables are consulted only when there is a
//! real choice between readings. The VNI, TCVN3 and VIQR readings are made
//! word by word and kept per distinct word in a per-thread cache
//! (`LegacyWords`): names are made of a few thousand distinct words, so a
//! damaged name costs one lookup per word and the output, not three
//! decodings with their validation and ư trials.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::datasets;
use super::fxhash::FxBuild;
use super::letters::{
    is_d_stroke, parse_letter, vowel_of, Vowel, BASES, BASE_ASCII, LOWER, TONES, UPPER,
};
use super::tone;

use serde::Serialize;
use unicode_normalization::{is_nfc_quick, is_nfd, IsNormalized, UnicodeNormalization};

/// The encoding a name arrived in, as detected by [`repair`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Unicode,
    Vni,
    Tcvn3,
    Viqr,
    Utf8AsCp1252,
    Cp1258,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Unicode => "unicode",
            Encoding::Vni => "vni",
            Encoding::Tcvn3 => "tcvn3",
            Encoding::Viqr => "viqr",
            Encoding::Utf8AsCp1252 => "utf8_as_cp1252",
            Encoding::Cp1258 => "cp1258",
        }
    }
}

/// Repaired text: NFC Unicode, and the encoding it was found in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repaired {
    pub text: String,
    pub encoding: Encoding,
}

// ---------------------------------------------------------------------------
// Syllable validator
// ---------------------------------------------------------------------------

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
pub(crate) fn valid_syllable(part: &str) -> bool {
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
fn words_clean(s: &str) -> bool {
    s.split(char::is_whitespace)
        .all(|w| w.is_ascii() || w.split('-').all(|p| p.is_empty() || valid_syllable(p)))
}

// ---------------------------------------------------------------------------
// repair
// ---------------------------------------------------------------------------

/// Byte classes for [`Runs`]: 0 a byte inside a word, 1 ASCII white space,
/// 2 a lead byte that may begin non-ASCII white space. Of the non-ASCII
/// characters only U+0085, U+00A0 (lead 0xC2), U+1680 (0xE1 0x9A),
/// U+2000–U+205F (0xE2) and U+3000 (0xE3) are white space; the Vietnamese
/// letters of U+1E00–U+1EFF (0xE1 0xB8–0xBB) need no decoding.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = b'\t';
    while b <= b'\r' {
        t[b as usize] = 1;
        b += 1;
    }
    t[b' ' as usize] = 1;
    t[0xC2] = 2;
    t[0xE1] = 2;
    t[0xE2] = 2;
    t[0xE3] = 2;
    t
};

/// The length of the white-space character (`char::is_whitespace`) at byte
/// `i` of `s`, if there is one. `i` must be a character boundary, or a byte
/// inside a character that is no white space: a scan that steps one byte
/// over anything but white space keeps that true, as lead bytes are never
/// continuation bytes.
#[inline]
fn white_len(s: &str, i: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    match BYTE_CLASS[*bytes.get(i)? as usize] {
        0 => None,
        1 => Some(1),
        _ if bytes[i] == 0xE1 && bytes.get(i + 1) != Some(&0x9A) => None,
        _ => decode_white(s, i),
    }
}

/// [`white_len`] for a lead byte that may begin white space.
#[cold]
fn decode_white(s: &str, i: usize) -> Option<usize> {
    let c = s.get(i..)?.chars().next()?;
    c.is_whitespace().then(|| c.len_utf8())
}

/// The maximal runs of `s` that are all white space or hold none, in order,
/// as `(start, end, white)`: the words of `s.split(char::is_whitespace)`
/// (without the empty ones) and the white space between them.
///
/// Bytes, not chars: names are mostly ASCII letters and spaces, and a word
/// is scanned with one table lookup and one well-predicted branch per byte,
/// where decoding characters costs several branches that the mix of ASCII
/// and two- and three-byte letters defeats (branch misses were a large part
/// of the cost of damaged names).
pub(crate) fn runs(s: &str) -> Runs<'_> {
    Runs { s, i: 0 }
}

/// The iterator of [`runs`].
pub(crate) struct Runs<'a> {
    s: &'a str,
    i: usize,
}

impl Iterator for Runs<'_> {
    type Item = (usize, usize, bool);

    #[inline]
    fn next(&mut self) -> Option<(usize, usize, bool)> {
        let bytes = self.s.as_bytes();
        let start = self.i;
        let first = white_len(self.s, start);
        if start >= bytes.len() {
            return None;
        }
        let mut i = start;
        if let Some(len) = first {
            i += len;
            while let Some(len) = white_len(self.s, i) {
                i += len;
            }
        } else {
            i += 1;
            while i < bytes.len() {
                match BYTE_CLASS[bytes[i] as usize] {
                    0 => i += 1,
                    1 => break,
                    _ if white_len(self.s, i).is_some() => break,
                    _ => i += 1,
                }
            }
        }
        self.i = i;
        Some((start, i, first.is_some()))
    }
}

/// `input` in NFC, and the encoding to report if no legacy reading applies:
/// Windows-1258 when it arrived with combining tones on precomposed bases.
///
/// The specification of [`LegacyWords::nfc_words`], which [`repair`] uses.
#[cfg(test)]
fn nfc_and_encoding(input: &str) -> (Cow<'_, str>, Encoding) {
    if is_nfc_quick(input.chars()) == IsNormalized::Yes {
        return (Cow::Borrowed(input), Encoding::Unicode);
    }
    // Windows-1258 keeps base letters precomposed (â ê ô ơ ư ă and some
    // toned Latin-1 letters) and sends tones as combining marks; fully
    // decomposed NFD (macOS) decomposes the base letters too.
    let cp1258 = input.chars().any(is_combining_tone) && !is_nfd(input);
    let enc = if cp1258 {
        Encoding::Cp1258
    } else {
        Encoding::Unicode
    };
    (Cow::Owned(input.nfc().collect()), enc)
}

/// Detects a legacy encoding and converts to NFC Unicode. Genuine Unicode
/// Vietnamese is returned unchanged (apart from NFC and Đ look-alikes).
///
/// The decision is made for the whole string. Candidates: UTF-8 read as
/// Windows-1252 (strict UTF-8 decode), VNI, TCVN3, and VIQR for ASCII input.
/// A decoding must be made of valid syllables; when the input is not, the
/// candidate with the most known name words wins (ties in that order); when
/// the input is valid too, a candidate must have strictly more known name
/// words than the input (see the module docs). Otherwise the input is kept
/// as Unicode.
pub fn repair(input: &str) -> Repaired {
    if input.is_ascii() {
        if ascii_may_be_viqr(input.as_bytes()) {
            let viqr = LEGACY.with_borrow_mut(|cache| cache.viqr(input));
            if let Some(text) = viqr {
                return Repaired {
                    text: fold_lookalikes(Cow::Owned(text)),
                    encoding: Encoding::Viqr,
                };
            }
        }
        return unicode(input.to_owned(), Encoding::Unicode);
    }

    LEGACY.with_borrow_mut(|cache| {
        cache.make_room();
        let nfc = cache.nfc_words(input);
        let legacy = cache.legacy(&nfc);
        cache.spans = nfc.spans;
        legacy.unwrap_or_else(|| unicode(fold_lookalikes(Cow::Owned(nfc.text)), nfc.fallback))
    })
}

/// [`repair`] as first written, trying every reading of the whole string:
/// the specification the word-by-word [`repair`] is tested against.
#[cfg(test)]
fn repair_reference(input: &str) -> Repaired {
    if input.is_ascii() {
        if ascii_may_be_viqr(input.as_bytes()) {
            if let Some(text) = decode_viqr_checked_reference(input) {
                return Repaired {
                    text: fold_lookalikes(Cow::Owned(text)),
                    encoding: Encoding::Viqr,
                };
            }
        }
        return unicode(input.to_owned(), Encoding::Unicode);
    }

    let (text, fallback) = nfc_and_encoding(input);

    let legacy = if !words_clean(&text) {
        try_legacy_reference(&text, None)
    } else if text.chars().any(may_be_artefact)
        && text.chars().all(|c| c.is_ascii() || may_be_artefact(c))
    {
        // Well-formed as it stands, but a legacy reading may be too: only
        // more known name words can overturn the Unicode reading. An 8-bit
        // legacy text read as Windows-1252 holds only such characters, so one
        // letter beyond them (ễ, ư, ă, Đ) proves the text is genuine Unicode
        // and spares the trials — most clean names take this fast exit.
        try_legacy_reference(&text, Some(&text))
    } else {
        None
    };
    legacy.unwrap_or_else(|| unicode(fold_lookalikes(text), fallback))
}

/// What [`repair`] looks at in one word (a run without white space), so
/// that a caller caching these per word can tell, without running repair,
/// that repair would keep a whole string: see [`WordFacts::kept_as_unicode`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WordFacts {
    ascii: bool,
    /// A VIQR mark or "dd" (ASCII words only matter).
    viqr_mark: bool,
    /// The NFC quick check says yes.
    nfc: bool,
    /// ASCII, or made of valid syllables (the test of `words_clean`).
    clean: bool,
    /// Holds a character some legacy decoding reads differently.
    artefact: bool,
    /// Holds a non-ASCII character that is no such artefact (ễ, ư, Đ).
    beyond: bool,
}

impl WordFacts {
    /// Facts of one word; `w` must hold no white space.
    pub(crate) fn of(w: &str) -> WordFacts {
        let ascii = w.is_ascii();
        WordFacts {
            ascii,
            viqr_mark: ascii && ascii_may_be_viqr(w.as_bytes()),
            nfc: ascii || is_nfc_quick(w.chars()) == IsNormalized::Yes,
            clean: ascii || w.split('-').all(|p| p.is_empty() || valid_syllable(p)),
            artefact: !ascii && w.chars().any(may_be_artefact),
            beyond: !ascii && w.chars().any(|c| !c.is_ascii() && !may_be_artefact(c)),
        }
    }

    /// The facts of an empty string, the unit of [`WordFacts::and`].
    pub(crate) const EMPTY: WordFacts = WordFacts {
        ascii: true,
        viqr_mark: false,
        nfc: true,
        clean: true,
        artefact: false,
        beyond: false,
    };

    /// Facts of two words joined by ASCII white space.
    pub(crate) fn and(self, o: WordFacts) -> WordFacts {
        WordFacts {
            ascii: self.ascii && o.ascii,
            viqr_mark: self.viqr_mark || o.viqr_mark,
            nfc: self.nfc && o.nfc,
            clean: self.clean && o.clean,
            artefact: self.artefact || o.artefact,
            beyond: self.beyond || o.beyond,
        }
    }

    /// Whether [`repair`] of a string whose words have these (combined)
    /// facts, and whose white space is all ASCII, returns the string itself
    /// with Đ look-alikes folded, as [`Encoding::Unicode`]. Mirrors the
    /// branches of `repair`: ASCII without VIQR marks; or NFC, every word
    /// valid, and not made of legacy artefact characters only. `false` means
    /// "run repair", not that repair changes anything. ASCII separators keep
    /// the per-word facts exact: they are NFC starters, no artefacts, and a
    /// VIQR "dd" cannot straddle them.
    /// No string holding this word is kept as it is (the word is not NFC,
    /// or not ASCII and not valid): callers may stop looking at the others.
    pub(crate) fn hopeless(self) -> bool {
        !self.nfc || !self.clean
    }

    pub(crate) fn kept_as_unicode(self) -> bool {
        if self.ascii {
            !self.viqr_mark
        } else {
            // Artefacts only is what an 8-bit legacy text looks like.
            self.nfc && self.clean && (self.beyond || !self.artefact)
        }
    }
}

fn unicode(text: String, encoding: Encoding) -> Repaired {
    Repaired { text, encoding }
}

fn is_combining_tone(c: char) -> bool {
    matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}')
}

pub(crate) fn fold_lookalikes(text: Cow<'_, str>) -> String {
    if !has_lookalike(text.as_bytes()) {
        return text.into_owned();
    }
    text.chars()
        .map(|c| match is_d_stroke(c) {
            Some(true) => 'Đ',
            Some(false) => 'đ',
            None => c,
        })
        .collect()
}

/// `s` holds Ð, ð, Ɖ or ɖ, found by their UTF-8 bytes (C3 90, C3 B0, C6 89,
/// C9 96): a byte scan, where `str::contains` decodes every character.
/// Lead bytes are never continuation bytes, so a match is a whole character.
fn has_lookalike(s: &[u8]) -> bool {
    s.windows(2).any(|w| {
        w[0] >= 0xC3 && matches!(w, [0xC3, 0x90] | [0xC3, 0xB0] | [0xC6, 0x89] | [0xC9, 0x96])
    })
}

/// A character that some legacy decoding reads differently: the Latin-1
/// range (VNI and TCVN3 bytes, NBSP and the lead bytes of UTF-8 read as
/// Windows-1252, C1 controls) and the Windows-1252 signs of 0x80–0x9F.
fn may_be_artefact(c: char) -> bool {
    ('\u{80}'..='\u{FF}').contains(&c) || CP1252_HIGH.contains(&c)
}

/// The legacy reading of `text`, if any, as first written: every reading of
/// the whole string (the reference for [`LegacyWords::legacy`]). Candidates
/// are the decodings that
/// change the text and are made of valid syllables. With `rival` (the text's
/// own, valid, Unicode reading) a UTF-8-as-Windows-1252 candidate is taken
/// on its byte structure alone, and any other must have strictly more known
/// name words than the rival; without, the candidate with the most known
/// words wins, ties to the first in trial order (a single candidate is taken
/// without looking anything up).
#[cfg(test)]
fn try_legacy_reference(text: &str, rival: Option<&str>) -> Option<Repaired> {
    let valid = |decoded: String, encoding: Encoding| {
        (decoded != text && words_clean(&decoded)).then_some((decoded, encoding))
    };
    let candidates: Vec<(String, Encoding)> = [
        decode_utf8_as_cp1252(text).and_then(|d| valid(d, Encoding::Utf8AsCp1252)),
        valid(decode_vni(text), Encoding::Vni),
        decode_tcvn3_checked(text).and_then(|d| valid(d, Encoding::Tcvn3)),
    ]
    .into_iter()
    .flatten()
    .collect();
    let structural = candidates
        .first()
        .is_some_and(|c| c.1 == Encoding::Utf8AsCp1252);
    let best = match (rival, candidates.len()) {
        (_, 0) => return None,
        (None, 1) => candidates.into_iter().next(),
        // Text that is strict UTF-8 once written back as Windows-1252 bytes
        // carries its own proof: every Latin-1 letter of Vietnamese is a
        // UTF-8 lead byte (0xC0 and up) and needs 0x80–0xBF bytes (signs,
        // NBSP) after it, which genuine names do not have. Names are not
        // needed: "Mai LÃ\u{a0}i" is Mai Lài although Lã is a name too.
        (Some(_), _) if structural => candidates.into_iter().next(),
        _ => {
            let floor = rival.map(name_evidence);
            let mut best: Option<(Evidence, (String, Encoding))> = None;
            for c in candidates {
                let n = name_evidence(&c.0);
                let beats_rival = floor.is_none_or(|f| n > f);
                if beats_rival && best.as_ref().is_none_or(|(m, _)| n > *m) {
                    best = Some((n, c));
                }
            }
            best.map(|(_, c)| c)
        }
    }?;
    Some(Repaired {
        // Decoders copy characters they do not know, look-alikes too.
        text: fold_lookalikes(Cow::Owned(best.0)),
        encoding: best.1,
    })
}

/// Name evidence of a reading: see [`name_evidence`].
type Evidence = (usize, usize, usize);

/// Name evidence of a reading, compared in this order:
/// 1. the words of `s` (split on whitespace and hyphens) found in any name
///    table, a two-word family name such as Tôn Thất counting as two;
/// 2. the words found in the table of their place, in the better of the two
///    orders registers use: family, middles, given ("Hồ Kim Lan"), or given,
///    family, middles ("Lan Hồ Kim"); any table for a lone word;
/// 3. the same in the standard order (family first) alone.
///
/// The second breaks ties such as VNI "Hoà Chung": new-style Hoà (Hòa, a
/// given name) Chung, or Hồ (a family name) Chung; the third ties such as
/// VNI "Hoà Kim Lan", which also reads given name first (Hòa, Kim, Lan).
///
/// This form looks every word up in the tables; [`repair`] goes through
/// [`EvidenceWords`], which keeps each word's table facts.
#[cfg_attr(not(test), allow(dead_code))]
fn name_evidence(s: &str) -> Evidence {
    evidence_of(s, &mut TableFacts)
}

/// `name_evidence` with each word's table facts from `tables`.
fn name_evidence_cached(s: &str) -> Evidence {
    EVIDENCE.with_borrow_mut(|tables| evidence_of(s, tables))
}

/// A word in the family-name table ([`WordTables::bits`]).
const IN_FAMILY: u8 = 1;
/// A word in the given- or middle-name table.
const IN_OTHER: u8 = 2;
/// A word in the given-name table.
const IN_GIVEN: u8 = 4;

/// Where [`evidence_of`] gets the table facts of words.
trait WordTables {
    /// [`IN_FAMILY`], [`IN_OTHER`], [`IN_GIVEN`] of `w` (by [`in_tables`]).
    fn bits(&mut self, w: &str) -> u8;
    /// `a b` is a two-word family name of the table (Tôn Thất).
    fn compound(&mut self, a: &str, b: &str) -> bool;
}

/// The tables themselves, looked up on every call.
struct TableFacts;

impl WordTables for TableFacts {
    fn bits(&mut self, w: &str) -> u8 {
        let mut bits = 0;
        if in_tables(w, |w| datasets::family_name(w).is_some()) {
            bits |= IN_FAMILY;
        }
        if in_tables(w, |w| {
            datasets::is_given_name(w) || datasets::is_middle_name(w)
        }) {
            bits |= IN_OTHER;
        }
        if in_tables(w, datasets::is_given_name) {
            bits |= IN_GIVEN;
        }
        bits
    }

    fn compound(&mut self, a: &str, b: &str) -> bool {
        datasets::family_name(&format!("{a} {b}")).is_some_and(|f| f.compound)
    }
}

/// Most words (and word pairs) one thread's [`EvidenceWords`] holds before
/// it is emptied.
const EVIDENCE_WORDS: usize = 1 << 15;

thread_local! {
    static EVIDENCE: RefCell<EvidenceWords> = RefCell::new(EvidenceWords::default());
}

/// [`TableFacts`] kept per distinct word and word pair, in a per-thread
/// cache (emptied when full; results never depend on it). Each table
/// lookup lower-cases, tries the old tone style and hashes with SipHash:
/// some 1 000 instructions a word, and `name_evidence` makes three per
/// word of every reading it weighs, on every name whose Unicode reading
/// must be weighed against legacy ones (clean names written in Latin-1
/// letters only, such as "Lê Thanh Hà", are among them).
#[derive(Default)]
struct EvidenceWords {
    bits: HashMap<Box<str>, u8, FxBuild>,
    pairs: HashMap<Box<str>, bool, FxBuild>,
    /// Reused buffer: the pair key "a b".
    pair: String,
}

impl WordTables for EvidenceWords {
    fn bits(&mut self, w: &str) -> u8 {
        if let Some(&b) = self.bits.get(w) {
            return b;
        }
        if self.bits.len() >= EVIDENCE_WORDS {
            self.bits.clear();
        }
        let b = TableFacts.bits(w);
        self.bits.insert(w.into(), b);
        b
    }

    fn compound(&mut self, a: &str, b: &str) -> bool {
        self.pair.clear();
        self.pair.push_str(a);
        self.pair.push(' ');
        self.pair.push_str(b);
        if let Some(&c) = self.pairs.get(self.pair.as_str()) {
            return c;
        }
        if self.pairs.len() >= EVIDENCE_WORDS {
            self.pairs.clear();
        }
        let c = TableFacts.compound(a, b);
        self.pairs.insert(self.pair.as_str().into(), c);
        c
    }
}

/// [`name_evidence`] with the table facts from `tables`.
fn evidence_of(s: &str, tables: &mut impl WordTables) -> Evidence {
    let words: Vec<&str> = s
        .split(char::is_whitespace)
        .flat_map(|w| w.split('-'))
        .filter(|w| !w.is_empty())
        .collect();
    let n = words.len();
    let bits: Vec<u8> = words.iter().map(|w| tables.bits(w)).collect();
    // compound[i]: words i and i + 1 form a two-word family name.
    let compound: Vec<bool> = (0..n)
        .map(|i| i + 1 < n && tables.compound(words[i], words[i + 1]))
        .collect();
    let family = |i: usize| bits[i] & IN_FAMILY != 0;
    let other = |i: usize| bits[i] & IN_OTHER != 0;
    let given = |i: usize| bits[i] & IN_GIVEN != 0;
    let mut any = 0;
    let mut i = 0;
    while i < n {
        if compound[i] {
            any += 2;
            i += 2;
        } else {
            any += usize::from(family(i) || other(i));
            i += 1;
        }
    }
    let others = |r: std::ops::Range<usize>| r.filter(|&i| other(i)).count();
    // The family slot starting at `at`: (words it takes, words it scores).
    let slots = |at: usize| {
        let one = Some((1, usize::from(family(at))));
        let two = compound[at].then_some((2, 2));
        one.into_iter().chain(two)
    };
    let (mut standard, mut given_first) = (0, 0);
    if n == 1 {
        standard = usize::from(family(0) || other(0));
        given_first = standard;
    } else if n > 1 {
        for (len, score) in slots(0) {
            let last = if len < n {
                usize::from(given(n - 1))
            } else {
                0
            };
            standard = standard.max(score + last + others(len.min(n - 1)..n - 1));
        }
        for (len, score) in slots(1) {
            given_first = given_first.max(usize::from(given(0)) + score + others(1 + len..n));
        }
    }
    (any, standard.max(given_first), standard)
}

/// `w` passes `known`, as written or in the old tone style of the tables
/// ("Hoà" as "Hòa"): otherwise a genuine "Hoà" would count as unknown while
/// its VNI reading ("oà" = ồ: "Hồ") counts as a family name.
fn in_tables(w: &str, known: impl Fn(&str) -> bool) -> bool {
    known(w) || matches!(tone::to_old_style(w), Cow::Owned(old) if known(&old))
}

/// A word of any name table.
fn is_name_word(w: &str) -> bool {
    in_tables(w, |w| {
        datasets::family_name(w).is_some()
            || datasets::is_given_name(w)
            || datasets::is_middle_name(w)
    })
}

// ---------------------------------------------------------------------------
// Legacy readings, word by word
// ---------------------------------------------------------------------------

/// Most distinct words one thread's [`LegacyWords`] holds before it is
/// emptied (a few MB).
const LEGACY_WORDS: usize = 1 << 15;

thread_local! {
    static LEGACY: RefCell<LegacyWords> = RefCell::new(LegacyWords::default());
}

/// One word's reading in one legacy encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reading {
    /// The word reads as itself (and is clean).
    Same,
    /// The word reads as this other, clean, text.
    Changed(Box<str>),
    /// No reading with this word in it can be a candidate: the decoded word
    /// is not clean (TCVN3: nor made so by an ư).
    Invalid,
}

impl Reading {
    fn of(word: &str, decoded: Option<String>) -> Reading {
        match decoded {
            Some(d) if word_clean(&d) => {
                if d == word {
                    Reading::Same
                } else {
                    Reading::Changed(d.into())
                }
            }
            _ => Reading::Invalid,
        }
    }
}

/// What [`repair`] makes of one word (a run without white space) of NFC,
/// non-ASCII text, computed once per distinct word.
struct WordReadings {
    /// ASCII, or made of valid syllables (the test of [`words_clean`]).
    clean: bool,
    /// Holds a character some legacy decoding reads differently.
    artefact: bool,
    /// Holds a non-ASCII character that is no such artefact (ễ, ư, Đ).
    beyond: bool,
    /// Filled the first time a string holding the word needs its legacy
    /// readings: most valid text (NFD, Windows-1258) never does.
    readings: Option<Box<Readings>>,
}

/// A word's VNI and TCVN3 readings.
struct Readings {
    vni: Reading,
    /// Case evidence of the word's TCVN3 letters.
    tcvn3_case: CaseEvidence,
    /// TCVN3 reading, with the dropped ư restored, for the case of the whole
    /// string: indexed by [`CaseMode`] as `Upper`, `Title`, `Lower`.
    tcvn3: [Reading; 3],
}

impl WordReadings {
    /// `w` holds no white space.
    fn new(w: &str) -> WordReadings {
        WordReadings {
            clean: word_clean(w),
            artefact: w.chars().any(may_be_artefact),
            beyond: w.chars().any(|c| !c.is_ascii() && !may_be_artefact(c)),
            readings: None,
        }
    }
}

impl Readings {
    /// `w` holds no white space.
    fn new(w: &str) -> Readings {
        let out = decode_with(tcvn3_table(), w);
        let tcvn3 = [CaseMode::Upper, CaseMode::Title, CaseMode::Lower].map(|mode| {
            let mut out = out.clone();
            apply_case(&mut out, mode);
            let letters: String = out.iter().map(|o| o.c).collect();
            let restored = match restore_dropped_u_horn(&letters, mode == CaseMode::Upper) {
                Some(r) => Some(r.into_owned()),
                None if letters.is_ascii() => Some(letters.clone()),
                None => None,
            };
            Reading::of(w, restored)
        });
        Readings {
            vni: Reading::of(w, Some(decode_vni(w))),
            tcvn3_case: CaseEvidence::of(&out),
            tcvn3,
        }
    }
}

/// What the VIQR reading makes of one word of ASCII text.
struct ViqrWord {
    /// Evidence points (see [`LegacyWords::viqr`]).
    score: u32,
    /// The decoded word; `None` when it is not clean.
    text: Option<Box<str>>,
}

impl ViqrWord {
    /// `w` holds no white space.
    fn new(w: &str) -> ViqrWord {
        let out = decode_with(viqr_table(), w);
        let (mut letters, mut score, mut weak) = (0u32, 0u32, 0u32);
        for o in &out {
            if o.c.is_alphabetic() {
                letters += 1;
            }
            match (o.mapped, o.strength) {
                (true, 2) => score += 2,
                (true, 1) => weak += 1,
                _ => {}
            }
        }
        if letters >= 2 {
            score += weak;
        }
        let text: String = out.iter().map(|o| o.c).collect();
        // A name word is evidence even in one letter ("Kim Y'" = Kim Ý).
        if weak > 0 && score < 2 && valid_syllable(&text) && is_name_word(&text) {
            score = 2;
        }
        ViqrWord {
            score,
            text: word_clean(&text).then(|| text.into()),
        }
    }
}

/// `w` (no white space) passes [`words_clean`].
fn word_clean(w: &str) -> bool {
    w.is_ascii() || w.split('-').all(|p| p.is_empty() || valid_syllable(p))
}

/// The legacy readings of [`repair`], computed word by word and kept per
/// distinct word in a per-thread cache (at most [`LEGACY_WORDS`] words,
/// emptied when full; results never depend on it).
///
/// Why this gives the same result as reading the whole string: no key of
/// the VNI, TCVN3 or VIQR tables holds white space, so a decoding is the
/// words' decodings joined by the same white space; NFC does not compose
/// across white space (a starter that composes with nothing); the
/// syllable test and the ư restoration look at one word at a time; and the
/// case TCVN3 letters take depends on the whole string only through
/// [`CaseEvidence`], which combines over words. `repair_reference` (the
/// whole-string trials) is the specification the tests compare against.
/// The UTF-8 reading stays whole-string: an NBSP (a UTF-8 continuation
/// byte) is white space to the word split.
///
/// Cost: one hash lookup per word and the output string, instead of three
/// decodings with their allocations, validation and ư trials per name;
/// the name tables are still consulted only on a real choice.
#[derive(Default)]
struct LegacyWords {
    index: HashMap<Box<str>, u32, FxBuild>,
    words: Vec<WordReadings>,
    viqr: HashMap<Box<str>, ViqrWord, FxBuild>,
    /// NFC facts of raw words (see [`LegacyWords::nfc_and_encoding`]).
    nfc: HashMap<Box<str>, NfcWord, FxBuild>,
    /// Reused buffer: (start, end, id) of each word of the text at hand.
    spans: Vec<(usize, usize, u32)>,
}

/// No character of `s` is U+0300 or above: its UTF-8 has no byte 0xCC or
/// above. Every such character is NFC (quick check "yes": the first
/// character that is not, or may not be, is the combining grave U+0300), so
/// words written in ASCII and Latin-1 letters — most legacy 8-bit encodings
/// as read — are their own NFC without a table lookup.
fn below_combining_marks(s: &str) -> bool {
    s.bytes().all(|b| b < 0xCC)
}

/// What the NFC prelude of [`repair`] needs of one raw word.
struct NfcWord {
    /// The word in NFC; `None` when that is the word itself.
    nfc: Option<Box<str>>,
    /// Holds a combining tone mark (Windows-1258 sends tones so).
    tone: bool,
    /// The word is in NFD.
    nfd: bool,
    /// The [`LegacyWords`] id of the word's NFC form.
    id: u32,
}

/// A non-ASCII input of [`repair`] in NFC, split into words.
struct NfcText {
    text: String,
    /// The encoding to report if no legacy reading applies: Windows-1258
    /// when it arrived with combining tones on precomposed bases.
    fallback: Encoding,
    /// `(start, end, id)` of each word of `text`.
    spans: Vec<(usize, usize, u32)>,
    /// The white space of `text` holds a legacy artefact (an NBSP).
    white_artefact: bool,
    /// The white space of `text` holds a non-ASCII character that is no
    /// artefact.
    white_beyond: bool,
}

impl LegacyWords {
    /// Empties the cache when full. `nfc` keeps ids of `words`, so the two
    /// are emptied together.
    fn make_room(&mut self) {
        if self.words.len() >= LEGACY_WORDS || self.nfc.len() >= LEGACY_WORDS {
            self.index.clear();
            self.words.clear();
            self.nfc.clear();
        }
    }

    /// `nfc_and_encoding` (the whole-string specification, kept in the
    /// tests) computed word by word, each distinct raw word's NFC form and
    /// its [`WordReadings`] id kept: one lookup per word gives both the NFC
    /// text and the words [`LegacyWords::legacy`] needs, where the whole
    /// string would be checked, composed, split and each word looked up
    /// again. Composing a word costs some thirty times a lookup, and names
    /// are made of a few thousand distinct words.
    ///
    /// Why word by word is the same: white space characters are starters
    /// (combining class 0) that compose with nothing, so canonical
    /// reordering and composition never reach across them, and the NFD check
    /// restarts at each starter too; a string that passes the NFC quick
    /// check holds no combining tone (they are all "maybe"), so its
    /// Windows-1258 verdict is "no" either way. The white space itself is
    /// normalized as it stands (U+2000 and U+2001 are singletons: NFC makes
    /// them U+2002 and U+2003). Call [`LegacyWords::make_room`] first.
    fn nfc_words(&mut self, input: &str) -> NfcText {
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        let mut out = String::with_capacity(input.len() + 8);
        let (mut tone, mut nfd) = (false, true);
        let (mut white_artefact, mut white_beyond) = (false, false);
        for (a, b, white) in runs(input) {
            let run = &input[a..b];
            let start = out.len();
            if !white {
                let (t, d, id) = if let Some(w) = self.nfc.get(run) {
                    out.push_str(w.nfc.as_deref().unwrap_or(run));
                    (w.tone, w.nfd, w.id)
                } else {
                    let w = self.nfc_word(run);
                    out.push_str(w.nfc.as_deref().unwrap_or(run));
                    let facts = (w.tone, w.nfd, w.id);
                    self.nfc.insert(run.into(), w);
                    facts
                };
                spans.push((start, out.len(), id));
                tone |= t;
                nfd &= d;
            } else if run.is_ascii() {
                out.push_str(run);
            } else {
                out.extend(run.nfc());
                nfd &= is_nfd(run);
                // An NBSP is white space and an artefact at once.
                for c in out[start..].chars().filter(|c| !c.is_ascii()) {
                    white_artefact |= may_be_artefact(c);
                    white_beyond |= !may_be_artefact(c);
                }
            }
        }
        // Windows-1258 keeps base letters precomposed (â ê ô ơ ư ă and some
        // toned Latin-1 letters) and sends tones as combining marks; fully
        // decomposed NFD (macOS) decomposes the base letters too.
        let fallback = if tone && !nfd {
            Encoding::Cp1258
        } else {
            Encoding::Unicode
        };
        NfcText {
            text: out,
            fallback,
            spans,
            white_artefact,
            white_beyond,
        }
    }

    /// The [`NfcWord`] of raw word `w`, its NFC form given an id.
    fn nfc_word(&mut self, w: &str) -> NfcWord {
        let nfc: String = if below_combining_marks(w) {
            w.to_owned()
        } else {
            w.nfc().collect()
        };
        NfcWord {
            id: self.id(&nfc),
            tone: w.chars().any(is_combining_tone),
            nfd: is_nfd(w),
            nfc: (nfc != w).then(|| nfc.into()),
        }
    }

    fn id(&mut self, w: &str) -> u32 {
        if let Some(&i) = self.index.get(w) {
            return i;
        }
        let i = u32::try_from(self.words.len()).expect("the cache is emptied at LEGACY_WORDS");
        self.words.push(WordReadings::new(w));
        self.index.insert(w.into(), i);
        i
    }

    /// The legacy reading of non-ASCII text put in NFC by
    /// [`LegacyWords::nfc_words`], if any: the rule of the module docs. Candidates are the readings that change the text and
    /// are made of valid syllables, tried in the order UTF-8 as
    /// Windows-1252, VNI, TCVN3. When the text is valid but made of legacy
    /// artefact characters only, its own reading is the rival: a UTF-8
    /// candidate wins on its byte structure alone and any other needs
    /// strictly more known name words; otherwise the candidate with the most
    /// known words wins, ties to the first (a single candidate is taken
    /// without looking anything up).
    fn legacy(&mut self, nfc: &NfcText) -> Option<Repaired> {
        let (text, spans) = (nfc.text.as_str(), nfc.spans.as_slice());
        let (mut clean, mut artefact, mut beyond) = (true, nfc.white_artefact, nfc.white_beyond);
        for &(_, _, id) in spans {
            let w = &self.words[id as usize];
            clean &= w.clean;
            artefact |= w.artefact;
            beyond |= w.beyond;
        }
        if !clean {
            self.fill(text, spans);
            self.choose(text, spans, false)
        } else if artefact && !beyond {
            // Well-formed as it stands, but a legacy reading may be too:
            // only more known name words can overturn the Unicode reading.
            // An 8-bit legacy text read as Windows-1252 holds only such
            // characters, so one letter beyond them (ễ, ư, ă, Đ) proves the
            // text is genuine Unicode and spares the trials.
            self.fill(text, spans);
            self.choose(text, spans, true)
        } else {
            None
        }
    }

    /// Makes sure every word of `spans` has its [`Readings`].
    fn fill(&mut self, text: &str, spans: &[(usize, usize, u32)]) {
        for &(a, b, id) in spans {
            let w = &mut self.words[id as usize];
            if w.readings.is_none() {
                w.readings = Some(Box::new(Readings::new(&text[a..b])));
            }
        }
    }

    /// The readings of word `id`, which [`LegacyWords::fill`] computed.
    fn readings(&self, id: u32) -> Option<&Readings> {
        self.words[id as usize].readings.as_deref()
    }

    fn choose(&self, text: &str, spans: &[(usize, usize, u32)], rival: bool) -> Option<Repaired> {
        let utf8 = decode_utf8_as_cp1252(text).filter(|d| d != text && words_clean(d));
        let mut candidates: Vec<(String, Encoding)> = Vec::with_capacity(3);
        if let Some(d) = utf8 {
            // Text that is strict UTF-8 once written back as Windows-1252
            // bytes carries its own proof: every Latin-1 letter of
            // Vietnamese is a UTF-8 lead byte (0xC0 and up) and needs
            // 0x80–0xBF bytes (signs, NBSP) after it, which genuine names do
            // not have. Names are not needed: "Mai LÃ\u{a0}i" is Mai Lài
            // although Lã is a name too.
            if rival {
                return Some(legacy_result(d, Encoding::Utf8AsCp1252));
            }
            candidates.push((d, Encoding::Utf8AsCp1252));
        }
        let case = spans
            .iter()
            .filter_map(|&(_, _, id)| self.readings(id))
            .fold(CaseEvidence::default(), |e, r| e.and(r.tcvn3_case));
        let mode = case.mode() as usize;
        if let Some(d) = self.join(text, spans, &|w| &w.vni) {
            candidates.push((d, Encoding::Vni));
        }
        if let Some(d) = self.join(text, spans, &|w| &w.tcvn3[mode]) {
            candidates.push((d, Encoding::Tcvn3));
        }
        let best = match (rival, candidates.len()) {
            (_, 0) => return None,
            (false, 1) => candidates.into_iter().next(),
            _ => {
                let floor = rival.then(|| name_evidence_cached(text));
                let mut best: Option<(Evidence, (String, Encoding))> = None;
                for c in candidates {
                    let n = name_evidence_cached(&c.0);
                    let beats_rival = floor.is_none_or(|f| n > f);
                    if beats_rival && best.as_ref().is_none_or(|(m, _)| n > *m) {
                        best = Some((n, c));
                    }
                }
                best.map(|(_, c)| c)
            }
        }?;
        Some(legacy_result(best.0, best.1))
    }

    /// The text with each word replaced by its `reading`, white space kept;
    /// `None` unless every word has a valid reading and one of them changes.
    fn join(
        &self,
        text: &str,
        spans: &[(usize, usize, u32)],
        reading: &dyn Fn(&Readings) -> &Reading,
    ) -> Option<String> {
        let mut changed = false;
        for &(_, _, id) in spans {
            // A word without readings (never the case after `fill`) gives
            // no candidate rather than a wrong one.
            match self.readings(id).map(reading) {
                None | Some(Reading::Invalid) => return None,
                Some(Reading::Changed(_)) => changed = true,
                Some(Reading::Same) => {}
            }
        }
        if !changed {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 8);
        let mut at = 0;
        for &(a, b, id) in spans {
            out.push_str(&text[at..a]);
            match self.readings(id).map(reading) {
                Some(Reading::Changed(d)) => out.push_str(d),
                _ => out.push_str(&text[a..b]),
            }
            at = b;
        }
        out.push_str(&text[at..]);
        Some(out)
    }

    /// Decodes ASCII `s` as VIQR if the evidence is sufficient and every
    /// word decodes to valid syllables. Evidence: a strong mark
    /// (`( ^ + \` ~`, dd) counts 2, a weak mark (`' . ?`) in a word of two
    /// or more letters counts 1 — a period after an initial ("Van A.")
    /// counts nothing; a total of 2 is required, so one stray apostrophe or
    /// question mark in ASCII text is not enough. The exception: a word
    /// whose weak mark makes it a known name word counts 2, one-letter
    /// words included ("Tha.ch" → Thạch, "Kha'nh" → Khánh, "Ta. Quang" →
    /// Tạ Quang, "Ly' Hoa" → Lý Hoa, "Kim Y'" → Kim Ý). The price: ASCII
    /// text ending a name word with such a mark as punctuation ("Van Ha."
    /// → Hạ) is read as VIQR. Every count is a word's own, so words are
    /// decoded and scored once and kept.
    fn viqr(&mut self, s: &str) -> Option<String> {
        if self.viqr.len() >= LEGACY_WORDS {
            self.viqr.clear();
        }
        let mut spans = std::mem::take(&mut self.spans);
        spans.clear();
        spans.extend(runs(s).filter(|r| !r.2).map(|(a, b, _)| (a, b, 0)));
        let mut score = 0;
        let mut clean = true;
        for &(a, b, _) in &spans {
            let w = &s[a..b];
            if !self.viqr.contains_key(w) {
                self.viqr.insert(w.into(), ViqrWord::new(w));
            }
            let v = &self.viqr[w];
            score += v.score;
            clean &= v.text.is_some();
        }
        let result = (score >= 2 && clean).then(|| {
            let mut out = String::with_capacity(s.len());
            let mut at = 0;
            for &(a, b, _) in &spans {
                out.push_str(&s[at..a]);
                if let Some(t) = &self.viqr[&s[a..b]].text {
                    out.push_str(t);
                }
                at = b;
            }
            out.push_str(&s[at..]);
            out
        });
        self.spans = spans;
        result
    }
}

/// A chosen legacy reading, look-alikes folded (decoders copy characters
/// they do not know, look-alikes too).
fn legacy_result(text: String, encoding: Encoding) -> Repaired {
    Repaired {
        text: fold_lookalikes(Cow::Owned(text)),
        encoding,
    }
}

// ---------------------------------------------------------------------------
// Generic table decoder (VNI, TCVN3, VIQR)
// ---------------------------------------------------------------------------

/// One decoded character: whether it came from a table entry, whether its
/// case is unknown (TCVN3 toned letters exist in lower case only), and how
/// strongly the source sequence points at the encoding (VIQR: 1 for marks
/// that also occur as punctuation, 2 otherwise).
#[derive(Clone, Copy)]
struct Out {
    c: char,
    mapped: bool,
    caseless: bool,
    strength: u8,
}

#[derive(Clone, Copy)]
struct Entry {
    c: char,
    caseless: bool,
    strength: u8,
}

/// A decoding table: keys of 1–3 characters. `starts` and `max_len` let
/// [`decode_with`] skip the lookups for characters that begin no key (most
/// consonants), which with the Fx hash made legacy decoding several times
/// faster than a SipHash lookup of every length at every character.
struct Table {
    map: HashMap<[char; 3], Entry, FxBuild>,
    /// Keys starting with each character below U+0100.
    starts: [bool; 256],
    /// Some key starts with a character at or above U+0100.
    wide: bool,
    max_len: usize,
}

impl Table {
    fn new() -> Table {
        Table {
            map: HashMap::default(),
            starts: [false; 256],
            wide: false,
            max_len: 0,
        }
    }

    #[inline]
    fn may_start(&self, c: char) -> bool {
        match self.starts.get(c as usize) {
            Some(&s) => s,
            None => self.wide,
        }
    }
}

fn key(s: &str) -> [char; 3] {
    let mut k = ['\0'; 3];
    for (slot, c) in k.iter_mut().zip(s.chars()) {
        *slot = c;
    }
    k
}

/// Greedy longest match against `table` (keys of 1–3 chars).
fn decode_with(table: &Table, s: &str) -> Vec<Out> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    'outer: while i < chars.len() {
        let longest = if table.may_start(chars[i]) {
            table.max_len.min(chars.len() - i)
        } else {
            0
        };
        for n in (1..=longest).rev() {
            let mut k = ['\0'; 3];
            k[..n].copy_from_slice(&chars[i..i + n]);
            if let Some(e) = table.map.get(&k) {
                out.push(Out {
                    c: e.c,
                    mapped: true,
                    caseless: e.caseless,
                    strength: e.strength,
                });
                i += n;
                continue 'outer;
            }
        }
        out.push(Out {
            c: chars[i],
            mapped: false,
            caseless: false,
            strength: 0,
        });
        i += 1;
    }
    out
}

fn insert(t: &mut Table, k: &str, c: char, caseless: bool, strength: u8) {
    if k.chars().count() == 1 && k.starts_with(c) && !caseless {
        // Identity entries (plain letters) change nothing; TCVN3's ý (0xFD)
        // is kept because its case is unknown.
        return;
    }
    let Some(first) = k.chars().next() else {
        return;
    };
    match t.starts.get_mut(first as usize) {
        Some(s) => *s = true,
        None => t.wide = true,
    }
    t.max_len = t.max_len.max(k.chars().count().min(3));
    t.map.insert(
        key(k),
        Entry {
            c,
            caseless,
            strength,
        },
    );
}

// ---------------------------------------------------------------------------
// VNI-Windows
// ---------------------------------------------------------------------------

/// VNI-Windows: base letter followed by a mark byte, as read in Windows-1252.
/// Rows follow [`LOWER`]; tones level, sắc, huyền, hỏi, ngã, nặng.
const VNI_LOWER: [[&str; TONES]; BASES] = [
    ["a", "aù", "aø", "aû", "aõ", "aï"],
    ["aê", "aé", "aè", "aú", "aü", "aë"],
    ["aâ", "aá", "aà", "aå", "aã", "aä"],
    ["e", "eù", "eø", "eû", "eõ", "eï"],
    ["eâ", "eá", "eà", "eå", "eã", "eä"],
    ["i", "í", "ì", "æ", "ó", "ò"],
    ["o", "où", "oø", "oû", "oõ", "oï"],
    ["oâ", "oá", "oà", "oå", "oã", "oä"],
    ["ô", "ôù", "ôø", "ôû", "ôõ", "ôï"],
    ["u", "uù", "uø", "uû", "uõ", "uï"],
    ["ö", "öù", "öø", "öû", "öõ", "öï"],
    ["y", "yù", "yø", "yû", "yõ", "î"],
];

const VNI_UPPER: [[&str; TONES]; BASES] = [
    ["A", "AÙ", "AØ", "AÛ", "AÕ", "AÏ"],
    ["AÊ", "AÉ", "AÈ", "AÚ", "AÜ", "AË"],
    ["AÂ", "AÁ", "AÀ", "AÅ", "AÃ", "AÄ"],
    ["E", "EÙ", "EØ", "EÛ", "EÕ", "EÏ"],
    ["EÂ", "EÁ", "EÀ", "EÅ", "EÃ", "EÄ"],
    ["I", "Í", "Ì", "Æ", "Ó", "Ò"],
    ["O", "OÙ", "OØ", "OÛ", "OÕ", "OÏ"],
    ["OÂ", "OÁ", "OÀ", "OÅ", "OÃ", "OÄ"],
    ["Ô", "ÔÙ", "ÔØ", "ÔÛ", "ÔÕ", "ÔÏ"],
    ["U", "UÙ", "UØ", "UÛ", "UÕ", "UÏ"],
    ["Ö", "ÖÙ", "ÖØ", "ÖÛ", "ÖÕ", "ÖÏ"],
    ["Y", "YÙ", "YØ", "YÛ", "YÕ", "Î"],
];

const VNI_D: (&str, &str) = ("ñ", "Ñ");

fn vni_table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Table::new();
        for b in 0..BASES {
            for k in 0..TONES {
                let (lo, up) = (VNI_LOWER[b][k], VNI_UPPER[b][k]);
                insert(&mut t, lo, LOWER[b][k], false, 2);
                insert(&mut t, up, UPPER[b][k], false, 2);
                // Title-casing tools upper-case the letter but not the mark
                // byte after it (and the reverse happens too).
                if lo.chars().count() == 2 {
                    let mixed_up: String = up.chars().take(1).chain(lo.chars().skip(1)).collect();
                    let mixed_lo: String = lo.chars().take(1).chain(up.chars().skip(1)).collect();
                    insert(&mut t, &mixed_up, UPPER[b][k], false, 2);
                    insert(&mut t, &mixed_lo, LOWER[b][k], false, 2);
                }
            }
        }
        insert(&mut t, VNI_D.0, 'đ', false, 2);
        insert(&mut t, VNI_D.1, 'Đ', false, 2);
        t
    })
}

fn decode_vni(s: &str) -> String {
    let out = decode_with(vni_table(), s);
    let text: String = out.iter().map(|o| o.c).collect();
    nfc_owned(text)
}

/// NFC of an owned string, without a second pass and allocation when the
/// quick check already says it is NFC (decoders emit precomposed letters).
fn nfc_owned(text: String) -> String {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        text.nfc().collect()
    }
}

/// NFC Unicode → VNI-Windows bytes as read through Windows-1252.
pub fn encode_vni(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if let Some(v) = vowel_of(c) {
            let row = if v.upper { &VNI_UPPER } else { &VNI_LOWER };
            out.push_str(row[v.base as usize][v.tone as usize]);
        } else {
            match is_d_stroke(c) {
                Some(true) => out.push_str(VNI_D.1),
                Some(false) => out.push_str(VNI_D.0),
                None => out.push(c),
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// TCVN3 (ABC)
// ---------------------------------------------------------------------------

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

fn tcvn3_table() -> &'static Table {
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
/// "NGUYÔN" (Ô = 0xD4 = ễ). [`repair`] restores the case from the rest of
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

/// The case of a whole string; the value indexes [`WordReadings`]'s TCVN3
/// readings.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CaseMode {
    Upper = 0,
    Title = 1,
    Lower = 2,
}

/// Evidence of the case of a string from letters whose case survived
/// encoding: capitals inside words, lower-case letters, capitals starting
/// a word. Words are judged alone and their evidence combined with
/// [`CaseEvidence::and`], so that it can be kept per word.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
struct CaseEvidence {
    inner_upper: bool,
    lower: bool,
    title: bool,
}

impl CaseEvidence {
    fn of(out: &[Out]) -> CaseEvidence {
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

    fn and(self, o: CaseEvidence) -> CaseEvidence {
        CaseEvidence {
            inner_upper: self.inner_upper || o.inner_upper,
            lower: self.lower || o.lower,
            title: self.title || o.title,
        }
    }

    fn mode(self) -> CaseMode {
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
fn apply_case(out: &mut [Out], mode: CaseMode) {
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

/// TCVN3 decoded letter by letter, caseless letters cased from context;
/// and whether the text is all capitals. The dropped ư is not restored yet.
#[cfg(test)]
fn decode_tcvn3_letters(s: &str) -> (String, bool) {
    let mut out = decode_with(tcvn3_table(), s);
    let mode = CaseEvidence::of(&out).mode();
    apply_case(&mut out, mode);
    let text: String = out.iter().map(|o| o.c).collect();
    let upper = mode == CaseMode::Upper;
    (text, upper)
}

#[cfg(test)]
fn decode_tcvn3(s: &str) -> String {
    let (text, upper) = decode_tcvn3_letters(s);
    map_words(&text, |w| {
        Some(restore_dropped_u_horn(w, upper).unwrap_or(Cow::Borrowed(w)))
    })
    .expect("the closure never gives up")
}

/// [`decode_tcvn3`], or `None` as soon as a word is certain to fail
/// `words_clean` (not ASCII, invalid, and no ư restores it): such a reading
/// is never a candidate. The reference for [`LegacyWords`], which reads
/// word by word.
#[cfg(test)]
fn decode_tcvn3_checked(s: &str) -> Option<String> {
    let (text, upper) = decode_tcvn3_letters(s);
    map_words(&text, |w| match restore_dropped_u_horn(w, upper) {
        Some(r) => Some(r),
        None if w.is_ascii() => Some(Cow::Borrowed(w)),
        None => None,
    })
}

/// TCVN3's ư is the soft hyphen (0xAD), which many tools drop: "Tr­¬ng"
/// arrives as "Tr¬ng" (Trơng) and "H­ng" as "Hng". If a word is not a valid
/// syllable but becomes one with an ư inserted, insert it. `None` when the
/// word is invalid and stays so.
fn restore_dropped_u_horn(word: &str, upper: bool) -> Option<Cow<'_, str>> {
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

/// Applies `f` to each whitespace-separated word, keeping the whitespace;
/// `None` as soon as `f` gives up on a word.
#[cfg(test)]
fn map_words<'a, F>(s: &'a str, mut f: F) -> Option<String>
where
    F: FnMut(&'a str) -> Option<Cow<'a, str>>,
{
    let mut out = String::with_capacity(s.len() + 4);
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c.is_whitespace() {
            if let Some(st) = start.take() {
                out.push_str(&f(&s[st..i])?);
            }
            out.push(c);
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push_str(&f(&s[st..])?);
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// VIQR (RFC 1456)
// ---------------------------------------------------------------------------

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

fn viqr_table() -> &'static Table {
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
fn ascii_may_be_viqr(b: &[u8]) -> bool {
    b.iter()
        .any(|&c| matches!(c, b'(' | b'^' | b'+' | b'\'' | b'`' | b'?' | b'~' | b'.'))
        || b.windows(2)
            .any(|w| w[0].eq_ignore_ascii_case(&b'd') && w[1].eq_ignore_ascii_case(&b'd'))
}

/// Decodes VIQR if the evidence is sufficient and every word decodes to
/// valid syllables. Evidence: a strong mark (`( ^ + \` ~`, dd) counts 2, a
/// weak mark (`' . ?`) in a word of two or more letters counts 1 — a period
/// after an initial ("Van A.") counts nothing; a total of 2 is required, so
/// one stray apostrophe or question mark in ASCII text is not enough. The
/// exception: a word whose weak mark makes it a known name word counts 2,
/// one-letter words included ("Tha.ch" → Thạch, "Kha'nh" → Khánh,
/// "Ta. Quang" → Tạ Quang, "Ly' Hoa" → Lý Hoa, "Kim Y'" → Kim Ý). The price: ASCII text ending a name word with such a mark as
/// punctuation ("Van Ha." → Hạ) is read as VIQR.
#[cfg(test)]
fn decode_viqr_checked_reference(s: &str) -> Option<String> {
    let out = decode_with(viqr_table(), s);
    let mut score = 0u32;
    let mut word_letters = 0u32;
    let mut word_score = 0u32;
    let mut weak_in_word = 0u32;
    let mut word_start = 0;
    let end = Out {
        c: ' ',
        mapped: false,
        caseless: false,
        strength: 0,
    };
    for (i, o) in out.iter().chain(std::iter::once(&end)).enumerate() {
        if o.c.is_whitespace() {
            if word_letters >= 2 {
                word_score += weak_in_word;
            }
            // A name word is evidence even in one letter ("Kim Y'" = Kim Ý).
            if weak_in_word > 0 && word_score < 2 {
                let word: String = out[word_start..i].iter().map(|o| o.c).collect();
                if valid_syllable(&word) && is_name_word(&word) {
                    word_score = 2;
                }
            }
            score += word_score;
            word_letters = 0;
            word_score = 0;
            weak_in_word = 0;
            word_start = i + 1;
            continue;
        }
        if o.c.is_alphabetic() {
            word_letters += 1;
        }
        match (o.mapped, o.strength) {
            (true, 2) => word_score += 2,
            (true, 1) => weak_in_word += 1,
            _ => {}
        }
    }
    if score < 2 {
        return None;
    }
    let text: String = out.iter().map(|o| o.c).collect();
    words_clean(&text).then_some(text)
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

// ---------------------------------------------------------------------------
// UTF-8 read as Windows-1252
// ---------------------------------------------------------------------------

/// Windows-1252 bytes 0x80–0x9F. The five undefined bytes (0x81, 0x8D,
/// 0x8F, 0x90, 0x9D) decode to the C1 control of the same value, as the
/// WHATWG decoder and Windows do.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 || (0xA0..0x100).contains(&u) {
        return Some(u as u8);
    }
    if let Some(i) = CP1252_HIGH.iter().position(|&h| h == c) {
        return Some(0x80 + i as u8);
    }
    // A C1 control that some decoders (ISO-8859-1) produce for 0x80–0x9F.
    (0x80..0xA0).contains(&u).then_some(u as u8)
}

fn decode_utf8_as_cp1252(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    for c in s.chars() {
        bytes.push(cp1252_byte(c)?);
    }
    if bytes.is_ascii() {
        return None;
    }
    let decoded = String::from_utf8(bytes).ok()?;
    Some(nfc_owned(decoded))
}

/// NFC Unicode → its UTF-8 bytes decoded as Windows-1252 ("Nguyá»…n").
pub fn encode_utf8_as_cp1252(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
            _ => char::from(b),
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Windows-1258, NFD, accent folding
// ---------------------------------------------------------------------------

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
/// [`repair`] reports it as Unicode (with the same text).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::letters::{every_letter, B_Y};

    /// A syllable that is valid for every base vowel and tone: "l?m"
    /// (lám, lằm, lẫm, ...), or "l?" for y, which takes no final.
    fn syllable(c: char, base: usize, upper: bool) -> String {
        let (l, m) = if upper { ('L', "M") } else { ('l', "m") };
        if base == B_Y as usize {
            format!("{l}{c}")
        } else {
            format!("{l}{c}{m}")
        }
    }

    #[test]
    fn every_letter_round_trips_through_every_encoder() {
        for (b, _k, upper, c) in every_letter() {
            let one = c.to_string();
            assert_eq!(decode_vni(&encode_vni(&one)), one, "vni {c}");
            // TCVN3 keeps no case for toned letters on their own.
            assert_eq!(
                decode_tcvn3(&encode_tcvn3(&one)).to_lowercase(),
                one.to_lowercase(),
                "tcvn3 {c}"
            );
            let viqr: String = decode_with(viqr_table(), &encode_viqr(&one))
                .iter()
                .map(|o| o.c)
                .collect();
            assert_eq!(viqr, one, "viqr {c}");
            assert_eq!(
                decode_utf8_as_cp1252(&encode_utf8_as_cp1252(&one)).as_deref(),
                (!c.is_ascii()).then_some(one.as_str()),
                "utf8-as-cp1252 {c}"
            );
            assert_eq!(encode_cp1258(&one).nfc().collect::<String>(), one);
            assert_eq!(to_nfd(&one).nfc().collect::<String>(), one);
            let ascii = BASE_ASCII[b].0;
            let expect = if upper {
                ascii.to_ascii_uppercase()
            } else {
                ascii
            };
            assert_eq!(strip_marks(&one), expect.to_string());
        }
    }

    #[test]
    fn every_letter_repairs_in_a_name() {
        for (b, _k, upper, c) in every_letter() {
            let family = if upper {
                "NGUYỄN ĐẶNG"
            } else {
                "nguyễn đặng"
            };
            let name = format!("{family} {}", syllable(c, b, upper));
            assert!(words_clean(&name), "{name} should be valid");
            let clean = repair(&name);
            assert_eq!(
                (clean.text.as_str(), clean.encoding),
                (name.as_str(), Encoding::Unicode)
            );
            type Encoder = fn(&str) -> String;
            let encoders: [(Encoder, Encoding); 4] = [
                (encode_vni, Encoding::Vni),
                (encode_tcvn3, Encoding::Tcvn3),
                (encode_viqr, Encoding::Viqr),
                (encode_utf8_as_cp1252, Encoding::Utf8AsCp1252),
            ];
            for (encode, encoding) in encoders {
                let r = repair(&encode(&name));
                assert_eq!(
                    (r.text.as_str(), r.encoding),
                    (name.as_str(), encoding),
                    "{encoding:?}"
                );
            }
        }
    }

    #[test]
    fn d_stroke_in_every_encoder() {
        assert_eq!(encode_vni("Đđ"), "Ññ");
        assert_eq!(encode_tcvn3("Đđ"), "§®");
        assert_eq!(encode_viqr("Đđ"), "DDdd");
        assert_eq!(encode_utf8_as_cp1252("Đđ"), "Ä\u{90}Ä‘");
        assert_eq!(strip_marks("Đỗ đức"), "Do duc");
        for (input, enc) in [
            ("Ñoã Ñöùc", Encoding::Vni),
            ("§ç §øc", Encoding::Tcvn3),
            ("DDo^~ DDu+'c", Encoding::Viqr),
            ("Ä\u{90}á»— Ä\u{90}á»©c", Encoding::Utf8AsCp1252),
        ] {
            let r = repair(input);
            assert_eq!((r.text.as_str(), r.encoding), ("Đỗ Đức", enc), "{input}");
        }
    }

    #[test]
    fn published_chart_values() {
        // TCVN3 (ABC) bytes read as Latin-1.
        for (tcvn, uni) in [
            ("NguyÔn", "Nguyễn"),
            ("TrÇn", "Trần"),
            ("Lª", "Lê"),
            ("Ph¹m", "Phạm"),
            ("Hoµng", "Hoàng"),
            ("§Æng", "Đặng"),
        ] {
            assert_eq!(encode_tcvn3(uni), tcvn);
            let r = repair(tcvn);
            assert_eq!(
                (r.text.as_str(), r.encoding),
                (uni, Encoding::Tcvn3),
                "{tcvn}"
            );
        }
        // VNI-Windows: two bytes per toned vowel.
        for (vni, uni) in [
            ("Nguyeãn", "Nguyễn"),
            ("Traàn", "Trần"),
            ("Leâ", "Lê"),
            ("Ñaëng", "Đặng"),
        ] {
            assert_eq!(encode_vni(uni), vni);
            let r = repair(vni);
            assert_eq!((r.text.as_str(), r.encoding), (uni, Encoding::Vni), "{vni}");
        }
        assert_eq!(encode_viqr("Nguyễn Thị Thủy"), "Nguye^~n Thi. Thu?y");
        let r = repair("Nguye^~n Thi. Thu?y");
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Nguyễn Thị Thủy", Encoding::Viqr)
        );
        assert_eq!(encode_utf8_as_cp1252("Nguyễn"), "Nguyá»…n");
        let r = repair("Nguyá»…n");
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Nguyễn", Encoding::Utf8AsCp1252)
        );
    }

    #[test]
    fn genuine_unicode_is_left_alone() {
        for name in [
            "Nguyễn Văn An",
            "NGUYỄN THỊ MINH KHAI",
            "nguyễn thị thủy",
            "Trần Thị Thuỷ",
            "Lê Hoà",
            "Hoàng  Phủ   Ngọc",
            "Tôn Thất Thuyết",
            "Âu Dương Ước",
            "Nguyen Van An",
            "Le Thi Hoa",
            "Do Duc",
            "D'Arcy Nguyen",
            "Nguyen Van A.",
            "Le Thi Hoa?",
            "O'Brien",
            "H'Hen Niê",
            "Ksor Ya",
            "José Nguyễn",
            "Quỳnh Giang Gìn",
            "",
            "   ",
        ] {
            let r = repair(name);
            assert_eq!(
                (r.text.as_str(), r.encoding),
                (name, Encoding::Unicode),
                "{name:?}"
            );
        }
    }

    #[test]
    fn nfd_and_cp1258() {
        let r = repair(&to_nfd("Nguyễn Thị Hằng"));
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Nguyễn Thị Hằng", Encoding::Unicode)
        );
        // Precomposed ê with a separate tilde: Windows-1258.
        let r = repair("Nguyê\u{303}n Thi\u{323} Hà");
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Nguyễn Thị Hà", Encoding::Cp1258)
        );
        assert_eq!(encode_cp1258("Nguyễn Hà"), "Nguyê\u{303}n Hà");
        let r = repair(&encode_cp1258("Trần Thị Hằng"));
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Trần Thị Hằng", Encoding::Cp1258)
        );
    }

    #[test]
    fn lookalikes_fold_to_d_stroke() {
        for (input, want) in [("Ðặng", "Đặng"), ("Ɖỗ ɖức", "Đỗ đức"), ("ðào", "đào")]
        {
            let r = repair(input);
            assert_eq!((r.text.as_str(), r.encoding), (want, Encoding::Unicode));
        }
    }

    #[test]
    fn tcvn3_case_is_restored_from_context() {
        let r = repair("NGUYÔN THÞ ¸NH");
        assert_eq!(r.text, "NGUYỄN THỊ ÁNH");
        let r = repair("NguyÔn ThÞ ¸nh");
        assert_eq!(r.text, "Nguyễn Thị Ánh");
        let r = repair("nguyÔn thÞ ¸nh");
        assert_eq!(r.text, "nguyễn thị ánh");
    }

    #[test]
    fn tcvn3_dropped_soft_hyphen_is_restored() {
        // "Trương Văn Hưng" with every 0xAD (ư) lost.
        let r = repair("Tr¬ng V¨n Hng");
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Trương Văn Hưng", Encoding::Tcvn3)
        );
        // And kept as U+00AD.
        let r = repair("Tr\u{AD}¬ng V¨n H\u{AD}ng");
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Trương Văn Hưng", Encoding::Tcvn3)
        );
    }

    #[test]
    fn viqr_needs_real_evidence() {
        // One weak mark is not enough, unless it makes a name word; two are.
        assert_eq!(repair("Le Thi Hoa?").encoding, Encoding::Unicode);
        assert_eq!(repair("Nguyen Va'n").encoding, Encoding::Unicode);
        let r = repair("Ly' Hoa");
        assert_eq!((r.text.as_str(), r.encoding), ("Lý Hoa", Encoding::Viqr));
        let r = repair("Ly' Thi. Hoa");
        assert_eq!(
            (r.text.as_str(), r.encoding),
            ("Lý Thị Hoa", Encoding::Viqr)
        );
        // A period after an initial is not a dot below.
        assert_eq!(repair("Tran Van A. B.").encoding, Encoding::Unicode);
        // Marks after consonants break nothing.
        assert_eq!(repair("D'Arcy Tra^`n").text, "D'Arcy Trần");
    }

    #[test]
    fn name_evidence_counts_words_and_places() {
        // Thất is no name on its own; with Tôn before it, it is.
        assert_eq!(name_evidence("Tôn Thất An"), (3, 3, 3));
        assert_eq!(name_evidence("Thất An"), (1, 1, 1));
        assert_eq!(name_evidence("TÔN THẤT AN"), (3, 3, 3));
        assert_eq!(name_evidence("Vò THÕ CHI"), (1, 1, 1));
        assert_eq!(name_evidence("VŨ THẾ CHI"), (3, 3, 3));
        assert_eq!(name_evidence("Lê-Hà  Giang"), (3, 3, 3));
        // Hòa is a given name only, Hồ a family name; Hoà is Hòa restyled.
        assert_eq!(name_evidence("Hoà Chung"), (2, 1, 1));
        assert_eq!(name_evidence("Hồ Chung"), (2, 2, 2));
        assert_eq!(name_evidence("Kỳ"), (1, 1, 1));
        // Given name first, then the family name.
        assert_eq!(name_evidence("Dũng Phó"), (2, 2, 0));
        assert_eq!(name_evidence("An Tôn Thất"), (3, 3, 1));
        assert_eq!(name_evidence("Dũng Phó Văn"), (3, 3, 1));
        assert_eq!(name_evidence("Dũng Phú Văn"), (3, 2, 2));
        assert_eq!(name_evidence("Hoà Kim Lan"), (3, 3, 2));
        // A given name ends the standard order: Thị only stands between.
        assert_eq!(name_evidence("Lê Thị Hà"), (3, 3, 3));
        assert_eq!(name_evidence(""), (0, 0, 0));
    }

    #[test]
    fn name_evidence_decides_between_valid_readings() {
        for (input, want, enc) in [
            ("Tõ Lan", "Từ Lan", Encoding::Tcvn3),
            ("tõ lan", "từ lan", Encoding::Tcvn3),
            ("Böu", "Bửu", Encoding::Tcvn3),
            ("LAÕ", "LÃ", Encoding::Vni),
            ("HÃ\u{a0} Giang", "Hà Giang", Encoding::Utf8AsCp1252),
            ("Mai LÃ\u{a0}i", "Mai Lài", Encoding::Utf8AsCp1252),
            ("Tha.ch", "Thạch", Encoding::Viqr),
            ("KHA'NH", "KHÁNH", Encoding::Viqr),
            // Both readings all valid, Unicode has as many known words.
            ("Võ Thị Hà", "Võ Thị Hà", Encoding::Unicode),
            ("Hà Giang", "Hà Giang", Encoding::Unicode),
            ("Lê Hoà", "Lê Hoà", Encoding::Unicode),
            ("Hoà Chung", "Hồ Chung", Encoding::Vni),
            // VNI of Phí Hồng, but also a genuine name: Unicode wins ties.
            ("Phí Hoàng", "Phí Hoàng", Encoding::Unicode),
            ("Hoà Kim Lan", "Hồ Kim Lan", Encoding::Vni),
            ("Kim Lan Hoà", "Kim Lan Hoà", Encoding::Unicode),
            // TCVN3 would read Dũng Phú, a given name where a family name
            // stands when the given name is written first.
            ("Dũng Phó", "Dũng Phó", Encoding::Unicode),
            ("Hà\u{a0}Giang", "Hà\u{a0}Giang", Encoding::Unicode),
            // No name either way: shape alone never rewrites valid text.
            ("Xõ Xõ", "Xõ Xõ", Encoding::Unicode),
            ("Xa'nh", "Xa'nh", Encoding::Unicode),
            ("Ta. Quang", "Tạ Quang", Encoding::Viqr),
            ("Kim Y'", "Kim Ý", Encoding::Viqr),
            ("Tran Van A.", "Tran Van A.", Encoding::Unicode),
        ] {
            let r = repair(input);
            assert_eq!((r.text.as_str(), r.encoding), (want, enc), "{input:?}");
        }
    }

    #[test]
    fn artefact_characters() {
        for c in ['à', 'Ã', '\u{a0}', 'õ', '€', '\u{90}', '‘', '§'] {
            assert!(may_be_artefact(c), "{c:?}");
        }
        for c in ['a', 'ễ', 'ă', 'Đ', 'ư', 'ơ', 'ạ', '\u{303}'] {
            assert!(!may_be_artefact(c), "{c:?}");
        }
    }

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

    /// A name from the tables, in one of the forms registers produce: each
    /// legacy encoding (upper case too), one word legacy and the rest
    /// Unicode, TCVN3 with the soft-hyphen ư dropped, NFD, odd white space.
    fn damaged_name(f: usize, m: &[usize], g: usize, how: u8) -> String {
        let fam = datasets::family_names();
        let mid = datasets::middle_names();
        let giv = datasets::given_names();
        let mut name = fam[f % fam.len()].name.to_owned();
        for &i in m {
            name.push(' ');
            name.push_str(mid[i % mid.len()].name);
        }
        name.push(' ');
        name.push_str(giv[g % giv.len()].name);
        let upper = name.to_uppercase();
        match how {
            0 => name,
            1 => encode_vni(&name),
            2 => encode_tcvn3(&name),
            3 => encode_viqr(&name),
            4 => encode_utf8_as_cp1252(&name),
            5 => encode_cp1258(&name),
            6 => to_nfd(&name),
            7 => encode_vni(&upper),
            8 => encode_tcvn3(&upper),
            9 => encode_viqr(&upper),
            10 => encode_utf8_as_cp1252(&upper),
            11 => encode_tcvn3(&name).replace('\u{AD}', ""),
            12 => encode_tcvn3(&name.to_lowercase()),
            13 => encode_viqr(&strip_marks(&name)),
            14 => format!(" {}\t", encode_vni(&name).replace(' ', "\u{a0} ")),
            15 => match name.split_once(' ') {
                Some((first, rest)) => format!("{} {rest}", encode_vni(first)),
                None => encode_vni(&name),
            },
            _ => match name.rsplit_once(' ') {
                Some((rest, last)) => format!("{rest} {}", encode_tcvn3(last)),
                None => encode_tcvn3(&name),
            },
        }
    }

    proptest::proptest! {
        /// Reading legacy encodings word by word, with the per-word cache,
        /// gives what the whole-string trials give, cold and warm.
        #[test]
        fn word_by_word_repair_matches_whole_string_on_names(
            f in 0usize..1000,
            m in proptest::collection::vec(0usize..1000, 0..3),
            g in 0usize..2000,
            how in 0u8..17,
        ) {
            let input = damaged_name(f, &m, g, how);
            let want = repair_reference(&input);
            proptest::prop_assert_eq!(&repair(&input), &want, "{:?}", input);
            proptest::prop_assert_eq!(&repair(&input), &want, "{:?} (cached)", input);
        }

        /// The same on text made of the characters the readings care about:
        /// letters, Latin-1 and Windows-1252 bytes, combining tones, VIQR
        /// marks, look-alikes, every kind of white space.
        #[test]
        fn word_by_word_repair_matches_whole_string_on_any_text(
            input in "[a-zA-Zđươăâêôáàảãạễệ ĐÐðɖ\u{80}-\u{ff}€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ\u{300}\u{301}\u{303}\u{309}\u{323}\u{2000}\u{200b}\u{3000}\t'.?~^+(`-]{0,24}"
        ) {
            proptest::prop_assert_eq!(repair(&input), repair_reference(&input));
        }

        #[test]
        fn runs_match_their_specification(input in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(runs(&input).collect::<Vec<_>>(), runs_reference(&input));
        }

        /// NFC word by word, with the per-word cache, is whole-string NFC,
        /// with the same Windows-1258 verdict.
        #[test]
        fn word_by_word_nfc_matches_whole_string(
            input in "[aeouyAEOUđĐươâêôăƯƠÂÊÔĂáàễệ\u{300}-\u{303}\u{306}\u{309}\u{31b}\u{323}\u{327} \t\u{85}\u{a0}\u{1680}\u{2000}-\u{200b}\u{3000}]{0,16}"
        ) {
            let mut words = LegacyWords::default();
            let want = nfc_and_encoding(&input);
            proptest::prop_assert_eq!(&nfc_checked(&mut words, &input), &want);
            proptest::prop_assert_eq!(&nfc_checked(&mut words, &input), &want);
        }

        #[test]
        fn word_by_word_repair_matches_whole_string_on_arbitrary_strings(
            input in proptest::prelude::any::<String>()
        ) {
            proptest::prop_assert_eq!(repair(&input), repair_reference(&input));
        }
    }

    #[test]
    fn white_len_agrees_with_is_whitespace_on_every_character() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let s = format!("{c}x");
            let want = c.is_whitespace().then(|| c.len_utf8());
            assert_eq!(white_len(&s, 0), want, "U+{:04X}", c as u32);
        }
    }

    /// `runs` as specified: words and white space by `char::is_whitespace`.
    fn runs_reference(s: &str) -> Vec<(usize, usize, bool)> {
        let mut out: Vec<(usize, usize, bool)> = Vec::new();
        for (i, c) in s.char_indices() {
            let white = c.is_whitespace();
            let end = i + c.len_utf8();
            match out.last_mut() {
                Some(last) if last.2 == white => last.1 = end,
                _ => out.push((i, end, white)),
            }
        }
        out
    }

    #[test]
    fn runs_split_words_and_white_space() {
        let cases = [
            "",
            " ",
            "Nguyễn  Văn\tAn ",
            "\u{a0}Hà\u{a0}\u{2000}Nội\u{3000}\u{1680}x\u{85}y\u{2028}",
            "\u{1ea0}\u{1e9a}\u{169f}\u{1680}\u{167f}",
            "Nguy\u{ea}\u{303}n\u{202f}\u{205f}\u{200b}Ð",
        ];
        for c in cases {
            assert_eq!(runs(c).collect::<Vec<_>>(), runs_reference(c), "{c:?}");
        }
    }

    #[test]
    fn characters_below_u0300_pass_the_nfc_quick_check() {
        // The premise of `below_combining_marks`.
        for c in (0..0x300).filter_map(char::from_u32) {
            let s = c.to_string();
            assert!(below_combining_marks(&s), "U+{:04X}", c as u32);
            assert_eq!(
                is_nfc_quick(s.chars()),
                IsNormalized::Yes,
                "U+{:04X}",
                c as u32
            );
        }
        assert!(!below_combining_marks("a\u{300}"));
        assert!(!below_combining_marks("Nguyễn"));
    }

    #[test]
    fn word_by_word_nfc_matches_whole_string_nfc() {
        let cases = [
            // NFD (macOS), Windows-1258 (precomposed base, combining tone).
            "Nguye\u{302}\u{303}n Thi\u{323} Ha\u{300}",
            "Nguy\u{ea}\u{303}n Th\u{1b0}\u{300}a",
            // A combining mark at the start of a word, after each kind of
            // white space, and U+2000/U+2001, which NFC maps to U+2002/U+2003.
            "a \u{301}b\u{a0}\u{303}c\u{2000}\u{323}d\u{2001}e\u{300}",
            "\u{301}\u{1680}\u{300}\u{85}\u{3000}\u{309}\u{2001}",
            // Marks out of canonical order, split by white space.
            "a\u{323}\u{302} \u{302}\u{323}",
            "\u{2000}",
        ];
        let mut words = LegacyWords::default();
        for c in cases {
            let want = nfc_and_encoding(c);
            assert_eq!(nfc_checked(&mut words, c), want, "{c:?}");
            assert_eq!(nfc_checked(&mut words, c), want, "{c:?} (cached)");
        }
    }

    /// `LegacyWords::nfc_words` as (text, encoding), after checking that its
    /// spans are the words of the text, each with the id of its own text.
    fn nfc_checked(words: &mut LegacyWords, input: &str) -> (Cow<'static, str>, Encoding) {
        words.make_room();
        let nfc = words.nfc_words(input);
        let want: Vec<(usize, usize)> = runs(&nfc.text)
            .filter(|r| !r.2)
            .map(|(a, b, _)| (a, b))
            .collect();
        let got: Vec<(usize, usize)> = nfc.spans.iter().map(|&(a, b, _)| (a, b)).collect();
        assert_eq!(got, want, "{input:?}");
        for &(a, b, id) in &nfc.spans {
            assert_eq!(words.index.get(&nfc.text[a..b]), Some(&id), "{input:?}");
        }
        (Cow::Owned(nfc.text), nfc.fallback)
    }

    #[test]
    fn cached_name_evidence_matches_the_tables() {
        let texts = [
            "Tôn Thất An",
            "An Tôn Thất",
            "TÔN THẤT AN",
            "Hoà Kim Lan",
            "Dũng Phó Văn",
            "Lê-Hà  Giang",
            "Vò THÕ CHI",
            "",
        ];
        for t in texts {
            let want = name_evidence(t);
            assert_eq!(name_evidence_cached(t), want, "{t}");
            assert_eq!(name_evidence_cached(t), want, "{t} (cached)");
        }
    }

    #[test]
    fn lookalike_scan_matches_contains() {
        for c in (0..0x800).filter_map(char::from_u32) {
            let s = format!("a{c}b");
            let want = s.contains(['Ð', 'Ɖ', 'ð', 'ɖ']);
            assert_eq!(has_lookalike(s.as_bytes()), want, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn white_space_counts_in_the_readings() {
        // The NBSP alone makes this text "legacy characters only", so the
        // TCVN3 reading (dropped ư restored) is tried, and wins on name
        // evidence: Hưng and Lan against Lan alone.
        let want = Repaired {
            text: "Hưng\u{a0}Lan".to_owned(),
            encoding: Encoding::Tcvn3,
        };
        assert_eq!(repair_reference("Hng\u{a0}Lan"), want);
        assert_eq!(repair("Hng\u{a0}Lan"), want);
        // An ideographic space is no legacy character: with it, the valid
        // "Hà Hng" is genuine Unicode and no reading is tried (with an NBSP
        // the TCVN3 reading Hà Hưng would win).
        for f in [repair, repair_reference] {
            let r = f("Hà\u{3000}Hng");
            assert_eq!(
                (r.text.as_str(), r.encoding),
                ("Hà\u{3000}Hng", Encoding::Unicode)
            );
            let r = f("Hà\u{a0}Hng");
            assert_eq!(
                (r.text.as_str(), r.encoding),
                ("Hà\u{a0}Hưng", Encoding::Tcvn3)
            );
        }
        // UTF-8 read as Windows-1252 with the NBSP second byte of à: the
        // UTF-8 reading is of the whole string, NBSP included.
        assert_eq!(repair("HÃ\u{a0} Giang").text, "Hà Giang");
    }

    #[test]
    fn readings_survive_the_cache_being_emptied() {
        let names = [
            "NguyÔn ThÞ ¸nh",
            "Traàn Vaên Hoà",
            "Nguye^~n Thi. Thu?y",
            "Tr¬ng Hng",
        ];
        let want: Vec<Repaired> = names.iter().map(|n| repair_reference(n)).collect();
        // More distinct words than the cache holds, in both readings (words
        // of non-ASCII text, and VIQR words of ASCII text).
        for i in 0..LEGACY_WORDS + 10 {
            repair(&format!("Lª x{i}"));
            repair(&format!("Le^ x{i}"));
            if i % 4096 == 0 {
                for (n, w) in names.iter().zip(&want) {
                    assert_eq!(&repair(n), w, "{n}");
                }
            }
        }
        for (n, w) in names.iter().zip(&want) {
            assert_eq!(&repair(n), w, "{n}");
        }
    }
}
