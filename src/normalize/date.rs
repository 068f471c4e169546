//! Dates of birth in the formats found in Vietnamese registers.
//!
//! [`parse_date`] reads one written date and says what it is worth for
//! matching. It never reinterprets a day/month order: dd/mm is the national
//! format, and a day/month swap between two records is a *comparison*
//! matter (see DOMAIN.md §4), not something a parser may guess.
//!
//! Accepted forms (surrounding whitespace is ignored; `sep` is one of `/`,
//! `-`, `.`, the same one throughout):
//!
//! | form                | precision | example      |
//! |---------------------|-----------|--------------|
//! | `d sep m sep yyyy`  | day       | `5/3/1985`   |
//! | `yyyy sep m sep d`  | day       | `1985-03-05` |
//! | `yyyymmdd`          | day       | `19850305`   |
//! | `ddmmyyyy`          | day       | `05031985`, only when `yyyymmdd` cannot be a date |
//! | `m sep yyyy`        | month     | `03/1985`    |
//! | `yyyy sep m`        | month     | `1985-03`    |
//! | `yyyy`              | year      | `1985`       |
//!
//! A day or month written as `0`/`00` means "unknown" and lowers the
//! precision (`00/03/1985` is month precision, `00/00/1985` year precision),
//! because registers use zeros that way. A trailing time of day from a
//! database export (`1985-03-05 00:00:00`, `1985-03-05T00:00:00Z`) is
//! ignored. Two-digit years are refused: the century cannot be known.
//!
//! # JSON keys of [`ParsedDate`]
//! - `status`: `"valid"` or `"invalid"`; `reason` (only when invalid):
//!   `empty`, `unrecognized`, `two_digit_year`, `year_out_of_range`,
//!   `month_out_of_range`, `day_out_of_range`.
//! - `format`: which form was read (`dmy`, `ymd`, `ymd_compact`,
//!   `dmy_compact`, `my`, `ym`, `y`), `null` when invalid.
//! - `year`, `month`, `day`: the parts as written (`null` when absent or
//!   unknown). `precision`: `day`, `month` or `year` (`null` when invalid).
//! - `placeholder`: 01/01 at day precision, which often stands for "unknown
//!   day and month" and so says little when two records agree on it.
//! - `impossible`: a day that does not exist in that month (30/02, 29/02 in
//!   a non-leap year, 31/04); `repaired` is then the next valid date, the
//!   one such births were later re-registered under.
//! - `sentinel`: the year is 0000, 9998 or 9999, a code for "unknown": treat
//!   the whole date as missing.
//! - `future`: after the `today` given to [`parse_date`].
//!
//! Cost: one pass over the input bytes, no allocation.

use serde::Serialize;

/// Earliest year accepted. Nobody in a current register was born before
/// 1800; an earlier year is a typing error, not a date to compare.
pub const MIN_YEAR: u16 = 1800;

/// A calendar date (proleptic Gregorian). Ordered by year, month, day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

/// Gregorian leap year rule: 2000 is a leap year, 1900 is not.
pub fn is_leap_year(year: u16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` (1–12) of `year`; 0 for a month out of range.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// A date, or `None` when it does not exist.
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        if day >= 1 && day <= days_in_month(year, month) {
            Some(Date { year, month, day })
        } else {
            None
        }
    }

    /// Today's date in Vietnam (UTC+7) from the system clock: the CLI's
    /// default for [`parse_date`]. A clock set before 1970 gives 1970-01-01.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        // Vietnam has no daylight saving time; UTC+7 all year.
        let days = (secs + 7 * 3600) / 86_400;
        Date::from_days(i32::try_from(days).unwrap_or(i32::MAX))
    }

    /// Days since 1970-01-01 (negative before). Differences of these are
    /// day distances, which the matcher uses for "within n days" levels.
    /// Follows H. Hinnant, "chrono-Compatible Low-Level Date Algorithms".
    pub fn to_days(self) -> i32 {
        let m = i32::from(self.month);
        let y = i32::from(self.year) - i32::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i32::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Inverse of [`Date::to_days`]. Days outside years 0–65535 saturate.
    pub fn from_days(days: i32) -> Date {
        let z = i64::from(days) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date {
            year: year.clamp(0, i64::from(u16::MAX)) as u16,
            month,
            day,
        }
    }

    /// Packed `yyyymmdd` (1960-03-01 → 19600301): sorts like the date and
    /// reads like one in a dump.
    pub fn packed(self) -> u32 {
        u32::from(self.year) * 10_000 + u32::from(self.month) * 100 + u32::from(self.day)
    }

    /// Inverse of [`Date::packed`]; `None` when the value is not a date.
    pub fn from_packed(v: u32) -> Option<Date> {
        let year = u16::try_from(v / 10_000).ok()?;
        Date::new(year, (v / 100 % 100) as u8, (v % 100) as u8)
    }

    /// The day after this one.
    pub fn succ(self) -> Date {
        if self.day < days_in_month(self.year, self.month) {
            Date {
                day: self.day + 1,
                ..self
            }
        } else if self.month < 12 {
            Date {
                month: self.month + 1,
                day: 1,
                ..self
            }
        } else {
            Date {
                year: self.year.saturating_add(1),
                month: 1,
                day: 1,
            }
        }
    }
}

/// Whether the input could be read as a date at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateStatus {
    Valid,
    Invalid,
}

/// Why an input is not a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidDate {
    /// Nothing but whitespace.
    Empty,
    /// Not one of the accepted forms (letters, wrong digit counts, mixed
    /// separators).
    Unrecognized,
    /// A two-digit year such as `01/02/85`.
    TwoDigitYear,
    /// A year before [`MIN_YEAR`] (and not a sentinel).
    YearOutOfRange,
    /// A month above 12.
    MonthOutOfRange,
    /// A day above 31 (or a day given with an unknown month).
    DayOutOfRange,
}

/// How precisely the date is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    Year,
    Month,
    Day,
}

/// Which written form was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateFormat {
    /// `dd/mm/yyyy` with `/`, `-` or `.`.
    Dmy,
    /// `yyyy-mm-dd`.
    Ymd,
    /// `yyyymmdd`.
    YmdCompact,
    /// `ddmmyyyy`, read only when `yyyymmdd` cannot be a date.
    DmyCompact,
    /// `mm/yyyy`.
    My,
    /// `yyyy-mm`.
    Ym,
    /// `yyyy`.
    Y,
}

/// The reading of one written date. See the module docs for the meaning of
/// each field; all flags are `false` for an invalid input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ParsedDate {
    pub status: DateStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<InvalidDate>,
    pub format: Option<DateFormat>,
    pub year: Option<u16>,
    pub month: Option<u8>,
    pub day: Option<u8>,
    pub precision: Option<Precision>,
    pub placeholder: bool,
    pub impossible: bool,
    pub repaired: Option<Date>,
    pub sentinel: bool,
    pub future: bool,
}

impl ParsedDate {
    fn invalid(reason: InvalidDate) -> ParsedDate {
        ParsedDate {
            status: DateStatus::Invalid,
            reason: Some(reason),
            format: None,
            year: None,
            month: None,
            day: None,
            precision: None,
            placeholder: false,
            impossible: false,
            repaired: None,
            sentinel: false,
            future: false,
        }
    }

    /// True when the date can be compared: valid and not a sentinel.
    pub fn is_usable(&self) -> bool {
        self.status == DateStatus::Valid && !self.sentinel
    }

    /// The full date to compare at day precision: the written date, or its
    /// repair when impossible. `None` for lower precision, sentinels and
    /// invalid input.
    pub fn date(&self) -> Option<Date> {
        if !self.is_usable() || self.precision != Some(Precision::Day) {
            return None;
        }
        if self.repaired.is_some() {
            return self.repaired;
        }
        Date::new(self.year?, self.month?, self.day?)
    }
}

/// Years that registers use to mean "unknown year".
fn is_sentinel_year(year: u16) -> bool {
    matches!(year, 0 | 9998 | 9999)
}

/// One run of ASCII digits: its value and how many digits it had.
#[derive(Clone, Copy)]
struct Field {
    value: u32,
    len: usize,
}

/// Splits `s` into at most three digit fields on one separator. `None` when
/// any other byte appears, a field is empty, the separators differ, or a
/// field is too long to be part of a date.
fn split_fields(s: &[u8]) -> Option<([Field; 3], usize)> {
    let mut fields = [Field { value: 0, len: 0 }; 3];
    let mut n = 0;
    let mut sep: Option<u8> = None;
    for &b in s {
        match b {
            b'0'..=b'9' => {
                let f = &mut fields[n];
                f.len += 1;
                if f.len > 8 {
                    return None;
                }
                f.value = f.value * 10 + u32::from(b - b'0');
            }
            b'/' | b'-' | b'.' => {
                if fields[n].len == 0 || sep.is_some_and(|p| p != b) || n == 2 {
                    return None;
                }
                sep = Some(b);
                n += 1;
            }
            _ => return None,
        }
    }
    if fields[n].len == 0 {
        return None;
    }
    Some((fields, n + 1))
}

/// Drops a trailing time of day (`" 00:00:00"`, `"T00:00:00Z"`), which
/// database exports append to dates.
fn strip_time(s: &str) -> &str {
    let Some(pos) = s.find([' ', 'T', 't']) else {
        return s;
    };
    let rest = s[pos + 1..].trim();
    let looks_like_time = rest.contains(':')
        && rest
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b':' | b'.' | b'Z' | b'z' | b'+' | b'-'));
    if looks_like_time {
        s[..pos].trim_end()
    } else {
        s
    }
}

/// Reads one date of birth. `today` decides `future`; pass
/// [`Date::today()`] in production and a fixed date in tests.
pub fn parse_date(input: &str, today: Date) -> ParsedDate {
    let s = input.trim();
    if s.is_empty() {
        return ParsedDate::invalid(InvalidDate::Empty);
    }
    let s = strip_time(s);
    let Some((f, n)) = split_fields(s.as_bytes()) else {
        return ParsedDate::invalid(InvalidDate::Unrecognized);
    };
    let small = |x: Field| x.len <= 2;
    let result = match n {
        3 if f[0].len == 4 && small(f[1]) && small(f[2]) => {
            build(DateFormat::Ymd, f[0].value, f[1].value, f[2].value)
        }
        3 if small(f[0]) && small(f[1]) && f[2].len == 4 => {
            build(DateFormat::Dmy, f[2].value, f[1].value, f[0].value)
        }
        3 if small(f[0]) && small(f[1]) && f[2].len == 2 => Err(InvalidDate::TwoDigitYear),
        2 if small(f[0]) && f[1].len == 4 => build(DateFormat::My, f[1].value, f[0].value, 0),
        2 if f[0].len == 4 && small(f[1]) => build(DateFormat::Ym, f[0].value, f[1].value, 0),
        1 if f[0].len == 4 => build(DateFormat::Y, f[0].value, 0, 0),
        1 if f[0].len == 8 => {
            let v = f[0].value;
            let ymd = build(DateFormat::YmdCompact, v / 10_000, v / 100 % 100, v % 100);
            // Only fall back to ddmmyyyy when yyyymmdd cannot be a date, so
            // that no string has two readings.
            match ymd {
                Ok(p) if p.precision == Some(Precision::Day) && !p.sentinel => Ok(p),
                _ => match build(
                    DateFormat::DmyCompact,
                    v % 10_000,
                    v / 10_000 % 100,
                    v / 1_000_000,
                ) {
                    Ok(p) if p.precision == Some(Precision::Day) && !p.sentinel => Ok(p),
                    _ => ymd,
                },
            }
        }
        _ => Err(InvalidDate::Unrecognized),
    };
    match result {
        Ok(mut p) => {
            p.future = !p.sentinel && is_future(&p, today);
            p
        }
        Err(reason) => ParsedDate::invalid(reason),
    }
}

/// Checks the parts and fills in everything but `future`. A zero day or
/// month means "unknown".
fn build(format: DateFormat, year: u32, month: u32, day: u32) -> Result<ParsedDate, InvalidDate> {
    // Callers pass at most four year digits and two for day and month.
    let year = u16::try_from(year).map_err(|_| InvalidDate::YearOutOfRange)?;
    let (month, day) = (month as u8, day as u8);
    let sentinel = is_sentinel_year(year);
    if !sentinel && year < MIN_YEAR {
        return Err(InvalidDate::YearOutOfRange);
    }
    if month > 12 {
        return Err(InvalidDate::MonthOutOfRange);
    }
    if day > 31 {
        return Err(InvalidDate::DayOutOfRange);
    }
    if month == 0 && day != 0 {
        // A day without a month cannot be placed.
        return Err(InvalidDate::DayOutOfRange);
    }
    let precision = match (month, day) {
        (0, _) => Precision::Year,
        (_, 0) => Precision::Month,
        _ => Precision::Day,
    };
    let mut p = ParsedDate {
        status: DateStatus::Valid,
        reason: None,
        format: Some(format),
        year: Some(year),
        month: (month != 0).then_some(month),
        day: (day != 0).then_some(day),
        precision: Some(precision),
        placeholder: false,
        impossible: false,
        repaired: None,
        sentinel,
        future: false,
    };
    if sentinel || precision != Precision::Day {
        return Ok(p);
    }
    p.placeholder = month == 1 && day == 1;
    if day > days_in_month(year, month) {
        // Re-registration moves such a birth to the first day of the next
        // month (30/02/1960 → 01/03/1960). December has 31 days, so the
        // month here is at most 11.
        p.impossible = true;
        p.repaired = Some(Date {
            year,
            month: month + 1,
            day: 1,
        });
    }
    Ok(p)
}

/// Whether even the earliest date the value can stand for is after `today`.
fn is_future(p: &ParsedDate, today: Date) -> bool {
    let Some(year) = p.year else { return false };
    let earliest = match (p.repaired, p.month, p.day) {
        (Some(r), _, _) => r,
        (None, Some(m), Some(d)) => Date {
            year,
            month: m,
            day: d,
        },
        (None, Some(m), None) => Date {
            year,
            month: m,
            day: 1,
        },
        _ => Date {
            year,
            month: 1,
            day: 1,
        },
    };
    earliest > today
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date {
        year: 2025,
        month: 6,
        day: 15,
    };

    #[test]
    fn leap_years_follow_the_gregorian_rule() {
        assert!(is_leap_year(2000));
        assert!(!is_leap_year(1900));
        assert!(is_leap_year(1960));
        assert!(!is_leap_year(1961));
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1990, 13), 0);
    }

    #[test]
    fn days_count_from_the_unix_epoch() {
        // Known values: 1970-01-01 is day 0, 2000-03-01 is day 11017,
        // 1969-12-31 is day -1.
        assert_eq!(Date::new(1970, 1, 1).unwrap().to_days(), 0);
        assert_eq!(Date::new(2000, 3, 1).unwrap().to_days(), 11_017);
        assert_eq!(Date::new(1969, 12, 31).unwrap().to_days(), -1);
        assert_eq!(Date::from_days(11_017), Date::new(2000, 3, 1).unwrap());
    }

    #[test]
    fn packed_reads_like_the_date() {
        let d = Date::new(1960, 3, 1).unwrap();
        assert_eq!(d.packed(), 19_600_301);
        assert_eq!(Date::from_packed(19_600_301), Some(d));
        assert_eq!(Date::from_packed(19_600_230), None);
    }

    #[test]
    fn succ_crosses_month_and_year_ends() {
        assert_eq!(
            Date::new(1960, 2, 29).unwrap().succ(),
            Date::new(1960, 3, 1).unwrap()
        );
        assert_eq!(
            Date::new(1999, 12, 31).unwrap().succ(),
            Date::new(2000, 1, 1).unwrap()
        );
    }

    #[test]
    fn date_gives_the_repaired_day_for_impossible_input() {
        let p = parse_date("30/02/1960", TODAY);
        assert_eq!(p.date(), Date::new(1960, 3, 1));
        assert_eq!(parse_date("03/1960", TODAY).date(), None);
        assert_eq!(parse_date("01/01/9999", TODAY).date(), None);
        assert!(!parse_date("9998", TODAY).is_usable());
    }

    #[test]
    fn today_is_a_real_date() {
        let t = Date::today();
        assert!(Date::new(t.year, t.month, t.day).is_some());
        assert!(t.year >= 2024);
    }

    proptest::proptest! {
        #[test]
        fn days_round_trip(days in -50_000i32..100_000) {
            let d = Date::from_days(days);
            proptest::prop_assert_eq!(d.to_days(), days);
            proptest::prop_assert_eq!(d.succ().to_days(), days + 1);
            proptest::prop_assert!(Date::new(d.year, d.month, d.day).is_some());
        }

        #[test]
        fn order_matches_days(a in -50_000i32..100_000, b in -50_000i32..100_000) {
            let (da, db) = (Date::from_days(a), Date::from_days(b));
            proptest::prop_assert_eq!(da.cmp(&db), a.cmp(&b));
            proptest::prop_assert_eq!(da.packed().cmp(&db.packed()), a.cmp(&b));
        }

        #[test]
        fn every_real_date_parses_back(days in -40_000i32..20_000) {
            let d = Date::from_days(days);
            let s = format!("{:02}/{:02}/{:04}", d.day, d.month, d.year);
            let p = parse_date(&s, TODAY);
            proptest::prop_assert_eq!(p.date(), Some(d));
            proptest::prop_assert!(!p.impossible);
            let iso = format!("{:04}-{:02}-{:02}", d.year, d.month, d.day);
            proptest::prop_assert_eq!(parse_date(&iso, TODAY).date(), Some(d));
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = parse_date(&s, TODAY);
        }
    }
}
