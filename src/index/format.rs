//! The run index's file formats, below the meaning of any one file: arrays
//! of fixed-width little-endian elements (written from memory or streamed,
//! read through a memory map), string tables (`.bytes` + `.ends.u64`), the
//! roaring flag-set files, and the packing of name entries and dates of birth.
//! A file that does not decode is reported by [`corrupt`].

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use roaring::RoaringBitmap;

use crate::error::{Error, Result};
use crate::normalize::text::Encoding;
use crate::store::{Dob, RecordStore};

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
pub(super) fn write_array<T: Le>(dir: &Path, name: &str, data: &[T]) -> Result<()> {
    match T::le_bytes(data) {
        Some(bytes) => write_bytes(dir, name, bytes),
        None => write_iter(dir, name, data.iter().copied()),
    }
}

/// Writes an array file from computed elements, 64 Ki at a time (no array
/// of the whole file is built: at 10 M records those were hundreds of MB of
/// fresh pages per run).
pub(super) fn write_iter<T: Le>(
    dir: &Path,
    name: &str,
    data: impl Iterator<Item = T>,
) -> Result<()> {
    const CHUNK: usize = 64 * 1024;
    let path = dir.join(name);
    let mut f = crate::output::create_file(&path).map_err(|e| Error::io(&path, e))?;
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

/// Writes a file of bytes as they are.
pub(super) fn write_bytes(dir: &Path, name: &str, data: &[u8]) -> Result<()> {
    let path = dir.join(name);
    crate::output::create_file(&path)
        .and_then(|mut f| f.write_all(data))
        .map_err(|e| Error::io(&path, e))
}

/// The error for an index file that does not decode or fails a check.
pub(super) fn corrupt(path: &Path, why: &str) -> Error {
    Error::usage(format!(
        "{}: the run index is damaged ({why}); run a full dedupe to rebuild it",
        path.display()
    ))
}

/// Memory-maps one array file and decodes it (straight from the map: no
/// intermediate copy of the file).
pub(super) fn read_array<T: Le>(dir: &Path, name: &str) -> Result<Vec<T>> {
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
pub(super) struct Mapped(Option<memmap2::Mmap>);

impl Mapped {
    pub(super) fn bytes(&self) -> &[u8] {
        self.0.as_deref().unwrap_or(&[])
    }
}

/// Maps index file `name` read-only.
pub(super) fn map_file(dir: &Path, name: &str) -> Result<Mapped> {
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

/// [`read_array`] of a file that must hold `len` elements.
pub(super) fn read_array_len<T: Le>(dir: &Path, name: &str, len: usize) -> Result<Vec<T>> {
    let v = read_array::<T>(dir, name)?;
    if v.len() != len {
        return Err(corrupt(&dir.join(name), "wrong number of elements"));
    }
    Ok(v)
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
    pub(super) fn open(dir: &Path, name: &str) -> Result<Self> {
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

// ---------------------------------------------------------------- string tables

/// Writes a string table from its strings (streamed: no copy of the table
/// is built).
pub(super) fn write_strings<'a>(
    dir: &Path,
    name: &str,
    items: impl Iterator<Item = &'a str> + Clone,
) -> Result<()> {
    let path = dir.join(format!("{name}.bytes"));
    let f = crate::output::create_file(&path).map_err(|e| Error::io(&path, e))?;
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

/// Calls `f` with string table `name` (its text and the end of each
/// string), checked, straight from the map.
pub(super) fn with_string_table<R>(
    dir: &Path,
    name: &str,
    f: impl FnOnce(&str, &[u64]) -> R,
) -> Result<R> {
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

/// String table `name`, one allocation per string (the dictionaries).
pub(super) fn read_strings(dir: &Path, name: &str) -> Result<Vec<Box<str>>> {
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
    pub(super) text: String,
    pub(super) ends: Vec<u64>,
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

// ---------------------------------------------------------------- flag sets

/// The per-record flag inputs that are not record columns (format v5): the
/// records whose name was repaired from each legacy encoding
/// (`repaired.<encoding>.roaring`) and those whose province names no unit
/// (`province_unknown.roaring`). Sparse sets of record numbers in this run's
/// numbering, as roaring bitmaps (portable serialization), rewritten each run:
/// 0.5 MB at 10 M records.
pub(super) fn write_flag_sets(dir: &Path, s: &RecordStore) -> Result<()> {
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
pub(super) type FlagSets = (Vec<(u32, Encoding)>, Vec<u32>);

/// Reads [`write_flag_sets`]' files for a run of `n` records, as the store
/// holds them (ascending).
pub(super) fn read_flag_sets(dir: &Path, n: usize) -> Result<FlagSets> {
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

// ---------------------------------------------------------------- name entries, dates of birth

/// The name encodings, numbered by their position here in `name_entries.u32`;
/// each but Unicode has a `repaired.<encoding>.roaring` flag set.
pub(super) const ENCODINGS: [Encoding; 6] = [
    Encoding::Unicode,
    Encoding::Vni,
    Encoding::Tcvn3,
    Encoding::Viqr,
    Encoding::Utf8AsCp1252,
    Encoding::Cp1258,
];
/// The u32 words of one name entry in `name_entries.u32`.
pub(super) const ENTRY_WORDS: usize = 15;

/// A date of birth as one `dob.u64` element (year, month, day, flags from
/// the low bits up).
pub(super) fn pack_dob(d: Dob) -> u64 {
    u64::from(d.year) | u64::from(d.month) << 16 | u64::from(d.day) << 24 | u64::from(d.flags) << 32
}

pub(super) fn unpack_dob(x: u64) -> Dob {
    Dob {
        year: x as u16,
        month: (x >> 16) as u8,
        day: (x >> 24) as u8,
        flags: (x >> 32) as u8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
