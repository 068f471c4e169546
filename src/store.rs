//! The columnar record store: one integer code per record and field,
//! dictionaries of normalized values beside them.
//!
//! Loading interns each raw value; [`StoreBuilder::finish`] normalizes every
//! distinct raw value once (in parallel) and maps records to normalized
//! codes. Nothing per record is a string except the record id, which is kept
//! in one contiguous buffer.

use rayon::prelude::*;

use crate::config::{Config, ExtraKind};
use crate::intern::{Interner, NONE};
use crate::normalize;

/// Index of a record in the store (input order across all registers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId(pub u32);

impl RecordId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A normalized date of birth, packed. `year == 0` means missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Dob {
    pub year: u16,
    /// 0 when only the year is known.
    pub month: u8,
    /// 0 when the day is unknown.
    pub day: u8,
    pub flags: u8,
}

impl Dob {
    /// 01/01: often a placeholder for an unknown day and month.
    pub const PLACEHOLDER: u8 = 1;
    /// The input was an impossible date (30/02) re-registered as the next valid one.
    pub const REPAIRED: u8 = 2;
    /// The input could not be parsed or was a sentinel year (counted, treated as missing).
    pub const INVALID: u8 = 4;
    /// After the run's reference date.
    pub const FUTURE: u8 = 8;

    pub fn is_missing(self) -> bool {
        self.year == 0
    }
    pub fn has_day(self) -> bool {
        self.day != 0
    }
    /// Day-precision date usable as a blocking key: not a placeholder.
    pub fn is_informative_day(self) -> bool {
        self.has_day() && self.flags & Dob::PLACEHOLDER == 0
    }
    /// Months since year 0, for ±1 month comparisons.
    pub fn month_index(self) -> i32 {
        i32::from(self.year) * 12 + i32::from(self.month)
    }
    /// The same date with [`Dob::FUTURE`] decided against `today` instead of
    /// the reference date it was normalized with: set when even the earliest
    /// day the value can stand for (an unknown month or day counts as the
    /// first) is after `today`, as `normalize::date::parse_date` decides it.
    /// `update` uses it for the records it does not normalize again, whose
    /// previous run may have had another `--as-of`.
    pub fn with_future_as_of(self, today: normalize::date::Date) -> Dob {
        let mut d = self;
        d.flags &= !Dob::FUTURE;
        if !d.is_missing() {
            let earliest = normalize::date::Date {
                year: d.year,
                month: d.month.max(1),
                day: d.day.max(1),
            };
            if earliest > today {
                d.flags |= Dob::FUTURE;
            }
        }
        d
    }
}

/// A normalized ID number. `kind == NONE` means missing or invalid.
///
/// Packed to 4-byte alignment: 12 bytes instead of 16 (the column holds one
/// per record, 400 MB less at 100 M records). Fields are read by value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C, packed(4))]
pub struct Cid {
    /// The digits as a number (leading zeros implied by `kind`).
    pub value: u64,
    pub kind: u8,
    /// From a 12-digit number: 1 male, 2 female, 0 unknown.
    pub sex: u8,
    /// From a 12-digit number: the birth year it encodes (0 unknown).
    pub birth_year: u16,
}

const _: () = assert!(std::mem::size_of::<Cid>() == 12);

impl Cid {
    pub const NONE: u8 = 0;
    pub const PERSONAL: u8 = 1;
    pub const CMND: u8 = 2;
    pub const INVALID: u8 = 3;

    pub fn is_valid(self) -> bool {
        self.kind == Cid::PERSONAL || self.kind == Cid::CMND
    }
    pub fn digits(self) -> usize {
        if self.kind == Cid::PERSONAL {
            12
        } else {
            9
        }
    }
}

/// Sex codes.
pub const SEX_UNKNOWN: u8 = 0;
pub const SEX_MALE: u8 = 1;
pub const SEX_FEMALE: u8 = 2;

/// One distinct normalized full name. Part fields are codes into
/// [`NameTable::tokens`]; `NONE` when the part is absent.
#[derive(Clone, Debug)]
pub struct NameEntry {
    pub canonical: u32,
    pub key: u32,
    pub phonetic: u32,
    pub family: u32,
    pub middle: u32,
    pub given: u32,
    pub family_key: u32,
    pub given_key: u32,
    pub family_group: u32,
    pub given_group: u32,
    pub given_phonetic: u32,
    /// The first word of `key` (where a given-first name puts the given name).
    pub first_word: u32,
    /// The words of `key` sorted: equal for the same name in another order.
    pub sorted_words: u32,
    pub encoding: normalize::text::Encoding,
    pub given_first: bool,
}

/// Distinct normalized names and the strings they refer to.
#[derive(Debug, Default)]
pub struct NameTable {
    pub entries: Vec<NameEntry>,
    pub tokens: Vec<Box<str>>,
}

impl NameTable {
    pub fn token(&self, code: u32) -> &str {
        if code == NONE {
            ""
        } else {
            &self.tokens[code as usize]
        }
    }
}

/// An extra field: codes per record into its dictionary of trimmed values.
#[derive(Debug)]
pub struct ExtraColumn {
    pub name: String,
    pub kind: ExtraKind,
    pub term_frequency: bool,
    pub codes: Vec<u32>,
    pub values: Vec<Box<str>>,
    /// Parsed form per distinct value for `numeric` (f64) and `date` kinds.
    pub numbers: Vec<Option<f64>>,
}

/// Which roles the input has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Present {
    pub name: bool,
    pub dob: bool,
    pub sex: bool,
    pub citizen_id: bool,
    pub province: bool,
    pub address: bool,
}

impl Present {
    /// Which roles the config gives the input.
    pub fn for_config(config: &Config) -> Present {
        let cols = &config.columns;
        Present {
            name: cols.full_name.is_some() || cols.given_name.is_some(),
            dob: cols.date_of_birth.is_some(),
            sex: cols.sex.is_some(),
            citizen_id: cols.citizen_id.is_some(),
            province: cols.province.is_some(),
            address: cols.address.is_some(),
        }
    }
}

/// The loaded, normalized records.
#[derive(Debug)]
pub struct RecordStore {
    /// Record ids end to end; `id_ends[i]` is where record i's id ends. Crate-visible so
    /// the run index (`crate::index`) can write and rebuild them without a copy per id.
    pub(crate) id_bytes: String,
    pub(crate) id_ends: Vec<u64>,
    /// Register index of each record (always 0 in dedupe mode).
    pub source: Vec<u8>,
    /// Register names (`a`, `b`) or the single input's name.
    pub sources: Vec<String>,
    pub present: Present,
    /// Name code per record: index into `names.entries`, or NONE.
    pub name: Vec<u32>,
    pub names: NameTable,
    pub dob: Vec<Dob>,
    pub sex: Vec<u8>,
    pub cid: Vec<Cid>,
    /// Province code (Circular 07/2016) per record; 0 when missing or unknown.
    pub province: Vec<u16>,
    /// 2025 unit per record (index into the 34 units); u8::MAX when unknown.
    pub unit: Vec<u8>,
    /// Accent-free address code per record, NONE when missing.
    pub address: Vec<u32>,
    pub addresses: Vec<Box<str>>,
    /// Per distinct address: its words as sorted, deduplicated token ids.
    pub address_tokens: Vec<Box<[u32]>>,
    /// The address words, indexed by the ids in `address_tokens` (kept so the run
    /// index can map new addresses' words to the same ids).
    pub address_words: Vec<Box<str>>,
    pub extras: Vec<ExtraColumn>,
    /// Counts of values that were present but could not be used.
    pub rejects: Rejects,
    /// Records whose name arrived in a legacy encoding (ascending record
    /// index, with the encoding). Per record, not per name entry: entries are
    /// shared by every spelling that repairs to the same canonical name.
    /// Sparse because most records are Unicode.
    pub name_repaired: Vec<(u32, normalize::text::Encoding)>,
    /// Records with a province value that names no province or 2025 unit
    /// (ascending); `province` is 0 for them as for a missing value.
    pub province_unknown: Vec<u32>,
}

/// Values present in the input that normalization could not use (the
/// record stays, the field is treated as missing).
#[derive(Clone, Debug, Default, serde::Serialize, PartialEq, Eq)]
pub struct Rejects {
    pub invalid_date: u64,
    pub invalid_id: u64,
    pub unknown_province: u64,
    pub unknown_sex: u64,
}

impl RecordStore {
    /// Records read from each input (source), in source order.
    pub fn records_per_source(&self) -> Vec<u64> {
        (0..self.sources.len())
            .map(|s| self.source.iter().filter(|&&x| x as usize == s).count() as u64)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.source.len()
    }

    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
    }

    pub fn record_id(&self, r: RecordId) -> &str {
        let i = r.index();
        let start = if i == 0 {
            0
        } else {
            self.id_ends[i - 1] as usize
        };
        &self.id_bytes[start..self.id_ends[i] as usize]
    }

    pub fn source_name(&self, r: RecordId) -> &str {
        &self.sources[self.source[r.index()] as usize]
    }

    pub fn name_entry(&self, r: RecordId) -> Option<&NameEntry> {
        let c = self.name[r.index()];
        (c != NONE).then(|| &self.names.entries[c as usize])
    }

    /// Hints the CPU to load record `i`'s name entry into cache (a loop
    /// reading entries record by record asks for one a few records ahead).
    /// Does nothing past the last record or for a record without a name.
    #[inline]
    pub fn prefetch_name_entry(&self, i: usize) {
        #[cfg(target_arch = "x86_64")]
        if let Some(&c) = self.name.get(i) {
            if let Some(e) = self.names.entries.get(c as usize) {
                // SAFETY: a prefetch is only a hint; it never faults and
                // reads nothing the program sees (and the pointer is valid).
                unsafe {
                    std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                        (e as *const NameEntry).cast::<i8>(),
                    );
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = i;
    }
}

/// Raw values of one input row, by role. `None` is a null or absent column.
#[derive(Debug, Default, Clone, Copy)]
pub struct RawRow<'a> {
    pub record_id: &'a str,
    pub full_name: Option<&'a str>,
    pub family_name: Option<&'a str>,
    pub middle_name: Option<&'a str>,
    pub given_name: Option<&'a str>,
    pub date_of_birth: Option<&'a str>,
    pub sex: Option<&'a str>,
    pub citizen_id: Option<&'a str>,
    pub province: Option<&'a str>,
    pub address: Option<&'a str>,
}

/// Collects rows (interning raw values), then normalizes each distinct value once.
pub struct StoreBuilder {
    present: Present,
    id_bytes: String,
    id_ends: Vec<u64>,
    source: Vec<u8>,
    sources: Vec<String>,
    name: (Interner, Vec<u32>),
    dob: (Interner, Vec<u32>),
    sex: (Interner, Vec<u32>),
    /// ID numbers are parsed row by row, not interned: nearly every value
    /// is distinct (8.9 M of 10 M generated records), so a dictionary only
    /// cost a hash-table probe per row into a table as large as the column.
    cid: CidColumn,
    province: (Interner, Vec<u32>),
    address: (Interner, Vec<u32>),
    extras: Vec<RawExtra>,
    scratch: String,
    today: normalize::date::Date,
}

/// A column's raw-value dictionary and each record's code in it.
type RawColumn = (Interner, Vec<u32>);

/// An extra field as collected: name, kind, term frequency flag, raw-value
/// dictionary and each record's code in it.
type RawExtra = (String, ExtraKind, bool, Interner, Vec<u32>);

/// Each record's parsed ID number, and how many present values were invalid.
#[derive(Default)]
struct CidColumn {
    values: Vec<Cid>,
    invalid: u64,
}

impl CidColumn {
    fn push(&mut self, value: Option<&str>) {
        let cid = match value.map(str::trim) {
            Some(v) if !v.is_empty() => derive::cid(v),
            _ => Cid::default(),
        };
        if cid.kind == Cid::INVALID {
            self.invalid += 1;
        }
        self.values.push(cid);
    }
}

/// Picks one field of a row.
type FieldOf = for<'r> fn(&RawRow<'r>) -> Option<&'r str>;

fn push_raw(col: &mut RawColumn, value: Option<&str>) {
    push_raw_parts(&mut col.0, &mut col.1, value);
}

fn push_raw_parts(dict: &mut Interner, codes: &mut Vec<u32>, value: Option<&str>) {
    let code = match value.map(str::trim) {
        Some(v) if !v.is_empty() => dict.intern(v),
        _ => NONE,
    };
    codes.push(code);
}

/// The row's name as one string: `full_name`, or the split parts joined
/// family-first (in `scratch`) so one parser serves both layouts.
fn name_value<'s, 'r: 's>(row: &RawRow<'r>, scratch: &'s mut String) -> Option<&'s str> {
    match row.full_name {
        Some(n) => Some(n),
        None if row.family_name.is_some() || row.given_name.is_some() => {
            scratch.clear();
            for part in [row.family_name, row.middle_name, row.given_name]
                .into_iter()
                .flatten()
            {
                if !scratch.is_empty() {
                    scratch.push(' ');
                }
                scratch.push_str(part.trim());
            }
            Some(scratch.as_str())
        }
        None => None,
    }
}

impl StoreBuilder {
    pub fn new(config: &Config, present: Present, today: normalize::date::Date) -> StoreBuilder {
        let extras = config
            .extra
            .iter()
            .map(|e| {
                let name = e.name.clone().unwrap_or_else(|| e.column.clone());
                (name, e.kind, e.term_frequency, Interner::new(), Vec::new())
            })
            .collect();
        StoreBuilder {
            present,
            id_bytes: String::new(),
            id_ends: Vec::new(),
            source: Vec::new(),
            sources: Vec::new(),
            name: Default::default(),
            dob: Default::default(),
            sex: Default::default(),
            cid: Default::default(),
            province: Default::default(),
            address: Default::default(),
            extras,
            scratch: String::new(),
            today,
        }
    }

    /// Starts a new register (input file); returns its index.
    pub fn add_source(&mut self, name: &str) -> u8 {
        self.sources.push(name.to_owned());
        u8::try_from(self.sources.len() - 1).expect("at most 255 inputs")
    }

    pub fn len(&self) -> usize {
        self.source.len()
    }

    pub fn is_empty(&self) -> bool {
        self.source.is_empty()
    }

    /// Adds one row of register `source`; `extras` are the extra fields' raw values in config order.
    pub fn push(&mut self, source: u8, row: &RawRow<'_>, extras: &[Option<&str>]) {
        self.id_bytes.push_str(row.record_id);
        self.id_ends.push(self.id_bytes.len() as u64);
        self.source.push(source);
        let name = name_value(row, &mut self.scratch);
        push_raw(&mut self.name, name);
        push_raw(&mut self.dob, row.date_of_birth);
        push_raw(&mut self.sex, row.sex);
        self.cid.push(row.citizen_id);
        push_raw(&mut self.province, row.province);
        push_raw(&mut self.address, row.address);
        for (i, e) in self.extras.iter_mut().enumerate() {
            push_raw_parts(&mut e.3, &mut e.4, extras.get(i).copied().flatten());
        }
    }

    /// Adds a batch of rows of register `source`, as [`push`](Self::push) on
    /// each in turn would, with the columns' dictionaries filled in parallel
    /// (each column has its own; interning is most of the load time).
    /// `extras` holds the extra fields' values row by row (`rows.len()` times
    /// the number of extra fields).
    pub fn push_batch(&mut self, source: u8, rows: &[RawRow<'_>], extras: &[Option<&str>]) {
        for row in rows {
            self.id_bytes.push_str(row.record_id);
            self.id_ends.push(self.id_bytes.len() as u64);
        }
        self.source.extend(std::iter::repeat_n(source, rows.len()));
        let stride = self.extras.len();
        let StoreBuilder {
            name,
            dob,
            sex,
            cid,
            province,
            address,
            extras: extra_columns,
            scratch,
            ..
        } = self;
        rayon::scope(|s| {
            s.spawn(|_| {
                for row in rows {
                    push_raw(name, name_value(row, scratch));
                }
            });
            s.spawn(|_| {
                for row in rows {
                    cid.push(row.citizen_id);
                }
            });
            let columns: [(&mut RawColumn, FieldOf); 4] = [
                (dob, |r| r.date_of_birth),
                (sex, |r| r.sex),
                (province, |r| r.province),
                (address, |r| r.address),
            ];
            for (col, field) in columns {
                s.spawn(move |_| {
                    for row in rows {
                        push_raw(col, field(row));
                    }
                });
            }
            for (k, e) in extra_columns.iter_mut().enumerate() {
                s.spawn(move |_| {
                    for i in 0..rows.len() {
                        push_raw_parts(&mut e.3, &mut e.4, extras[i * stride + k]);
                    }
                });
            }
        });
    }

    /// Normalizes every distinct value once and builds the store.
    pub fn finish(self) -> RecordStore {
        let mut rejects = Rejects::default();
        // Names (the slowest column: normalization, then a sequential
        // interning pass) are built beside all the other columns.
        // Each raw dictionary and code column is dropped as soon as its
        // column is derived: all of them alive to the end were the peak of
        // loading (the raw ID numbers alone are ~40 bytes per record).
        let name_col = self.name;
        let rest = RawColumns {
            dob: self.dob,
            cid: self.cid,
            sex: self.sex,
            province: self.province,
            address: self.address,
            extras: self.extras,
            today: self.today,
        };
        let ((names, name, name_repaired), c) = rayon::join(
            || finish_names(name_col),
            || rest.into_columns(&mut rejects),
        );
        RecordStore {
            id_bytes: self.id_bytes,
            id_ends: self.id_ends,
            source: self.source,
            sources: self.sources,
            present: self.present,
            name,
            names,
            dob: c.dob,
            sex: c.sex,
            cid: c.cid,
            province: c.province,
            unit: c.unit,
            address: c.address,
            addresses: c.addresses,
            address_tokens: c.address_tokens,
            address_words: c.address_words,
            extras: c.extras,
            rejects,
            name_repaired,
            province_unknown: c.province_unknown,
        }
    }
}

/// The name table, each record's entry, and the records whose name arrived
/// in a legacy encoding (with the encoding).
fn finish_names(
    name_col: RawColumn,
) -> (NameTable, Vec<u32>, Vec<(u32, normalize::text::Encoding)>) {
    let (names, name_of_raw, encoding_of_raw) = build_names(&name_col.0);
    drop(name_col.0);
    let name = map_codes(&name_col.1, &name_of_raw);
    let name_repaired: Vec<(u32, normalize::text::Encoding)> = name_col
        .1
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c != NONE)
        .map(|(i, &c)| (i as u32, encoding_of_raw[c as usize]))
        .filter(|&(_, e)| e != normalize::text::Encoding::Unicode)
        .collect();
    (names, name, name_repaired)
}

/// The raw columns other than names, taken from a [`StoreBuilder`].
struct RawColumns {
    dob: RawColumn,
    cid: CidColumn,
    sex: RawColumn,
    province: RawColumn,
    address: RawColumn,
    extras: Vec<RawExtra>,
    today: normalize::date::Date,
}

impl RawColumns {
    /// Derives every column, each raw column dropped once used; counts the
    /// rejected values in `rejects`.
    fn into_columns(self, rejects: &mut Rejects) -> Columns {
        let today = self.today;
        let dob = derive_column(
            &self.dob,
            Dob::default(),
            |v| derive::dob(v, today),
            |d| d.flags & Dob::INVALID != 0,
            &mut rejects.invalid_date,
        );
        drop(self.dob);
        rejects.invalid_id = self.cid.invalid;
        let cid = self.cid.values;
        let sex = derive_column(
            &self.sex,
            SEX_UNKNOWN,
            derive::sex,
            |s| s == SEX_UNKNOWN,
            &mut rejects.unknown_sex,
        );
        drop(self.sex);
        let (province, unit, province_unknown) =
            province_columns(self.province, &mut rejects.unknown_province);
        let (addresses, addr_of_raw) = dedupe_normalized(&self.address.0, derive::address_key);
        let address = map_codes(&self.address.1, &addr_of_raw);
        drop(self.address);
        let (address_tokens, address_words) = address_tokens(&addresses);
        let extras = self
            .extras
            .into_iter()
            .map(|e| extra_column(e, today))
            .collect();
        Columns {
            dob,
            cid,
            sex,
            province,
            unit,
            province_unknown,
            addresses,
            address,
            address_tokens,
            address_words,
            extras,
        }
    }
}

/// Each record's province code and 2025 unit, and the records whose present
/// province value names none (counted in `unknown`).
fn province_columns(col: RawColumn, unknown: &mut u64) -> (Vec<u16>, Vec<u8>, Vec<u32>) {
    let province = derive_column(&col, 0, derive::province, |p| p == 0, unknown);
    let unit = province.iter().map(|&p| derive::unit(p)).collect();
    let province_unknown = col
        .1
        .iter()
        .zip(&province)
        .enumerate()
        .filter(|&(_, (&raw, &code))| raw != NONE && code == 0)
        .map(|(i, _)| i as u32)
        .collect();
    (province, unit, province_unknown)
}

/// Each distinct address's words as sorted, deduplicated ids, and the words.
fn address_tokens(addresses: &[Box<str>]) -> (Vec<Box<[u32]>>, Vec<Box<str>>) {
    let mut words = Interner::new();
    let tokens = addresses
        .iter()
        .map(|a| {
            let mut t: Vec<u32> = a.split(' ').map(|w| words.intern(w)).collect();
            t.sort_unstable();
            t.dedup();
            t.into_boxed_slice()
        })
        .collect();
    (tokens, words.into_values())
}

/// An extra field's column: its distinct values, parsed for `numeric` and
/// `date` kinds.
fn extra_column(
    (name, kind, term_frequency, interner, codes): RawExtra,
    today: normalize::date::Date,
) -> ExtraColumn {
    let values = interner.into_values();
    let numbers = match kind {
        ExtraKind::Numeric => values.iter().map(|v| v.trim().parse().ok()).collect(),
        ExtraKind::Date => values
            .iter()
            .map(|v| {
                let d = derive::dob(v, today);
                (!d.is_missing() && d.flags & Dob::INVALID == 0).then(|| f64::from(derive::days(d)))
            })
            .collect(),
        _ => Vec::new(),
    };
    ExtraColumn {
        name,
        kind,
        term_frequency,
        codes,
        values,
        numbers,
    }
}

/// The store's columns other than names, built by [`StoreBuilder::finish`]
/// beside the names.
struct Columns {
    dob: Vec<Dob>,
    cid: Vec<Cid>,
    sex: Vec<u8>,
    province: Vec<u16>,
    unit: Vec<u8>,
    province_unknown: Vec<u32>,
    addresses: Vec<Box<str>>,
    address: Vec<u32>,
    address_tokens: Vec<Box<[u32]>>,
    address_words: Vec<Box<str>>,
    extras: Vec<ExtraColumn>,
}

/// The distinct values of a dictionary, in code order, for a parallel map.
fn par_values(raw: &Interner) -> impl IndexedParallelIterator<Item = &str> + '_ {
    (0..raw.len() as u32).into_par_iter().map(|c| raw.value(c))
}

/// Normalizes each distinct raw value of a column once (in parallel), maps
/// every record to its value (`missing` for nulls), and counts the records
/// whose present value normalization rejected.
fn derive_column<T: Copy + Send>(
    col: &(Interner, Vec<u32>),
    missing: T,
    derive: impl Fn(&str) -> T + Sync + Send,
    rejected: impl Fn(T) -> bool,
    count: &mut u64,
) -> Vec<T> {
    let of_raw: Vec<T> = par_values(&col.0).map(derive).collect();
    col.1
        .iter()
        .map(|&c| {
            if c == NONE {
                return missing;
            }
            let v = of_raw[c as usize];
            if rejected(v) {
                *count += 1;
            }
            v
        })
        .collect()
}

fn map_codes(codes: &[u32], of_raw: &[u32]) -> Vec<u32> {
    codes
        .iter()
        .map(|&c| if c == NONE { NONE } else { of_raw[c as usize] })
        .collect()
}

/// Normalizes distinct raw values in parallel and merges those that
/// normalize alike. Returns the distinct normalized values (in order of first
/// raw occurrence, so codes are deterministic) and the code of each raw value.
fn dedupe_normalized(
    raw: &Interner,
    f: impl Fn(&str) -> String + Sync + Send,
) -> (Vec<Box<str>>, Vec<u32>) {
    let normalized: Vec<String> = par_values(raw).map(f).collect();
    let mut interner = Interner::new();
    let codes = normalized
        .iter()
        .map(|n| {
            if n.is_empty() {
                NONE
            } else {
                interner.intern(n)
            }
        })
        .collect();
    (interner.into_values(), codes)
}

/// Returns the name table, the entry of each raw value and the encoding each
/// raw value arrived in.
fn build_names(raw: &Interner) -> (NameTable, Vec<u32>, Vec<normalize::text::Encoding>) {
    build_names_chunked(raw, NAME_CHUNK)
}

/// [`build_names`], normalizing `chunk` distinct names at a time.
fn build_names_chunked(
    raw: &Interner,
    chunk: usize,
) -> (NameTable, Vec<u32>, Vec<normalize::text::Encoding>) {
    let mut tokens = Interner::new();
    // Entry of each canonical-name token code (tokens are dense codes).
    let mut by_canonical: Vec<u32> = Vec::new();
    let mut entries = Vec::new();
    let mut codes = Vec::with_capacity(raw.len());
    let mut encodings = Vec::with_capacity(raw.len());
    let mut intern_chunk = |normalized: &[(normalize::name::NormalizedName, DerivedKeys)]| {
        let tok = |s: &str, t: &mut Interner| if s.is_empty() { NONE } else { t.intern(s) };
        for (n, d) in normalized {
            encodings.push(n.encoding);
            if n.canonical.is_empty() {
                codes.push(NONE);
                continue;
            }
            let canonical = tok(&n.canonical, &mut tokens);
            if by_canonical.len() <= canonical as usize {
                by_canonical.resize(canonical as usize + 1, NONE);
            }
            if by_canonical[canonical as usize] == NONE {
                let entry = NameEntry {
                    canonical,
                    key: tok(&n.key, &mut tokens),
                    phonetic: tok(&n.phonetic, &mut tokens),
                    family: tok(&n.family, &mut tokens),
                    middle: tok(&n.middle, &mut tokens),
                    given: tok(&n.given, &mut tokens),
                    family_key: tok(&d.family_key, &mut tokens),
                    given_key: tok(&d.given_key, &mut tokens),
                    family_group: tok(&n.family_group, &mut tokens),
                    given_group: tok(&n.given_group, &mut tokens),
                    given_phonetic: tok(&d.given_phonetic, &mut tokens),
                    first_word: tok(n.key.split(' ').next().unwrap_or(""), &mut tokens),
                    sorted_words: tok(&d.sorted_words, &mut tokens),
                    encoding: n.encoding,
                    given_first: n.given_first,
                };
                entries.push(entry);
                by_canonical[canonical as usize] = (entries.len() - 1) as u32;
            }
            codes.push(by_canonical[canonical as usize]);
        }
    };
    // Everything derived from one distinct raw name is computed in parallel;
    // the sequential pass only interns (it was 5 µs per entry when the
    // derived keys were built there, a third of the load stage). A chunk
    // of names is normalized while the previous one is interned: all
    // distinct names normalized at once were ~330 bytes and a dozen small
    // strings each, the peak of loading (about 1 GB at 10 M records).
    let normalize_chunk = |start: usize| -> Vec<(normalize::name::NormalizedName, DerivedKeys)> {
        let end = (start + chunk).min(raw.len());
        (start..end)
            .into_par_iter()
            .map(|c| {
                let n = normalize::name::normalize_name(raw.value(c as u32));
                let d = DerivedKeys::of(&n);
                (n, d)
            })
            .collect()
    };
    // The interned chunk is freed on the normalizing side, with the next
    // chunk: freeing its dozen strings per name was 4 % of the load stage's
    // CPU on the sequential side.
    let mut pending = normalize_chunk(0);
    let mut done = Vec::new();
    let mut start = chunk;
    while start < raw.len() {
        let (next, ()) = rayon::join(
            || {
                drop(std::mem::take(&mut done));
                normalize_chunk(start)
            },
            || intern_chunk(&pending),
        );
        done = std::mem::replace(&mut pending, next);
        start += chunk;
    }
    drop(done);
    intern_chunk(&pending);
    (
        NameTable {
            entries,
            tokens: tokens.into_values(),
        },
        codes,
        encodings,
    )
}

/// Distinct raw names normalized per step of [`build_names`]: large enough
/// to keep both threads busy, small enough to stay a few megabytes.
const NAME_CHUNK: usize = 1 << 16;

/// The comparison keys of a name that are not fields of
/// [`normalize::name::NormalizedName`].
struct DerivedKeys {
    given_key: String,
    family_key: String,
    given_phonetic: String,
    /// The words of the key sorted: equal for the same name in another order.
    sorted_words: String,
}

impl DerivedKeys {
    fn of(n: &normalize::name::NormalizedName) -> DerivedKeys {
        let mut words: Vec<&str> = n.key.split(' ').collect();
        words.sort_unstable();
        DerivedKeys {
            given_key: normalize::text::strip_marks(&n.given).to_lowercase(),
            family_key: normalize::text::strip_marks(&n.family).to_lowercase(),
            given_phonetic: normalize::phonetic::phonetic_key(&n.given),
            sorted_words: words.join(" "),
        }
    }
}

/// Adapters from the normalize modules to the store's packed codes.
mod derive {
    use super::*;
    use normalize::citizen_id::{parse_id, IdNumber, Sex};
    use normalize::date::{parse_date, Precision};
    use normalize::province::{lookup, ProvinceMatch};

    pub fn dob(v: &str, today: normalize::date::Date) -> Dob {
        let p = parse_date(v, today);
        if !p.is_usable() {
            return Dob {
                flags: Dob::INVALID,
                ..Dob::default()
            };
        }
        let mut flags = 0;
        if p.placeholder {
            flags |= Dob::PLACEHOLDER;
        }
        if p.future {
            flags |= Dob::FUTURE;
        }
        let (year, month, day) = match (p.repaired, p.precision) {
            (Some(d), _) => {
                flags |= Dob::REPAIRED;
                (d.year, d.month, d.day)
            }
            (None, Some(Precision::Day)) => (
                p.year.unwrap_or(0),
                p.month.unwrap_or(0),
                p.day.unwrap_or(0),
            ),
            (None, Some(Precision::Month)) => (p.year.unwrap_or(0), p.month.unwrap_or(0), 0),
            (None, _) => (p.year.unwrap_or(0), 0, 0),
        };
        if year == 0 {
            return Dob {
                flags: Dob::INVALID,
                ..Dob::default()
            };
        }
        Dob {
            year,
            month,
            day,
            flags,
        }
    }

    pub fn days(d: Dob) -> i32 {
        match normalize::date::Date::new(d.year, d.month.max(1), d.day.max(1)) {
            Some(date) => date.to_days(),
            None => i32::from(d.year) * 366,
        }
    }

    pub fn cid(v: &str) -> Cid {
        let id = parse_id(v);
        match id {
            IdNumber::Personal {
                sex, birth_year, ..
            } => Cid {
                value: id.packed().expect("valid numbers pack"),
                kind: Cid::PERSONAL,
                sex: if sex == Sex::Male {
                    SEX_MALE
                } else {
                    SEX_FEMALE
                },
                birth_year,
            },
            IdNumber::Cmnd { number, .. } => Cid {
                value: u64::from(number),
                kind: Cid::CMND,
                sex: SEX_UNKNOWN,
                birth_year: 0,
            },
            IdNumber::Invalid { .. } => Cid {
                kind: Cid::INVALID,
                ..Cid::default()
            },
        }
    }

    pub fn sex(v: &str) -> u8 {
        let folded = normalize::text::strip_marks(v.trim()).to_lowercase();
        match folded.as_str() {
            "nam" | "m" | "male" | "trai" => SEX_MALE,
            "nu" | "f" | "female" | "gai" => SEX_FEMALE,
            _ => SEX_UNKNOWN,
        }
    }

    /// Province code, or for a 2025 unit name that covers several old
    /// provinces, 1000 + the unit id (same unit, no single old code).
    pub fn province(v: &str) -> u16 {
        match lookup(v) {
            ProvinceMatch::Province { code, .. } => code,
            ProvinceMatch::Unit2025 { unit } => 1000 + unit.0,
            ProvinceMatch::Unknown => 0,
        }
    }

    pub fn unit(code: u16) -> u8 {
        if code == 0 {
            return u8::MAX;
        }
        if code >= 1000 {
            return (code - 1000) as u8;
        }
        normalize::province::by_code(code).map_or(u8::MAX, |p| p.unit_2025.0 as u8)
    }

    pub fn address_key(v: &str) -> String {
        let folded = normalize::text::strip_marks(&normalize::text::repair(v).text).to_lowercase();
        folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A date normalized against one reference date, with its future bit
    /// redecided against another, is the date normalized against the other
    /// (`parse_date` decides the bit independently, from the parsed parts).
    #[test]
    fn future_bit_redecided_as_normalizing_again() {
        let d = |year, month, day| normalize::date::Date { year, month, day };
        let inputs = [
            "15/06/2030",
            "06/2030",
            "2030",
            "30/02/2030",
            "01/01/2030",
            "01/03/2030",
            "15/06/1971",
            "1900",
            "",
            "not a date",
        ];
        let todays = [
            d(2026, 11, 29),
            d(2029, 12, 31),
            d(2030, 1, 1),
            d(2030, 2, 28),
            d(2030, 3, 1),
            d(2030, 6, 14),
            d(2030, 6, 15),
            d(2031, 1, 1),
        ];
        let mut flipped = 0;
        for v in inputs {
            for &t1 in &todays {
                for &t2 in &todays {
                    let (a, b) = (derive::dob(v, t1), derive::dob(v, t2));
                    assert_eq!(a.with_future_as_of(t2), b, "{v:?}: {t1:?} then {t2:?}");
                    flipped += usize::from(a.flags != b.flags);
                }
            }
        }
        // The reference dates straddle the inputs, so the bit does change.
        assert!(flipped > 20, "{flipped}");
    }

    #[test]
    fn names_built_in_chunks_equal_names_built_at_once() {
        // Synthetic names: repeats, spellings that normalize alike, a
        // legacy encoding (VNI), an empty value, given-name-first order.
        let raw_names = [
            "Nguyễn Văn An",
            "nguyễn  văn an",
            "Trần Thị Bích",
            "",
            "Nguye^n Va(n An",
            "Lê Minh Châu",
            "Phạm Hoàng",
            "An Nguyễn Văn",
            "Trần Thị Bích",
            "Đỗ Quang Huy",
            "Hoàng Thu Trang",
        ];
        let mut raw = Interner::new();
        let raw_code: Vec<u32> = raw_names.iter().map(|n| raw.intern(n)).collect();
        let (table, codes, encodings) = build_names_chunked(&raw, raw.len() + 1);
        for chunk in [1, 2, 3, 5] {
            let (t, c, e) = build_names_chunked(&raw, chunk);
            assert_eq!(c, codes, "chunk {chunk}: entry of each raw name");
            assert_eq!(e, encodings, "chunk {chunk}: encodings");
            assert_eq!(t.tokens, table.tokens, "chunk {chunk}: tokens");
            assert_eq!(
                format!("{:?}", t.entries),
                format!("{:?}", table.entries),
                "chunk {chunk}: entries"
            );
        }
        // By hand: the two spellings of one name share an entry, the empty
        // value has none, and every raw value has an encoding.
        let code = |s: &str| {
            let i = raw_names.iter().position(|&x| x == s).expect("listed");
            codes[raw_code[i] as usize]
        };
        assert_eq!(code("Nguyễn Văn An"), code("nguyễn  văn an"));
        assert_ne!(code("Nguyễn Văn An"), code("Trần Thị Bích"));
        assert_eq!(code(""), NONE);
        assert_eq!(encodings.len(), raw.len());
    }
}
