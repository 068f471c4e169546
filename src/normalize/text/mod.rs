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
//! The code tables (in the submodules, one per encoding) were written from
//! the published charts (VNI-Windows, TCVN 5712:1993 VN3 "ABC", RFC 1456
//! VIQR) and are tested letter by letter.
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
//!
//! # Layout
//!
//! This module is the rule: [`repair`], its types, the per-word facts the
//! name pipeline caches (`WordFacts`) and the per-thread cache of word
//! readings repair decides with (`LegacyWords`). What it builds on are
//! submodules that never import this one:
//!
//! - `runs`: the split into words and white space;
//! - `syllable`: the syllable validator;
//! - `evidence`: name evidence from the name tables;
//! - `decode`: the table decoder the legacy readings share;
//! - `vni`, `tcvn3`, `viqr`, `cp1252` (UTF-8 read as Windows-1252) and
//!   `cp1258`: one per encoding, with its tables, its decoder and the
//!   forward encoder the generator uses;
//! - `marks`: NFD and the accent-free form.
//!
//! The whole-string specifications the word-by-word code is tested against
//! are in `reference` (tests only).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use serde::Serialize;
use unicode_normalization::{is_nfc_quick, is_nfd, IsNormalized, UnicodeNormalization};

use super::fxhash::FxBuild;
use super::letters::is_d_stroke;

mod cp1252;
mod cp1258;
mod decode;
mod evidence;
mod marks;
#[cfg(test)]
mod reference;
mod runs;
mod syllable;
mod tcvn3;
#[cfg(test)]
mod tests;
mod viqr;
mod vni;

pub use cp1252::encode_utf8_as_cp1252;
pub use cp1258::encode_cp1258;
pub use marks::{strip_marks, to_nfd};
pub(crate) use runs::runs;
pub use tcvn3::encode_tcvn3;
pub use viqr::encode_viqr;
pub use vni::encode_vni;

use cp1252::{decode_utf8_as_cp1252, CP1252_HIGH};
use cp1258::is_combining_tone;
use decode::decode_with;
use evidence::{is_name_word, name_evidence_cached, Evidence};
use syllable::{valid_syllable, word_clean, words_clean};
use tcvn3::{apply_case, restore_dropped_u_horn, tcvn3_table, CaseEvidence, CaseMode};
use viqr::{ascii_may_be_viqr, viqr_table};
use vni::decode_vni;

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
// repair
// ---------------------------------------------------------------------------

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
    pub(crate) fn kept_as_unicode(self) -> bool {
        if self.ascii {
            !self.viqr_mark
        } else {
            // Artefacts only is what an 8-bit legacy text looks like.
            self.nfc && self.clean && (self.beyond || !self.artefact)
        }
    }

    /// No string holding this word is kept as it is (the word is not NFC,
    /// or not ASCII and not valid): callers may stop looking at the others.
    pub(crate) fn hopeless(self) -> bool {
        !self.nfc || !self.clean
    }
}

fn unicode(text: String, encoding: Encoding) -> Repaired {
    Repaired { text, encoding }
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
/// whole-string trials, in `reference`) is the specification the tests
/// compare against. The UTF-8 reading stays whole-string: an NBSP (a UTF-8
/// continuation byte) is white space to the word split.
///
/// Cost: one hash lookup per word and the output string, instead of three
/// decodings with their allocations, validation and ư trials per name;
/// the name tables are still consulted only on a real choice.
#[derive(Default)]
struct LegacyWords {
    index: HashMap<Box<str>, u32, FxBuild>,
    words: Vec<WordReadings>,
    viqr: HashMap<Box<str>, ViqrWord, FxBuild>,
    /// NFC facts of raw words (see [`LegacyWords::nfc_words`]).
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

    /// `nfc_and_encoding` (the whole-string specification, in `reference`)
    /// computed word by word, each distinct raw word's NFC form and
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
