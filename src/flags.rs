//! Data-quality flags and conflicts: what a reviewer should look at before
//! signing off a merge, written to `flags.parquet` and counted in
//! `summary.json`.
//!
//! # The flag kinds
//! Record flags (`other_record_id` null) look at one record's own fields;
//! pair flags name two records. `detail` holds field names and codes only,
//! never a personal value (no name, ID number or date).
//!
//! | kind | level | meaning | `detail` |
//! | --- | --- | --- | --- |
//! | `shared_id` | pair | two records carry the same valid 12-digit ID number, end in different clusters, and the model says they are different people: the pair's match weight (ID agreement included) is below 0, i.e. match probability < 0.5 — so one of them may use a borrowed or re-issued number. A pair with the same number scoring between 0 and the threshold is more likely one person the model missed, and is not flagged. Computed from the store (all records with the number), not from the scored pairs, so a pair the blocking never produced is still found. Within one ID number, the clusters holding it are ordered by their first record (source, record_id); each cluster's first record is paired with the first record of the first other cluster (a star, k − 1 flags for k clusters). In link mode only records of different registers are paired. 9-digit CMNDs are left out: their ranges are known to collide between provinces. | `same_id_different_clusters` |
//! | `multiple_ids` | pair | a cluster holds two or more distinct valid 12-digit ID numbers (a CMND beside a 12-digit number is normal and not flagged). The first record holding the cluster's smallest number is paired with the first record holding each other number. | `one_digit_apart` when the two numbers are one digit or one adjacent transposition apart (a typing slip), else `different_ids` |
//! | `conflict_cut` | pair | conflict-aware clustering refused this above-threshold pair because it would have put conflicting 12-digit ID numbers in one cluster (see [`crate::cluster`]) | `ids_conflict` |
//! | `id_mismatch` | record | the record's 12-digit ID number encodes a sex that differs from the record's sex, or a birth year (century digit + year digits) that differs from the year of the record's date of birth; only fields that are present are compared | `sex_digit_vs_sex`, `id_year_vs_dob_year`, or both joined by `+` |
//! | `invalid_id` | record | an ID number is present but is neither a valid 12-digit number nor a 9-digit CMND | `citizen_id_unparseable` |
//! | `invalid_date` | record | a date of birth is present but unusable (unparseable, sentinel year), or was an impossible date (30/02) re-registered as the next valid day | `unparseable` or `impossible_date_repaired` |
//! | `placeholder_date` | record | the date of birth is 01/01, the usual stand-in for an unknown day and month | `day_month_0101` |
//! | `future_date` | record | the date of birth is after the run's reference date (`--as-of`) | `after_as_of` |
//! | `unknown_province` | record | a province value is present but names no province or 2025 unit | `province_unrecognized` |
//! | `encoding_repaired` | record | the name arrived in a legacy encoding and was repaired | the encoding: `vni`, `tcvn3`, `viqr`, `utf8_as_cp1252`, `cp1258` |
//! | `missing_key_fields` | record | at least one identifying field the register has a column for (name, date of birth, ID number) is empty; present-but-unusable values get their own `invalid_*` flag instead | the empty fields joined by `+`: `name`, `date_of_birth`, `citizen_id` |
//!
//! Flags are sorted by kind (the order above), then by record (source,
//! record_id), then by the other record, so the file is the same at any
//! thread count. Cost: O(n log n) for the ID sorts, O(n) otherwise.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::cluster::{Clusters, WeightedPair};
use crate::intern::NONE;
use crate::score::compare::compare_cid;
use crate::store::{Cid, Dob, RecordId, RecordStore, SEX_UNKNOWN};

/// What a flag is about. The order is the order of `flags.parquet`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    SharedId,
    MultipleIds,
    ConflictCut,
    IdMismatch,
    InvalidId,
    InvalidDate,
    PlaceholderDate,
    FutureDate,
    UnknownProvince,
    EncodingRepaired,
    MissingKeyFields,
}

impl FlagKind {
    /// Every kind, in file order.
    pub const ALL: [FlagKind; 11] = [
        FlagKind::SharedId,
        FlagKind::MultipleIds,
        FlagKind::ConflictCut,
        FlagKind::IdMismatch,
        FlagKind::InvalidId,
        FlagKind::InvalidDate,
        FlagKind::PlaceholderDate,
        FlagKind::FutureDate,
        FlagKind::UnknownProvince,
        FlagKind::EncodingRepaired,
        FlagKind::MissingKeyFields,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::SharedId => "shared_id",
            FlagKind::MultipleIds => "multiple_ids",
            FlagKind::ConflictCut => "conflict_cut",
            FlagKind::IdMismatch => "id_mismatch",
            FlagKind::InvalidId => "invalid_id",
            FlagKind::InvalidDate => "invalid_date",
            FlagKind::PlaceholderDate => "placeholder_date",
            FlagKind::FutureDate => "future_date",
            FlagKind::UnknownProvince => "unknown_province",
            FlagKind::EncodingRepaired => "encoding_repaired",
            FlagKind::MissingKeyFields => "missing_key_fields",
        }
    }

    /// Pair flags name a second record.
    pub fn is_pair(self) -> bool {
        matches!(
            self,
            FlagKind::SharedId | FlagKind::MultipleIds | FlagKind::ConflictCut
        )
    }
}

/// One finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flag {
    pub kind: FlagKind,
    pub record: RecordId,
    /// The second record of a pair flag.
    pub other: Option<RecordId>,
    /// Field names and codes only (see the module documentation).
    pub detail: &'static str,
}

/// The inputs of [`compute_flags`] beyond the store.
pub struct FlagInput<'a> {
    pub clusters: &'a Clusters,
    /// Pairs refused by conflict-aware clustering.
    pub cut: &'a [WeightedPair],
    /// Link mode: `shared_id` pairs only records of different registers.
    pub cross_source_only: bool,
    /// The match weight of a pair (log2 Bayes factor with the prior).
    pub weight: &'a (dyn Fn(RecordId, RecordId) -> f64 + Sync),
}

/// The sort key of a record: (source, record_id, index).
fn key(store: &RecordStore, r: RecordId) -> (u8, &str, u32) {
    (store.source[r.index()], store.record_id(r), r.0)
}

/// Every flag of a run, sorted (see the module documentation).
pub fn compute_flags(store: &RecordStore, input: &FlagInput<'_>) -> Vec<Flag> {
    // The three passes are independent (the flags are sorted below).
    let ((mut flags, shared), multiple) = rayon::join(
        || rayon::join(|| record_flags(store), || shared_id(store, input)),
        || multiple_ids(store, input.clusters),
    );
    flags.extend(shared);
    flags.extend(multiple);
    for p in input.cut {
        let (a, b) = ordered(store, p.a, p.b);
        flags.push(Flag {
            kind: FlagKind::ConflictCut,
            record: a,
            other: Some(b),
            detail: "ids_conflict",
        });
    }
    let full = |x: &Flag, y: &Flag| {
        (
            x.kind,
            key(store, x.record),
            x.other.map(|o| key(store, o)),
            x.detail,
        )
            .cmp(&(
                y.kind,
                key(store, y.record),
                y.other.map(|o| key(store, o)),
                y.detail,
            ))
    };
    // Each flag with (kind, source, first 16 bytes of its record id) read
    // once: sorting on the full key read two record ids at random per
    // comparison (0.9 M flags at 10 M records). Where the prefixes differ
    // they order as the full key does; where they agree, the full key
    // decides.
    let mut keyed: Vec<(PrefixKey, Flag)> = flags
        .into_par_iter()
        .map(|f| (prefix_key(store, &f), f))
        .collect();
    keyed.par_sort_unstable_by(|(kx, x), (ky, y)| kx.cmp(ky).then_with(|| full(x, y)));
    let mut flags: Vec<Flag> = keyed.into_iter().map(|(_, f)| f).collect();
    flags.dedup();
    flags
}

/// (kind, source, the record id's first 16 bytes zero-padded, big-endian).
/// For two ids whose padded prefixes differ, the prefixes compare as the
/// ids do: the first differing byte is a real byte in both, or padding
/// (0) in the shorter id against a byte ≥ 0 of the longer one, which is
/// then the greater unless it too is 0 — and then the bytes do not differ.
type PrefixKey = (FlagKind, u8, u128);

fn prefix_key(store: &RecordStore, f: &Flag) -> PrefixKey {
    let id = store.record_id(f.record).as_bytes();
    (f.kind, store.source[f.record.index()], id_prefix(id))
}

fn id_prefix(id: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    let n = id.len().min(16);
    b[..n].copy_from_slice(&id[..n]);
    u128::from_be_bytes(b)
}

fn ordered(store: &RecordStore, a: RecordId, b: RecordId) -> (RecordId, RecordId) {
    if key(store, a) <= key(store, b) {
        (a, b)
    } else {
        (b, a)
    }
}

/// `compare_cid` levels of a one-digit slip and an adjacent transposition.
const CID_ONE_DIGIT: u8 = 2;
const CID_TRANSPOSITION: u8 = 3;

const MISSING_FIELDS: [&str; 8] = [
    "",
    "name",
    "date_of_birth",
    "name+date_of_birth",
    "citizen_id",
    "name+citizen_id",
    "date_of_birth+citizen_id",
    "name+date_of_birth+citizen_id",
];

/// Records per piece of [`record_flags`]' parallel pass.
const RECORD_PIECE: usize = 1 << 16;

/// The flags each record earns on its own, in record order: pieces of
/// records in parallel, joined in order.
fn record_flags(store: &RecordStore) -> Vec<Flag> {
    record_flags_pieced(store, RECORD_PIECE)
}

fn record_flags_pieced(store: &RecordStore, piece: usize) -> Vec<Flag> {
    let pieces: Vec<Vec<Flag>> = (0..store.len().div_ceil(piece))
        .into_par_iter()
        .map(|p| {
            let start = p * piece;
            record_flags_in(store, start..(start + piece).min(store.len()))
        })
        .collect();
    let mut flags = Vec::with_capacity(pieces.iter().map(Vec::len).sum());
    for p in pieces {
        flags.extend(p);
    }
    flags
}

fn record_flags_in(store: &RecordStore, records: std::ops::Range<usize>) -> Vec<Flag> {
    let present = store.present;
    // The sparse per-record lists are ascending by record: start each at
    // the piece's first record.
    let first = records.start as u32;
    let repaired = &store.name_repaired;
    let mut repaired = repaired[repaired.partition_point(|&(u, _)| u < first)..]
        .iter()
        .peekable();
    let unknown = &store.province_unknown;
    let mut unknown = unknown[unknown.partition_point(|&u| u < first)..]
        .iter()
        .peekable();
    let mut flags = Vec::new();
    for i in records {
        let r = RecordId(i as u32);
        let mut push = |kind, detail| {
            flags.push(Flag {
                kind,
                record: r,
                other: None,
                detail,
            })
        };
        let cid = store.cid[i];
        let dob = store.dob[i];
        let sex = store.sex[i];
        if cid.kind == Cid::PERSONAL {
            let sex_differs = sex != SEX_UNKNOWN && cid.sex != SEX_UNKNOWN && cid.sex != sex;
            let year_differs = !dob.is_missing() && cid.birth_year != dob.year;
            match (sex_differs, year_differs) {
                (true, true) => push(FlagKind::IdMismatch, "sex_digit_vs_sex+id_year_vs_dob_year"),
                (true, false) => push(FlagKind::IdMismatch, "sex_digit_vs_sex"),
                (false, true) => push(FlagKind::IdMismatch, "id_year_vs_dob_year"),
                (false, false) => {}
            }
        }
        if cid.kind == Cid::INVALID {
            push(FlagKind::InvalidId, "citizen_id_unparseable");
        }
        if dob.flags & Dob::INVALID != 0 {
            push(FlagKind::InvalidDate, "unparseable");
        }
        if dob.flags & Dob::REPAIRED != 0 {
            push(FlagKind::InvalidDate, "impossible_date_repaired");
        }
        if dob.flags & Dob::PLACEHOLDER != 0 {
            push(FlagKind::PlaceholderDate, "day_month_0101");
        }
        if dob.flags & Dob::FUTURE != 0 {
            push(FlagKind::FutureDate, "after_as_of");
        }
        if unknown.next_if(|&&u| u == r.0).is_some() {
            push(FlagKind::UnknownProvince, "province_unrecognized");
        }
        if let Some(&(_, enc)) = repaired.next_if(|&&(u, _)| u == r.0) {
            push(FlagKind::EncodingRepaired, enc.as_str());
        }
        let mut missing = 0;
        if present.name && store.name[i] == NONE {
            missing |= 1;
        }
        if present.dob && dob.is_missing() && dob.flags & Dob::INVALID == 0 {
            missing |= 2;
        }
        if present.citizen_id && cid.kind == Cid::NONE {
            missing |= 4;
        }
        if missing != 0 {
            push(FlagKind::MissingKeyFields, MISSING_FIELDS[missing]);
        }
    }
    flags
}

/// Records with a valid 12-digit ID number, sorted by (group key, number,
/// record index): the runs of equal `group` then `value`.
fn personal_ids_by<K: Ord + Copy + Send + Sync>(
    store: &RecordStore,
    group: impl Fn(RecordId) -> Option<K> + Sync,
) -> Vec<(K, u64, RecordId)> {
    let mut v: Vec<(K, u64, RecordId)> = (0..store.len() as u32)
        .into_par_iter()
        .map(RecordId)
        .filter(|r| store.cid[r.index()].kind == Cid::PERSONAL)
        .filter_map(|r| group(r).map(|g| (g, store.cid[r.index()].value, r)))
        .collect();
    // Integer keys only: record-key order is restored within each (small)
    // run by the callers.
    v.par_sort_unstable();
    v
}

/// (cluster representative, source, record) of one ID-number group.
type Entry = (u32, u8, RecordId);

fn shared_id(store: &RecordStore, input: &FlagInput<'_>) -> Vec<Flag> {
    let rep = &input.clusters.representative;
    let ids = personal_ids_by(store, |_| Some(()));
    let mut flags = Vec::new();
    for group in ids.chunk_by(|x, y| x.1 == y.1) {
        shared_id_group(store, input, rep, group, &mut flags);
    }
    flags
}

/// The `shared_id` flags of one group of records holding the same number.
fn shared_id_group(
    store: &RecordStore,
    input: &FlagInput<'_>,
    rep: &[u32],
    group: &[((), u64, RecordId)],
    flags: &mut Vec<Flag>,
) {
    if group.len() < 2
        || group
            .iter()
            .all(|x| rep[x.2.index()] == rep[group[0].2.index()])
    {
        return;
    }
    // One entry per (cluster, source): its first record in key order.
    let mut entries: Vec<Entry> = group
        .iter()
        .map(|&(_, _, r)| (rep[r.index()], store.source[r.index()], r))
        .collect();
    entries.sort_by(|x, y| (x.0, x.1, key(store, x.2)).cmp(&(y.0, y.1, key(store, y.2))));
    entries.dedup_by_key(|e| (e.0, e.1));
    entries.sort_by(|x, y| key(store, x.2).cmp(&key(store, y.2)));
    // Candidate partners: per register (or overall in dedupe mode) the
    // first two entries of distinct clusters; one of them is always in
    // another cluster than the entry at hand.
    let mut firsts: Vec<(Option<u8>, Vec<Entry>)> = Vec::new();
    for &e in &entries {
        let slot = input.cross_source_only.then_some(e.1);
        let i = match firsts.iter().position(|f| f.0 == slot) {
            Some(i) => i,
            None => {
                firsts.push((slot, Vec::new()));
                firsts.len() - 1
            }
        };
        let f = &mut firsts[i].1;
        if f.len() < 2 && f.iter().all(|x| x.0 != e.0) {
            f.push(e);
        }
    }
    for e in &entries {
        let partner = firsts
            .iter()
            .filter(|f| !input.cross_source_only || f.0 != Some(e.1))
            .flat_map(|f| f.1.iter())
            .filter(|o| o.0 != e.0)
            .min_by(|x, y| key(store, x.2).cmp(&key(store, y.2)));
        if let Some(o) = partner.filter(|o| (input.weight)(e.2, o.2) < 0.0) {
            let (a, b) = ordered(store, e.2, o.2);
            flags.push(Flag {
                kind: FlagKind::SharedId,
                record: a,
                other: Some(b),
                detail: "same_id_different_clusters",
            });
        }
    }
}

fn multiple_ids(store: &RecordStore, clusters: &Clusters) -> Vec<Flag> {
    let mut flags = Vec::new();
    let ids = personal_ids_by(store, |r| {
        (clusters.size[r.index()] > 1).then_some(clusters.representative[r.index()])
    });
    let mut start = 0;
    while start < ids.len() {
        let cluster = ids[start].0;
        let end = start + ids[start..].iter().take_while(|x| x.0 == cluster).count();
        // Per distinct number (ascending), the first record holding it.
        let mut holders: Vec<RecordId> = Vec::new();
        let mut i = start;
        while i < end {
            let value = ids[i].1;
            let run = ids[i..end].iter().take_while(|x| x.1 == value).count();
            let first = ids[i..i + run]
                .iter()
                .map(|x| x.2)
                .min_by(|&a, &b| key(store, a).cmp(&key(store, b)))
                .expect("a run holds at least one record");
            holders.push(first);
            i += run;
        }
        start = end;
        let Some((&first, others)) = holders.split_first() else {
            continue;
        };
        for &r in others {
            let (a, b) = ordered(store, first, r);
            flags.push(Flag {
                kind: FlagKind::MultipleIds,
                record: a,
                other: Some(b),
                detail: match compare_cid(store.cid[first.index()], store.cid[r.index()]) {
                    CID_ONE_DIGIT | CID_TRANSPOSITION => "one_digit_apart",
                    _ => "different_ids",
                },
            });
        }
    }
    flags
}

/// Flag counts of one province.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProvinceFlags {
    /// Circular 07/2016 code; 1000 + unit id for a 2025 unit name covering
    /// several old provinces; 0 when the province is missing or unknown.
    pub code: u16,
    pub name: String,
    pub total: u64,
    /// Count per kind (kinds with no flag are left out).
    pub by_kind: BTreeMap<String, u64>,
}

/// Flag counts for `summary.json` (and the HTML report).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FlagSummary {
    pub total: u64,
    /// Count per kind; every kind is listed, zero or not.
    pub by_kind: BTreeMap<String, u64>,
    /// Per province of the flag's (first) record, by code.
    pub by_province: Vec<ProvinceFlags>,
}

fn province_name(code: u16) -> String {
    use crate::normalize::province;
    if code == 0 {
        return "unknown".to_owned();
    }
    if code >= 1000 {
        return province::unit(province::UnitId(code - 1000))
            .map_or_else(|| format!("unit {}", code - 1000), |u| u.name.to_owned());
    }
    province::by_code(code).map_or_else(|| format!("code {code}"), |p| p.name.to_owned())
}

/// Counts `flags` by kind and by province.
pub fn summarize(store: &RecordStore, flags: &[Flag]) -> FlagSummary {
    let mut by_kind: BTreeMap<String, u64> = FlagKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), 0))
        .collect();
    let mut by_province: BTreeMap<u16, ProvinceFlags> = BTreeMap::new();
    for f in flags {
        *by_kind
            .get_mut(f.kind.as_str())
            .expect("every kind is listed") += 1;
        let code = store.province[f.record.index()];
        let p = by_province.entry(code).or_insert_with(|| ProvinceFlags {
            code,
            name: province_name(code),
            ..ProvinceFlags::default()
        });
        p.total += 1;
        *p.by_kind.entry(f.kind.as_str().to_owned()).or_default() += 1;
    }
    FlagSummary {
        total: flags.len() as u64,
        by_kind,
        by_province: by_province.into_values().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Where two ids' prefixes differ, they order as the ids do (the
        /// sort falls back to the whole ids only where they agree). The
        /// second id shares a random-length start with the first, from a
        /// small alphabet with 0, so ids that differ only past byte 16,
        /// only at byte 16, or by padding against a real 0 all occur.
        #[test]
        fn id_prefixes_order_as_ids_where_they_differ(
            x in proptest::collection::vec(proptest::sample::select(vec![0u8, 1, b'0', b'9', 255]), 0..20),
            cut in 0usize..20,
            tail in proptest::collection::vec(proptest::sample::select(vec![0u8, 1, b'0', b'9', 255]), 0..6),
        ) {
            let mut y = x[..cut.min(x.len())].to_vec();
            y.extend(&tail);
            let (px, py) = (id_prefix(&x), id_prefix(&y));
            if px != py {
                proptest::prop_assert_eq!(px.cmp(&py), x.cmp(&y));
            }
            // Ids of at most 16 bytes without a 0 byte fit the prefix
            // whole: equal prefixes only for equal ids.
            let exact = |v: &[u8]| v.len() <= 16 && !v.contains(&0);
            if exact(&x) && exact(&y) {
                proptest::prop_assert_eq!(px == py, x == y);
            }
        }
    }

    #[test]
    fn record_flags_in_pieces_equal_one_pass() {
        // Legacy-encoded names and unknown provinces on several records,
        // so that pieces of 1, 2 and 3 records must each start the sparse
        // lists at their own first record.
        use crate::store::{Present, RawRow, StoreBuilder};
        let present = Present {
            name: true,
            province: true,
            ..Present::default()
        };
        let today = crate::normalize::date::Date::new(2026, 11, 28).unwrap();
        let mut b = StoreBuilder::new(&crate::config::Config::default(), present, today);
        let b_src = b.add_source("t");
        let rows = [
            ("Nguyễn Văn Hùng", "Hà Nội"),
            ("NguyÔn V¨n Hïng", "Atlantis"),
            ("Trần Thị Lan", "Hà Nội"),
            ("Nguye^~n Thi. Thu?y", "Atlantis"),
            ("Lê Văn Nam", "Narnia"),
            ("NguyÔn ThÞ Lan", "Huế"),
            ("Phạm Văn Đức", "Đà Nẵng"),
        ];
        let ids: Vec<String> = (0..rows.len()).map(|i| format!("R{i}")).collect();
        for (i, (name, province)) in rows.iter().enumerate() {
            let row = RawRow {
                record_id: &ids[i],
                full_name: Some(name),
                province: Some(province),
                ..RawRow::default()
            };
            b.push(b_src, &row, &[]);
        }
        let store = b.finish();
        let one_pass = record_flags_in(&store, 0..store.len());
        let kinds = |k: FlagKind| one_pass.iter().filter(|f| f.kind == k).count();
        assert!(kinds(FlagKind::EncodingRepaired) >= 2, "{one_pass:?}");
        assert!(kinds(FlagKind::UnknownProvince) >= 2, "{one_pass:?}");
        for piece in [1, 2, 3, store.len()] {
            assert_eq!(
                record_flags_pieced(&store, piece),
                one_pass,
                "pieces of {piece}"
            );
        }
    }

    #[test]
    fn id_prefix_edges() {
        let a = b"R000000000000001"; // 16 bytes
        let b = b"R000000000000002";
        assert!(id_prefix(a) < id_prefix(b));
        // Beyond byte 16 the prefixes agree: the full ids decide.
        assert_eq!(
            id_prefix(b"R0000000000000011"),
            id_prefix(b"R0000000000000012")
        );
        // A shorter id before a longer one it starts.
        assert!(id_prefix(b"AB") < id_prefix(b"AB1"));
        assert_eq!(id_prefix(b"AB"), id_prefix(b"AB\0"));
    }

    #[test]
    fn kinds_are_listed_once_in_file_order() {
        let mut sorted = FlagKind::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, FlagKind::ALL.to_vec());
        let names: std::collections::BTreeSet<&str> =
            FlagKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), FlagKind::ALL.len());
        let pairs: Vec<&str> = FlagKind::ALL
            .iter()
            .filter(|k| k.is_pair())
            .map(|k| k.as_str())
            .collect();
        assert_eq!(pairs, ["shared_id", "multiple_ids", "conflict_cut"]);
    }

    #[test]
    fn missing_field_details_follow_the_bits() {
        // bit 1 name, bit 2 date of birth, bit 4 ID number.
        assert_eq!(MISSING_FIELDS[1], "name");
        assert_eq!(MISSING_FIELDS[2 | 4], "date_of_birth+citizen_id");
        assert_eq!(MISSING_FIELDS[1 | 2 | 4], "name+date_of_birth+citizen_id");
    }

    #[test]
    fn province_names_by_code() {
        assert_eq!(province_name(0), "unknown");
        assert_eq!(province_name(1), "Hà Nội");
        assert_eq!(province_name(79), "Hồ Chí Minh");
        assert_eq!(province_name(999), "code 999");
    }
}
