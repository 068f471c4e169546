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
//! records, and a delta ([`LayeredPostings`], `read::Layout`).
//!
//! The code, by concern:
//!
//! | file | what |
//! | --- | --- |
//! | `mod.rs` | the format constants, the manifest and the config fingerprint |
//! | `format.rs` | the file formats: little-endian arrays, memory maps, string tables, flag sets |
//! | `slots.rs` | the open-addressing hash tables over the string dictionaries |
//! | `postings.rs` | the blocking postings: in memory, memory-mapped, layered |
//! | `write.rs` | writing an index (`dedupe`, `update`) under a temporary name, then committing it |
//! | `read.rs` | loading a previous run's index for `update`, every file checked |

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::hash::hash_bytes;

mod format;
mod postings;
mod read;
mod slots;
mod write;

pub use format::{Le, MappedArray, StrTable};
pub use postings::{
    write_postings, BasePostings, LayeredPostings, Postings, PostingsRef, PostingsWrite,
};
pub use read::{read_index, read_manifest, PairArrays, RunIndex};
pub use slots::{record_id_slots, Slots, StoreSlots};
pub use write::{
    write_index, write_index_with, ClusterNames, IndexContents, PendingIndex, CREATED,
};

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
