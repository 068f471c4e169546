//! Personal identification numbers (12 digits) and old CMNDs (9 digits).
//!
//! A personal number is `PPP G YY RRRRRR` (Decree 137/2015, Circular
//! 07/2016): `PPP` the province of birth registration, `G` century and sex
//! (even male, odd female; 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s), `YY` the
//! last two digits of the birth year, `RRRRRR` random. There is no check
//! digit, so the only internal evidence is that `G` and `YY` agree with the
//! record's own sex and birth year: [`cross_check`].
//!
//! # JSON keys of [`IdNumber`]
//! Tagged by `kind`:
//! - `{"kind":"personal","province_code":79,"province_known":true,
//!   "sex":"male","century_start":1900,"birth_year":1985,"serial":123456}`
//! - `{"kind":"cmnd","prefix":27,"number":271450123,"shared_range":true}`:
//!   `prefix` is the first two digits (the issuing provincial police);
//!   `shared_range` marks numbers 271450001–271500000, issued by both Bà
//!   Rịa–Vũng Tàu and Đồng Nai, whose province therefore cannot be told.
//! - `{"kind":"invalid","reason":"wrong_length"}`; reasons: `empty`,
//!   `non_digit`, `wrong_length`, `bad_century_digit` (G of 6–9).
//!
//! [`IdCheck`] serializes as `{"sex":"agree","birth_year":"unknown"}` with
//! values `agree`, `disagree`, `unknown`.
//!
//! Cost: one pass over the input, no allocation.

use serde::Serialize;

use super::province;

/// Sex as the G digit encodes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

/// Why an input is not an ID number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidId {
    /// Nothing but spaces and separators.
    Empty,
    /// A character other than a digit, space, dot or dash.
    NonDigit,
    /// Neither 12 nor 9 digits.
    WrongLength,
    /// A 12-digit number whose G digit is 6–9, which no century uses.
    BadCenturyDigit,
}

/// First and last CMND numbers issued by both Bà Rịa–Vũng Tàu and Đồng Nai:
/// the range went to Vũng Tàu–Côn Đảo in 1979 while Đồng Nai kept using it.
pub const SHARED_CMND_RANGE: std::ops::RangeInclusive<u32> = 271_450_001..=271_500_000;

/// One ID number as read by [`parse_id`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IdNumber {
    /// A 12-digit personal identification number.
    Personal {
        /// `PPP`: province of birth registration (Circular 07/2016 code).
        province_code: u16,
        /// `PPP` is one of the 63 province codes. Other values are not
        /// rejected: codes for births registered abroad exist.
        province_known: bool,
        sex: Sex,
        /// 1900, 2000 or 2100, from G.
        century_start: u16,
        /// `century_start + YY`.
        birth_year: u16,
        /// The last six digits.
        serial: u32,
    },
    /// A 9-digit CMND.
    Cmnd {
        /// First two digits: the issuing provincial police.
        prefix: u8,
        /// The whole number.
        number: u32,
        /// In [`SHARED_CMND_RANGE`]: issued by two provinces.
        shared_range: bool,
    },
    /// Not an ID number.
    Invalid { reason: InvalidId },
}

/// Whether a field of the record agrees with what the ID number encodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Agreement {
    Agree,
    Disagree,
    /// The record lacks the field, or the number does not encode it.
    Unknown,
}

/// Result of [`cross_check`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct IdCheck {
    pub sex: Agreement,
    pub birth_year: Agreement,
}

impl IdCheck {
    /// True when either field contradicts the number: a data-quality flag,
    /// or the sign that the number belongs to someone else.
    pub fn any_disagreement(&self) -> bool {
        self.sex == Agreement::Disagree || self.birth_year == Agreement::Disagree
    }
}

/// Bit set on packed CMNDs so that they never equal a packed personal
/// number (those are below 10^12 < 2^40).
const CMND_TAG: u64 = 1 << 40;

impl IdNumber {
    /// The number as one `u64` for the matcher: a personal number packs to
    /// its own 12-digit value, a CMND to its value with bit 40 set, so the
    /// two kinds never collide. `None` when invalid.
    pub fn packed(&self) -> Option<u64> {
        match *self {
            IdNumber::Personal {
                province_code,
                sex,
                century_start,
                birth_year,
                serial,
                ..
            } => {
                let g = u64::from(century_start.saturating_sub(1900) / 100) * 2
                    + u64::from(sex == Sex::Female);
                Some(
                    u64::from(province_code) * 1_000_000_000
                        + g * 100_000_000
                        + u64::from(birth_year % 100) * 1_000_000
                        + u64::from(serial),
                )
            }
            IdNumber::Cmnd { number, .. } => Some(CMND_TAG | u64::from(number)),
            IdNumber::Invalid { .. } => None,
        }
    }

    /// Inverse of [`IdNumber::packed`]; `None` for values it never returns.
    pub fn from_packed(v: u64) -> Option<IdNumber> {
        if v & CMND_TAG != 0 {
            let n = u32::try_from(v & !CMND_TAG)
                .ok()
                .filter(|&n| n < 1_000_000_000)?;
            return Some(cmnd(n));
        }
        if v >= 1_000_000_000_000 {
            return None;
        }
        personal(v)
    }

    pub fn is_valid(&self) -> bool {
        !matches!(self, IdNumber::Invalid { .. })
    }
}

/// Reads an ID number, ignoring spaces, dots and dashes between digits.
pub fn parse_id(input: &str) -> IdNumber {
    let mut value: u64 = 0;
    let mut digits = 0usize;
    for c in input.chars() {
        match c {
            '0'..='9' => {
                digits += 1;
                if digits <= 12 {
                    value = value * 10 + u64::from(c as u8 - b'0');
                }
            }
            '.' | '-' | '\u{2013}' | '\u{2014}' => {}
            c if c.is_whitespace() => {}
            _ => {
                return IdNumber::Invalid {
                    reason: InvalidId::NonDigit,
                }
            }
        }
    }
    match digits {
        0 => IdNumber::Invalid {
            reason: InvalidId::Empty,
        },
        12 => personal(value).unwrap_or(IdNumber::Invalid {
            reason: InvalidId::BadCenturyDigit,
        }),
        // Nine digits are below 10^9, so they fit a u32.
        9 => cmnd(value as u32),
        _ => IdNumber::Invalid {
            reason: InvalidId::WrongLength,
        },
    }
}

/// A 12-digit value (below 10^12) as a personal number; `None` when G is 6–9.
fn personal(v: u64) -> Option<IdNumber> {
    let province_code = (v / 1_000_000_000) as u16;
    let g = (v / 100_000_000 % 10) as u16;
    let yy = (v / 1_000_000 % 100) as u16;
    let serial = (v % 1_000_000) as u32;
    if g > 5 {
        return None;
    }
    let century_start = 1900 + (g / 2) * 100;
    Some(IdNumber::Personal {
        province_code,
        province_known: province::by_code(province_code).is_some(),
        sex: if g % 2 == 0 { Sex::Male } else { Sex::Female },
        century_start,
        birth_year: century_start + yy,
        serial,
    })
}

fn cmnd(number: u32) -> IdNumber {
    IdNumber::Cmnd {
        prefix: (number / 10_000_000) as u8,
        number,
        shared_range: SHARED_CMND_RANGE.contains(&number),
    }
}

/// Compares what a personal number encodes with the record's own sex and
/// birth year. CMNDs encode neither, so they give `Unknown`.
pub fn cross_check(id: &IdNumber, sex: Option<Sex>, birth_year: Option<i32>) -> IdCheck {
    let IdNumber::Personal {
        sex: id_sex,
        birth_year: id_year,
        ..
    } = *id
    else {
        return IdCheck {
            sex: Agreement::Unknown,
            birth_year: Agreement::Unknown,
        };
    };
    let agree = |same: bool| {
        if same {
            Agreement::Agree
        } else {
            Agreement::Disagree
        }
    };
    IdCheck {
        sex: sex.map_or(Agreement::Unknown, |s| agree(s == id_sex)),
        birth_year: birth_year.map_or(Agreement::Unknown, |y| agree(y == i32::from(id_year))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_number_splits_into_its_parts() {
        // 079 (TP.HCM), G=1 female 1900s, YY=85, serial 012345.
        let id = parse_id("079 1 85 012345");
        assert_eq!(
            id,
            IdNumber::Personal {
                province_code: 79,
                province_known: true,
                sex: Sex::Female,
                century_start: 1900,
                birth_year: 1985,
                serial: 12_345,
            }
        );
        assert_eq!(id.packed(), Some(79_185_012_345));
    }

    #[test]
    fn cmnd_and_personal_packings_never_meet() {
        let a = parse_id("000012345678").packed().unwrap();
        let b = parse_id("012345678").packed().unwrap();
        assert_ne!(a, b);
        assert_eq!(IdNumber::from_packed(b), Some(parse_id("012345678")));
    }

    #[test]
    fn cross_check_reads_g_and_yy() {
        let id = parse_id("001203001234"); // male, 2003
        let c = cross_check(&id, Some(Sex::Male), Some(2003));
        assert_eq!((c.sex, c.birth_year), (Agreement::Agree, Agreement::Agree));
        let c = cross_check(&id, Some(Sex::Female), Some(1903));
        assert_eq!(
            (c.sex, c.birth_year),
            (Agreement::Disagree, Agreement::Disagree)
        );
        assert!(c.any_disagreement());
        let c = cross_check(&id, None, None);
        assert_eq!(
            (c.sex, c.birth_year),
            (Agreement::Unknown, Agreement::Unknown)
        );
        let c = cross_check(&parse_id("271450001"), Some(Sex::Male), Some(1970));
        assert_eq!(
            (c.sex, c.birth_year),
            (Agreement::Unknown, Agreement::Unknown)
        );
    }

    proptest::proptest! {
        #[test]
        fn packing_round_trips(v in 0u64..1_000_000_000_000) {
            let s = format!("{v:012}");
            let id = parse_id(&s);
            if id.is_valid() {
                proptest::prop_assert_eq!(id.packed(), Some(v));
                proptest::prop_assert_eq!(IdNumber::from_packed(v), Some(id));
            } else {
                proptest::prop_assert!(s.as_bytes()[3] >= b'6');
            }
        }

        #[test]
        fn separators_do_not_change_the_reading(v in 0u64..1_000_000_000_000) {
            let s = format!("{v:012}");
            let spaced = format!("{} {}.{}-{}", &s[..3], &s[3..6], &s[6..9], &s[9..]);
            proptest::prop_assert_eq!(parse_id(&spaced), parse_id(&s));
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = parse_id(&s);
        }
    }
}
