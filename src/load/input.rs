//! Opening a job's inputs and reading them, batch by batch, into a
//! [`RecordStore`] (with each row's fingerprint for the run index).

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::load::Source;
use crate::normalize::date::Date;
use crate::store::{Present, RawRow, RecordId, RecordStore, StoreBuilder};

/// Loads the inputs into a store, checking columns, ids and types.
pub fn load_store(config: &Config, inputs: &[PathBuf], as_of: Date) -> Result<RecordStore> {
    load_store_fp(config, inputs, as_of, None)
}

/// [`load_store`], also collecting each row's raw-value fingerprint
/// ([`crate::hash::row_fingerprint`]) for the run index.
pub(crate) fn load_store_fp(
    config: &Config,
    inputs: &[PathBuf],
    as_of: Date,
    mut fingerprints: Option<&mut Vec<u64>>,
) -> Result<RecordStore> {
    let mut builder = StoreBuilder::new(config, Present::for_config(config), as_of);
    for path in inputs {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let src = builder.add_source(&name);
        let stride = config.extra.len();
        let rows = read_batches(config, path, |_, rows, extras| {
            let fp = fingerprints.as_deref_mut();
            rayon::join(
                || {
                    if let Some(fp) = fp {
                        fp.par_extend(rows.par_iter().enumerate().map(|(i, row)| {
                            crate::hash::row_fingerprint(row, &extras[i * stride..(i + 1) * stride])
                        }));
                    }
                },
                || builder.push_batch(src, rows, extras),
            );
            Ok(())
        })?;
        if rows == 0 {
            return Err(Error::data(path, "the input has no records"));
        }
    }
    let store = builder.finish();
    check_unique_ids(&store, inputs, &config.columns.record_id)?;
    Ok(store)
}

/// Configured roles: (role, input column).
pub(crate) type Roles<'c> = Vec<(&'static str, &'c str)>;

/// Opens one input and checks that every configured column exists and holds
/// strings. Returns the source, the configured roles (role, column) and the
/// columns to read: the roles' in order, then the extra fields'.
pub(crate) fn open_input<'c>(
    config: &'c Config,
    path: &Path,
) -> Result<(Source, Roles<'c>, Vec<&'c str>)> {
    let roles = config.columns.roles();
    let mut wanted: Vec<&str> = roles.iter().map(|&(_, c)| c).collect();
    for e in &config.extra {
        wanted.push(&e.column);
    }
    let source = Source::open(path)?;
    for (role, col) in roles
        .iter()
        .copied()
        .chain(config.extra.iter().map(|e| ("extra", e.column.as_str())))
    {
        if !source.has_column(col) {
            return Err(Error::data_at(
                path,
                None,
                Some(col),
                format!(
                    "missing column for role {role}; columns present: {}. Set [columns] {role} \
                     in the config to the right column, or to \"\" if the register has none",
                    source.columns().join(", ")
                ),
            ));
        }
        source.require_string(col)?;
    }
    Ok((source, roles, wanted))
}

/// Reads every row of one input: checks that each configured column exists
/// and holds strings and that every row has a record_id, then calls
/// `f(first_row_number, rows, extras)` per batch (row numbers 1-based), where
/// `extras` holds the extra fields' values row by row (`config.extra.len()`
/// per row). Returns the number of rows.
pub(crate) fn read_batches(
    config: &Config,
    path: &Path,
    mut f: impl FnMut(u64, &[RawRow<'_>], &[Option<&str>]) -> Result<()> + Send,
) -> Result<u64> {
    let cols = &config.columns;
    let (source, roles, wanted) = open_input(config, path)?;
    let index_of = |role: &str| roles.iter().position(|&(r, _)| r == role);
    let [id, full, family, middle, given, dob, sex, cid, province, address] = [
        "record_id",
        "full_name",
        "family_name",
        "middle_name",
        "given_name",
        "date_of_birth",
        "sex",
        "citizen_id",
        "province",
        "address",
    ]
    .map(index_of);
    let id = id.expect("record_id is always a role");
    let mut row_no: u64 = 0;
    let mut batches = source.batches(&wanted, 64 * 1024)?;
    let mut next = batches.next();
    while let Some(batch) = next {
        let batch = batch?;
        let columns: Vec<_> = (0..wanted.len())
            .map(|i| source.string_column(&batch, i))
            .collect::<Result<_>>()?;
        let get = |idx: Option<usize>, i: usize| idx.and_then(|c| columns[c].get(i));
        let first = row_no + 1;
        let mut rows = Vec::with_capacity(batch.num_rows());
        let mut extras = Vec::with_capacity(batch.num_rows() * config.extra.len());
        for i in 0..batch.num_rows() {
            row_no += 1;
            let Some(record_id) = get(Some(id), i).filter(|s| !s.trim().is_empty()) else {
                return Err(Error::data_at(
                    path,
                    Some(row_no),
                    Some(&cols.record_id),
                    "record_id is null or empty; every record needs an id",
                ));
            };
            for k in 0..config.extra.len() {
                extras.push(columns[roles.len() + k].get(i));
            }
            rows.push(RawRow {
                record_id,
                full_name: get(full, i),
                family_name: get(family, i),
                middle_name: get(middle, i),
                given_name: get(given, i),
                date_of_birth: get(dob, i),
                sex: get(sex, i),
                citizen_id: get(cid, i),
                province: get(province, i),
                address: get(address, i),
            });
        }
        // Decode the next batch while this one is taken in (decoding is
        // sequential; taking in is parallel per column).
        let (n, r) = rayon::join(|| batches.next(), || f(first, &rows, &extras));
        r?;
        next = n;
    }
    Ok(row_no)
}

/// Record ids must be unique within each input. A duplicate is reported at
/// the first row whose id appeared on an earlier row of the same input.
///
/// Records are sorted by a hash of (input, id) packed with the record index
/// into one u64, and only records whose hashes agree are compared as
/// strings: sorting the records by their id strings read two ids at random
/// per comparison.
pub(crate) fn check_unique_ids(
    store: &RecordStore,
    inputs: &[PathBuf],
    column: &str,
) -> Result<()> {
    use std::hash::{BuildHasher, Hasher};
    let n = store.len();
    let index_bits = usize::BITS - n.leading_zeros();
    let index_mask = (1u64 << index_bits) - 1;
    let hasher = foldhash::fast::FixedState::with_seed(0x7265_636f_7264_6964);
    let mut keyed: Vec<u64> = (0..n as u32)
        .into_par_iter()
        .map(|i| {
            let r = RecordId(i);
            let mut h = hasher.build_hasher();
            h.write_u8(store.source[r.index()]);
            h.write(store.record_id(r).as_bytes());
            // The hash's high bits above the index: equal ids sort next to
            // each other, in record order.
            (h.finish() << index_bits) | u64::from(i)
        })
        .collect();
    keyed.par_sort_unstable();
    let same = |a: RecordId, b: RecordId| {
        store.source[a.index()] == store.source[b.index()]
            && store.record_id(a) == store.record_id(b)
    };
    let repeat = keyed
        .chunk_by(|x, y| x >> index_bits == y >> index_bits)
        .filter(|run| run.len() > 1)
        .filter_map(|run| {
            let rec = |k: u64| RecordId((k & index_mask) as u32);
            (1..run.len()).find_map(|j| {
                let b = rec(run[j]);
                run[..j].iter().any(|&a| same(rec(a), b)).then_some(b)
            })
        })
        .min();
    if let Some(b) = repeat {
        // Records of one input are stored contiguously in row order, so
        // the row number is the position within its input.
        let src = store.source[b.index()] as usize;
        let offset = (0..b.index())
            .filter(|&i| store.source[i] as usize == src)
            .count() as u64;
        return Err(Error::data_at(
            &inputs[src],
            Some(offset + 1),
            Some(column),
            "duplicate record_id (the same id appears on an earlier row)",
        ));
    }
    Ok(())
}
