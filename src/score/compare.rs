//! Comparisons with levels: for each field, the discrete outcome of comparing
//! two records. Level 0 is always `missing` (neutral: weight 0); the other
//! levels run from the strongest agreement to `different`.
//!
//! A pair's outcome over all comparisons is a [`Pattern`]: 4 bits per
//! comparison packed in a `u64`, so at most 16 comparisons of 15 levels.
//! Everything here reads integer codes from the store; strings are touched
//! only for Jaro–Winkler on two distinct name or address keys.

use rayon::prelude::*;

use crate::config::ExtraKind;
use crate::intern::NONE;
use crate::store::{Cid, Dob, NameEntry, RecordId, RecordStore, SEX_UNKNOWN};

/// Level 0 of every comparison.
pub const MISSING: u8 = 0;

/// Packed levels of one pair, 4 bits per comparison.
pub type Pattern = u64;

/// The level of comparison `i` in a pattern.
pub fn level(p: Pattern, i: usize) -> u8 {
    ((p >> (4 * i)) & 0xF) as u8
}

/// What a comparison looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    FullName,
    Given,
    Family,
    Dob,
    CitizenId,
    Sex,
    Province,
    Address,
    Extra(usize),
}

/// One comparison: a field and the names of its levels.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub name: String,
    pub field: Field,
    pub levels: Vec<&'static str>,
    /// The level whose weight the term-frequency table adjusts (exact agreement).
    pub tf_level: Option<u8>,
}

// No similarity bands here: partial agreement is the given- and family-name
// comparisons' job; bands on the whole name would count the shared family and
// middle names of twins a second time.
const FULL_NAME: &[&str] = &[
    "missing",
    "exact",
    "exact_no_marks",
    "variant_or_phonetic",
    "other",
];
const GIVEN: &[&str] = &[
    "missing",
    "exact",
    "exact_no_marks",
    "variant_phonetic_or_reordered",
    "jw_0.88_or_one_edit",
    "different",
];
const FAMILY: &[&str] = &[
    "missing",
    "exact",
    "variant_or_phonetic",
    "one_edit",
    "different",
];
const DOB: &[&str] = &[
    "missing",
    "exact",
    "exact_after_repair",
    "day_month_swapped",
    "same_year_month",
    "same_year_imprecise",
    "within_one_month_or_year",
    "same_year",
    "different",
];
const CID: &[&str] = &[
    "missing",
    "exact",
    "one_digit",
    "transposition",
    "cmnd_vs_id",
    "different",
];
const SEX: &[&str] = &["missing", "same", "different"];
const PROVINCE: &[&str] = &["missing", "same", "same_2025_unit", "different"];
const ADDRESS: &[&str] = &["missing", "exact", "words_0.75", "words_0.5", "different"];
const X_EXACT: &[&str] = &["missing", "exact", "different"];
const X_JW: &[&str] = &["missing", "exact", "jw_0.92", "jw_0.80", "different"];
const X_LEV: &[&str] = &["missing", "exact", "lev_1", "lev_2", "different"];
const X_DATE: &[&str] = &[
    "missing",
    "exact",
    "within_31_days",
    "within_366_days",
    "different",
];
const X_NUM: &[&str] = &[
    "missing",
    "exact",
    "within_1pct",
    "within_10pct",
    "different",
];

/// The comparisons a store supports, in a fixed order.
pub fn comparisons(store: &RecordStore) -> Vec<Comparison> {
    let mut out = Vec::new();
    let mut add = |name: &str, field, levels: &[&'static str], tf: Option<u8>| {
        out.push(Comparison {
            name: name.to_owned(),
            field,
            levels: levels.to_vec(),
            tf_level: tf,
        })
    };
    let p = store.present;
    if p.name {
        add("full_name", Field::FullName, FULL_NAME, Some(1));
        add("given_name", Field::Given, GIVEN, Some(1));
        add("family_name", Field::Family, FAMILY, Some(1));
    }
    if p.dob {
        add("date_of_birth", Field::Dob, DOB, None);
    }
    if p.citizen_id {
        add("citizen_id", Field::CitizenId, CID, None);
    }
    if p.sex {
        add("sex", Field::Sex, SEX, None);
    }
    if p.province {
        add("province", Field::Province, PROVINCE, None);
    }
    if p.address {
        add("address", Field::Address, ADDRESS, None);
    }
    for (i, e) in store.extras.iter().enumerate() {
        let levels = match e.kind {
            ExtraKind::Exact => X_EXACT,
            ExtraKind::JaroWinkler => X_JW,
            ExtraKind::Levenshtein => X_LEV,
            ExtraKind::Date => X_DATE,
            ExtraKind::Numeric => X_NUM,
        };
        add(
            &e.name,
            Field::Extra(i),
            levels,
            e.term_frequency.then_some(1),
        );
    }
    assert!(out.len() <= 16, "at most 16 comparisons fit a pattern");
    out
}

/// What the comparisons read of a record. The store reads one column per
/// field; [`Packed`] reads one 32-byte row per record, which is what the hot
/// loops use (pairs join records in random order, and ten columns meant ten
/// cache misses per record).
pub trait Fields: Sync {
    fn store(&self) -> &RecordStore;
    /// The record's name code (`NONE` when missing).
    fn name_code(&self, r: RecordId) -> u32;
    fn name_entry(&self, r: RecordId) -> Option<&NameEntry>;
    fn dob(&self, r: RecordId) -> Dob;
    fn cid(&self, r: RecordId) -> Cid;
    fn sex(&self, r: RecordId) -> u8;
    fn province(&self, r: RecordId) -> u16;
    fn unit(&self, r: RecordId) -> u8;
    fn address(&self, r: RecordId) -> u32;
    /// The sorted word ids of address `code` (a code from [`Fields::address`]).
    fn address_tokens(&self, code: u32) -> &[u32] {
        &self.store().address_tokens[code as usize]
    }
}

impl Fields for RecordStore {
    fn store(&self) -> &RecordStore {
        self
    }
    fn name_code(&self, r: RecordId) -> u32 {
        self.name[r.index()]
    }
    fn name_entry(&self, r: RecordId) -> Option<&NameEntry> {
        RecordStore::name_entry(self, r)
    }
    fn dob(&self, r: RecordId) -> Dob {
        self.dob[r.index()]
    }
    fn cid(&self, r: RecordId) -> Cid {
        self.cid[r.index()]
    }
    fn sex(&self, r: RecordId) -> u8 {
        self.sex[r.index()]
    }
    fn province(&self, r: RecordId) -> u16 {
        self.province[r.index()]
    }
    fn unit(&self, r: RecordId) -> u8 {
        self.unit[r.index()]
    }
    fn address(&self, r: RecordId) -> u32 {
        self.address[r.index()]
    }
}

/// One record's compared fields in 32 bytes (two per cache line).
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, align(32))]
struct Row {
    cid_value: u64,
    name: u32,
    address: u32,
    dob: Dob,
    province: u16,
    sex: u8,
    unit: u8,
    cid_kind: u8,
    cid_sex: u8,
    cid_birth_year: u16,
}

/// The store's compared columns laid out row by row (see [`Fields`]).
pub struct Packed<'s> {
    store: &'s RecordStore,
    rows: Vec<Row>,
    /// The addresses' word ids end to end; address `c`'s are
    /// `address_words[address_ends[c - 1]..address_ends[c]]`. One flat array
    /// instead of a boxed slice per address saves a dependent cache miss
    /// per side on every address comparison (the largest share of comparing
    /// random pairs for u).
    address_words: Vec<u32>,
    address_ends: Vec<u64>,
}

impl<'s> Packed<'s> {
    pub fn new(store: &'s RecordStore) -> Packed<'s> {
        let rows = (0..store.len())
            .into_par_iter()
            .map(|i| {
                let c = store.cid[i];
                Row {
                    cid_value: c.value,
                    name: store.name[i],
                    address: store.address[i],
                    dob: store.dob[i],
                    province: store.province[i],
                    sex: store.sex[i],
                    unit: store.unit[i],
                    cid_kind: c.kind,
                    cid_sex: c.sex,
                    cid_birth_year: c.birth_year,
                }
            })
            .collect();
        let mut address_ends = Vec::with_capacity(store.address_tokens.len());
        let mut address_words = Vec::new();
        for t in &store.address_tokens {
            address_words.extend_from_slice(t);
            address_ends.push(address_words.len() as u64);
        }
        Packed {
            store,
            rows,
            address_words,
            address_ends,
        }
    }
}

impl Fields for Packed<'_> {
    fn store(&self) -> &RecordStore {
        self.store
    }
    #[inline]
    fn name_code(&self, r: RecordId) -> u32 {
        self.rows[r.index()].name
    }
    #[inline]
    fn name_entry(&self, r: RecordId) -> Option<&NameEntry> {
        let c = self.rows[r.index()].name;
        (c != NONE).then(|| &self.store.names.entries[c as usize])
    }
    #[inline]
    fn dob(&self, r: RecordId) -> Dob {
        self.rows[r.index()].dob
    }
    #[inline]
    fn cid(&self, r: RecordId) -> Cid {
        let row = &self.rows[r.index()];
        Cid {
            value: row.cid_value,
            kind: row.cid_kind,
            sex: row.cid_sex,
            birth_year: row.cid_birth_year,
        }
    }
    #[inline]
    fn sex(&self, r: RecordId) -> u8 {
        self.rows[r.index()].sex
    }
    #[inline]
    fn province(&self, r: RecordId) -> u16 {
        self.rows[r.index()].province
    }
    #[inline]
    fn unit(&self, r: RecordId) -> u8 {
        self.rows[r.index()].unit
    }
    #[inline]
    fn address(&self, r: RecordId) -> u32 {
        self.rows[r.index()].address
    }
    #[inline]
    fn address_tokens(&self, code: u32) -> &[u32] {
        let c = code as usize;
        let start = if c == 0 { 0 } else { self.address_ends[c - 1] };
        &self.address_words[start as usize..self.address_ends[c] as usize]
    }
}

/// Compares two records on every comparison.
pub fn compare<S: Fields + ?Sized>(
    store: &S,
    cmps: &[Comparison],
    a: RecordId,
    b: RecordId,
) -> Pattern {
    let mut p: Pattern = 0;
    for (i, c) in cmps.iter().enumerate() {
        let l = compare_field(store, c.field, a, b);
        debug_assert!((l as usize) < c.levels.len());
        p |= u64::from(l) << (4 * i);
    }
    p
}

fn jw(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

/// Jaccard similarity of two sorted, deduplicated token-id lists. Addresses
/// are compared as word sets: their word order and punctuation vary between
/// registers, and a merge of two short integer lists costs far less than
/// Jaro–Winkler on the strings (which was a third of all run time).
pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    // Branch-free merge: on random pairs the three-way branch mispredicted
    // on most steps.
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        common += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        1.0
    } else {
        common as f64 / union as f64
    }
}

/// Short Vietnamese given names (Lan, Tú, Vi) lose much Jaro–Winkler
/// similarity to one typo, so one edit counts as similar too.
fn similar_given(a: &str, b: &str) -> bool {
    (a.len().min(b.len()) >= 2 && within_one_edit(a.as_bytes(), b.as_bytes()))
        || (jaro_may_reach(a, b, 0.8) && jw(a, b) >= 0.88)
}

/// False when the Jaro similarity of `a` and `b` is surely below `min`:
/// Jaro is at most (m/|a| + m/|b| + 1)/3, where the m matching characters
/// are at most the letters the two strings have in common (counted with
/// repeats). Jaro–Winkler (prefix ≤ 4, p = 0.1, applied above 0.7) reaches
/// 0.88 only from Jaro ≥ 0.8. Random pairs of given names share few
/// letters, so this skips strsim's allocation and quadratic scan on most of
/// them. Non-ASCII input (no bound computed) always may reach.
fn jaro_may_reach(a: &str, b: &str, min: f64) -> bool {
    if !a.is_ascii() || !b.is_ascii() || a.is_empty() || b.is_empty() {
        return true;
    }
    let mut counts = [0u8; 128];
    for &c in a.as_bytes() {
        counts[c as usize] = counts[c as usize].saturating_add(1);
    }
    let mut common = 0usize;
    for &c in b.as_bytes() {
        if counts[c as usize] > 0 {
            counts[c as usize] -= 1;
            common += 1;
        }
    }
    let m = common as f64;
    let bound = (m / a.len() as f64 + m / b.len() as f64 + 1.0) / 3.0;
    // A margin for rounding: only pairs clearly below are skipped.
    bound >= min - 1e-9
}

/// A typo in a family name of three letters or more ("Nguyen"/"Ngyuen").
fn one_edit_family(a: &str, b: &str) -> bool {
    a.len().min(b.len()) >= 3 && within_one_edit(a.as_bytes(), b.as_bytes())
}

/// True when `a` and `b` differ by at most one insertion, deletion,
/// substitution or transposition of adjacent bytes (keys are ASCII). O(n), no
/// allocation — strsim's Damerau–Levenshtein builds a table per call, and this
/// runs on most random pairs during u estimation. Checked against strsim in the
/// tests.
pub fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if b.len() - a.len() > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if p == a.len() {
        return true; // equal, or b has one extra byte at the end
    }
    if a.len() == b.len() {
        // substitution at p, or transposition of p and p+1
        a[p + 1..] == b[p + 1..]
            || (p + 1 < a.len() && a[p] == b[p + 1] && a[p + 1] == b[p] && a[p + 2..] == b[p + 2..])
    } else {
        // b has one extra byte at p
        a[p..] == b[p + 1..]
    }
}
/// The level of one field for a pair.
pub fn compare_field<S: Fields + ?Sized>(fields: &S, field: Field, a: RecordId, b: RecordId) -> u8 {
    let store = fields.store();
    let (ia, ib) = (a.index(), b.index());
    match field {
        Field::FullName => {
            let (Some(x), Some(y)) = (fields.name_entry(a), fields.name_entry(b)) else {
                return MISSING;
            };
            if x.canonical == y.canonical {
                1
            } else if x.key == y.key || x.sorted_words == y.sorted_words {
                2
            } else if x.phonetic == y.phonetic
                || (x.family_group == y.family_group
                    && x.given_group == y.given_group
                    && x.middle == y.middle)
            {
                3
            } else {
                4
            }
        }
        Field::Given => {
            let (Some(x), Some(y)) = (fields.name_entry(a), fields.name_entry(b)) else {
                return MISSING;
            };
            if x.given == NONE || y.given == NONE {
                MISSING
            } else if x.given == y.given {
                1
            } else if x.given_key == y.given_key {
                2
            } else if x.given_group == y.given_group
                || x.given_phonetic == y.given_phonetic
                || (x.given_key != NONE && x.given_key == y.first_word)
                || (y.given_key != NONE && y.given_key == x.first_word)
            {
                3
            } else if similar_given(
                store.names.token(x.given_key),
                store.names.token(y.given_key),
            ) {
                4
            } else {
                5
            }
        }
        Field::Family => {
            let (Some(x), Some(y)) = (fields.name_entry(a), fields.name_entry(b)) else {
                return MISSING;
            };
            if x.family == NONE || y.family == NONE {
                MISSING
            } else if x.family == y.family || x.family_key == y.family_key {
                1
            } else if x.family_group == y.family_group {
                2
            } else if one_edit_family(
                store.names.token(x.family_key),
                store.names.token(y.family_key),
            ) {
                3
            } else {
                4
            }
        }
        Field::Dob => compare_dob(fields.dob(a), fields.dob(b)),
        Field::CitizenId => compare_cid(fields.cid(a), fields.cid(b)),
        Field::Sex => {
            let (x, y) = (fields.sex(a), fields.sex(b));
            if x == SEX_UNKNOWN || y == SEX_UNKNOWN {
                MISSING
            } else if x == y {
                1
            } else {
                2
            }
        }
        Field::Province => {
            let (x, y) = (fields.province(a), fields.province(b));
            // The same address implies the same province: counting both
            // would double the evidence (and merge twins of one household).
            let (ax, ay) = (fields.address(a), fields.address(b));
            let same_address = store.present.address && ax != NONE && ax == ay;
            if x == 0 || y == 0 || same_address {
                MISSING
            } else if x == y {
                1
            } else if fields.unit(a) == fields.unit(b) && fields.unit(a) != u8::MAX {
                2
            } else {
                3
            }
        }
        Field::Address => {
            let (x, y) = (fields.address(a), fields.address(b));
            if x == NONE || y == NONE {
                MISSING
            } else if x == y {
                1
            } else {
                let j = jaccard(fields.address_tokens(x), fields.address_tokens(y));
                if j >= 0.75 {
                    2
                } else if j >= 0.5 {
                    3
                } else {
                    4
                }
            }
        }
        Field::Extra(i) => compare_extra(store, i, ia, ib),
    }
}

/// Date-of-birth levels; see `DOB` for their names.
pub fn compare_dob(x: Dob, y: Dob) -> u8 {
    if x.is_missing() || y.is_missing() {
        return MISSING;
    }
    let precise = x.is_informative_day() && y.is_informative_day();
    if x.year == y.year && x.month == y.month && x.day == y.day && precise {
        return if (x.flags | y.flags) & Dob::REPAIRED != 0 {
            2
        } else {
            1
        };
    }
    if precise && x.year == y.year && x.day == y.month && x.month == y.day {
        return 3;
    }
    if x.year == y.year {
        if !precise {
            // Year-only or a 01/01 placeholder on one side: all we know agrees.
            return 5;
        }
        if x.month == y.month {
            return 4;
        }
    }
    if x.month != 0 && y.month != 0 && (x.month_index() - y.month_index()).abs() <= 1 {
        return 6;
    }
    if x.year.abs_diff(y.year) == 1 && x.month == y.month && x.day == y.day {
        return 6;
    }
    if x.year == y.year {
        return 7;
    }
    8
}

/// ID-number levels; see `CID` for their names.
pub fn compare_cid(x: Cid, y: Cid) -> u8 {
    if !x.is_valid() || !y.is_valid() {
        return MISSING;
    }
    if x.kind != y.kind {
        return 4;
    }
    if x.value == y.value {
        return 1;
    }
    let n = x.digits();
    let (mut a, mut b) = (x.value, y.value);
    let mut diffs = [0usize; 2];
    let mut count = 0;
    for pos in 0..n {
        if a % 10 != b % 10 {
            if count == 2 {
                // A third differing digit: different numbers (level 5)
                // whatever the rest; most pairs stop here within a few
                // digits (the serial differs first).
                return 5;
            }
            diffs[count] = pos;
            count += 1;
        }
        a /= 10;
        b /= 10;
    }
    if count == 1 {
        return 2;
    }
    if count == 2 && diffs[1] == diffs[0] + 1 {
        let digit = |v: u64, pos: usize| (v / 10u64.pow(pos as u32)) % 10;
        let (p, q) = (diffs[0], diffs[1]);
        if digit(x.value, p) == digit(y.value, q) && digit(x.value, q) == digit(y.value, p) {
            return 3;
        }
    }
    5
}

fn compare_extra(store: &RecordStore, i: usize, ia: usize, ib: usize) -> u8 {
    let col = &store.extras[i];
    let (x, y) = (col.codes[ia], col.codes[ib]);
    if x == NONE || y == NONE {
        return MISSING;
    }
    if x == y {
        return 1;
    }
    let (sx, sy) = (&*col.values[x as usize], &*col.values[y as usize]);
    match col.kind {
        ExtraKind::Exact => 2,
        ExtraKind::JaroWinkler => {
            let s = jw(&sx.to_lowercase(), &sy.to_lowercase());
            if s >= 0.92 {
                2
            } else if s >= 0.80 {
                3
            } else {
                4
            }
        }
        ExtraKind::Levenshtein => match strsim::levenshtein(sx, sy) {
            0 | 1 => 2,
            2 => 3,
            _ => 4,
        },
        ExtraKind::Date | ExtraKind::Numeric => {
            let (Some(a), Some(b)) = (col.numbers[x as usize], col.numbers[y as usize]) else {
                return MISSING;
            };
            let d = (a - b).abs();
            if d == 0.0 {
                return 1;
            }
            let (near, far) = if col.kind == ExtraKind::Date {
                (d <= 31.0, d <= 366.0)
            } else {
                let scale = a.abs().max(b.abs());
                (d <= 0.01 * scale, d <= 0.10 * scale)
            };
            if near {
                2
            } else if far {
                3
            } else {
                4
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn personal(v: u64) -> Cid {
        Cid {
            value: v,
            kind: Cid::PERSONAL,
            sex: 0,
            birth_year: 0,
        }
    }

    fn dob(y: u16, m: u8, d: u8) -> Dob {
        Dob {
            year: y,
            month: m,
            day: d,
            flags: if m == 1 && d == 1 {
                Dob::PLACEHOLDER
            } else {
                0
            },
        }
    }

    #[test]
    fn id_levels_by_hand() {
        let a = personal(1_085_012_345);
        assert_eq!(compare_cid(a, a), 1);
        assert_eq!(
            compare_cid(a, personal(1_085_012_346)),
            2,
            "last digit differs"
        );
        assert_eq!(
            compare_cid(a, personal(1_085_012_354)),
            3,
            "45 → 54 transposed"
        );
        assert_eq!(
            compare_cid(a, personal(1_085_012_398)),
            5,
            "two digits, not a swap"
        );
        let cmnd = Cid {
            value: 12_345_678,
            kind: Cid::CMND,
            ..Cid::default()
        };
        assert_eq!(compare_cid(a, cmnd), 4);
        assert_eq!(compare_cid(a, Cid::default()), MISSING);
    }

    #[test]
    fn dob_levels_by_hand() {
        let x = dob(1985, 3, 14);
        assert_eq!(compare_dob(x, x), 1);
        assert_eq!(compare_dob(dob(1985, 3, 4), dob(1985, 4, 3)), 3, "swap");
        assert_eq!(compare_dob(x, dob(1985, 3, 20)), 4, "same year+month");
        assert_eq!(compare_dob(x, dob(1985, 0, 0)), 5, "year only");
        assert_eq!(compare_dob(x, dob(1985, 1, 1)), 5, "placeholder 01/01");
        assert_eq!(compare_dob(x, dob(1985, 4, 14)), 6, "lunar month +1");
        assert_eq!(compare_dob(x, dob(1986, 3, 14)), 6, "year +1");
        assert_eq!(compare_dob(x, dob(1985, 9, 2)), 7, "same year");
        assert_eq!(compare_dob(x, dob(1990, 9, 2)), 8);
        assert_eq!(compare_dob(x, Dob::default()), MISSING);
        let mut repaired = dob(1960, 3, 1);
        repaired.flags = Dob::REPAIRED;
        assert_eq!(compare_dob(repaired, dob(1960, 3, 1)), 2);
    }

    #[test]
    fn jaccard_by_hand() {
        assert_eq!(jaccard(&[1, 2, 3], &[1, 2, 3]), 1.0);
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5, "2 common of 4");
        assert_eq!(jaccard(&[1], &[2]), 0.0);
        assert_eq!(jaccard(&[], &[]), 1.0);
        assert!((jaccard(&[1, 2, 3, 4, 5, 6], &[1, 2, 3, 4, 5, 7]) - 5.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn jaro_bound_never_skips_a_similar_pair() {
        // Every pair of short strings over a small alphabet (so letters
        // repeat and coincide often), against strsim itself.
        let alphabet = ['a', 'n', 'h', 'u', 'g'];
        let mut words = vec![String::new()];
        for len in 1..=5u32 {
            for i in 0..alphabet.len().pow(len) {
                let mut w = String::new();
                let mut x = i;
                for _ in 0..len {
                    w.push(alphabet[x % alphabet.len()]);
                    x /= alphabet.len();
                }
                words.push(w);
            }
        }
        let mut skipped = 0;
        for a in words.iter().step_by(7) {
            for b in &words {
                let similar = jw(a, b) >= 0.88;
                if !jaro_may_reach(a, b, 0.8) {
                    skipped += 1;
                    assert!(!similar, "{a:?} vs {b:?}: jw {}", jw(a, b));
                }
            }
        }
        // The bound must actually skip something, or it buys nothing.
        assert!(skipped > 1000, "only {skipped} pairs skipped");
    }

    #[test]
    fn within_one_edit_agrees_with_strsim() {
        let words = [
            "", "a", "an", "na", "lan", "lna", "lam", "la", "lang", "alan", "tu", "ut", "hung",
            "hnug", "huong", "hong", "vy", "vi", "khanh", "kahnh", "thanh", "than", "abc", "acb",
            "bac",
        ];
        for a in words {
            for b in words {
                let want = strsim::damerau_levenshtein(a, b) <= 1;
                assert_eq!(
                    within_one_edit(a.as_bytes(), b.as_bytes()),
                    want,
                    "{a:?} vs {b:?}"
                );
            }
        }
    }

    #[test]
    fn pattern_packs_four_bits_per_comparison() {
        let p: Pattern = 0x0000_0000_0000_0531;
        assert_eq!(level(p, 0), 1);
        assert_eq!(level(p, 1), 3);
        assert_eq!(level(p, 2), 5);
        assert_eq!(level(p, 3), 0);
    }
}
