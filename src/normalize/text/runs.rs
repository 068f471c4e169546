//! The words of a string and the white space between them, found by a
//! byte scan: the split that [`super::repair`] and the name pipeline share.
//!
//! A leaf.

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
#[inline]
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

#[cfg(test)]
mod tests {
    use super::*;

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

    proptest::proptest! {
        #[test]
        fn runs_match_their_specification(input in proptest::prelude::any::<String>()) {
            proptest::prop_assert_eq!(runs(&input).collect::<Vec<_>>(), runs_reference(&input));
        }
    }
}
