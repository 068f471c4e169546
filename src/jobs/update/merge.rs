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
use crate::store::{Present, RecordStore};

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
    let old = &idx.store;
    let fresh = &snap.fresh;
    let map = |m: &[u32], c: u32| if c == NONE { NONE } else { m[c as usize] };
    let pick = |i: usize| -> (bool, usize) {
        let p = snap.plan[i];
        if p & FRESH != 0 {
            (true, (p & !FRESH) as usize)
        } else {
            (false, p as usize)
        }
    };
    let n = snap.plan.len();
    macro_rules! column {
        ($f:ident) => {
            (0..n)
                .into_par_iter()
                .map(|i| match pick(i) {
                    (true, m) => fresh.$f[m],
                    (false, j) => old.$f[j],
                })
                .collect()
        };
    }
    let name = (0..n)
        .into_par_iter()
        .map(|i| match pick(i) {
            (true, m) => map(&maps.name, fresh.name[m]),
            (false, j) => old.name[j],
        })
        .collect();
    let address = (0..n)
        .into_par_iter()
        .map(|i| match pick(i) {
            (true, m) => map(&maps.address, fresh.address[m]),
            (false, j) => old.address[j],
        })
        .collect();
    // An unchanged record keeps its normalization, but "future" is relative
    // to this run's reference date, which may not be the previous run's.
    let dob = (0..n)
        .into_par_iter()
        .map(|i| match pick(i) {
            (true, m) => fresh.dob[m],
            (false, j) => old.dob[j].with_future_as_of(as_of),
        })
        .collect();
    let sex = column!(sex);
    let cid = column!(cid);
    let province = column!(province);
    let unit = column!(unit);
    let extra_codes: Vec<Vec<u32>> = (0..config.extra.len())
        .map(|e| {
            (0..n)
                .into_par_iter()
                .map(|i| match pick(i) {
                    (true, m) => map(&maps.extras[e], fresh.extras[e].codes[m]),
                    (false, j) => old.extras[e].codes[j],
                })
                .collect()
        })
        .collect();
    // The sparse per-record flag inputs, in the new numbering (ascending).
    let (name_repaired, province_unknown) = rayon::join(
        || {
            let of = |list: &[(u32, Encoding)], r: usize| {
                list.binary_search_by_key(&(r as u32), |&(x, _)| x)
                    .ok()
                    .map(|k| list[k].1)
            };
            (0..n)
                .into_par_iter()
                .filter_map(|i| {
                    match pick(i) {
                        (true, m) => of(&fresh.name_repaired, m),
                        (false, j) => of(&old.name_repaired, j),
                    }
                    .map(|e| (i as u32, e))
                })
                .collect::<Vec<_>>()
        },
        || {
            let has = |list: &[u32], r: usize| list.binary_search(&(r as u32)).is_ok();
            (0..n)
                .into_par_iter()
                .filter(|&i| match pick(i) {
                    (true, m) => has(&fresh.province_unknown, m),
                    (false, j) => has(&old.province_unknown, j),
                })
                .map(|i| i as u32)
                .collect::<Vec<_>>()
        },
    );
    let store = &mut idx.store;
    // The previous records' values now live in the merged store; only their
    // ids are read later (`changes.parquet` names removed records). Freed
    // here, ~40 bytes a record, they do not add to the peak of clustering.
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
    let store = &mut idx.store;
    let extras = std::mem::take(&mut store.extras)
        .into_iter()
        .zip(extra_codes)
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
        name,
        names: std::mem::take(&mut store.names),
        dob,
        sex,
        cid,
        province,
        unit,
        address,
        addresses: std::mem::take(&mut store.addresses),
        address_tokens: std::mem::take(&mut store.address_tokens),
        address_words: std::mem::take(&mut store.address_words),
        extras,
        name_repaired,
        province_unknown,
        rejects: fresh.rejects.clone(),
    }
}
