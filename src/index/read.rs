//! Loading a previous run's index for `update`: the manifest is checked
//! against the config first ([`read_manifest`]), then every file is read
//! (groups of them in parallel, the per-record columns gathered from the
//! base and the delta by [`Layout`]) and checked, so that a damaged index is
//! an error and never a panic.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::format::{
    corrupt, map_file, read_array, read_array_len, read_flag_sets, read_strings, unpack_dob,
    with_string_table, FlagSets, Le, MappedArray, StrTable, ENCODINGS, ENTRY_WORDS,
};
use super::postings::{BasePostings, LayeredPostings, Postings};
use super::slots::{Slots, StoreSlots};
use super::write::delta_records;
use super::{config_fingerprint, config_parts, Manifest, FORMAT_NAME, FORMAT_VERSION, INDEX_DIR};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::{Cid, Dob, ExtraColumn, NameEntry, NameTable, RecordId, RecordStore};

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
/// are independent, so groups of them are read and checked in parallel
/// (`read_files`); then they are checked against each other.
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
    let base_map = read_array_len::<u32>(dir, "base_map.u32", manifest.base_records as usize)?;
    let layout = Layout::new(dir, &base_map, n)?;
    let files = read_files(dir, config, &manifest, &layout);
    let records = files.records?;
    let names = files.names?;
    let (addresses, address_tokens, address_words) = files.addresses?;
    let (extras, extra_slots) = files.extras?;
    let postings = files.postings?;
    let pairs = files.pairs?;
    let cluster_names = files.cluster_names?;
    let flag_sets = files.flag_sets?;
    check_codes(
        dir,
        &records,
        names.entries.len(),
        addresses.len(),
        cluster_names.len(),
    )?;
    let fit = |slots: Result<Slots>, name: &str, strings: usize| -> Result<Slots> {
        let s = slots?;
        if !s.fits(strings) {
            return Err(corrupt(
                &dir.join(name),
                "hash table does not fit its dictionary",
            ));
        }
        Ok(s)
    };
    let slots = StoreSlots {
        record_id: fit(files.record_id_slots, "record_id.slots.u32", layout.n_base)?,
        tokens: fit(
            files.token_slots,
            "name_tokens.slots.u32",
            names.tokens.len(),
        )?,
        addresses: fit(files.address_slots, "addresses.slots.u32", addresses.len())?,
        address_words: fit(
            files.word_slots,
            "address_words.slots.u32",
            address_words.len(),
        )?,
        extras: extra_slots,
    };
    let delta_id_slots = fit(
        files.delta_id_slots,
        "delta.record_id.slots.u32",
        layout.n_delta,
    )?;
    let addresses = (addresses, address_tokens, address_words);
    let (store, row_fp, cluster_of) =
        records.into_store(config, names, addresses, extras, flag_sets);
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

/// The index files, each group read and checked on its own by
/// [`read_files`]. The slot tables are not yet checked against their
/// dictionaries.
struct Files {
    records: Result<RecordCols>,
    names: Result<NameTable>,
    addresses: Result<AddressParts>,
    extras: Result<(Vec<ExtraColumn>, Vec<Slots>)>,
    postings: Result<Vec<LayeredPostings>>,
    pairs: Result<PairArrays>,
    cluster_names: Result<StrTable>,
    flag_sets: Result<FlagSets>,
    record_id_slots: Result<Slots>,
    token_slots: Result<Slots>,
    address_slots: Result<Slots>,
    word_slots: Result<Slots>,
    delta_id_slots: Result<Slots>,
}

/// Reads every file of the index but the manifest and the base map, groups
/// of them in parallel.
fn read_files(dir: &Path, config: &Config, manifest: &Manifest, layout: &Layout) -> Files {
    let n = manifest.records as usize;
    let n_rules = manifest.rules.len();
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
    Files {
        records: records.expect(ran),
        names: names.expect(ran),
        addresses: addrs.expect(ran),
        extras: extras.expect(ran),
        postings: postings.expect(ran),
        pairs: pairs.expect(ran),
        cluster_names: cluster_names.expect(ran),
        flag_sets: flag_sets.expect(ran),
        record_id_slots: id_slots.expect(ran),
        token_slots: tok_slots.expect(ran),
        address_slots: addr_slots.expect(ran),
        word_slots: word_slots.expect(ran),
        delta_id_slots: delta_id_slots.expect(ran),
    }
}

/// Codes must point into their dictionaries: a damaged index is an error,
/// not a panic.
fn check_codes(
    dir: &Path,
    records: &RecordCols,
    n_entries: usize,
    n_addresses: usize,
    n_clusters: usize,
) -> Result<()> {
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
        .any(|&c| c != crate::intern::NONE && c as usize >= n_addresses)
    {
        return Err(corrupt(&dir.join("address.u32"), "a code is out of range"));
    }
    if records
        .cluster_of
        .par_iter()
        .any(|&c| c as usize >= n_clusters)
    {
        return Err(corrupt(
            &dir.join("cluster.u32"),
            "cluster numbers out of range",
        ));
    }
    Ok(())
}

impl RecordCols {
    /// The record store of the previous run (the columns with the
    /// dictionaries), and the two columns that are not the store's: the row
    /// fingerprints and the cluster numbers.
    fn into_store(
        self,
        config: &Config,
        names: NameTable,
        (addresses, address_tokens, address_words): AddressParts,
        extras: Vec<ExtraColumn>,
        (name_repaired, province_unknown): FlagSets,
    ) -> (RecordStore, Vec<u64>, Vec<u32>) {
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
        } = self;
        // Every column has one element per record (`Layout::read`).
        let n = id_ends.len();
        let store = RecordStore {
            id_bytes,
            id_ends,
            source: vec![0; n],
            sources: vec!["previous".into()],
            present: crate::store::Present::for_config(config),
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
        (store, row_fp, cluster_of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::format::{write_array, write_strings};

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
