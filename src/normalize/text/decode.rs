//! What the legacy decoders share: greedy longest match against a table of
//! 1–3 character keys (VNI, TCVN3, VIQR), and NFC of decoded text.

use std::collections::HashMap;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use crate::normalize::fxhash::FxBuild;

/// One decoded character: whether it came from a table entry, whether its
/// case is unknown (TCVN3 toned letters exist in lower case only), and how
/// strongly the source sequence points at the encoding (VIQR: 1 for marks
/// that also occur as punctuation, 2 otherwise).
#[derive(Clone, Copy)]
pub(super) struct Out {
    pub(super) c: char,
    pub(super) mapped: bool,
    pub(super) caseless: bool,
    pub(super) strength: u8,
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
pub(super) struct Table {
    map: HashMap<[char; 3], Entry, FxBuild>,
    /// Keys starting with each character below U+0100.
    starts: [bool; 256],
    /// Some key starts with a character at or above U+0100.
    wide: bool,
    max_len: usize,
}

impl Table {
    pub(super) fn new() -> Table {
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
pub(super) fn decode_with(table: &Table, s: &str) -> Vec<Out> {
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

pub(super) fn insert(t: &mut Table, k: &str, c: char, caseless: bool, strength: u8) {
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

/// NFC of an owned string, without a second pass and allocation when the
/// quick check already says it is NFC (decoders emit precomposed letters).
pub(super) fn nfc_owned(text: String) -> String {
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        text.nfc().collect()
    }
}
