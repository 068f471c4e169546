//! `report.html`: the data it shows, gathered from a run, and the page
//! ([`html`]).

pub mod html;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use html::{self as h, ClusterRow, ConflictRow, RecordValues, ReportData, RuleRow};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::flags::{Flag, FlagKind};
use crate::normalize::date::Date;
use crate::output::AtomicFile;
use crate::score::scorer::ScoredPair;
use crate::store::{RecordId, RecordStore};
use crate::write::summary::Summary;

/// The parts of report.html read from the run's records, pairs, clusters
/// and flags (O(n) over records and pairs); [`render`] adds the run's
/// counts from its summary. `update` builds it while its
/// clusters are at hand. `link`: records are named `source:id`, as in
/// clusters.parquet; `cluster_name(rep)`: the id of the cluster whose
/// representative is record `rep`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn report_body(
    store: &RecordStore,
    pairs: &[ScoredPair],
    clusters: &crate::cluster::Clusters,
    link_w: f64,
    flags: &[Flag],
    weight: &(dyn Fn(RecordId, RecordId) -> f64 + Sync),
    link: bool,
    show_values: bool,
    cluster_name: &dyn Fn(RecordId) -> String,
) -> ReportData {
    let ids = ShownIds { store, link };
    // The records the tables name, for their values.
    let mut shown: Vec<RecordId> = Vec::new();
    let largest_clusters = largest_clusters(store, clusters, cluster_name, &ids, &mut shown);
    let conflicts = conflict_rows(&strongest_conflicts(store, flags, weight), &ids, &mut shown);
    shown.sort_by(|&a, &b| record_key(store, a).cmp(&record_key(store, b)));
    shown.dedup();
    let values = show_values.then(|| {
        shown
            .iter()
            .map(|&r| (ids.of(r), record_values(store, r)))
            .collect()
    });
    let roots = (0..store.len()).filter(|&i| clusters.representative[i] as usize == i);
    ReportData {
        weights: h::Histogram::from_weights(pairs.iter().map(|p| p.weight), link_w),
        cluster_sizes: h::size_distribution(roots.map(|i| u64::from(clusters.size[i]))),
        largest_clusters,
        conflicts,
        values,
        ..ReportData::default()
    }
}

/// A record's id as the report shows it: `source:id` in link mode.
struct ShownIds<'a> {
    store: &'a RecordStore,
    link: bool,
}

impl ShownIds<'_> {
    /// The shown id of record `r`.
    fn of(&self, r: RecordId) -> String {
        if self.link {
            format!("{}:{}", self.store.source_name(r), self.store.record_id(r))
        } else {
            self.store.record_id(r).to_owned()
        }
    }
}

/// The order records are listed in: by record id, then source.
fn record_key(store: &RecordStore, r: RecordId) -> (&str, u8) {
    (store.record_id(r), store.source[r.index()])
}

/// The rows of the largest clusters table, with their first members; the
/// members shown are appended to `shown`.
fn largest_clusters(
    store: &RecordStore,
    clusters: &crate::cluster::Clusters,
    cluster_name: &dyn Fn(RecordId) -> String,
    ids: &ShownIds<'_>,
    shown: &mut Vec<RecordId>,
) -> Vec<ClusterRow> {
    let top = top_clusters(store, clusters);
    let members = top_members(clusters, &top);
    top.iter()
        .zip(members)
        .map(|(&rep, mut m)| {
            m.sort_by(|&a, &b| record_key(store, a).cmp(&record_key(store, b)));
            m.truncate(h::MAX_MEMBERS);
            shown.extend(&m);
            ClusterRow {
                cluster_id: cluster_name(RecordId(rep as u32)),
                size: u64::from(clusters.size[rep]),
                members: m.into_iter().map(|r| ids.of(r)).collect(),
            }
        })
        .collect()
}

/// The representatives of the TOP_CLUSTERS largest clusters of more than
/// one record, largest first.
fn top_clusters(store: &RecordStore, clusters: &crate::cluster::Clusters) -> Vec<usize> {
    let mut top: Vec<usize> = (0..store.len())
        .filter(|&i| clusters.representative[i] as usize == i && clusters.size[i] > 1)
        .collect();
    // Largest first; equal sizes by cluster id, so the table is the same at any thread count.
    let largest_first = |&x: &usize, &y: &usize| {
        let (a, b) = (RecordId(x as u32), RecordId(y as u32));
        clusters.size[y].cmp(&clusters.size[x]).then_with(|| {
            (store.record_id(a), store.source[x]).cmp(&(store.record_id(b), store.source[y]))
        })
    };
    // Only the first TOP_CLUSTERS are shown: select them, then sort those
    // (sorting all clusters compared record ids of 0.84 M at 10 M records).
    if top.len() > h::TOP_CLUSTERS {
        top.select_nth_unstable_by(h::TOP_CLUSTERS - 1, largest_first);
        top.truncate(h::TOP_CLUSTERS);
    }
    top.sort_by(largest_first);
    top
}

/// The records of each cluster of `top` (representatives), in record order.
fn top_members(clusters: &crate::cluster::Clusters, top: &[usize]) -> Vec<Vec<RecordId>> {
    let slot: HashMap<u32, usize> = top
        .iter()
        .enumerate()
        .map(|(k, &i)| (i as u32, k))
        .collect();
    let mut members: Vec<Vec<RecordId>> = vec![Vec::new(); top.len()];
    // `size` is per record: records of smaller clusters skip the lookup.
    let smallest = top.last().map_or(u32::MAX, |&i| clusters.size[i]);
    for (i, rep) in clusters.representative.iter().enumerate() {
        if clusters.size[i] < smallest {
            continue;
        }
        if let Some(&k) = slot.get(rep) {
            members[k].push(RecordId(i as u32));
        }
    }
    members
}

/// The strongest conflicts: pair flags, the model's evidence strongest
/// first — a cut pair the model wanted to link (high weight), a shared
/// number the model says two people hold (low weight) — ties by ids, at
/// most MAX_CONFLICTS, each with its pair's weight.
fn strongest_conflicts<'f>(
    store: &RecordStore,
    flags: &'f [Flag],
    weight: &(dyn Fn(RecordId, RecordId) -> f64 + Sync),
) -> Vec<(f64, &'f Flag)> {
    // Each pair flag's weight scored in parallel (0.22 M pair flags at 10 M
    // records), then the strongest MAX_CONFLICTS selected and only those
    // sorted. The order is total: pair flags with equal ids differ only in
    // detail, last in the flags' own order.
    let mut conflict_flags: Vec<(f64, &Flag)> = flags
        .par_iter()
        .filter(|f| f.kind.is_pair())
        .filter_map(|f| f.other.map(|o| (weight(f.record, o), f)))
        .collect();
    let strength = |w: f64, k: FlagKind| if k == FlagKind::SharedId { -w } else { w };
    let strongest_first = |(wx, x): &(f64, &Flag), (wy, y): &(f64, &Flag)| {
        strength(*wy, y.kind)
            .total_cmp(&strength(*wx, x.kind))
            .then_with(|| x.kind.as_str().cmp(y.kind.as_str()))
            .then_with(|| {
                let key = |f: &Flag| {
                    let o = f.other.expect("pair flags have a second record");
                    (
                        store.record_id(f.record),
                        store.source[f.record.index()],
                        store.record_id(o),
                        store.source[o.index()],
                    )
                };
                key(x).cmp(&key(y))
            })
            .then_with(|| x.detail.cmp(y.detail))
    };
    if conflict_flags.len() > h::MAX_CONFLICTS {
        conflict_flags.select_nth_unstable_by(h::MAX_CONFLICTS - 1, strongest_first);
        conflict_flags.truncate(h::MAX_CONFLICTS);
    }
    conflict_flags.sort_by(strongest_first);
    conflict_flags
}

/// The rows of the conflicts table; their records are appended to `shown`.
fn conflict_rows(
    conflict_flags: &[(f64, &Flag)],
    ids: &ShownIds<'_>,
    shown: &mut Vec<RecordId>,
) -> Vec<ConflictRow> {
    conflict_flags
        .iter()
        .map(|&(w, f)| {
            let o = f.other.expect("pair flags have a second record");
            shown.push(f.record);
            shown.push(o);
            ConflictRow {
                kind: f.kind.as_str().to_owned(),
                record_ids: vec![ids.of(f.record), ids.of(o)],
                weight: Some(w),
                detail: f.detail.to_owned(),
            }
        })
        .collect()
}

/// Record `r`'s normalized name, date of birth and province, as shown.
fn record_values(store: &RecordStore, r: RecordId) -> RecordValues {
    let name = store
        .name_entry(r)
        .map_or(String::new(), |n| store.names.token(n.canonical).to_owned());
    let d = store.dob[r.index()];
    let date_of_birth = match (d.year, d.month, d.day) {
        (0, _, _) => String::new(),
        (y, 0, _) => format!("{y:04}"),
        (y, m, 0) => format!("{y:04}-{m:02}"),
        (y, m, d) => format!("{y:04}-{m:02}-{d:02}"),
    };
    let province = match store.province[r.index()] {
        0 => String::new(),
        c if c >= 1000 => {
            crate::normalize::province::unit(crate::normalize::province::UnitId(c - 1000))
                .map_or(String::new(), |u| u.name.to_owned())
        }
        c => crate::normalize::province::by_code(c).map_or(String::new(), |p| p.name.to_owned()),
    };
    RecordValues {
        name,
        date_of_birth,
        province,
    }
}

/// `report.html` of a run: its counts from the [`Summary`] every job fills,
/// the parts read from its records, pairs, clusters and flags from
/// [`report_body`], and one row per blocking rule.
pub(crate) fn render(
    summary: &Summary,
    body: ReportData,
    threshold_weight: f64,
    rules: Vec<RuleRow>,
    inputs: &[PathBuf],
    as_of: Date,
) -> String {
    let changes = match (
        summary.added,
        summary.changed,
        summary.deleted,
        summary.unchanged,
    ) {
        (Some(a), Some(c), Some(d), Some(u)) => [
            ("added", a),
            ("changed", c),
            ("deleted", d),
            ("unchanged", u),
        ]
        .map(|(w, n)| (w.to_owned(), n))
        .to_vec(),
        _ => Vec::new(),
    };
    let flags = &summary.flags;
    html::render(&ReportData {
        mode: summary.mode.name().to_owned(),
        changes,
        inputs: inputs
            .iter()
            .map(|p| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                )
            })
            .collect(),
        records_per_input: summary
            .records_per_input
            .clone()
            .unwrap_or_else(|| vec![summary.records]),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        as_of: format!("{:04}-{:02}-{:02}", as_of.year, as_of.month, as_of.day),
        records: summary.records,
        candidate_pairs: summary.candidate_pairs,
        pairs_written: summary.pairs_written,
        matching_pairs: summary.matching_pairs,
        clusters: summary.clusters,
        clusters_with_duplicates: summary.clusters_with_duplicates,
        largest_cluster: summary.largest_cluster,
        threshold: summary.threshold,
        threshold_weight,
        rules,
        stage_seconds: summary.stage_seconds.clone(),
        total_seconds: summary.total_seconds,
        peak_rss_bytes: summary.peak_rss_bytes,
        threads: summary.threads,
        flags_by_kind: flags.by_kind.iter().map(|(k, &n)| (k.clone(), n)).collect(),
        flags_by_province: flags
            .by_province
            .iter()
            .map(|p| {
                let name = if p.code == 0 {
                    "unknown or missing".to_owned()
                } else {
                    p.name.clone()
                };
                (
                    name,
                    p.by_kind.iter().map(|(k, &n)| (k.clone(), n)).collect(),
                )
            })
            .collect(),
        ..body
    })
}

pub(crate) fn write_report(out: &Path, html: &str) -> Result<AtomicFile> {
    use std::io::Write as _;
    let dest = out.join("report.html");
    let f = AtomicFile::create(&dest)?;
    let mut w = f.writer()?;
    w.write_all(html.as_bytes())
        .map_err(|e| Error::io(&dest, e))?;
    w.flush().map_err(|e| Error::io(&dest, e))?;
    drop(w);
    Ok(f)
}
