//! `dedupe` and `link`: load → normalize → block → train → score → cluster
//! → flags → write.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;

use crate::block::{Blocker, RuleStats};
use crate::cluster::{cluster_pairs, Clusters, ConflictAware};
use crate::config::{Config, Mode, Rule};
use crate::error::{Error, Result};
use crate::flags::{compute_flags, summarize as summarize_flags, Flag, FlagInput};
use crate::index::{write_postings, PendingIndex, StoreSlots};
use crate::jobs::{finish, timed, RunOptions};
use crate::load::input::load_store_fp;
use crate::output::{prepare_dir, AtomicFile};
use crate::progress::Progress;
use crate::score::compare::{comparisons, Comparison};
use crate::score::model::Model;
use crate::score::model_file::{model_hash, model_json, read_model};
use crate::score::scorer::{output_floor, weight_of, ScoredPair, Scorer};
use crate::score::tf::TfMap;
use crate::score::train::train;
use crate::store::{RecordId, RecordStore};
use crate::write::clusters::write_clusters;
use crate::write::flags::write_flags;
use crate::write::pairs::write_pairs;
use crate::write::report::html::RuleRow;
use crate::write::report::{render, report_body};
use crate::write::summary::{Job, Summary};

/// Runs dedupe or link and writes every output; returns the summary.
pub fn run(opts: &RunOptions, progress: &Progress) -> Result<Summary> {
    let started = Instant::now();
    let config = &opts.config;
    let link = opts.mode == Mode::Link;
    check_inputs(opts)?;
    prepare_dir(&opts.out)?;
    let mut stages = Vec::new();

    let st = progress.stage("load", None);
    let mut row_fp = Vec::new();
    let store = timed(&mut stages, "load+normalize", || {
        let fp = (!link).then_some(&mut row_fp);
        load_store_fp(config, &opts.inputs, opts.as_of, fp)
    })?;
    st.finish(&format!("{} records", store.len()));

    let cmps = comparisons(&store);
    let st = progress.stage("block", None);
    let postings_dir = postings_dir(opts)?;
    let blocker = timed(&mut stages, "block", || {
        block(&store, config, link, postings_dir.as_ref())
    })?;
    st.finish(&format!("{} rules", blocker.rules.len()));
    warn_about_rules(&blocker.stats, &store, config);

    let st = progress.stage("train", None);
    let (model, carried_tf, trained) = timed(&mut stages, "train", || {
        model(opts, &store, &cmps, &blocker)
    })?;
    st.finish(&format!(
        "lambda {:.4}, {} EM iterations",
        model.lambda, model.em_iterations
    ));

    let st = progress.stage("score", None);
    let mut scorer = Scorer::new(
        &store,
        &cmps,
        &model,
        config.model.term_frequency,
        carried_tf.as_ref(),
    );
    let (pairs, candidate_pairs, rules, rule_stats) =
        timed(&mut stages, "score", || Ok(score(blocker, &scorer, config)))?;
    // The rest scores only a few pairs (flags, report; pairs.parquet reads
    // term frequencies): the store's columns serve them.
    scorer.release_rows();
    st.finish(&format!(
        "{candidate_pairs} candidate pairs, {} kept",
        pairs.len()
    ));

    let st = progress.stage("cluster", None);
    let threshold = config.model.threshold;
    let link_w = weight_of(threshold);
    let matching_pairs = pairs.iter().filter(|p| p.weight >= link_w).count() as u64;
    // Clustering is one sequential union-find: the run index's record-id
    // table (which depends only on the store) is built on the other core
    // meanwhile.
    let (ConflictAware { clusters, cut }, id_slots) = timed(&mut stages, "cluster", || {
        Ok(rayon::join(
            || cluster_pairs(&store, &pairs, link_w),
            || (!link).then(|| crate::index::StoreSlots::build(&store)),
        ))
    })?;
    st.finish(&format!(
        "{} clusters, {} pairs cut",
        clusters.count(),
        cut.len()
    ));

    let st = progress.stage("flag", None);
    let flags = timed(&mut stages, "flag", || {
        Ok(compute_flags(
            &store,
            &FlagInput {
                clusters: &clusters,
                cut: &cut,
                cross_source_only: link,
                weight: &|a, b| scorer.score(a, b).1,
            },
        ))
    })?;
    st.finish(&format!("{} flags", flags.len()));

    let st = progress.stage("write", None);
    let outputs = Outputs {
        opts,
        store: &store,
        cmps: &cmps,
        scorer: &scorer,
        rules: &rules,
        pairs: &pairs,
        clusters: &clusters,
        flags: &flags,
    };
    let (files, index) = timed(&mut stages, "write", || {
        let index = match (id_slots, &postings_dir) {
            (Some(slots), Some(dir)) => Some((
                slots,
                dir.path(),
                row_fp.as_slice(),
                model_hash(&model, &scorer.tf_used),
            )),
            _ => None,
        };
        outputs.write(index)
    })?;
    st.finish("outputs written");

    let summary = Summary {
        mode: if link { Job::Link } else { Job::Dedupe },
        inputs: opts
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        records: store.len() as u64,
        records_per_input: Some(store.records_per_source()),
        rejects: Some(store.rejects.clone()),
        candidate_pairs,
        pairs_written: pairs.len() as u64,
        matching_pairs,
        clusters: clusters.count(),
        clusters_with_duplicates: clusters.with_duplicates(),
        largest_cluster: clusters.largest(),
        blocking: Some(rule_stats),
        threshold,
        conflict_cut_pairs: cut.len() as u64,
        flags: summarize_flags(&store, &flags),
        model_trained: Some(trained),
        ..Summary::default()
    }
    .measured(stages, started);
    let report = outputs.report(&summary, link_w);
    finish(
        &opts.out,
        files,
        &report,
        index,
        &model_json(&model, &scorer.tf_used),
        &summary,
        config,
    )?;
    Ok(summary)
}

/// The train stage: the model trained on this run's blocks, or read with
/// `--model` (then with the term frequencies it carries). The flag says
/// which.
fn model(
    opts: &RunOptions,
    store: &RecordStore,
    cmps: &[Comparison],
    blocker: &Blocker<'_>,
) -> Result<(Model, Option<TfMap>, bool)> {
    match &opts.model {
        Some(path) => {
            let (model, tf) = read_model(path, cmps)?;
            Ok((model, tf, false))
        }
        None => Ok((
            train(store, cmps, blocker, &opts.config, opts.mode),
            None,
            true,
        )),
    }
}

/// Dedupe takes one input, link two.
fn check_inputs(opts: &RunOptions) -> Result<()> {
    match (opts.mode, opts.inputs.len()) {
        (Mode::Dedupe, 1) | (Mode::Link, 2) => Ok(()),
        (Mode::Dedupe, _) => Err(Error::usage("dedupe takes exactly one input file")),
        (Mode::Link, _) => Err(Error::usage("link takes exactly two input files (A and B)")),
    }
}

/// Dedupe writes each rule's postings, in the run index's format, as soon
/// as the rule is blocked, and the index links these files: kept in
/// memory, they were the largest structure after the store (12 bytes per
/// record and rule) from blocking to the end of the run. Link writes no
/// index.
fn postings_dir(opts: &RunOptions) -> Result<Option<tempfile::TempDir>> {
    match opts.mode {
        Mode::Dedupe => Ok(Some(
            crate::output::temp_dir_in(&opts.out, ".dinhdanh-postings-")
                .map_err(|e| Error::io(&opts.out, e))?,
        )),
        Mode::Link => Ok(None),
    }
}

/// The block stage: every rule's keys and blocks (postings written to
/// `postings_dir` when there is one).
fn block<'s>(
    store: &'s RecordStore,
    config: &Config,
    link: bool,
    postings_dir: Option<&tempfile::TempDir>,
) -> Result<Blocker<'s>> {
    Blocker::with_postings(
        store,
        config.blocking_rules()?,
        config.blocking.max_block_size,
        link,
        |k, sorted| match postings_dir {
            Some(dir) => write_postings(dir.path(), k, sorted),
            None => Ok(()),
        },
    )
}

/// Rules that find nothing, or skipped oversized blocks, are said on stderr.
fn warn_about_rules(stats: &[RuleStats], store: &RecordStore, config: &Config) {
    for s in stats {
        if s.keyed_records == 0 && !store.is_empty() {
            eprintln!(
                "warning: blocking rule '{}' gave no record a key: a field it joins is missing \
                 from every record (is its column set under [columns]?), so it finds no pairs",
                s.rule
            );
        }
        if s.oversized_blocks > 0 {
            eprintln!(
                "warning: blocking rule '{}' skipped {} blocks larger than {} ({} records); \
                 raise blocking.max_block_size or make the rule more specific",
                s.rule, s.oversized_blocks, config.blocking.max_block_size, s.oversized_records
            );
        }
    }
}

/// The score stage: every candidate pair scored in one pass, which also
/// counts what each rule added (the statistics a separate counting pass used
/// to enumerate them for). Returns the pairs kept (at or above the output
/// floor, sorted by records), the candidate count, the rules and their
/// statistics.
fn score(
    mut blocker: Blocker<'_>,
    scorer: &Scorer<'_>,
    config: &Config,
) -> (Vec<ScoredPair>, u64, Vec<Rule>, Vec<RuleStats>) {
    let min_w = output_floor(config);
    let n_rules = blocker.rules.len();
    let (mut pairs, added) = blocker.fold_pairs(
        || (Vec::<ScoredPair>::new(), vec![0u64; n_rules]),
        |acc, k, a, b| {
            acc.1[k] += 1;
            acc.0.extend(scorer.keep(a, b, k, min_w));
        },
        |mut x, mut y| {
            x.0.append(&mut y.0);
            for (p, q) in x.1.iter_mut().zip(&y.1) {
                *p += q;
            }
            x
        },
    );
    let candidate_pairs = blocker.set_new_pairs(&added);
    let (rules, rule_stats) = blocker.into_rules_and_stats();
    pairs.par_sort_unstable_by_key(|p| (p.a, p.b));
    (pairs, candidate_pairs, rules, rule_stats)
}

/// What the write stage writes from.
struct Outputs<'a> {
    opts: &'a RunOptions,
    store: &'a RecordStore,
    cmps: &'a [Comparison],
    scorer: &'a Scorer<'a>,
    rules: &'a [Rule],
    pairs: &'a [ScoredPair],
    clusters: &'a Clusters,
    flags: &'a [Flag],
}

/// The index's inputs besides the run's: the record-id table, the postings
/// written while blocking, the row fingerprints and the model's hash.
type IndexParts<'a> = (StoreSlots, &'a Path, &'a [u64], u64);

impl Outputs<'_> {
    /// The Parquet outputs, written side by side (each writer is
    /// sequential), beside the run index when there is one (its files in
    /// parallel; written one after the other they peaked as high at 10 M —
    /// the write stage is not the run's peak). Errors are reported in a
    /// fixed order. Nothing is renamed into place yet.
    fn write(
        &self,
        index: Option<IndexParts<'_>>,
    ) -> Result<(Vec<AtomicFile>, Option<PendingIndex>)> {
        let (opts, store) = (self.opts, self.store);
        let parquet = || -> Result<Vec<AtomicFile>> {
            let ((p, c), f) = rayon::join(
                || {
                    rayon::join(
                        || {
                            write_pairs(
                                &opts.out,
                                store,
                                self.cmps,
                                self.scorer,
                                self.rules,
                                self.pairs,
                                opts.mode,
                            )
                        },
                        || write_clusters(&opts.out, store, self.clusters, opts.mode),
                    )
                },
                || write_flags(&opts.out, store, self.flags, opts.mode == Mode::Link),
            );
            Ok(vec![p?, c?, f?])
        };
        let index = || -> Result<Option<PendingIndex>> {
            let Some((slots, postings_dir, row_fp, model_hash)) = index else {
                return Ok(None);
            };
            Ok(Some(write_dedupe_index(
                opts,
                store,
                slots,
                postings_dir,
                row_fp,
                self.pairs,
                self.clusters,
                model_hash,
            )?))
        };
        let (files, index) = rayon::join(parquet, index);
        Ok((files?, index?))
    }

    /// `report.html`: the summary's counts and what the run's records,
    /// pairs, clusters and flags show (`link_w`: the threshold's weight).
    fn report(&self, summary: &Summary, link_w: f64) -> String {
        let (store, link) = (self.store, self.opts.mode == Mode::Link);
        let body = report_body(
            store,
            self.pairs,
            self.clusters,
            link_w,
            self.flags,
            &|a, b| self.scorer.score(a, b).1,
            link,
            self.opts.show_values,
            &|rep| {
                if link {
                    format!("{}:{}", store.source_name(rep), store.record_id(rep))
                } else {
                    store.record_id(rep).to_owned()
                }
            },
        );
        let rules = summary.blocking.iter().flatten().map(RuleRow::from);
        render(
            summary,
            body,
            link_w,
            rules.collect(),
            &self.opts.inputs,
            self.opts.as_of,
        )
    }
}

/// The run index of a dedupe run (written under a temporary name).
/// `slots` is the store's record-id table, built beside clustering.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_dedupe_index(
    opts: &RunOptions,
    store: &RecordStore,
    slots: crate::index::StoreSlots,
    postings_dir: &Path,
    row_fp: &[u64],
    pairs: &[ScoredPair],
    clusters: &crate::cluster::Clusters,
    model_hash: u64,
) -> Result<crate::index::PendingIndex> {
    use crate::index::{write_index_with, ClusterNames, IndexContents, PostingsWrite, StrTable};
    let mut number = vec![u32::MAX; store.len()];
    let mut names = StrTable::default();
    let cluster_of: Vec<u32> = clusters
        .representative
        .iter()
        .map(|&rep| {
            let n = &mut number[rep as usize];
            if *n == u32::MAX {
                *n = names.len() as u32;
                names.push(store.record_id(RecordId(rep)));
            }
            *n
        })
        .collect();
    // The postings were written while blocking (`write_postings`): the
    // index links them — the files, byte for byte, of a full write.
    write_index_with(
        &opts.out,
        &IndexContents {
            config: &opts.config,
            model_hash,
            store,
            slots: &slots,
            row_fp,
            postings: &[],
            pairs,
            cluster_of: &cluster_of,
            cluster_names: ClusterNames::Table(&names),
        },
        PostingsWrite::Prewritten { dir: postings_dir },
    )
}
