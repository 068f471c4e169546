//! `dinhdanh update`: match a new snapshot against a previous run's index.
//!
//! Rows are matched to the previous run by record_id and compared by the
//! fingerprint of their raw values: unchanged rows keep their normalized codes
//! from the index, only added and changed rows are normalized. With the model
//! fixed (it carries its term-frequency counts, see [`crate::score::tf::TfCount`])
//! a pair of two unchanged records scores as before, so the previous run's
//! pairs between unchanged records are kept and only pairs that involve an
//! added or changed record are blocked (against the index postings and each
//! other) and scored. The candidate set is exactly the one a full `dedupe` of
//! the new snapshot would make, including its block-size cap:
//!
//! - a pair is a candidate when the first rule whose keys the two records share
//!   has a block of at most `blocking.max_block_size` records (this is what
//!   `Blocker::fold_pairs` does: a later rule skips a pair an earlier rule keys
//!   together, even when that earlier block was skipped as oversized);
//! - a block that grows over the cap drops the kept pairs it had found; a block
//!   that shrinks under the cap has all its pairs scored.
//!
//! Clusters are recomputed, with the same greedy clustering as `dedupe`
//! ([`crate::cluster::cluster_pairs`]), for the components of matching pairs
//! that changed; the others keep their previous clusters (see
//! [`incremental_clusters`]), so the partition equals a full run's; cluster
//! ids are then carried over from the previous run (see [`assign_ids`]).

mod block;
mod clusters;
mod ids;
mod merge;
mod night;
mod postings;
mod snapshot;

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use crate::block::{rule_key, NO_KEY};
use crate::config::{Config, Rule};
use crate::error::{Error, Result};
use crate::index::{
    read_index, read_manifest, write_index_with, ClusterNames, IndexContents, PendingIndex,
    PostingsRef, PostingsWrite, RunIndex, Slots,
};
use crate::intern::NONE;
use crate::jobs::update::block::{block_and_score, Delta};
use crate::jobs::update::ids::ClusterIds;
use crate::jobs::update::merge::{merge_dictionaries, merged_store};
use crate::jobs::update::night::Night;
use crate::jobs::update::postings::{next_base_map, NewPostings};
use crate::jobs::update::snapshot::{read_snapshot, Snapshot};
use crate::jobs::{finish, timed};
use crate::normalize::date::Date;
use crate::output::prepare_dir;
use crate::progress::Progress;
use crate::score::compare::{comparisons, Comparison};
use crate::score::model::Model;
use crate::score::model_file::{model_hash, model_json, read_model};
use crate::score::scorer::{output_floor, weight_of, ScoredPair, Scorer};
use crate::score::tf::TfMap;
use crate::store::{RecordId, RecordStore};
use crate::write::report::html::RuleRow;
use crate::write::report::render;
use crate::write::summary::{Job, Summary};

/// What to run.
#[derive(Clone, Debug)]
pub struct UpdateOptions {
    /// The previous run directory (read only).
    pub previous: PathBuf,
    /// The config; None uses the previous run's `config.toml`.
    pub config: Option<Config>,
    /// The model; None uses the previous run's `model.json`. It must be the
    /// model the previous run scored with.
    pub model: Option<PathBuf>,
    pub snapshot: PathBuf,
    pub out: PathBuf,
    pub as_of: Date,
    /// report.html lists names, dates of birth and provinces, not only ids.
    pub show_values: bool,
}

pub(crate) const FRESH: u32 = 1 << 31;
// `ClusterIds::names` marks new ids with FRESH and hands them to the index as
// `ClusterNames::Carried`, which reads them with CREATED.
const _: () = assert!(FRESH == crate::index::CREATED);

/// Runs `update` and writes every output; returns the summary.
pub fn update(opts: &UpdateOptions, progress: &Progress) -> Result<Summary> {
    let started = Instant::now();
    let mut stages = Vec::new();
    let Previous {
        config,
        rules,
        mut idx,
        model,
        tf,
    } = open_previous(opts, progress, &mut stages)?;
    let cmps = comparisons(&idx.store);

    let st = progress.stage("read snapshot", None);
    let mut snap = timed(&mut stages, "read+normalize snapshot", || {
        read_snapshot(&config, &opts.snapshot, &idx, opts.as_of)
    })?;
    let deleted = snap.old_to_row.iter().filter(|&&r| r == NONE).count() as u64;
    let unchanged = snap.plan.len() as u64 - snap.added - snap.changed;
    st.finish(&format!(
        "{} added, {} changed, {deleted} deleted, {unchanged} unchanged",
        snap.added, snap.changed
    ));

    let st = progress.stage("merge", None);
    let old_to_new = old_to_new(&snap.plan, idx.store.len());
    let removed_keys = removed_keys(&idx.store, &rules, &old_to_new);
    let store = timed(&mut stages, "merge", || {
        Ok(merge(opts, &config, &mut idx, &mut snap))
    })?;
    // The merged store's records are the snapshot's rows: these were added
    // or changed.
    let fresh_rows: Vec<u32> = (0..snap.plan.len() as u32)
        .filter(|&i| snap.plan[i as usize] & FRESH != 0)
        .collect();
    st.finish(&format!("{} records", store.len()));

    let st = progress.stage("block+score", None);
    let scorer = Scorer::new(
        &store,
        &cmps,
        &model,
        config.model.term_frequency,
        Some(&tf),
    );
    let delta = Delta {
        idx: &idx,
        store: &store,
        rules: &rules,
        old_to_new: &old_to_new,
        fresh_rows: &fresh_rows,
        removed_keys: &removed_keys,
    };
    let scored = timed(&mut stages, "block+score", || {
        Ok(block_and_score(
            &delta,
            &scorer,
            config.blocking.max_block_size,
            output_floor(&config),
        ))
    })?;
    let pairs = &scored.pairs;
    st.finish(&format!("{} new candidate pairs", scored.candidate_pairs));

    let st = progress.stage("cluster", None);
    let link_w = weight_of(config.model.threshold);
    prepare_dir(&opts.out)?;
    let next_base = next_base_map(&idx, &old_to_new, store.len());
    let night = Night {
        opts,
        idx: &idx,
        store: &store,
        snap: &snap,
        cmps: &cmps,
        scorer: &scorer,
        rules: &rules,
        old_to_new: &old_to_new,
        pairs,
        link_w,
    };
    let (clustered, beside) = rayon::join(
        || night.cluster(kept_order(&snap.plan)),
        || night.beside_clustering(&scored.fresh_keys_per_rule, next_base),
    );
    stages.extend(Night::stage_seconds(&clustered, &beside));
    let mut files = vec![beside.pairs_file?];
    files.extend(clustered.files?);
    let ids = clustered.ids;
    st.finish(&format!("{} clusters", ids.names.len()));

    let st = progress.stage("write", None);
    let index = timed(&mut stages, "write index", || {
        write_update_index(
            opts,
            &config,
            &mut idx,
            &store,
            &snap,
            pairs,
            &ids,
            beside.id_slots,
            &beside.new_postings,
            model_hash(&model, &tf),
        )
    })?;
    let rule_rows = rule_rows(&rules, pairs);
    let (flags, cut_pairs) = clustered.flags;
    let summary = Summary {
        mode: Job::Update,
        previous: Some(opts.previous.display().to_string()),
        inputs: vec![opts.snapshot.display().to_string()],
        records: store.len() as u64,
        added: Some(snap.added),
        changed: Some(snap.changed),
        deleted: Some(deleted),
        unchanged: Some(unchanged),
        rejects_in_normalized: Some(store.rejects.clone()),
        candidate_pairs: scored.candidate_pairs,
        pairs_kept_from_previous: Some(scored.pairs_kept),
        pairs_dropped_from_previous: Some(idx.pairs.len() as u64 - scored.pairs_kept),
        pairs_written: pairs.len() as u64,
        matching_pairs: pairs.iter().filter(|p| p.weight >= link_w).count() as u64,
        blocks_grown_over_cap: Some(scored.grown),
        blocks_shrunk_under_cap: Some(scored.shrunk),
        index_compacted: Some(matches!(beside.new_postings, NewPostings::Compacted(_))),
        clusters: ids.names.len() as u64,
        clusters_with_duplicates: clustered.multi,
        largest_cluster: clustered.largest,
        cluster_changes: Some(ids.counts.clone()),
        threshold: config.model.threshold,
        conflict_cut_pairs: cut_pairs,
        flags,
        ..Summary::default()
    };
    drop(scored);
    st.finish("outputs written");
    let summary = summary.measured(stages, started);
    let report = render(
        &summary,
        clustered.body,
        link_w,
        rule_rows,
        std::slice::from_ref(&opts.snapshot),
        opts.as_of,
    );
    finish(
        &opts.out,
        files,
        &report,
        Some(index),
        &model_json(&model, &tf),
        &summary,
        &config,
    )?;
    Ok(summary)
}

/// What update reads of the previous run before the snapshot.
struct Previous {
    config: Config,
    rules: Vec<Rule>,
    idx: RunIndex,
    model: Model,
    tf: TfMap,
}

/// Checks the output directory, reads the previous run's config, index and
/// model (the "read index" stage).
fn open_previous(
    opts: &UpdateOptions,
    progress: &Progress,
    stages: &mut Vec<(String, f64)>,
) -> Result<Previous> {
    if let (Ok(a), Ok(b)) = (opts.previous.canonicalize(), opts.out.canonicalize()) {
        if a == b {
            return Err(Error::usage(
                "--out must differ from --previous: the previous run is never modified",
            ));
        }
    }
    let config = run_config(opts)?;
    let manifest = read_manifest(&opts.previous, &config)?;
    let rules: Vec<Rule> = config.blocking_rules()?;
    let st = progress.stage("read index", None);
    let idx = timed(stages, "read index", || {
        read_index(&opts.previous, &config, manifest)
    })?;
    st.finish(&format!("{} previous records", idx.store.len()));
    let cmps = comparisons(&idx.store);
    let (model, tf) = previous_model(opts, &idx, &cmps)?;
    Ok(Previous {
        config,
        rules,
        idx,
        model,
        tf,
    })
}

/// The config: `--config`, or the previous run's `config.toml`.
fn run_config(opts: &UpdateOptions) -> Result<Config> {
    match &opts.config {
        Some(c) => Ok(c.clone()),
        None => {
            let p = opts.previous.join("config.toml");
            let text = std::fs::read_to_string(&p).map_err(|e| {
                Error::usage(format!(
                    "{}: {e}; --previous must name a run directory written by dedupe",
                    p.display()
                ))
            })?;
            Config::from_toml(&text)
        }
    }
}

/// The model the previous run scored with (`--model` must be that one:
/// update keeps the previous pairs' weights).
fn previous_model(
    opts: &UpdateOptions,
    idx: &RunIndex,
    cmps: &[Comparison],
) -> Result<(Model, TfMap)> {
    let model_path = opts
        .model
        .clone()
        .unwrap_or_else(|| opts.previous.join("model.json"));
    let (model, tf) = read_model(&model_path, cmps)?;
    let tf = tf.unwrap_or_default();
    if format!("{:016x}", model_hash(&model, &tf)) != idx.manifest.model_hash {
        return Err(Error::usage(format!(
            "{}: not the model the previous run scored its pairs with; update keeps those \
             pairs, so it needs the same model (omit --model to use the previous run's \
             model.json); for a new model run a full dedupe",
            model_path.display()
        )));
    }
    Ok((model, tf))
}

/// Per previous record: its number in the merged store (the snapshot's row
/// order), or NONE when it was deleted or changed.
fn old_to_new(plan: &[u32], n_old: usize) -> Vec<u32> {
    let mut old_to_new = vec![NONE; n_old];
    for (i, &p) in plan.iter().enumerate() {
        if p & FRESH == 0 {
            old_to_new[p as usize] = i as u32;
        }
    }
    old_to_new
}

/// Per rule, the sorted keys of the previous records that leave their
/// blocks (deleted or changed), from the previous store before its
/// dictionaries move.
fn removed_keys(previous: &RecordStore, rules: &[Rule], old_to_new: &[u32]) -> Vec<Vec<u64>> {
    let removed: Vec<u32> = (0..old_to_new.len() as u32)
        .filter(|&j| old_to_new[j as usize] == NONE)
        .collect();
    rules
        .iter()
        .map(|r| {
            let mut k: Vec<u64> = removed
                .par_iter()
                .map(|&j| rule_key(previous, r, RecordId(j)))
                .filter(|&k| k != NO_KEY)
                .collect();
            k.par_sort_unstable();
            k
        })
        .collect()
}

/// Whether the unchanged records kept their relative order (then the
/// clustering can be redone for the changed components only, see
/// `incremental_clusters`).
fn kept_order(plan: &[u32]) -> bool {
    plan.iter()
        .filter(|&&p| p & FRESH == 0)
        .try_fold(None, |last: Option<u32>, &p| match last {
            Some(l) if l >= p => None,
            _ => Some(Some(p)),
        })
        .is_some()
}

/// The new run's index: the merged store and pairs, the carried cluster
/// names, and the postings compacted into a new base or layered on the
/// previous one.
#[allow(clippy::too_many_arguments)]
fn write_update_index(
    opts: &UpdateOptions,
    config: &Config,
    idx: &mut RunIndex,
    store: &RecordStore,
    snap: &Snapshot,
    pairs: &[ScoredPair],
    ids: &ClusterIds,
    id_slots: Option<Slots>,
    new_postings: &NewPostings,
    model_hash: u64,
) -> Result<PendingIndex> {
    // The previous dictionaries' tables, and the record ids' (built beside
    // the clustering when the index is compacted; else linked and layered).
    let mut slots = std::mem::take(&mut idx.slots);
    slots.record_id = id_slots.unwrap_or(Slots(Vec::new()));
    let slots = &slots;
    let refs: Vec<PostingsRef<'_>> = match new_postings {
        NewPostings::Compacted(p) => p.iter().map(PostingsRef::Sorted).collect(),
        NewPostings::Layered { .. } => Vec::new(),
    };
    let how = match new_postings {
        NewPostings::Compacted(_) => PostingsWrite::Full,
        NewPostings::Layered { base_map, delta } => PostingsWrite::Layered {
            previous_index: &idx.dir,
            base_map,
            delta,
        },
    };
    write_index_with(
        &opts.out,
        &IndexContents {
            config,
            model_hash,
            store,
            slots,
            row_fp: &snap.fp,
            postings: &refs,
            pairs,
            cluster_of: &ids.cluster_of,
            cluster_names: ClusterNames::Carried {
                previous: &idx.cluster_names,
                of: &ids.names,
                created: &ids.created,
            },
        },
        how,
    )
}

/// Pairs written per rule, for report.html (the first rule whose keys the
/// two records share): update does not count again the candidates of
/// unchanged records.
fn rule_rows(rules: &[Rule], pairs: &[ScoredPair]) -> Vec<RuleRow> {
    let mut per_rule = vec![0u64; rules.len()];
    for p in pairs {
        per_rule[p.rule as usize] += 1;
    }
    rules
        .iter()
        .zip(per_rule)
        .map(|(r, n)| RuleRow {
            rule: r.name.clone(),
            new_pairs: n,
            ..RuleRow::default()
        })
        .collect()
}

/// The merge stage: the previous records (from the index) and the
/// snapshot's added and changed ones in one store, on merged dictionaries,
/// in the snapshot's row order.
fn merge(
    opts: &UpdateOptions,
    config: &Config,
    idx: &mut RunIndex,
    snap: &mut Snapshot,
) -> RecordStore {
    let source = opts
        .snapshot
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let maps = merge_dictionaries(idx, &snap.fresh);
    merged_store(idx, snap, &maps, config, source, opts.as_of)
}
