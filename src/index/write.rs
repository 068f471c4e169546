//! Writing a run index: `dedupe` writes every file as a new base; `update`
//! links the previous run's base files and writes a delta, or compacts into
//! a new base. The index is written under a temporary name in the run
//! directory, every file by its own task in parallel, and renamed into
//! `RUN/index` by [`PendingIndex::commit`].

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::format::{
    pack_dob, write_array, write_bytes, write_flag_sets, write_iter, write_strings, StrTable,
    ENCODINGS, ENTRY_WORDS,
};
use super::postings::{Postings, PostingsRef, PostingsWrite};
use super::slots::{Slots, StoreSlots};
use super::{config_fingerprint, config_parts, Manifest, FORMAT_NAME, FORMAT_VERSION, INDEX_DIR};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::score::ScoredPair;
use crate::store::{RecordId, RecordStore};

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
            let old = crate::output::temp_dir_in(
                self.dest.parent().unwrap_or(Path::new(".")),
                ".dinhdanh-old-index-",
            )
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
    let tmp = crate::output::temp_dir_in(run_dir, ".dinhdanh-index-")
        .map_err(|e| Error::io(run_dir, e))?;
    // The per-record columns: a new base of every record (`Full`) with empty
    // delta files, or (`Layered`) the previous base's files linked and this
    // run's delta records, those no base entry maps to.
    let (pre, rows): (&str, Option<Vec<u32>>) = match &postings {
        PostingsWrite::Full | PostingsWrite::Prewritten { .. } => ("", None),
        PostingsWrite::Layered { base_map, .. } => {
            ("delta.", Some(delta_records(base_map, c.store.len())))
        }
    };
    let w = Writer {
        dir: tmp.path(),
        c,
        postings,
        rows: rows.as_deref(),
        pre,
        first_error: Mutex::new(None),
    };
    rayon::scope(|sc| {
        w.spawn_record_base(sc);
        w.spawn_record_columns(sc);
        w.spawn_names(sc);
        w.spawn_addresses(sc);
        w.spawn_extras(sc);
        w.spawn_postings(sc);
        w.spawn_pairs(sc);
        sc.spawn(|_| w.keep(write_flag_sets(w.dir, c.store)));
        w.spawn_clusters(sc);
    });
    if let Some(e) = w
        .first_error
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        return Err(e);
    }
    let json = serde_json::to_vec_pretty(&manifest(c, &w.postings)).expect("manifest serializes");
    write_bytes(tmp.path(), "manifest.json", &json)?;
    Ok(PendingIndex {
        tmp: Some(tmp),
        dest: run_dir.join(INDEX_DIR),
    })
}

/// `manifest.json` of an index of `c` written as `postings` says.
fn manifest(c: &IndexContents<'_>, postings: &PostingsWrite<'_>) -> Manifest {
    let s = c.store;
    Manifest {
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
    }
}

/// One index being written: what every writing task needs. Each
/// `spawn_` step starts the tasks of a group of files on the scope (every
/// file is written by exactly one task); a task's error is kept in
/// `first_error` and the others run on.
struct Writer<'a> {
    /// The temporary index directory.
    dir: &'a Path,
    c: &'a IndexContents<'a>,
    postings: PostingsWrite<'a>,
    /// The records whose per-record values are written: every record (None),
    /// or (`Layered`) the delta records, into `delta.` files.
    rows: Option<&'a [u32]>,
    /// "" or "delta.": the prefix of the per-record files written.
    pre: &'static str,
    first_error: Mutex<Option<Error>>,
}

impl<'a> Writer<'a> {
    /// Keeps the first error of the tasks.
    fn keep(&self, r: Result<()>) {
        if let Err(e) = r {
            let mut slot = self
                .first_error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            slot.get_or_insert(e);
        }
    }

    /// The name of the per-record file `name` this run writes.
    fn p(&self, name: &str) -> String {
        format!("{}{name}", self.pre)
    }

    /// The record ids and the base of the per-record files: a new base's
    /// record-id table and its slots, with empty delta files; or
    /// (`Layered`) the previous base's per-record files linked, and the delta
    /// records' ids and their slots.
    fn spawn_record_base<'s>(&'s self, sc: &rayon::Scope<'s>) {
        let (dir, c, s) = (self.dir, self.c, self.c.store);
        match (&self.postings, self.rows) {
            (PostingsWrite::Layered { previous_index, .. }, Some(rows)) => {
                let previous_index = *previous_index;
                sc.spawn(move |_| {
                    let mut r = Ok(());
                    for name in RECORD_FILES {
                        r = r.and_then(|()| link_or_copy(previous_index, dir, name));
                    }
                    for i in 0..s.extras.len() {
                        let name = format!("extra{i}.codes.u32");
                        r = r.and_then(|()| link_or_copy(previous_index, dir, &name));
                    }
                    self.keep(r)
                });
                sc.spawn(move |_| {
                    self.keep(write_strings(
                        dir,
                        "delta.record_id",
                        rows.iter().map(|&i| s.record_id(RecordId(i))),
                    ))
                });
                sc.spawn(move |_| {
                    let slots =
                        Slots::build(rows.len(), |q| s.record_id(RecordId(rows[q as usize])));
                    self.keep(write_array(dir, "delta.record_id.slots.u32", &slots.0))
                });
            }
            _ => {
                // The store's record ids already are a string table.
                sc.spawn(move |_| {
                    self.keep(
                        write_bytes(dir, "record_id.bytes", s.id_bytes.as_bytes())
                            .and_then(|()| write_array(dir, "record_id.ends.u64", &s.id_ends)),
                    )
                });
                sc.spawn(move |_| {
                    self.keep(write_array(
                        dir,
                        "record_id.slots.u32",
                        &c.slots.record_id.0,
                    ))
                });
                sc.spawn(move |_| {
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
                    self.keep(r)
                });
            }
        }
    }

    /// The per-record columns of `rows` (besides the record ids and the
    /// extras' codes): row fingerprint, name, date of birth, sex, citizen id,
    /// province, unit, address.
    fn spawn_record_columns<'s>(&'s self, sc: &rayon::Scope<'s>) {
        let (dir, c, s, rows) = (self.dir, self.c, self.c.store, self.rows);
        let p = move |name: &str| self.p(name);
        sc.spawn(move |_| self.keep(write_array(dir, &p("row_fp.u64"), &pick(c.row_fp, rows))));
        sc.spawn(move |_| self.keep(write_array(dir, &p("name.u32"), &pick(&s.name, rows))));
        sc.spawn(move |_| {
            self.keep(write_iter(
                dir,
                &p("dob.u64"),
                pick(&s.dob, rows).iter().map(|&d| pack_dob(d)),
            ))
        });
        sc.spawn(move |_| self.keep(write_array(dir, &p("sex.u8"), &pick(&s.sex, rows))));
        sc.spawn(move |_| {
            let cid = pick(&s.cid, rows);
            let cid_meta = cid
                .iter()
                .map(|c| u32::from(c.kind) | u32::from(c.sex) << 8 | u32::from(c.birth_year) << 16);
            self.keep(
                write_iter(dir, &p("cid_value.u64"), cid.iter().map(|c| c.value))
                    .and_then(|()| write_iter(dir, &p("cid_meta.u32"), cid_meta)),
            )
        });
        sc.spawn(move |_| {
            self.keep(
                write_array(dir, &p("province.u16"), &pick(&s.province, rows))
                    .and_then(|()| write_array(dir, &p("unit.u8"), &pick(&s.unit, rows)))
                    .and_then(|()| write_array(dir, &p("address.u32"), &pick(&s.address, rows))),
            )
        });
    }

    /// The name table: its entries and its tokens (with their slots).
    fn spawn_names<'s>(&'s self, sc: &rayon::Scope<'s>) {
        let (dir, c, s) = (self.dir, self.c, self.c.store);
        sc.spawn(move |_| {
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
            self.keep(write_array(dir, "name_entries.u32", &entries))
        });
        sc.spawn(move |_| {
            self.keep(
                write_strings(dir, "name_tokens", s.names.tokens.iter().map(|t| &**t))
                    .and_then(|()| write_array(dir, "name_tokens.slots.u32", &c.slots.tokens.0)),
            )
        });
    }

    /// The address dictionary (with its slots), each address's words, and
    /// the word dictionary (with its slots).
    fn spawn_addresses<'s>(&'s self, sc: &rayon::Scope<'s>) {
        let (dir, c, s) = (self.dir, self.c, self.c.store);
        sc.spawn(move |_| {
            self.keep(
                write_strings(dir, "addresses", s.addresses.iter().map(|t| &**t))
                    .and_then(|()| write_array(dir, "addresses.slots.u32", &c.slots.addresses.0)),
            )
        });
        sc.spawn(move |_| {
            let mut tok = Vec::new();
            let mut tok_ends = Vec::with_capacity(s.address_tokens.len());
            for t in &s.address_tokens {
                tok.extend_from_slice(t);
                tok_ends.push(tok.len() as u64);
            }
            self.keep(
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
    }

    /// Each extra column: the codes of `rows`, its value dictionary (with
    /// its slots) and the values' numbers.
    fn spawn_extras<'s>(&'s self, sc: &rayon::Scope<'s>) {
        let (dir, c, s, rows) = (self.dir, self.c, self.c.store, self.rows);
        for (i, e) in s.extras.iter().enumerate() {
            sc.spawn(move |_| {
                let has: Vec<u8> = e.numbers.iter().map(|n| u8::from(n.is_some())).collect();
                let num: Vec<f64> = e.numbers.iter().map(|n| n.unwrap_or(0.0)).collect();
                self.keep(
                    write_array(
                        dir,
                        &self.p(&format!("extra{i}.codes.u32")),
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
    }

    /// The blocking postings and the base map, as `postings` says.
    fn spawn_postings<'s>(&'s self, sc: &rayon::Scope<'s>) {
        match self.postings {
            PostingsWrite::Full | PostingsWrite::Prewritten { .. } => self.spawn_new_base(sc),
            PostingsWrite::Layered {
                previous_index,
                base_map,
                delta,
            } => self.spawn_layered(sc, previous_index, base_map, delta),
        }
    }

    /// The postings as a new base (written here, or linked when
    /// `Prewritten`), the identity base map and empty deltas.
    fn spawn_new_base<'s>(&'s self, sc: &rayon::Scope<'s>) {
        let (dir, c, s) = (self.dir, self.c, self.c.store);
        let n_rules = c.config.blocking.rules.len();
        if let PostingsWrite::Prewritten { dir: from } = self.postings {
            sc.spawn(move |_| {
                let mut r = Ok(());
                for k in 0..n_rules {
                    for name in [format!("rule{k}.keys.u64"), format!("rule{k}.records.u32")] {
                        r = r.and_then(|()| link_or_copy(from, dir, &name));
                    }
                }
                self.keep(r)
            });
        }
        sc.spawn(move |_| self.keep(write_iter(dir, "base_map.u32", 0..s.len() as u32)));
        for k in 0..n_rules {
            sc.spawn(move |_| {
                self.keep(
                    write_array::<u64>(dir, &format!("rule{k}.delta.keys.u64"), &[]).and_then(
                        |()| write_array::<u32>(dir, &format!("rule{k}.delta.records.u32"), &[]),
                    ),
                )
            });
        }
        let full_postings: &[PostingsRef<'_>] = match self.postings {
            PostingsWrite::Full => c.postings,
            PostingsWrite::Prewritten { .. } | PostingsWrite::Layered { .. } => &[],
        };
        for (k, p) in full_postings.iter().enumerate() {
            sc.spawn(move |_| {
                self.keep(match p {
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
    }

    /// The previous index's base postings linked, this run's base map and
    /// the deltas.
    fn spawn_layered<'s>(
        &'s self,
        sc: &rayon::Scope<'s>,
        previous_index: &'s Path,
        base_map: &'s [u32],
        delta: &'s [Postings],
    ) {
        let dir = self.dir;
        sc.spawn(move |_| self.keep(write_array(dir, "base_map.u32", base_map)));
        for (k, d) in delta.iter().enumerate() {
            sc.spawn(move |_| {
                self.keep(
                    link_or_copy(previous_index, dir, &format!("rule{k}.keys.u64"))
                        .and_then(|()| {
                            link_or_copy(previous_index, dir, &format!("rule{k}.records.u32"))
                        })
                        .and_then(|()| {
                            write_array(dir, &format!("rule{k}.delta.keys.u64"), &d.keys)
                        })
                        .and_then(|()| {
                            write_array(dir, &format!("rule{k}.delta.records.u32"), &d.records)
                        }),
                )
            });
        }
    }

    /// The kept pairs, one file per field.
    fn spawn_pairs<'s>(&'s self, sc: &rayon::Scope<'s>) {
        let (dir, c) = (self.dir, self.c);
        sc.spawn(move |_| {
            self.keep(
                write_iter(dir, "pairs.a.u32", c.pairs.iter().map(|p| p.a.0))
                    .and_then(|()| write_iter(dir, "pairs.b.u32", c.pairs.iter().map(|p| p.b.0))),
            )
        });
        sc.spawn(move |_| {
            let pairs = c.pairs.iter();
            self.keep(
                write_iter(dir, "pairs.rule.u8", pairs.clone().map(|p| p.rule))
                    .and_then(|()| {
                        write_iter(dir, "pairs.pattern.u64", pairs.clone().map(|p| p.pattern))
                    })
                    .and_then(|()| write_iter(dir, "pairs.weight.f64", pairs.map(|p| p.weight))),
            )
        });
    }

    /// Each record's cluster number and each cluster number's id.
    fn spawn_clusters<'s>(&'s self, sc: &rayon::Scope<'s>) {
        let (dir, c) = (self.dir, self.c);
        sc.spawn(move |_| {
            let names = &c.cluster_names;
            self.keep(
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
    }
}

/// Hard-links `name` of `from` into `to` (base files are never modified, so
/// two runs can share them; each run directory stays complete on its own);
/// copies when a link is impossible (another file system).
fn link_or_copy(from: &Path, to: &Path, name: &str) -> Result<()> {
    let (src, dst) = (from.join(name), to.join(name));
    if std::fs::hard_link(&src, &dst).is_err() {
        // A copy takes the source's mode: give it this run's.
        std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
        crate::output::set_mode(&dst, crate::output::file_mode())
            .map_err(|e| Error::io(&dst, e))?;
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
pub(super) fn delta_records(base_map: &[u32], n: usize) -> Vec<u32> {
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
