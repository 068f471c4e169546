//! Name evidence: how many words of a reading are known name words, and
//! how many stand where their table says (see [`Evidence`]). [`super::repair`]
//! weighs readings that are all valid syllables with it; the rule is in the
//! module docs of [`super`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use crate::normalize::datasets;
use crate::normalize::fxhash::FxBuild;
use crate::normalize::tone;

/// Name evidence of a reading, compared in this order:
/// 1. the words of the reading (split on whitespace and hyphens) found in any
///    name table, a two-word family name such as Tôn Thất counting as two;
/// 2. the words found in the table of their place, in the better of the two
///    orders registers use: family, middles, given ("Hồ Kim Lan"), or given,
///    family, middles ("Lan Hồ Kim"); any table for a lone word;
/// 3. the same in the standard order (family first) alone.
///
/// The second breaks ties such as VNI "Hoà Chung": new-style Hoà (Hòa, a
/// given name) Chung, or Hồ (a family name) Chung; the third ties such as
/// VNI "Hoà Kim Lan", which also reads given name first (Hòa, Kim, Lan).
pub(super) type Evidence = (usize, usize, usize);

/// [`evidence_of`] looking every word up in the tables: the specification
/// of [`name_evidence_cached`], for the tests.
#[cfg(test)]
pub(super) fn name_evidence(s: &str) -> Evidence {
    evidence_of(s, &mut TableFacts)
}

/// The [`Evidence`] of `s`, each word's table facts kept in a per-thread
/// cache ([`EvidenceWords`]).
pub(super) fn name_evidence_cached(s: &str) -> Evidence {
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

/// The [`Evidence`] of `s` with the table facts from `tables`.
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
pub(super) fn is_name_word(w: &str) -> bool {
    in_tables(w, |w| {
        datasets::family_name(w).is_some()
            || datasets::is_given_name(w)
            || datasets::is_middle_name(w)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
