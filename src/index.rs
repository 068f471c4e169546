//! The run index: what `dedupe` persists in `RUN/index/` so that `update` can
//! match a new snapshot against the previous run without redoing it.
//!
//! Format v5 (documented file by file in ARCHITECTURE.md, "Run index, format
//! v5"): a `manifest.json` and flat files of fixed-width little-endian arrays,
//! one array per file, so each can be memory-mapped and read without parsing.
//! Strings are stored as a `.bytes` file (UTF-8, end to end) plus a
//! `.ends.u64` file (the end offset of each string). String dictionaries that
//! `update` must look values up in also get a `.slots.u32` open-addressing
//! hash table (slot = code + 1, 0 = empty, linear probing on [`hash_bytes`]),
//! so a lookup needs no table to be rebuilt at load time. The blocking
//! postings and the per-record columns are layered: base files shared by
//! hard link between runs, in base numbering, a base map to this run's
//! records, and a delta ([`LayeredPostings`], [`Layout`]).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use roaring::RoaringBitmap;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::hash::hash_bytes;
use crate::normalize::text::Encoding;
use crate::pipeline::ScoredPair;
use crate::store::{Cid, Dob, ExtraColumn, NameEntry, NameTable, RecordId, RecordStore};

/// The on-disk format version; `update` refuses any other.
pub const FORMAT_VERSION: u32 = 5;
/// `update` rewrites the postings as one new base (compaction) when the
/// records added since the base plus the base records gone since exceed this
/// fraction of the base; below it, the base files are hard-linked and only a
/// delta is written.
pub const COMPACT_FRACTION: f64 = 0.15;
/// The index directory inside a run directory.
pub const INDEX_DIR: &str = "index";
const FORMAT_NAME: &str = "dinhdanh-run-index";

/// Everything in the config that invalidates an index when it changes: the
/// columns and extras (what is fingerprinted and compared), the blocking
/// rules and cap (the postings), and what decides which pairs were kept
/// (threshold, output floor, term frequency). Threads and training settings
/// do not matter: `update` never trains.
pub fn config_parts(config: &Config) -> BTreeMap<String, serde_json::Value> {
    let v = |x: serde_json::Result<serde_json::Value>| x.expect("config values serialize");
    let mut m = BTreeMap::new();
    m.insert("columns".into(), v(serde_json::to_value(&config.columns)));
    m.insert("extra".into(), v(serde_json::to_value(&config.extra)));
    m.insert(
        "blocking.rules".into(),
        v(serde_json::to_value(&config.blocking.rules)),
    );
    m.insert(
        "blocking.max_block_size".into(),
        config.blocking.max_block_size.into(),
    );
    m.insert("model.threshold".into(), config.model.threshold.into());
    m.insert(
        "model.term_frequency".into(),
        config.model.term_frequency.into(),
    );
    m.insert(
        "output.min_pair_probability".into(),
        config.output.min_pair_probability.into(),
    );
    m
}

/// The hex fingerprint of [`config_parts`].
pub fn config_fingerprint(config: &Config) -> String {
    let bytes = serde_json::to_vec(&config_parts(config)).expect("config parts serialize");
    format!("{:016x}", hash_bytes(&bytes))
}

/// `index/manifest.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    pub config_fingerprint: String,
    /// The values the fingerprint covers, so a mismatch can name the key.
    pub config: BTreeMap<String, serde_json::Value>,
    /// Hash of the model (with its term-frequency counts) the pairs were scored with.
    pub model_hash: String,
    pub records: u64,
    pub rules: Vec<String>,
    pub pairs: u64,
    pub clusters: u64,
    pub name_entries: u64,
    pub extras: u64,
    /// Records numbered by the base postings (`base_map.u32` has one entry each).
    pub base_records: u64,
}

// ---------------------------------------------------------------- arrays

/// A fixed-width little-endian element.
pub trait Le: Copy {
    const SIZE: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
    /// The elements' bytes as stored (little-endian) without a copy, when
    /// the machine's own layout is that (None on a big-endian machine).
    fn le_bytes(data: &[Self]) -> Option<&[u8]>;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("chunk has the element's size"))
            }
            fn le_bytes(data: &[Self]) -> Option<&[u8]> {
                use arrow::datatypes::ToByteSlice;
                cfg!(target_endian = "little").then(|| data.to_byte_slice())
            }
        }
    )*};
}
le!(u8, u16, u32, u64, f64);

/// Writes an array file straight from memory (one copy, into the kernel).
fn write_array<T: Le>(dir: &Path, name: &str, data: &[T]) -> Result<()> {
    match T::le_bytes(data) {
        Some(bytes) => write_bytes(dir, name, bytes),
        None => write_iter(dir, name, data.iter().copied()),
    }
}

/// Writes an array file from computed elements, 64 Ki at a time (no array
/// of the whole file is built: at 10 M records those were hundreds of MB of
/// fresh pages per run).
fn write_iter<T: Le>(dir: &Path, name: &str, data: impl Iterator<Item = T>) -> Result<()> {
    const CHUNK: usize = 64 * 1024;
    let path = dir.join(name);
    let mut f = File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut buf = Vec::with_capacity(CHUNK * T::SIZE);
    for x in data {
        x.put(&mut buf);
        if buf.len() >= CHUNK * T::SIZE {
            f.write_all(&buf).map_err(|e| Error::io(&path, e))?;
            buf.clear();
        }
    }
    f.write_all(&buf).map_err(|e| Error::io(&path, e))
}

fn write_bytes(dir: &Path, name: &str, data: &[u8]) -> Result<()> {
    let path = dir.join(name);
    std::fs::write(&path, data).map_err(|e| Error::io(&path, e))
}

fn corrupt(path: &Path, why: &str) -> Error {
    Error::usage(format!(
        "{}: the run index is damaged ({why}); run a full dedupe to rebuild it",
        path.display()
    ))
}

/// The per-record flag inputs that are not record columns (format v5): the
/// records whose name was repaired from each legacy encoding
/// (`repaired.<encoding>.roaring`) and those whose province names no unit
/// (`province_unknown.roaring`). Sparse sets of record numbers in this run's
/// numbering, as roaring bitmaps (portable serialization), rewritten each run:
/// 0.5 MB at 10 M records.
fn write_flag_sets(dir: &Path, s: &RecordStore) -> Result<()> {
    let write = |name: &str, set: RoaringBitmap| {
        let mut buf = Vec::with_capacity(set.serialized_size());
        set.serialize_into(&mut buf)
            .expect("serializing into a Vec cannot fail");
        write_bytes(dir, name, &buf)
    };
    for &enc in &ENCODINGS[1..] {
        let records = s.name_repaired.iter().filter(|&&(_, e)| e == enc);
        let set = RoaringBitmap::from_sorted_iter(records.map(|&(r, _)| r))
            .expect("name_repaired is ascending");
        write(&format!("repaired.{}.roaring", enc.as_str()), set)?;
    }
    let unknown = RoaringBitmap::from_sorted_iter(s.province_unknown.iter().copied())
        .expect("province_unknown is ascending");
    write("province_unknown.roaring", unknown)
}

/// `RecordStore::name_repaired` and `RecordStore::province_unknown`.
type FlagSets = (Vec<(u32, Encoding)>, Vec<u32>);

/// Reads [`write_flag_sets`]' files for a run of `n` records, as the store
/// holds them (ascending).
fn read_flag_sets(dir: &Path, n: usize) -> Result<FlagSets> {
    let read = |name: &str| -> Result<RoaringBitmap> {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let mut rest = bytes.as_slice();
        let set = RoaringBitmap::deserialize_from(&mut rest)
            .map_err(|_| corrupt(&path, "not a roaring bitmap"))?;
        if !rest.is_empty() {
            return Err(corrupt(&path, "bytes after the bitmap"));
        }
        if set.max().is_some_and(|m| m as usize >= n) {
            return Err(corrupt(&path, "a record number is out of range"));
        }
        Ok(set)
    };
    let mut repaired: Vec<(u32, Encoding)> = Vec::new();
    let mut seen = RoaringBitmap::new();
    for &enc in &ENCODINGS[1..] {
        let name = format!("repaired.{}.roaring", enc.as_str());
        let set = read(&name)?;
        if !seen.is_disjoint(&set) {
            let other = repaired
                .iter()
                .find(|&&(r, _)| set.contains(r))
                .map_or("", |&(_, e)| e.as_str());
            return Err(corrupt(
                &dir.join(&name),
                &format!("a record is also in repaired.{other}.roaring"),
            ));
        }
        seen |= &set;
        repaired.extend(set.iter().map(|r| (r, enc)));
    }
    repaired.sort_unstable_by_key(|&(r, _)| r);
    let unknown = read("province_unknown.roaring")?.iter().collect();
    Ok((repaired, unknown))
}

/// Memory-maps one array file and decodes it (straight from the map: no
/// intermediate copy of the file).
fn read_array<T: Le>(dir: &Path, name: &str) -> Result<Vec<T>> {
    let map = map_file(dir, name)?;
    let bytes = map.bytes();
    if bytes.len() % T::SIZE != 0 {
        return Err(corrupt(
            &dir.join(name),
            "length is not a whole number of elements",
        ));
    }
    Ok(bytes.chunks_exact(T::SIZE).map(T::get).collect())
}

/// A read-only map of one index file (None: the file is empty, which mmap refuses).
struct Mapped(Option<memmap2::Mmap>);

impl Mapped {
    fn bytes(&self) -> &[u8] {
        self.0.as_deref().unwrap_or(&[])
    }
}

fn map_file(dir: &Path, name: &str) -> Result<Mapped> {
    let path = dir.join(name);
    let f = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let len = f.metadata().map_err(|e| Error::io(&path, e))?.len();
    if len == 0 {
        return Ok(Mapped(None));
    }
    // SAFETY: the index is never modified after it is committed (runs are
    // immutable: a new run writes a new directory), so the mapping cannot change
    // under us; everything is decoded or copied out before the map is dropped.
    let map = unsafe { memmap2::Mmap::map(&f) }.map_err(|e| Error::io(&path, e))?;
    Ok(Mapped(Some(map)))
}

fn read_array_len<T: Le>(dir: &Path, name: &str, len: usize) -> Result<Vec<T>> {
    let v = read_array::<T>(dir, name)?;
    if v.len() != len {
        return Err(corrupt(&dir.join(name), "wrong number of elements"));
    }
    Ok(v)
}

/// Writes a string table from its strings (streamed: no copy of the table
/// is built).
fn write_strings<'a>(
    dir: &Path,
    name: &str,
    items: impl Iterator<Item = &'a str> + Clone,
) -> Result<()> {
    let path = dir.join(format!("{name}.bytes"));
    let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut w = BufWriter::with_capacity(1 << 20, f);
    for s in items.clone() {
        w.write_all(s.as_bytes()).map_err(|e| Error::io(&path, e))?;
    }
    w.flush().map_err(|e| Error::io(&path, e))?;
    let ends = items.scan(0u64, |end, s| {
        *end += s.len() as u64;
        Some(*end)
    });
    write_iter(dir, &format!("{name}.ends.u64"), ends)
}

fn with_string_table<R>(dir: &Path, name: &str, f: impl FnOnce(&str, &[u64]) -> R) -> Result<R> {
    let map = map_file(dir, &format!("{name}.bytes"))?;
    let ends = read_array::<u64>(dir, &format!("{name}.ends.u64"))?;
    let path = dir.join(format!("{name}.bytes"));
    let text = std::str::from_utf8(map.bytes()).map_err(|_| corrupt(&path, "not UTF-8"))?;
    let mut prev = 0u64;
    for &e in &ends {
        if e < prev || e as usize > text.len() || !text.is_char_boundary(e as usize) {
            return Err(corrupt(&path, "string offsets out of order"));
        }
        prev = e;
    }
    if prev as usize != text.len() {
        return Err(corrupt(&path, "string offsets do not cover the bytes"));
    }
    Ok(f(text, &ends))
}

fn read_strings(dir: &Path, name: &str) -> Result<Vec<Box<str>>> {
    with_string_table(dir, name, |text, ends| {
        let mut start = 0usize;
        ends.iter()
            .map(|&e| {
                let s: Box<str> = text[start..e as usize].into();
                start = e as usize;
                s
            })
            .collect()
    })
}

/// A string table in memory: the strings end to end and the end of each (no
/// allocation per string, for the large tables only looked at by index).
#[derive(Clone, Debug, Default)]
pub struct StrTable {
    text: String,
    ends: Vec<u64>,
}

impl StrTable {
    /// An empty table with room for `strings` strings of `bytes` bytes in all.
    pub fn with_capacity(bytes: usize, strings: usize) -> StrTable {
        StrTable {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
        }
    }

    /// The strings' total length in bytes.
    pub fn bytes_len(&self) -> usize {
        self.text.len()
    }

    /// Appends a string (it gets index `len()`).
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u64);
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
    /// String `i` (< `len()`).
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

// ---------------------------------------------------------------- slots

/// An open-addressing hash table over a string dictionary: `slots[h]` is the
/// code + 1 of the string whose probe sequence passes h, 0 when empty. The
/// table is at most half full.
#[derive(Clone, Debug, Default)]
pub struct Slots(pub Vec<u32>);

impl Slots {
    fn capacity_for(n: usize) -> usize {
        (n.max(8) * 2).next_power_of_two()
    }

    /// A table over `n` strings, `get(code)` giving each.
    pub fn build<'a>(n: usize, get: impl Fn(u32) -> &'a str) -> Slots {
        let mut t = Slots(vec![0; Slots::capacity_for(n)]);
        for code in 0..n as u32 {
            t.place(code, get(code));
        }
        t
    }

    fn place(&mut self, code: u32, s: &str) {
        let mask = self.0.len() - 1;
        let mut i = hash_bytes(s.as_bytes()) as usize & mask;
        while self.0[i] != 0 {
            i = (i + 1) & mask;
        }
        self.0[i] = code + 1;
    }

    /// A table over `strings` strings as [`Slots::build`] makes it: a power of
    /// two at least twice the strings, at most half full (so every probe
    /// sequence reaches an empty slot), codes in range.
    fn fits(&self, strings: usize) -> bool {
        let t = &self.0;
        let used = t.iter().filter(|&&c| c != 0).count();
        t.len().is_power_of_two()
            && t.len() >= 2 * strings
            && used <= t.len() / 2
            && t.iter().all(|&c| c as usize <= strings)
    }

    /// The code of `s`, if the dictionary has it.
    pub fn find<'a>(&self, s: &str, get: impl Fn(u32) -> &'a str) -> Option<u32> {
        if self.0.is_empty() {
            return None;
        }
        let mask = self.0.len() - 1;
        let mut i = hash_bytes(s.as_bytes()) as usize & mask;
        loop {
            match self.0[i] {
                0 => return None,
                c if get(c - 1) == s => return Some(c - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// The code of `s` in `values`, appending it (and placing it here) when
    /// new; the flag says whether it was new.
    pub fn intern(&mut self, values: &mut Vec<Box<str>>, s: &str) -> (u32, bool) {
        if let Some(c) = self.find(s, |c| &values[c as usize]) {
            return (c, false);
        }
        values.push(s.into());
        let code = (values.len() - 1) as u32;
        self.insert(code, values.len(), |c| &values[c as usize]);
        (code, true)
    }

    /// Adds `code` (the dictionary now has `n` strings), growing the table when
    /// it would be more than half full.
    pub fn insert<'a>(&mut self, code: u32, n: usize, get: impl Fn(u32) -> &'a str) {
        if self.0.len() < Slots::capacity_for(n) {
            *self = Slots::build(n, get);
        } else {
            self.place(code, get(code));
        }
    }
}

/// The lookup tables of a store's dictionaries.
#[derive(Clone, Debug, Default)]
pub struct StoreSlots {
    pub record_id: Slots,
    pub tokens: Slots,
    pub addresses: Slots,
    pub address_words: Slots,
    pub extras: Vec<Slots>,
}

impl StoreSlots {
    /// Builds every table from scratch (dedupe; O(dictionary sizes)).
    pub fn build(store: &RecordStore) -> StoreSlots {
        let (tokens, rest) = rayon::join(
            || {
                Slots::build(store.names.tokens.len(), |c| {
                    &store.names.tokens[c as usize]
                })
            },
            || {
                rayon::join(
                    || Slots::build(store.addresses.len(), |c| &store.addresses[c as usize]),
                    || {
                        rayon::join(
                            || {
                                Slots::build(store.address_words.len(), |c| {
                                    &store.address_words[c as usize]
                                })
                            },
                            || {
                                store
                                    .extras
                                    .iter()
                                    .map(|e| {
                                        Slots::build(e.values.len(), |c| &e.values[c as usize])
                                    })
                                    .collect::<Vec<_>>()
                            },
                        )
                    },
                )
            },
        );
        let (addresses, (words, extras)) = rest;
        StoreSlots {
            record_id: record_id_slots(store),
            tokens,
            addresses,
            address_words: words,
            extras,
        }
    }
}

/// The record-id table of every record (a new base: `dedupe`, or a compacting `update`).
pub fn record_id_slots(store: &RecordStore) -> Slots {
    Slots::build(store.len(), |c| store.record_id(crate::store::RecordId(c)))
}

// ---------------------------------------------------------------- contents

/// One blocking rule's postings: the keyed records sorted by key (ties in
/// record order for `dedupe`; see ARCHITECTURE.md for `update`).
#[derive(Clone, Debug, Default)]
pub struct Postings {
    pub keys: Vec<u64>,
    pub records: Vec<u32>,
}

impl Postings {
    /// The records with `key` (a range of `records`).
    pub fn range(&self, key: u64) -> std::ops::Range<usize> {
        let lo = self.keys.partition_point(|&k| k < key);
        let hi = lo + self.keys[lo..].partition_point(|&k| k == key);
        lo..hi
    }
}

/// An array file kept memory-mapped and decoded element by element on
/// access: the base postings are only binary-searched by `update`, so
/// decoding all of them (hundreds of MB at 10 M records) would be wasted.
pub struct MappedArray<T: Le> {
    map: Mapped,
    len: usize,
    _t: std::marker::PhantomData<T>,
}

impl<T: Le> MappedArray<T> {
    fn open(dir: &Path, name: &str) -> Result<Self> {
        let map = map_file(dir, name)?;
        let bytes = map.bytes().len();
        if bytes % T::SIZE != 0 {
            return Err(corrupt(
                &dir.join(name),
                "length is not a whole number of elements",
            ));
        }
        Ok(MappedArray {
            map,
            len: bytes / T::SIZE,
            _t: std::marker::PhantomData,
        })
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Element `i` (`i < len`).
    pub fn get(&self, i: usize) -> T {
        T::get(&self.map.bytes()[i * T::SIZE..(i + 1) * T::SIZE])
    }
}

/// One rule's base postings, memory-mapped: records in base numbering (see
/// [`RunIndex::base_map`]), sorted by key.
pub struct BasePostings {
    pub keys: MappedArray<u64>,
    pub records: MappedArray<u32>,
}

impl BasePostings {
    /// The entries with `key` (a range of `records`).
    pub fn range(&self, key: u64) -> std::ops::Range<usize> {
        let first = |after: bool| {
            let (mut lo, mut hi) = (0, self.keys.len());
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                let k = self.keys.get(mid);
                if k < key || (after && k == key) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        first(false)..first(true)
    }
}

/// One rule's postings in a layered index: the base (shared, by hard link,
/// with the run that wrote it) and the delta of the records added since.
pub struct LayeredPostings {
    pub base: BasePostings,
    /// Records in this run's numbering, sorted by (key, record).
    pub delta: Postings,
}

/// How [`write_index_with`] writes the postings.
pub enum PostingsWrite<'a> {
    /// `IndexContents::postings` as a new base; the base map is the identity.
    Full,
    /// As `Full`, but the base postings files are already written in `dir`
    /// (`dedupe` writes them while blocking) and are linked from there.
    Prewritten { dir: &'a Path },
    /// The previous index's base files (hard-linked, or copied across file
    /// systems), this run's base map and delta; `IndexContents::postings` is
    /// not used.
    Layered {
        previous_index: &'a Path,
        base_map: &'a [u32],
        delta: &'a [Postings],
    },
}

/// Hard-links `name` of `from` into `to` (base files are never modified, so
/// two runs can share them; each run directory stays complete on its own);
/// copies when a link is impossible (another file system).
fn link_or_copy(from: &Path, to: &Path, name: &str) -> Result<()> {
    let (src, dst) = (from.join(name), to.join(name));
    if std::fs::hard_link(&src, &dst).is_err() {
        std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
    }
    Ok(())
}

/// The per-record files of a base (in base numbering; `delta.`-prefixed
/// files hold the delta records), besides `extra{i}.codes.u32`.
const RECORD_FILES: [&str; 12] = [
    "record_id.bytes",
    "record_id.ends.u64",
    "record_id.slots.u32",
    "row_fp.u64",
    "name.u32",
    "dob.u64",
    "sex.u8",
    "cid_value.u64",
    "cid_meta.u32",
    "province.u16",
    "unit.u8",
    "address.u32",
];

/// The delta records of a run of `n` records: those no entry of `base_map`
/// maps to, ascending.
fn delta_records(base_map: &[u32], n: usize) -> Vec<u32> {
    let mut live = vec![false; n];
    for &i in base_map {
        if i != crate::intern::NONE {
            live[i as usize] = true;
        }
    }
    (0..n as u32).filter(|&i| !live[i as usize]).collect()
}

/// `all`, or its elements at `rows`.
fn pick<'a, T: Copy>(all: &'a [T], rows: Option<&[u32]>) -> std::borrow::Cow<'a, [T]> {
    match rows {
        None => std::borrow::Cow::Borrowed(all),
        Some(rows) => rows.iter().map(|&i| all[i as usize]).collect(),
    }
}

/// The pairs kept by a run (match weight at or above the output floor),
/// sorted by (a, b), a < b.
#[derive(Clone, Debug, Default)]
pub struct PairArrays {
    pub a: Vec<u32>,
    pub b: Vec<u32>,
    /// Index of the blocking rule that found the pair (the first whose keys agree).
    pub rule: Vec<u8>,
    /// Comparison levels, 4 bits each (see `compare::Pattern`).
    pub pattern: Vec<u64>,
    pub weight: Vec<f64>,
}

impl PairArrays {
    pub fn len(&self) -> usize {
        self.a.len()
    }
    pub fn is_empty(&self) -> bool {
        self.a.is_empty()
    }
}

/// One rule's postings to write: already sorted, or (dedupe) the blocker's
/// sorted record order with each record's key.
pub enum PostingsRef<'a> {
    Sorted(&'a Postings),
    ByRecord { keys: &'a [u64], records: &'a [u32] },
}

/// What the index holds, in memory.
pub struct IndexContents<'a> {
    pub config: &'a Config,
    pub model_hash: u64,
    pub store: &'a RecordStore,
    pub slots: &'a StoreSlots,
    pub row_fp: &'a [u64],
    pub postings: &'a [PostingsRef<'a>],
    /// Sorted by (a, b).
    pub pairs: &'a [ScoredPair],
    /// Cluster number of each record, and the id of each cluster number.
    pub cluster_of: &'a [u32],
    pub cluster_names: ClusterNames<'a>,
}

/// The id of each cluster number.
pub enum ClusterNames<'a> {
    Table(&'a StrTable),
    /// `of[c]`: the number of a cluster of `previous` whose id cluster `c`
    /// keeps, or `CREATED |` an index into `created` (update: nearly every id
    /// is carried, so no table of them is built).
    Carried {
        previous: &'a StrTable,
        of: &'a [u32],
        created: &'a [String],
    },
}

/// See [`ClusterNames::Carried`].
pub const CREATED: u32 = 1 << 31;

impl ClusterNames<'_> {
    pub fn len(&self) -> usize {
        match self {
            ClusterNames::Table(t) => t.len(),
            ClusterNames::Carried { of, .. } => of.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The id of cluster `c` (`c < len`).
    pub fn get(&self, c: usize) -> &str {
        match self {
            ClusterNames::Table(t) => t.get(c),
            ClusterNames::Carried {
                previous,
                of,
                created,
            } => match of[c] {
                x if x & CREATED != 0 => &created[(x & !CREATED) as usize],
                x => previous.get(x as usize),
            },
        }
    }
}

/// An index written under a temporary directory name, renamed by [`PendingIndex::commit`].
pub struct PendingIndex {
    tmp: Option<tempfile::TempDir>,
    dest: PathBuf,
}

impl PendingIndex {
    /// Moves the complete index into `RUN/index` (replacing an older one).
    pub fn commit(mut self) -> Result<()> {
        let tmp = self.tmp.take().expect("commit is called once").keep();
        if self.dest.exists() {
            let old = tempfile::Builder::new()
                .prefix(".dinhdanh-old-index-")
                .tempdir_in(self.dest.parent().unwrap_or(Path::new(".")))
                .map_err(|e| Error::io(&self.dest, e))?;
            let old_path = old.path().join("index");
            std::fs::rename(&self.dest, &old_path).map_err(|e| Error::io(&self.dest, e))?;
            std::fs::rename(&tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))?;
            drop(old);
        } else {
            std::fs::rename(&tmp, &self.dest).map_err(|e| Error::io(&self.dest, e))?;
        }
        Ok(())
    }
}

const ENCODINGS: [Encoding; 6] = [
    Encoding::Unicode,
    Encoding::Vni,
    Encoding::Tcvn3,
    Encoding::Viqr,
    Encoding::Utf8AsCp1252,
    Encoding::Cp1258,
];
const ENTRY_WORDS: usize = 15;

fn pack_dob(d: Dob) -> u64 {
    u64::from(d.year) | u64::from(d.month) << 16 | u64::from(d.day) << 24 | u64::from(d.flags) << 32
}

fn unpack_dob(x: u64) -> Dob {
    Dob {
        year: x as u16,
        month: (x >> 16) as u8,
        day: (x >> 24) as u8,
        flags: (x >> 32) as u8,
    }
}

/// Writes the whole index under a temporary directory in `run_dir`, its
/// postings as a new base. The files are independent: they are encoded and
/// written in parallel.
pub fn write_index(run_dir: &Path, c: &IndexContents<'_>) -> Result<PendingIndex> {
    write_index_with(run_dir, c, PostingsWrite::Full)
}

/// [`write_index`] with the postings written as `postings` says.
pub fn write_index_with(
    run_dir: &Path,
    c: &IndexContents<'_>,
    postings: PostingsWrite<'_>,
) -> Result<PendingIndex> {
    let tmp = tempfile::Builder::new()
        .prefix(".dinhdanh-index-")
        .tempdir_in(run_dir)
        .map_err(|e| Error::io(run_dir, e))?;
    let dir = tmp.path();
    let s = c.store;
    let first_error: std::sync::Mutex<Option<Error>> = std::sync::Mutex::new(None);
    let keep = |r: Result<()>| {
        if let Err(e) = r {
            let mut slot = first_error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            slot.get_or_insert(e);
        }
    };
    // The per-record columns: a new base of every record (`Full`) with empty
    // delta files, or (`Layered`) the previous base's files linked and this
    // run's delta records, those no base entry maps to.
    let (pre, rows): (&str, Option<Vec<u32>>) = match &postings {
        PostingsWrite::Full | PostingsWrite::Prewritten { .. } => ("", None),
        PostingsWrite::Layered { base_map, .. } => {
            ("delta.", Some(delta_records(base_map, s.len())))
        }
    };
    let rows = rows.as_deref();
    let p = |name: &str| format!("{pre}{name}");
    rayon::scope(|sc| {
        match (&postings, rows) {
            (PostingsWrite::Layered { previous_index, .. }, Some(rows)) => {
                let (previous_index, keep) = (*previous_index, &keep);
                sc.spawn(move |_| {
                    let mut r = Ok(());
                    for name in RECORD_FILES {
                        r = r.and_then(|()| link_or_copy(previous_index, dir, name));
                    }
                    for i in 0..s.extras.len() {
                        let name = format!("extra{i}.codes.u32");
                        r = r.and_then(|()| link_or_copy(previous_index, dir, &name));
                    }
                    keep(r)
                });
                sc.spawn(move |_| {
                    keep(write_strings(
                        dir,
                        "delta.record_id",
                        rows.iter().map(|&i| s.record_id(RecordId(i))),
                    ))
                });
                sc.spawn(move |_| {
                    let slots =
                        Slots::build(rows.len(), |q| s.record_id(RecordId(rows[q as usize])));
                    keep(write_array(dir, "delta.record_id.slots.u32", &slots.0))
                });
            }
            _ => {
                // The store's record ids already are a string table.
                sc.spawn(|_| {
                    keep(
                        write_bytes(dir, "record_id.bytes", s.id_bytes.as_bytes())
                            .and_then(|()| write_array(dir, "record_id.ends.u64", &s.id_ends)),
                    )
                });
                sc.spawn(|_| {
                    keep(write_array(
                        dir,
                        "record_id.slots.u32",
                        &c.slots.record_id.0,
                    ))
                });
                sc.spawn(|_| {
                    let mut r =
                        write_strings(dir, "delta.record_id", std::iter::empty()).and_then(|()| {
                            write_array(
                                dir,
                                "delta.record_id.slots.u32",
                                &Slots::build(0, |_| "").0,
                            )
                        });
                    // The record-id table and its slots (the first three) are written above.
                    for name in &RECORD_FILES[3..] {
                        r = r.and_then(|()| write_array::<u8>(dir, &format!("delta.{name}"), &[]));
                    }
                    for i in 0..s.extras.len() {
                        let name = format!("delta.extra{i}.codes.u32");
                        r = r.and_then(|()| write_array::<u8>(dir, &name, &[]));
                    }
                    keep(r)
                });
            }
        }
        sc.spawn(|_| keep(write_array(dir, &p("row_fp.u64"), &pick(c.row_fp, rows))));
        sc.spawn(|_| keep(write_array(dir, &p("name.u32"), &pick(&s.name, rows))));
        sc.spawn(|_| {
            keep(write_iter(
                dir,
                &p("dob.u64"),
                pick(&s.dob, rows).iter().map(|&d| pack_dob(d)),
            ))
        });
        sc.spawn(|_| keep(write_array(dir, &p("sex.u8"), &pick(&s.sex, rows))));
        sc.spawn(|_| {
            let cid = pick(&s.cid, rows);
            let cid_meta = cid
                .iter()
                .map(|c| u32::from(c.kind) | u32::from(c.sex) << 8 | u32::from(c.birth_year) << 16);
            keep(
                write_iter(dir, &p("cid_value.u64"), cid.iter().map(|c| c.value))
                    .and_then(|()| write_iter(dir, &p("cid_meta.u32"), cid_meta)),
            )
        });
        sc.spawn(|_| {
            keep(
                write_array(dir, &p("province.u16"), &pick(&s.province, rows))
                    .and_then(|()| write_array(dir, &p("unit.u8"), &pick(&s.unit, rows)))
                    .and_then(|()| write_array(dir, &p("address.u32"), &pick(&s.address, rows))),
            )
        });
        sc.spawn(|_| {
            let mut entries = Vec::with_capacity(s.names.entries.len() * ENTRY_WORDS);
            for e in &s.names.entries {
                let enc = ENCODINGS
                    .iter()
                    .position(|&x| x == e.encoding)
                    .expect("every encoding is listed") as u32;
                entries.extend_from_slice(&[
                    e.canonical,
                    e.key,
                    e.phonetic,
                    e.family,
                    e.middle,
                    e.given,
                    e.family_key,
                    e.given_key,
                    e.family_group,
                    e.given_group,
                    e.given_phonetic,
                    e.first_word,
                    e.sorted_words,
                    enc,
                    u32::from(e.given_first),
                ]);
            }
            keep(write_array(dir, "name_entries.u32", &entries))
        });
        sc.spawn(|_| {
            keep(
                write_strings(dir, "name_tokens", s.names.tokens.iter().map(|t| &**t))
                    .and_then(|()| write_array(dir, "name_tokens.slots.u32", &c.slots.tokens.0)),
            )
        });
        sc.spawn(|_| {
            keep(
                write_strings(dir, "addresses", s.addresses.iter().map(|t| &**t))
                    .and_then(|()| write_array(dir, "addresses.slots.u32", &c.slots.addresses.0)),
            )
        });
        sc.spawn(|_| {
            let mut tok = Vec::new();
            let mut tok_ends = Vec::with_capacity(s.address_tokens.len());
            for t in &s.address_tokens {
                tok.extend_from_slice(t);
                tok_ends.push(tok.len() as u64);
            }
            keep(
                write_array(dir, "address_tokens.u32", &tok)
                    .and_then(|()| write_array(dir, "address_tokens.ends.u64", &tok_ends))
                    .and_then(|()| {
                        write_strings(dir, "address_words", s.address_words.iter().map(|t| &**t))
                    })
                    .and_then(|()| {
                        write_array(dir, "address_words.slots.u32", &c.slots.address_words.0)
                    }),
            )
        });
        for (i, e) in s.extras.iter().enumerate() {
            let (keep, p) = (&keep, &p);
            sc.spawn(move |_| {
                let has: Vec<u8> = e.numbers.iter().map(|n| u8::from(n.is_some())).collect();
                let num: Vec<f64> = e.numbers.iter().map(|n| n.unwrap_or(0.0)).collect();
                keep(
                    write_array(
                        dir,
                        &p(&format!("extra{i}.codes.u32")),
                        &pick(&e.codes, rows),
                    )
                    .and_then(|()| {
                        write_strings(
                            dir,
                            &format!("extra{i}.values"),
                            e.values.iter().map(|t| &**t),
                        )
                    })
                    .and_then(|()| {
                        write_array(
                            dir,
                            &format!("extra{i}.values.slots.u32"),
                            &c.slots.extras[i].0,
                        )
                    })
                    .and_then(|()| write_array(dir, &format!("extra{i}.has_number.u8"), &has))
                    .and_then(|()| write_array(dir, &format!("extra{i}.numbers.f64"), &num)),
                )
            });
        }
        let n_rules = c.config.blocking.rules.len();
        match &postings {
            PostingsWrite::Full | PostingsWrite::Prewritten { .. } => {
                if let PostingsWrite::Prewritten { dir: from } = postings {
                    sc.spawn(move |_| {
                        let mut r = Ok(());
                        for k in 0..n_rules {
                            for name in
                                [format!("rule{k}.keys.u64"), format!("rule{k}.records.u32")]
                            {
                                r = r.and_then(|()| link_or_copy(from, dir, &name));
                            }
                        }
                        keep(r)
                    });
                }
                sc.spawn(|_| keep(write_iter(dir, "base_map.u32", 0..s.len() as u32)));
                for k in 0..n_rules {
                    let keep = &keep;
                    sc.spawn(move |_| {
                        keep(
                            write_array::<u64>(dir, &format!("rule{k}.delta.keys.u64"), &[])
                                .and_then(|()| {
                                    write_array::<u32>(
                                        dir,
                                        &format!("rule{k}.delta.records.u32"),
                                        &[],
                                    )
                                }),
                        )
                    });
                }
            }
            PostingsWrite::Layered {
                previous_index,
                base_map,
                delta,
            } => {
                let previous_index = *previous_index;
                sc.spawn(move |_| keep(write_array(dir, "base_map.u32", base_map)));
                for (k, d) in delta.iter().enumerate() {
                    let keep = &keep;
                    sc.spawn(move |_| {
                        keep(
                            link_or_copy(previous_index, dir, &format!("rule{k}.keys.u64"))
                                .and_then(|()| {
                                    link_or_copy(
                                        previous_index,
                                        dir,
                                        &format!("rule{k}.records.u32"),
                                    )
                                })
                                .and_then(|()| {
                                    write_array(dir, &format!("rule{k}.delta.keys.u64"), &d.keys)
                                })
                                .and_then(|()| {
                                    write_array(
                                        dir,
                                        &format!("rule{k}.delta.records.u32"),
                                        &d.records,
                                    )
                                }),
                        )
                    });
                }
            }
        }
        let full_postings: &[PostingsRef<'_>] = match postings {
            PostingsWrite::Full => c.postings,
            PostingsWrite::Prewritten { .. } | PostingsWrite::Layered { .. } => &[],
        };
        for (k, p) in full_postings.iter().enumerate() {
            let keep = &keep;
            sc.spawn(move |_| {
                keep(match p {
                    PostingsRef::Sorted(p) => {
                        write_array(dir, &format!("rule{k}.keys.u64"), &p.keys).and_then(|()| {
                            write_array(dir, &format!("rule{k}.records.u32"), &p.records)
                        })
                    }
                    PostingsRef::ByRecord { keys, records } => {
                        let sorted = records.iter().map(|&r| keys[r as usize]);
                        write_iter(dir, &format!("rule{k}.keys.u64"), sorted).and_then(|()| {
                            write_array(dir, &format!("rule{k}.records.u32"), records)
                        })
                    }
                })
            });
        }
        sc.spawn(|_| {
            keep(
                write_iter(dir, "pairs.a.u32", c.pairs.iter().map(|p| p.a.0))
                    .and_then(|()| write_iter(dir, "pairs.b.u32", c.pairs.iter().map(|p| p.b.0))),
            )
        });
        sc.spawn(|_| {
            let pairs = c.pairs.iter();
            keep(
                write_iter(dir, "pairs.rule.u8", pairs.clone().map(|p| p.rule))
                    .and_then(|()| {
                        write_iter(dir, "pairs.pattern.u64", pairs.clone().map(|p| p.pattern))
                    })
                    .and_then(|()| write_iter(dir, "pairs.weight.f64", pairs.map(|p| p.weight))),
            )
        });
        sc.spawn(|_| keep(write_flag_sets(dir, s)));
        sc.spawn(|_| {
            let names = &c.cluster_names;
            keep(
                write_array(dir, "cluster.u32", c.cluster_of).and_then(|()| match names {
                    ClusterNames::Table(t) => {
                        write_bytes(dir, "cluster_names.bytes", t.text.as_bytes())
                            .and_then(|()| write_array(dir, "cluster_names.ends.u64", &t.ends))
                    }
                    ClusterNames::Carried { .. } => {
                        write_strings(dir, "cluster_names", (0..names.len()).map(|i| names.get(i)))
                    }
                }),
            )
        });
    });
    if let Some(e) = first_error
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        return Err(e);
    }
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        version: FORMAT_VERSION,
        config_fingerprint: config_fingerprint(c.config),
        config: config_parts(c.config),
        model_hash: format!("{:016x}", c.model_hash),
        records: s.len() as u64,
        rules: c.config.blocking.rules.clone(),
        pairs: c.pairs.len() as u64,
        clusters: c.cluster_names.len() as u64,
        name_entries: s.names.entries.len() as u64,
        extras: s.extras.len() as u64,
        base_records: match postings {
            PostingsWrite::Full | PostingsWrite::Prewritten { .. } => s.len() as u64,
            PostingsWrite::Layered { base_map, .. } => base_map.len() as u64,
        },
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("manifest serializes");
    write_bytes(dir, "manifest.json", &json)?;
    Ok(PendingIndex {
        tmp: Some(tmp),
        dest: run_dir.join(INDEX_DIR),
    })
}

/// A previous run's index, loaded.
pub struct RunIndex {
    pub manifest: Manifest,
    pub store: RecordStore,
    /// The dictionaries' hash tables; `record_id` is the base's (id → base
    /// entry): look records up with [`RunIndex::find_record`].
    pub slots: StoreSlots,
    pub row_fp: Vec<u64>,
    pub postings: Vec<LayeredPostings>,
    /// Per base record (the numbering of the base postings): its record
    /// index in this run, or NONE (deleted or changed since the base).
    pub base_map: Vec<u32>,
    /// The records not live in the base, ascending (their per-record values
    /// are in the `delta.` files, in this order).
    pub delta_records: Vec<u32>,
    /// Record id → position in `delta_records`.
    pub delta_id_slots: Slots,
    /// The index directory (the base files of the next run are linked from it).
    pub dir: PathBuf,
    pub pairs: PairArrays,
    pub cluster_of: Vec<u32>,
    pub cluster_names: StrTable,
}

impl RunIndex {
    /// The record (this run's numbering) whose id is `id`, or NONE: a delta
    /// record with that id, else the live base entry with it. A base entry
    /// that is no longer live (its record deleted, or changed and so in the
    /// delta) matches nothing: it is compared as the empty string, and record
    /// ids are never empty.
    pub fn find_record(&self, id: &str) -> u32 {
        use crate::intern::NONE;
        let st = &self.store;
        let delta = &self.delta_records;
        if let Some(q) = self
            .delta_id_slots
            .find(id, |q| st.record_id(RecordId(delta[q as usize])))
        {
            return delta[q as usize];
        }
        let map = &self.base_map;
        self.slots
            .record_id
            .find(id, |p| match map[p as usize] {
                NONE => "",
                i => st.record_id(RecordId(i)),
            })
            .map_or(NONE, |p| map[p as usize])
    }
}

/// Reads the manifest and checks the version and the config.
pub fn read_manifest(run_dir: &Path, config: &Config) -> Result<Manifest> {
    let dir = run_dir.join(INDEX_DIR);
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::usage(format!(
            "{}: {e}; --previous must name a run directory written by `dinhdanh dedupe` \
             (this version writes the run index in RUN/index)",
            path.display()
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::usage(format!("{}: not a run index manifest: {e}", path.display())))?;
    if value["format"] != FORMAT_NAME {
        return Err(Error::usage(format!(
            "{}: not a dinhdanh run index manifest",
            path.display()
        )));
    }
    let version = value["version"].as_u64().unwrap_or(0);
    if version != u64::from(FORMAT_VERSION) {
        return Err(Error::usage(format!(
            "{}: run index format version {version}, this dinhdanh reads version \
             {FORMAT_VERSION}; run a full `dinhdanh dedupe` to write a current index",
            path.display()
        )));
    }
    let manifest: Manifest = serde_json::from_value(value)
        .map_err(|e| Error::usage(format!("{}: damaged manifest: {e}", path.display())))?;
    if manifest.config_fingerprint != config_fingerprint(config) {
        let now = config_parts(config);
        let differs: Vec<&str> = now
            .iter()
            .filter(|(k, v)| manifest.config.get(*k) != Some(v))
            .map(|(k, _)| k.as_str())
            .collect();
        return Err(Error::usage(format!(
            "the config differs from the one the previous run was made with in {}, which \
             invalidates its index; use the previous run's config.toml or run a full dedupe",
            if differs.is_empty() {
                "its fingerprint".to_owned()
            } else {
                differs.join(", ")
            }
        )));
    }
    Ok(manifest)
}

/// The per-record arrays of an index.
struct RecordCols {
    id_bytes: String,
    id_ends: Vec<u64>,
    name: Vec<u32>,
    dob: Vec<Dob>,
    sex: Vec<u8>,
    cid: Vec<Cid>,
    province: Vec<u16>,
    unit: Vec<u8>,
    address: Vec<u32>,
    row_fp: Vec<u64>,
    cluster_of: Vec<u32>,
}

/// Where each record's per-record values are: its entry in the base files,
/// or `DELTA |` its position in the delta files.
struct Layout {
    src: Vec<u32>,
    n_base: usize,
    n_delta: usize,
}

const DELTA: u32 = 1 << 31;

impl Layout {
    /// From the base map (checked: in range, no record mapped twice).
    fn new(dir: &Path, base_map: &[u32], n: usize) -> Result<Layout> {
        let bad = || {
            corrupt(
                &dir.join("base_map.u32"),
                "a record is out of range or mapped twice",
            )
        };
        if n > DELTA as usize || base_map.len() > DELTA as usize {
            return Err(bad());
        }
        let mut src = vec![crate::intern::NONE; n];
        for (p, &i) in base_map.iter().enumerate() {
            if i != crate::intern::NONE {
                let x = src.get_mut(i as usize).ok_or_else(bad)?;
                if *x != crate::intern::NONE {
                    return Err(bad());
                }
                *x = p as u32;
            }
        }
        let mut q = 0;
        for x in &mut src {
            if *x == crate::intern::NONE {
                *x = DELTA | q;
                q += 1;
            }
        }
        Ok(Layout {
            src,
            n_base: base_map.len(),
            n_delta: q as usize,
        })
    }

    /// The per-record array `name` (base file and `delta.` file) in record order.
    fn read<T: Le + Send>(&self, dir: &Path, name: &str) -> Result<Vec<T>> {
        let base = map_file(dir, name)?;
        let dname = format!("delta.{name}");
        let delta = map_file(dir, &dname)?;
        let (b, d) = (base.bytes(), delta.bytes());
        if b.len() != self.n_base * T::SIZE {
            return Err(corrupt(&dir.join(name), "wrong number of elements"));
        }
        if d.len() != self.n_delta * T::SIZE {
            return Err(corrupt(&dir.join(dname), "wrong number of elements"));
        }
        Ok(self
            .src
            .par_iter()
            .with_min_len(1 << 14)
            .map(|&x| {
                let (bytes, k) = if x & DELTA == 0 {
                    (b, x as usize)
                } else {
                    (d, (x & !DELTA) as usize)
                };
                T::get(&bytes[k * T::SIZE..(k + 1) * T::SIZE])
            })
            .collect())
    }

    /// The record ids in record order, as one string table.
    fn read_ids(&self, dir: &Path) -> Result<(String, Vec<u64>)> {
        with_string_table(dir, "record_id", |bt, be| {
            with_string_table(dir, "delta.record_id", |dt, de| {
                if be.len() != self.n_base {
                    return Err(corrupt(
                        &dir.join("record_id.ends.u64"),
                        "wrong number of records",
                    ));
                }
                if de.len() != self.n_delta {
                    return Err(corrupt(
                        &dir.join("delta.record_id.ends.u64"),
                        "wrong number of records",
                    ));
                }
                let span = |e: &[u64], k: usize| -> (usize, usize) {
                    (if k == 0 { 0 } else { e[k - 1] as usize }, e[k] as usize)
                };
                let parts: Vec<(String, Vec<u64>)> = self
                    .src
                    .par_chunks(1 << 18)
                    .map(|chunk| {
                        let mut text = String::new();
                        let mut ends = Vec::with_capacity(chunk.len());
                        for &x in chunk {
                            let (t, e, k) = if x & DELTA == 0 {
                                (bt, be, x as usize)
                            } else {
                                (dt, de, (x & !DELTA) as usize)
                            };
                            let (a, z) = span(e, k);
                            text.push_str(&t[a..z]);
                            ends.push(text.len() as u64);
                        }
                        (text, ends)
                    })
                    .collect();
                let mut text = String::with_capacity(parts.iter().map(|p| p.0.len()).sum());
                let mut ends = Vec::with_capacity(self.src.len());
                for (t, e) in parts {
                    let off = text.len() as u64;
                    ends.extend(e.iter().map(|&x| x + off));
                    text.push_str(&t);
                }
                Ok((text, ends))
            })
        })??
    }
}

fn read_records(dir: &Path, layout: &Layout) -> Result<RecordCols> {
    let n = layout.src.len();
    let (id_bytes, id_ends) = layout.read_ids(dir)?;
    let dob = layout
        .read::<u64>(dir, "dob.u64")?
        .into_iter()
        .map(unpack_dob)
        .collect();
    let cid_value = layout.read::<u64>(dir, "cid_value.u64")?;
    let cid_meta = layout.read::<u32>(dir, "cid_meta.u32")?;
    let cid = cid_value
        .iter()
        .zip(&cid_meta)
        .map(|(&value, &m)| Cid {
            value,
            kind: m as u8,
            sex: (m >> 8) as u8,
            birth_year: (m >> 16) as u16,
        })
        .collect();
    Ok(RecordCols {
        id_bytes,
        id_ends,
        name: layout.read::<u32>(dir, "name.u32")?,
        dob,
        sex: layout.read::<u8>(dir, "sex.u8")?,
        cid,
        province: layout.read::<u16>(dir, "province.u16")?,
        unit: layout.read::<u8>(dir, "unit.u8")?,
        address: layout.read::<u32>(dir, "address.u32")?,
        row_fp: layout.read::<u64>(dir, "row_fp.u64")?,
        cluster_of: read_array_len::<u32>(dir, "cluster.u32", n)?,
    })
}

fn read_names(dir: &Path, n_entries: usize) -> Result<NameTable> {
    let tokens = read_strings(dir, "name_tokens")?;
    let raw_entries = read_array::<u32>(dir, "name_entries.u32")?;
    let entries_path = dir.join("name_entries.u32");
    if raw_entries.len() != n_entries * ENTRY_WORDS {
        return Err(corrupt(&entries_path, "wrong number of entries"));
    }
    let tok_ok = |c: u32| c == crate::intern::NONE || (c as usize) < tokens.len();
    let mut entries = Vec::with_capacity(n_entries);
    for w in raw_entries.chunks_exact(ENTRY_WORDS) {
        if !w[..13].iter().all(|&c| tok_ok(c)) || w[13] as usize >= ENCODINGS.len() {
            return Err(corrupt(&entries_path, "a code is out of range"));
        }
        entries.push(NameEntry {
            canonical: w[0],
            key: w[1],
            phonetic: w[2],
            family: w[3],
            middle: w[4],
            given: w[5],
            family_key: w[6],
            given_key: w[7],
            family_group: w[8],
            given_group: w[9],
            given_phonetic: w[10],
            first_word: w[11],
            sorted_words: w[12],
            encoding: ENCODINGS[w[13] as usize],
            given_first: w[14] != 0,
        });
    }
    Ok(NameTable { entries, tokens })
}

type AddressParts = (Vec<Box<str>>, Vec<Box<[u32]>>, Vec<Box<str>>);

fn read_addresses(dir: &Path) -> Result<AddressParts> {
    let addresses = read_strings(dir, "addresses")?;
    let tok = read_array::<u32>(dir, "address_tokens.u32")?;
    let tok_ends = read_array_len::<u64>(dir, "address_tokens.ends.u64", addresses.len())?;
    let address_words = read_strings(dir, "address_words")?;
    let mut address_tokens = Vec::with_capacity(addresses.len());
    let mut start = 0usize;
    for &e in &tok_ends {
        let e = e as usize;
        if e < start
            || e > tok.len()
            || tok[start..e]
                .iter()
                .any(|&w| w as usize >= address_words.len())
        {
            return Err(corrupt(
                &dir.join("address_tokens.u32"),
                "offsets or ids out of range",
            ));
        }
        address_tokens.push(tok[start..e].to_vec().into_boxed_slice());
        start = e;
    }
    Ok((addresses, address_tokens, address_words))
}

fn read_extras(
    dir: &Path,
    config: &Config,
    layout: &Layout,
) -> Result<(Vec<ExtraColumn>, Vec<Slots>)> {
    let mut extras = Vec::new();
    let mut extra_slots = Vec::new();
    for (i, e) in config.extra.iter().enumerate() {
        let codes = layout.read::<u32>(dir, &format!("extra{i}.codes.u32"))?;
        let values = read_strings(dir, &format!("extra{i}.values"))?;
        let has = read_array::<u8>(dir, &format!("extra{i}.has_number.u8"))?;
        let num = read_array::<f64>(dir, &format!("extra{i}.numbers.f64"))?;
        if has.len() != num.len()
            || !(num.is_empty() || num.len() == values.len())
            || codes
                .iter()
                .any(|&c| c != crate::intern::NONE && c as usize >= values.len())
        {
            return Err(corrupt(
                &dir.join(format!("extra{i}.codes.u32")),
                "codes out of range",
            ));
        }
        let numbers = has
            .iter()
            .zip(&num)
            .map(|(&h, &x)| (h != 0).then_some(x))
            .collect();
        let slots = Slots(read_array(dir, &format!("extra{i}.values.slots.u32"))?);
        if !slots.fits(values.len()) {
            return Err(corrupt(
                &dir.join(format!("extra{i}.values.slots.u32")),
                "hash table does not fit",
            ));
        }
        extra_slots.push(slots);
        extras.push(ExtraColumn {
            name: e.name.clone().unwrap_or_else(|| e.column.clone()),
            kind: e.kind,
            term_frequency: e.term_frequency,
            codes,
            values,
            numbers,
        });
    }
    Ok((extras, extra_slots))
}

/// The layered postings and the base map. Every entry is checked (records
/// in range, keys in order) on the maps, in parallel, without decoding them
/// into memory.
fn read_postings(
    dir: &Path,
    rules: usize,
    n: usize,
    n_base: usize,
) -> Result<Vec<LayeredPostings>> {
    (0..rules)
        .into_par_iter()
        .map(|k| {
            let keys = MappedArray::<u64>::open(dir, &format!("rule{k}.keys.u64"))?;
            let name = format!("rule{k}.records.u32");
            let records = MappedArray::<u32>::open(dir, &name)?;
            if records.len() != keys.len() {
                return Err(corrupt(&dir.join(&name), "wrong number of elements"));
            }
            let bad = (0..keys.len())
                .into_par_iter()
                .with_min_len(1 << 16)
                .any(|i| {
                    records.get(i) as usize >= n_base || (i > 0 && keys.get(i - 1) > keys.get(i))
                });
            let dkeys = read_array::<u64>(dir, &format!("rule{k}.delta.keys.u64"))?;
            let dname = format!("rule{k}.delta.records.u32");
            let drecords = read_array_len::<u32>(dir, &dname, dkeys.len())?;
            if bad
                || drecords.iter().any(|&r| r as usize >= n)
                || dkeys.windows(2).any(|w| w[0] > w[1])
            {
                return Err(corrupt(&dir.join(&name), "postings out of order or range"));
            }
            Ok(LayeredPostings {
                base: BasePostings { keys, records },
                delta: Postings {
                    keys: dkeys,
                    records: drecords,
                },
            })
        })
        .collect::<Result<Vec<_>>>()
}

fn read_pairs(dir: &Path, p: usize, n: usize, rules: usize) -> Result<PairArrays> {
    let pairs = PairArrays {
        a: read_array_len(dir, "pairs.a.u32", p)?,
        b: read_array_len(dir, "pairs.b.u32", p)?,
        rule: read_array_len(dir, "pairs.rule.u8", p)?,
        pattern: read_array_len(dir, "pairs.pattern.u64", p)?,
        weight: read_array_len(dir, "pairs.weight.f64", p)?,
    };
    if pairs
        .a
        .iter()
        .zip(&pairs.b)
        .any(|(&a, &b)| a as usize >= n || b as usize >= n)
        || pairs.rule.iter().any(|&r| r as usize >= rules)
    {
        return Err(corrupt(&dir.join("pairs.a.u32"), "pairs out of range"));
    }
    Ok(pairs)
}

/// Loads a previous run's index (after [`read_manifest`] checks). The files
/// are independent, so groups of them are read and checked in parallel.
pub fn read_index(run_dir: &Path, config: &Config, manifest: Manifest) -> Result<RunIndex> {
    let dir = run_dir.join(INDEX_DIR);
    let dir = dir.as_path();
    let n = manifest.records as usize;
    if manifest.rules != config.blocking.rules {
        return Err(corrupt(
            &dir.join("manifest.json"),
            "rules differ from its config",
        ));
    }
    let n_rules = manifest.rules.len();
    let base_map = read_array_len::<u32>(dir, "base_map.u32", manifest.base_records as usize)?;
    let layout = Layout::new(dir, &base_map, n)?;
    let layout = &layout;
    let (mut records, mut names, mut addrs, mut extras) = (None, None, None, None);
    let (mut postings, mut pairs, mut cluster_names) = (None, None, None);
    let (mut id_slots, mut tok_slots, mut addr_slots, mut word_slots) = (None, None, None, None);
    let (mut delta_id_slots, mut flag_sets) = (None, None);
    let raw_slots = |name: &str| read_array::<u32>(dir, name).map(Slots);
    rayon::scope(|s| {
        s.spawn(|_| records = Some(read_records(dir, layout)));
        s.spawn(|_| names = Some(read_names(dir, manifest.name_entries as usize)));
        s.spawn(|_| addrs = Some(read_addresses(dir)));
        s.spawn(|_| extras = Some(read_extras(dir, config, layout)));
        s.spawn(|_| {
            postings = Some(read_postings(
                dir,
                n_rules,
                n,
                manifest.base_records as usize,
            ))
        });
        s.spawn(|_| delta_id_slots = Some(raw_slots("delta.record_id.slots.u32")));
        s.spawn(|_| flag_sets = Some(read_flag_sets(dir, n)));
        s.spawn(|_| pairs = Some(read_pairs(dir, manifest.pairs as usize, n, n_rules)));
        s.spawn(|_| {
            cluster_names = Some(with_string_table(dir, "cluster_names", |t, e| StrTable {
                text: t.to_owned(),
                ends: e.to_vec(),
            }))
        });
        s.spawn(|_| id_slots = Some(raw_slots("record_id.slots.u32")));
        s.spawn(|_| tok_slots = Some(raw_slots("name_tokens.slots.u32")));
        s.spawn(|_| addr_slots = Some(raw_slots("addresses.slots.u32")));
        s.spawn(|_| word_slots = Some(raw_slots("address_words.slots.u32")));
    });
    let ran = "rayon::scope runs every spawned task before it returns";
    let records = records.expect(ran)?;
    let names = names.expect(ran)?;
    let (addresses, address_tokens, address_words) = addrs.expect(ran)?;
    let (extras, extra_slots) = extras.expect(ran)?;
    let postings = postings.expect(ran)?;
    let pairs = pairs.expect(ran)?;
    let cluster_names = cluster_names.expect(ran)?;
    let (name_repaired, province_unknown) = flag_sets.expect(ran)?;
    // Codes must point into their dictionaries: a damaged index is an error, not a panic.
    let n_entries = names.entries.len();
    if records
        .name
        .par_iter()
        .any(|&c| c != crate::intern::NONE && c as usize >= n_entries)
    {
        return Err(corrupt(&dir.join("name.u32"), "a code is out of range"));
    }
    if records
        .address
        .par_iter()
        .any(|&c| c != crate::intern::NONE && c as usize >= addresses.len())
    {
        return Err(corrupt(&dir.join("address.u32"), "a code is out of range"));
    }
    if records
        .cluster_of
        .par_iter()
        .any(|&c| c as usize >= cluster_names.len())
    {
        return Err(corrupt(
            &dir.join("cluster.u32"),
            "cluster numbers out of range",
        ));
    }
    let fit = |slots: Option<Result<Slots>>, name: &str, strings: usize| -> Result<Slots> {
        let s = slots.expect(ran)?;
        if !s.fits(strings) {
            return Err(corrupt(
                &dir.join(name),
                "hash table does not fit its dictionary",
            ));
        }
        Ok(s)
    };
    let slots = StoreSlots {
        record_id: fit(id_slots, "record_id.slots.u32", layout.n_base)?,
        tokens: fit(tok_slots, "name_tokens.slots.u32", names.tokens.len())?,
        addresses: fit(addr_slots, "addresses.slots.u32", addresses.len())?,
        address_words: fit(word_slots, "address_words.slots.u32", address_words.len())?,
        extras: extra_slots,
    };
    let delta_id_slots = fit(delta_id_slots, "delta.record_id.slots.u32", layout.n_delta)?;
    let RecordCols {
        id_bytes,
        id_ends,
        name,
        dob,
        sex,
        cid,
        province,
        unit,
        address,
        row_fp,
        cluster_of,
    } = records;
    let store = RecordStore {
        id_bytes,
        id_ends,
        source: vec![0; n],
        sources: vec!["previous".into()],
        present: crate::pipeline::present_roles(config),
        name,
        names,
        dob,
        sex,
        cid,
        province,
        unit,
        address,
        addresses,
        address_tokens,
        address_words,
        extras,
        name_repaired,
        province_unknown,
        rejects: Default::default(),
    };
    Ok(RunIndex {
        manifest,
        store,
        slots,
        row_fp,
        postings,
        delta_records: delta_records(&base_map, n),
        delta_id_slots,
        base_map,
        dir: dir.to_path_buf(),
        pairs,
        cluster_of,
        cluster_names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_find_every_string_and_nothing_else() {
        let words: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
        let mut t = Slots::build(10, |c| &words[c as usize]);
        for c in 10..1000u32 {
            t.insert(c, c as usize + 1, |c| &words[c as usize]);
        }
        for (c, w) in words.iter().enumerate() {
            assert_eq!(t.find(w, |c| &words[c as usize]), Some(c as u32));
        }
        assert_eq!(t.find("x", |c| &words[c as usize]), None);
        assert!(t.0.len() >= 2000);
    }

    #[test]
    fn damaged_slot_tables_do_not_fit() {
        let words = ["a", "b", "c"];
        let t = Slots::build(3, |c| words[c as usize]);
        assert!(t.fits(3));
        // Full: a lookup of a missing string would probe forever.
        assert!(!Slots(vec![1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1]).fits(3));
        // A code past the dictionary.
        let mut bad = t.clone();
        bad.0[0] = 9;
        assert!(!bad.fits(3));
        // Not a power of two.
        assert!(!Slots(vec![0; 12]).fits(3));
    }

    #[test]
    fn dob_packing_round_trips() {
        let d = Dob {
            year: 1987,
            month: 12,
            day: 31,
            flags: Dob::REPAIRED | Dob::FUTURE,
        };
        assert_eq!(unpack_dob(pack_dob(d)), d);
    }

    /// Layered per-record columns: record i's value comes from the base
    /// entry mapped to it, else from the delta, in record order; a base map
    /// that maps two entries to one record, or out of range, is refused.
    #[test]
    fn layered_columns_gather_base_then_delta() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        // Base entries 0..5 with values 100..105; 1 and 3 are gone; the run
        // has 5 records: base 4, 0, 2 at records 0, 2, 3; records 1 and 4
        // are the delta (values 7, 9), in that order.
        write_array::<u32>(d, "x.u32", &[100, 101, 102, 103, 104]).expect("write");
        write_array::<u32>(d, "delta.x.u32", &[7, 9]).expect("write");
        write_strings(d, "record_id", ["b0", "b1", "b2", "b3", "b4"].into_iter()).expect("write");
        write_strings(d, "delta.record_id", ["d1", "d4"].into_iter()).expect("write");
        let none = crate::intern::NONE;
        let layout = Layout::new(d, &[2, none, 3, none, 0], 5).expect("a valid map");
        assert_eq!((layout.n_base, layout.n_delta), (5, 2));
        assert_eq!(delta_records(&[2, none, 3, none, 0], 5), vec![1, 4]);
        let x: Vec<u32> = layout.read(d, "x.u32").expect("read");
        assert_eq!(x, vec![104, 7, 100, 102, 9]);
        let (text, ends) = layout.read_ids(d).expect("ids");
        assert_eq!(text, "b4d1b0b2d4");
        assert_eq!(ends, vec![2, 4, 6, 8, 10]);
        // The delta file must hold exactly the unmapped records.
        write_array::<u32>(d, "delta.x.u32", &[7]).expect("write");
        assert!(layout.read::<u32>(d, "x.u32").is_err());
        assert!(Layout::new(d, &[2, 2, none, none, none], 5).is_err());
        assert!(Layout::new(d, &[5, none, none, none, none], 5).is_err());
    }
}
