//! The whole-string specifications of the word-by-word code, for the tests
//! only: [`super::repair`] as first written, trying every reading of the
//! whole string, with the decoders it used. The production code reads word
//! by word through per-word caches; the tests compare the two.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, is_nfd, IsNormalized, UnicodeNormalization};

use super::cp1252::decode_utf8_as_cp1252;
use super::cp1258::is_combining_tone;
use super::decode::{decode_with, Out};
use super::evidence::{is_name_word, name_evidence, Evidence};
use super::syllable::{valid_syllable, words_clean};
use super::tcvn3::{apply_case, restore_dropped_u_horn, tcvn3_table, CaseEvidence, CaseMode};
use super::viqr::{ascii_may_be_viqr, viqr_table};
use super::vni::decode_vni;
use super::{fold_lookalikes, may_be_artefact, unicode, Encoding, Repaired};

/// `input` in NFC, and the encoding to report if no legacy reading applies:
/// Windows-1258 when it arrived with combining tones on precomposed bases.
///
/// The specification of [`super::LegacyWords::nfc_words`], which
/// [`super::repair`] uses.
pub(super) fn nfc_and_encoding(input: &str) -> (Cow<'_, str>, Encoding) {
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

/// [`super::repair`] as first written, trying every reading of the whole
/// string: the specification the word-by-word `repair` is tested against.
pub(super) fn repair_reference(input: &str) -> Repaired {
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

/// The legacy reading of `text`, if any, as first written: every reading of
/// the whole string (the reference for [`super::LegacyWords::legacy`]).
/// Candidates are the decodings that change the text and are made of valid
/// syllables. With `rival` (the text's
/// own, valid, Unicode reading) a UTF-8-as-Windows-1252 candidate is taken
/// on its byte structure alone, and any other must have strictly more known
/// name words than the rival; without, the candidate with the most known
/// words wins, ties to the first in trial order (a single candidate is taken
/// without looking anything up).
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

/// TCVN3 decoded letter by letter, caseless letters cased from context;
/// and whether the text is all capitals. The dropped ư is not restored yet.
fn decode_tcvn3_letters(s: &str) -> (String, bool) {
    let mut out = decode_with(tcvn3_table(), s);
    let mode = CaseEvidence::of(&out).mode();
    apply_case(&mut out, mode);
    let text: String = out.iter().map(|o| o.c).collect();
    let upper = mode == CaseMode::Upper;
    (text, upper)
}

/// The TCVN3 reading of `s`, with the dropped ư restored in words it makes
/// valid.
pub(super) fn decode_tcvn3(s: &str) -> String {
    let (text, upper) = decode_tcvn3_letters(s);
    map_words(&text, |w| {
        Some(restore_dropped_u_horn(w, upper).unwrap_or(Cow::Borrowed(w)))
    })
    .expect("the closure never gives up")
}

/// [`decode_tcvn3`], or `None` as soon as a word is certain to fail
/// `words_clean` (not ASCII, invalid, and no ư restores it): such a reading
/// is never a candidate. The reference for [`super::LegacyWords`], which
/// reads word by word.
fn decode_tcvn3_checked(s: &str) -> Option<String> {
    let (text, upper) = decode_tcvn3_letters(s);
    map_words(&text, |w| match restore_dropped_u_horn(w, upper) {
        Some(r) => Some(r),
        None if w.is_ascii() => Some(Cow::Borrowed(w)),
        None => None,
    })
}

/// Applies `f` to each whitespace-separated word, keeping the whitespace;
/// `None` as soon as `f` gives up on a word.
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

/// Decodes VIQR if the evidence is sufficient and every word decodes to
/// valid syllables. Evidence: a strong mark (`( ^ + \` ~`, dd) counts 2, a
/// weak mark (`' . ?`) in a word of two or more letters counts 1 — a period
/// after an initial ("Van A.") counts nothing; a total of 2 is required, so
/// one stray apostrophe or question mark in ASCII text is not enough. The
/// exception: a word whose weak mark makes it a known name word counts 2,
/// one-letter words included ("Tha.ch" → Thạch, "Kha'nh" → Khánh,
/// "Ta. Quang" → Tạ Quang, "Ly' Hoa" → Lý Hoa, "Kim Y'" → Kim Ý). The
/// price: ASCII text ending a name word with such a mark as punctuation
/// ("Van Ha." → Hạ) is read as VIQR. The reference for
/// [`super::LegacyWords::viqr`], which scores word by word.
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
