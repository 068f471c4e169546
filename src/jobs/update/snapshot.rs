//! Reading the new snapshot: rows matched to the previous run by record_id,
//! compared by fingerprint; only added and changed rows are normalized.

use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::hash::RowHasher;
use crate::index::RunIndex;
use crate::intern::NONE;
use crate::jobs::update::FRESH;
use crate::load::StringColumn;
use crate::normalize::date::Date;
use crate::store::{Present, RawRow, RecordId, RecordStore, StoreBuilder};

/// The new snapshot, read and compared with the previous run.
pub(crate) struct Snapshot {
    pub(crate) id_bytes: String,
    pub(crate) id_ends: Vec<u64>,
    pub(crate) fp: Vec<u64>,
    /// Per row: the previous run's record index (unchanged), or FRESH | index
    /// into the store of normalized rows (added or changed).
    pub(crate) plan: Vec<u32>,
    /// Per previous record: its row in the snapshot (unchanged or changed), or NONE (deleted).
    pub(crate) old_to_row: Vec<u32>,
    pub(crate) fresh: RecordStore,
    pub(crate) added: u64,
    pub(crate) changed: u64,
}

/// Reads the snapshot batch by batch. The per-row work that every row needs
/// (fingerprint, lookup of the record id in the previous index) runs over a
/// batch in parallel, while the next batch is decoded; only added and changed
/// rows go on to the sequential part (duplicate check, normalization input).
/// The column checks are `crate::load::input::open_input`'s, as for `dedupe`.
pub(crate) fn read_snapshot(
    config: &Config,
    path: &Path,
    idx: &RunIndex,
    as_of: Date,
) -> Result<Snapshot> {
    let old = &idx.store;
    let cols = &config.columns;
    let (source, roles, wanted) = crate::load::input::open_input(config, path)?;
    // Position of each role's column in `wanted` (None: role not configured).
    let role_pos = |role: &str| roles.iter().position(|&(r, _)| r == role);
    let pos = [
        role_pos("full_name"),
        role_pos("family_name"),
        role_pos("middle_name"),
        role_pos("given_name"),
        role_pos("date_of_birth"),
        role_pos("sex"),
        role_pos("citizen_id"),
        role_pos("province"),
        role_pos("address"),
    ];
    let n_roles = roles.len();
    let n_extra = config.extra.len();

    let mut builder = StoreBuilder::new(config, Present::for_config(config), as_of);
    let src = builder.add_source(
        &path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    );
    let mut s = Snapshot {
        id_bytes: String::new(),
        id_ends: Vec::new(),
        fp: Vec::new(),
        plan: Vec::new(),
        old_to_row: vec![NONE; old.len()],
        fresh: StoreBuilder::new(config, Present::for_config(config), as_of).finish(),
        added: 0,
        changed: 0,
    };
    if let Some(n) = source.num_rows() {
        s.fp.reserve(n as usize);
        s.plan.reserve(n as usize);
        s.id_ends.reserve(n as usize);
    }
    let mut added_ids: HashSet<Box<str>> = HashSet::new();
    let duplicate = |row_no| {
        Error::data_at(
            path,
            Some(row_no),
            Some(&cols.record_id),
            "duplicate record_id (the same id appears on an earlier row)",
        )
    };
    let mut batches = source.batches(&wanted, 64 * 1024)?;
    let mut next = batches.next();
    let mut row_no: u64 = 0;
    while let Some(batch) = next {
        let batch = batch?;
        let columns: Vec<_> = (0..wanted.len())
            .map(|i| source.string_column(&batch, i))
            .collect::<Result<_>>()?;
        let ((fps, prevs), following) = rayon::join(
            || {
                rayon::join(
                    || batch_fingerprints(&columns, &pos, n_roles, batch.num_rows()),
                    || previous_records_of(idx, &columns[0], batch.num_rows()),
                )
            },
            || batches.next(),
        );
        next = following;
        let mut extras = Vec::with_capacity(n_extra);
        for (i, (&fp, &prev)) in fps.iter().zip(&prevs).enumerate() {
            row_no += 1;
            let Some(record_id) = columns[0].get(i).filter(|s| !s.trim().is_empty()) else {
                return Err(Error::data_at(
                    path,
                    Some(row_no),
                    Some(&cols.record_id),
                    "record_id is null or empty; every record needs an id",
                ));
            };
            let at = s.plan.len() as u32;
            if at >= FRESH {
                return Err(Error::data(path, "more than 2^31 records"));
            }
            s.id_bytes.push_str(record_id);
            s.id_ends.push(s.id_bytes.len() as u64);
            s.fp.push(fp);
            if prev != NONE {
                if s.old_to_row[prev as usize] != NONE {
                    return Err(duplicate(row_no));
                }
                s.old_to_row[prev as usize] = at;
                if idx.row_fp[prev as usize] == fp {
                    s.plan.push(prev);
                    continue;
                }
                s.changed += 1;
            } else {
                if !added_ids.insert(record_id.into()) {
                    return Err(duplicate(row_no));
                }
                s.added += 1;
            }
            // Only added and changed rows are taken apart again, for normalization.
            let r =
                raw_row(&columns, &pos, n_roles, i, &mut extras).expect("the id was checked above");
            s.plan.push(FRESH | builder.len() as u32);
            builder.push(src, &r, &extras);
        }
    }
    if row_no == 0 {
        return Err(Error::data(path, "the input has no records"));
    }
    s.fresh = builder.finish();
    Ok(s)
}

/// The previous run's record with each row's record id (NONE: none, or a
/// null or blank id, which the caller refuses), looked up in parallel over
/// blocks of rows. A nightly snapshot mostly keeps the previous order, so
/// each row first tries the record after the previous row's before hashing
/// its id.
pub(crate) fn previous_records_of(idx: &RunIndex, ids: &StringColumn<'_>, rows: usize) -> Vec<u32> {
    const BLOCK: usize = 2048;
    let old = &idx.store;
    let n_old = old.len();
    let mut prevs = vec![NONE; rows];
    prevs
        .par_chunks_mut(BLOCK)
        .enumerate()
        .for_each(|(b, out)| {
            let mut cursor = usize::MAX;
            for (k, prev) in out.iter_mut().enumerate() {
                let Some(id) = ids.get(b * BLOCK + k).filter(|s| !s.trim().is_empty()) else {
                    continue;
                };
                *prev = if cursor < n_old && old.record_id(RecordId(cursor as u32)) == id {
                    cursor as u32
                } else {
                    idx.find_record(id)
                };
                if *prev != NONE {
                    cursor = *prev as usize + 1;
                }
            }
        });
    prevs
}

/// [`crate::hash::row_fingerprint`] of every row of a batch (`columns` as `read_snapshot`
/// requests them), computed column by column over blocks of rows: each row's
/// hash is a serial chain of multiplications, so hashing one row at a time
/// waited on that chain; across a block the rows' chains are independent,
/// and no per-row tuple of values is built. A null or blank record id is
/// hashed like any value (the caller refuses the row).
pub(crate) fn batch_fingerprints(
    columns: &[StringColumn<'_>],
    pos: &[Option<usize>; 9],
    n_roles: usize,
    rows: usize,
) -> Vec<u64> {
    const BLOCK: usize = 2048;
    // `row_fingerprint`'s order: record id, the nine roles, the extras.
    let order: Vec<Option<usize>> = std::iter::once(Some(0))
        .chain(pos.iter().copied())
        .chain((n_roles..columns.len()).map(Some))
        .collect();
    let mut fps = vec![RowHasher::START; rows];
    fps.par_chunks_mut(BLOCK).enumerate().for_each(|(b, out)| {
        let start = b * BLOCK;
        for &col in &order {
            match col {
                None => out.iter_mut().for_each(|h| *h = RowHasher::value(*h, None)),
                Some(p) => {
                    let c = &columns[p];
                    for (k, h) in out.iter_mut().enumerate() {
                        *h = RowHasher::value(*h, c.get(start + k));
                    }
                }
            }
        }
        out.iter_mut().for_each(|h| *h = RowHasher::finish(*h));
    });
    fps
}

/// Row `i` of a batch (`columns` as `read_snapshot` requests them: the roles
/// of `Columns::roles`, then the extras, which are left in `extras`); None when
/// the record id is null or blank.
pub(crate) fn raw_row<'a>(
    columns: &[StringColumn<'a>],
    pos: &[Option<usize>; 9],
    n_roles: usize,
    i: usize,
    extras: &mut Vec<Option<&'a str>>,
) -> Option<RawRow<'a>> {
    let record_id = columns[0].get(i).filter(|s| !s.trim().is_empty())?;
    let get = |p: Option<usize>| p.and_then(|p| columns[p].get(i));
    extras.clear();
    extras.extend(columns[n_roles..].iter().map(|c| c.get(i)));
    Some(RawRow {
        record_id,
        full_name: get(pos[0]),
        family_name: get(pos[1]),
        middle_name: get(pos[2]),
        given_name: get(pos[3]),
        date_of_birth: get(pos[4]),
        sex: get(pos[5]),
        citizen_id: get(pos[6]),
        province: get(pos[7]),
        address: get(pos[8]),
    })
}
