//! The merged store: the previous run's records (read from its index) with
//! the snapshot's added and changed records, on merged dictionaries.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use crate::config::Config;
use crate::index::RunIndex;
use crate::intern::NONE;
use crate::jobs::update::snapshot::Snapshot;
use crate::jobs::update::FRESH;
use crate::normalize::date::Date;
use crate::normalize::text::Encoding;
use crate::store::{Cid, Dob, Present, RecordStore};

/// Maps the normalized rows' dictionary codes into the previous store's
/// dictionaries (appending values it lacks), so old and new records compare
/// by code. Returns (name, address, extras) code maps.
pub(crate) struct CodeMaps {
    pub(crate) name: Vec<u32>,
    pub(crate) address: Vec<u32>,
    pub(crate) extras: Vec<Vec<u32>>,
}

pub(crate) fn merge_dictionaries(idx: &mut RunIndex, fresh: &RecordStore) -> CodeMaps {
    let RunIndex { store, slots, .. } = idx;
    // Name tokens.
    let token_map: Vec<u32> = fresh
        .names
        .tokens
        .iter()
        .map(|t| slots.tokens.intern(&mut store.names.tokens, t).0)
        .collect();
    let tm = |c: u32| {
        if c == NONE {
            NONE
        } else {
            token_map[c as usize]
        }
    };
    // Name entries: one per canonical form; the previous run's entry wins.
    let mut by_canonical: HashMap<u32, u32> = HashMap::new();
    let candidates: HashSet<u32> = fresh
        .names
        .entries
        .iter()
        .map(|e| tm(e.canonical))
        .collect();
    for (i, e) in store.names.entries.iter().enumerate() {
        if candidates.contains(&e.canonical) {
            by_canonical.entry(e.canonical).or_insert(i as u32);
        }
    }
    let name: Vec<u32> = fresh
        .names
        .entries
        .iter()
        .map(|e| {
            let canonical = tm(e.canonical);
            *by_canonical.entry(canonical).or_insert_with(|| {
                let mut n = e.clone();
                n.canonical = canonical;
                for f in [
                    &mut n.key,
                    &mut n.phonetic,
                    &mut n.family,
                    &mut n.middle,
                    &mut n.given,
                    &mut n.family_key,
                    &mut n.given_key,
                    &mut n.family_group,
                    &mut n.given_group,
                    &mut n.given_phonetic,
                    &mut n.first_word,
                    &mut n.sorted_words,
                ] {
                    *f = tm(*f);
                }
                store.names.entries.push(n);
                (store.names.entries.len() - 1) as u32
            })
        })
        .collect();
    // Addresses, with their words (as `StoreBuilder::finish` makes them).
    let address: Vec<u32> = fresh
        .addresses
        .iter()
        .map(|a| {
            let (code, new) = slots.addresses.intern(&mut store.addresses, a);
            if new {
                let mut t: Vec<u32> = a
                    .split(' ')
                    .map(|w| slots.address_words.intern(&mut store.address_words, w).0)
                    .collect();
                t.sort_unstable();
                t.dedup();
                store.address_tokens.push(t.into_boxed_slice());
            }
            code
        })
        .collect();
    let extras = fresh
        .extras
        .iter()
        .zip(store.extras.iter_mut())
        .zip(slots.extras.iter_mut())
        .map(|((f, e), sl)| {
            f.values
                .iter()
                .enumerate()
                .map(|(code, v)| {
                    let (c, new) = sl.intern(&mut e.values, v);
                    if new && !f.numbers.is_empty() {
                        e.numbers.push(f.numbers[code]);
                    }
                    c
                })
                .collect()
        })
        .collect();
    CodeMaps {
        name,
        address,
        extras,
    }
}

/// The store of the new snapshot: unchanged records' codes copied from the
/// previous store, normalized rows' codes mapped into its dictionaries.
pub(crate) fn merged_store(
    idx: &mut RunIndex,
    snap: &mut Snapshot,
    maps: &CodeMaps,
    config: &Config,
    source: String,
    as_of: Date,
) -> RecordStore {
    let n = snap.plan.len();
    let merge = Merge {
        old: &idx.store,
        fresh: &snap.fresh,
        plan: &snap.plan,
        maps,
    };
    let c = MergedColumns::new(&merge, config.extra.len(), as_of);
    free_previous_values(idx);
    let store = &mut idx.store;
    let extras = std::mem::take(&mut store.extras)
        .into_iter()
        .zip(c.extra_codes)
        .map(|(mut e, codes)| {
            e.codes = codes;
            e
        })
        .collect();
    RecordStore {
        id_bytes: std::mem::take(&mut snap.id_bytes),
        id_ends: std::mem::take(&mut snap.id_ends),
        source: vec![0; n],
        sources: vec![source],
        present: Present::for_config(config),
        name: c.name,
        names: std::mem::take(&mut store.names),
        dob: c.dob,
        sex: c.sex,
        cid: c.cid,
        province: c.province,
        unit: c.unit,
        address: c.address,
        addresses: std::mem::take(&mut store.addresses),
        address_tokens: std::mem::take(&mut store.address_tokens),
        address_words: std::mem::take(&mut store.address_words),
        extras,
        name_repaired: c.name_repaired,
        province_unknown: c.province_unknown,
        rejects: snap.fresh.rejects.clone(),
    }
}

/// Where each record of the new store comes from: the previous store
/// (unchanged records) or the snapshot's normalized rows, whose codes
/// `maps` carries into the previous store's dictionaries.
struct Merge<'a> {
    old: &'a RecordStore,
    fresh: &'a RecordStore,
    /// Per new record: its previous row, or `FRESH |` its normalized row.
    plan: &'a [u32],
    maps: &'a CodeMaps,
}

impl Merge<'_> {
    /// (true, normalized row) or (false, previous row) of new record `i`.
    fn pick(&self, i: usize) -> (bool, usize) {
        let p = self.plan[i];
        if p & FRESH != 0 {
            (true, (p & !FRESH) as usize)
        } else {
            (false, p as usize)
        }
    }

    /// A column whose values need no mapping, from `fresh` or `old`.
    fn column<T: Copy + Send + Sync>(&self, fresh: &[T], old: &[T]) -> Vec<T> {
        (0..self.plan.len())
            .into_par_iter()
            .map(|i| match self.pick(i) {
                (true, m) => fresh[m],
                (false, j) => old[j],
            })
            .collect()
    }

    /// A code column: normalized rows' codes mapped by `map`, previous
    /// records' copied.
    fn codes(&self, map: &[u32], fresh: &[u32], old: &[u32]) -> Vec<u32> {
        let mapped = |c: u32| if c == NONE { NONE } else { map[c as usize] };
        (0..self.plan.len())
            .into_par_iter()
            .map(|i| match self.pick(i) {
                (true, m) => mapped(fresh[m]),
                (false, j) => old[j],
            })
            .collect()
    }

    /// Dates of birth. An unchanged record keeps its normalization, but
    /// "future" is relative to this run's reference date, which may not be
    /// the previous run's.
    fn dob(&self, as_of: Date) -> Vec<Dob> {
        (0..self.plan.len())
            .into_par_iter()
            .map(|i| match self.pick(i) {
                (true, m) => self.fresh.dob[m],
                (false, j) => self.old.dob[j].with_future_as_of(as_of),
            })
            .collect()
    }

    /// The records whose name arrived in a legacy encoding, in the new
    /// numbering (ascending).
    fn name_repaired(&self) -> Vec<(u32, Encoding)> {
        let of = |list: &[(u32, Encoding)], r: usize| {
            list.binary_search_by_key(&(r as u32), |&(x, _)| x)
                .ok()
                .map(|k| list[k].1)
        };
        (0..self.plan.len())
            .into_par_iter()
            .filter_map(|i| {
                match self.pick(i) {
                    (true, m) => of(&self.fresh.name_repaired, m),
                    (false, j) => of(&self.old.name_repaired, j),
                }
                .map(|e| (i as u32, e))
            })
            .collect::<Vec<_>>()
    }

    /// The records with an unknown province, in the new numbering (ascending).
    fn province_unknown(&self) -> Vec<u32> {
        let has = |list: &[u32], r: usize| list.binary_search(&(r as u32)).is_ok();
        (0..self.plan.len())
            .into_par_iter()
            .filter(|&i| match self.pick(i) {
                (true, m) => has(&self.fresh.province_unknown, m),
                (false, j) => has(&self.old.province_unknown, j),
            })
            .map(|i| i as u32)
            .collect::<Vec<_>>()
    }
}

/// The per-record columns of the merged store.
struct MergedColumns {
    name: Vec<u32>,
    address: Vec<u32>,
    dob: Vec<Dob>,
    sex: Vec<u8>,
    cid: Vec<Cid>,
    province: Vec<u16>,
    unit: Vec<u8>,
    /// Per extra field, its codes.
    extra_codes: Vec<Vec<u32>>,
    name_repaired: Vec<(u32, Encoding)>,
    province_unknown: Vec<u32>,
}

impl MergedColumns {
    /// Builds every per-record column of the new store, `extras` extra fields.
    fn new(merge: &Merge<'_>, extras: usize, as_of: Date) -> MergedColumns {
        let (old, fresh, maps) = (merge.old, merge.fresh, merge.maps);
        let name = merge.codes(&maps.name, &fresh.name, &old.name);
        let address = merge.codes(&maps.address, &fresh.address, &old.address);
        let dob = merge.dob(as_of);
        let sex = merge.column(&fresh.sex, &old.sex);
        let cid = merge.column(&fresh.cid, &old.cid);
        let province = merge.column(&fresh.province, &old.province);
        let unit = merge.column(&fresh.unit, &old.unit);
        let extra_codes: Vec<Vec<u32>> = (0..extras)
            .map(|e| {
                merge.codes(
                    &maps.extras[e],
                    &fresh.extras[e].codes,
                    &old.extras[e].codes,
                )
            })
            .collect();
        // The sparse per-record flag inputs.
        let (name_repaired, province_unknown) =
            rayon::join(|| merge.name_repaired(), || merge.province_unknown());
        MergedColumns {
            name,
            address,
            dob,
            sex,
            cid,
            province,
            unit,
            extra_codes,
            name_repaired,
            province_unknown,
        }
    }
}

/// Frees the previous records' values, which now live in the merged store;
/// only their ids are read later (`changes.parquet` names removed records).
/// Freed here, ~40 bytes a record, they do not add to the peak of clustering.
fn free_previous_values(idx: &mut RunIndex) {
    let store = &mut idx.store;
    drop((
        std::mem::take(&mut store.name),
        std::mem::take(&mut store.dob),
        std::mem::take(&mut store.sex),
        std::mem::take(&mut store.cid),
        std::mem::take(&mut store.province),
        std::mem::take(&mut store.unit),
        std::mem::take(&mut store.address),
        std::mem::take(&mut idx.row_fp),
    ));
}
