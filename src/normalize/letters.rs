//! The letter model shared by tone placement and text repair: the twelve
//! base vowels in six tones, upper and lower case, their ASCII letters and
//! VIQR modifiers, the split of a precomposed letter into (base, tone,
//! case), and Đ with its look-alikes.
//!
//! A leaf: [`super::tone`] and [`super::text`] both build on it, and it
//! imports neither.

/// Number of base vowels: a ă â e ê i o ô ơ u ư y.
pub(crate) const BASES: usize = 12;
/// Tones in the order of the VNI and TCVN3 charts: level, sắc (acute),
/// huyền (grave), hỏi (hook), ngã (tilde), nặng (dot below).
pub(crate) const TONES: usize = 6;

pub(crate) const B_A: u8 = 0;
pub(crate) const B_E: u8 = 3;
pub(crate) const B_I: u8 = 5;
pub(crate) const B_O: u8 = 6;
pub(crate) const B_U: u8 = 9;
pub(crate) const B_Y: u8 = 11;

pub(crate) const LOWER: [[char; TONES]; BASES] = [
    ['a', 'á', 'à', 'ả', 'ã', 'ạ'],
    ['ă', 'ắ', 'ằ', 'ẳ', 'ẵ', 'ặ'],
    ['â', 'ấ', 'ầ', 'ẩ', 'ẫ', 'ậ'],
    ['e', 'é', 'è', 'ẻ', 'ẽ', 'ẹ'],
    ['ê', 'ế', 'ề', 'ể', 'ễ', 'ệ'],
    ['i', 'í', 'ì', 'ỉ', 'ĩ', 'ị'],
    ['o', 'ó', 'ò', 'ỏ', 'õ', 'ọ'],
    ['ô', 'ố', 'ồ', 'ổ', 'ỗ', 'ộ'],
    ['ơ', 'ớ', 'ờ', 'ở', 'ỡ', 'ợ'],
    ['u', 'ú', 'ù', 'ủ', 'ũ', 'ụ'],
    ['ư', 'ứ', 'ừ', 'ử', 'ữ', 'ự'],
    ['y', 'ý', 'ỳ', 'ỷ', 'ỹ', 'ỵ'],
];

pub(crate) const UPPER: [[char; TONES]; BASES] = [
    ['A', 'Á', 'À', 'Ả', 'Ã', 'Ạ'],
    ['Ă', 'Ắ', 'Ằ', 'Ẳ', 'Ẵ', 'Ặ'],
    ['Â', 'Ấ', 'Ầ', 'Ẩ', 'Ẫ', 'Ậ'],
    ['E', 'É', 'È', 'Ẻ', 'Ẽ', 'Ẹ'],
    ['Ê', 'Ế', 'Ề', 'Ể', 'Ễ', 'Ệ'],
    ['I', 'Í', 'Ì', 'Ỉ', 'Ĩ', 'Ị'],
    ['O', 'Ó', 'Ò', 'Ỏ', 'Õ', 'Ọ'],
    ['Ô', 'Ố', 'Ồ', 'Ổ', 'Ỗ', 'Ộ'],
    ['Ơ', 'Ớ', 'Ờ', 'Ở', 'Ỡ', 'Ợ'],
    ['U', 'Ú', 'Ù', 'Ủ', 'Ũ', 'Ụ'],
    ['Ư', 'Ứ', 'Ừ', 'Ử', 'Ữ', 'Ự'],
    ['Y', 'Ý', 'Ỳ', 'Ỷ', 'Ỹ', 'Ỵ'],
];

/// ASCII letter under each base vowel, and its modifier in VIQR
/// (RFC 1456: `(` breve, `^` circumflex, `+` horn).
pub(crate) const BASE_ASCII: [(char, Option<char>); BASES] = [
    ('a', None),
    ('a', Some('(')),
    ('a', Some('^')),
    ('e', None),
    ('e', Some('^')),
    ('i', None),
    ('o', None),
    ('o', Some('^')),
    ('o', Some('+')),
    ('u', None),
    ('u', Some('+')),
    ('y', None),
];

// Direct-index lookup for char → (base, tone, case): the precomposed
// Vietnamese vowels live in U+0000..U+01B0 and U+1EA0..U+1EF9, so two small
// arrays built at compile time replace a hash lookup on the hot path.
const LOW_LEN: usize = 0x1B1;
const EXT_START: usize = 0x1EA0;
const EXT_LEN: usize = 0x5A;

const fn pack(base: usize, tone: usize, upper: bool) -> u8 {
    (1 + (base * TONES + tone) * 2 + upper as usize) as u8
}

const fn build_index(start: usize, len: usize) -> [u8; 0x1B1] {
    let mut t = [0u8; LOW_LEN];
    let mut b = 0;
    while b < BASES {
        let mut k = 0;
        while k < TONES {
            let lc = LOWER[b][k] as usize;
            if lc >= start && lc < start + len {
                t[lc - start] = pack(b, k, false);
            }
            let uc = UPPER[b][k] as usize;
            if uc >= start && uc < start + len {
                t[uc - start] = pack(b, k, true);
            }
            k += 1;
        }
        b += 1;
    }
    t
}

static LOW_INDEX: [u8; LOW_LEN] = build_index(0, LOW_LEN);
static EXT_INDEX: [u8; LOW_LEN] = build_index(EXT_START, EXT_LEN);

/// A Vietnamese vowel letter split into base (index into the tables), tone
/// (0 = level) and case. Plain ASCII vowels are included with tone 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Vowel {
    pub base: u8,
    pub tone: u8,
    pub upper: bool,
}

impl Vowel {
    #[inline]
    pub(crate) fn to_char(self) -> char {
        let row = if self.upper { &UPPER } else { &LOWER };
        row[self.base as usize][self.tone as usize]
    }
}

/// Splits a precomposed (NFC) vowel letter; `None` for anything else.
#[inline]
pub(crate) fn vowel_of(c: char) -> Option<Vowel> {
    let u = c as usize;
    let packed = if u < LOW_LEN {
        LOW_INDEX[u]
    } else if (EXT_START..EXT_START + EXT_LEN).contains(&u) {
        EXT_INDEX[u - EXT_START]
    } else {
        0
    };
    if packed == 0 {
        return None;
    }
    let v = (packed - 1) as usize;
    Some(Vowel {
        base: (v / 2 / TONES) as u8,
        tone: (v / 2 % TONES) as u8,
        upper: v % 2 == 1,
    })
}

/// Đ and its look-alikes: Ð (U+00D0, Icelandic eth) and Ɖ (U+0189, African D).
#[inline]
pub(crate) fn is_d_stroke(c: char) -> Option<bool> {
    match c {
        'Đ' | 'Ð' | 'Ɖ' => Some(true),
        'đ' | 'ð' | 'ɖ' => Some(false),
        _ => None,
    }
}

/// One letter as (toneless lower-case letter, tone, upper-case), or `None`
/// when `c` is not a letter of the Vietnamese alphabet.
#[inline]
pub(crate) fn parse_letter(c: char) -> Option<(char, u8, bool)> {
    if let Some(v) = vowel_of(c) {
        return Some((LOWER[v.base as usize][0], v.tone, v.upper));
    }
    if c.is_ascii_alphabetic() {
        return Some((c.to_ascii_lowercase(), 0, c.is_ascii_uppercase()));
    }
    is_d_stroke(c).map(|upper| ('đ', 0, upper))
}

/// Every precomposed vowel letter as (base, tone, upper-case, letter), for
/// the tests of the modules that build on these tables.
#[cfg(test)]
pub(crate) fn every_letter() -> Vec<(usize, usize, bool, char)> {
    let mut all = Vec::new();
    for b in 0..BASES {
        for k in 0..TONES {
            all.push((b, k, false, LOWER[b][k]));
            all.push((b, k, true, UPPER[b][k]));
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_splits_every_letter() {
        for (b, k, upper, c) in every_letter() {
            let v = vowel_of(c).unwrap_or_else(|| panic!("{c} not found"));
            assert_eq!(
                (v.base as usize, v.tone as usize, v.upper),
                (b, k, upper),
                "{c}"
            );
            assert_eq!(v.to_char(), c);
        }
        assert_eq!(vowel_of('b'), None);
        assert_eq!(vowel_of('đ'), None);
        assert_eq!(vowel_of('ñ'), None);
    }
}
