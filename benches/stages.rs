//! Per-stage throughput on 100 000 generated records (seed 7): blocking,
//! comparison/scoring of candidate pairs, clustering — each beside a plain
//! baseline, so a change says what it bought.
//!
//! - `block/default_rules`: keys + sorted groups for the six default rules
//!   (`Blocker::new`), elements = records.
//! - `compare/pattern` (the engine's comparator: every field, integer codes
//!   only) vs `compare/strsim_jaro_winkler_name` (what a string-based engine
//!   does per pair for the name alone: `strsim::jaro_winkler` on the two
//!   canonical names), elements = candidate pairs.
//! - `cluster/conflict_aware` vs `cluster/plain_components` over the
//!   candidate pairs a crude score links (same ID number, or same full date
//!   of birth and name), elements = linked pairs.
//!
//! The data set is generated once into a temporary directory; it takes a
//! few seconds before the first measurement.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dinhdanh::block::Blocker;
use dinhdanh::cluster::{conflict_aware_components, connected_components, WeightedPair};
use dinhdanh::config::Config;
use dinhdanh::generate::{generate, GenerateConfig};
use dinhdanh::load::input::load_store;
use dinhdanh::normalize::date::Date;
use dinhdanh::score::compare::{compare, comparisons, Packed};
use dinhdanh::store::{Cid, RecordId, RecordStore};

const RECORDS: u64 = 100_000;

fn store() -> (tempfile::TempDir, RecordStore, Config) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cfg = GenerateConfig::new(RECORDS, dir.path());
    cfg.seed = 7;
    generate(&cfg, &|_| {}).expect("generate");
    let config = Config::default();
    let store = load_store(
        &config,
        &[dir.path().join("records.parquet")],
        Date::new(2026, 11, 28).expect("valid date"),
    )
    .expect("load");
    (dir, store, config)
}

fn bench(c: &mut Criterion) {
    let (_dir, store, config) = store();
    let rules = || config.blocking_rules().expect("default rules parse");
    let max = config.blocking.max_block_size;

    let mut g = c.benchmark_group("stages");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(10));

    g.throughput(Throughput::Elements(store.len() as u64));
    g.bench_function("block/default_rules", |b| {
        b.iter(|| black_box(Blocker::new(&store, rules(), max, false)))
    });

    // Candidate pairs, collected once (at most 1 M, in blocking order).
    let mut blocker = Blocker::new(&store, rules(), max, false);
    blocker.count_new_pairs();
    let mut pairs: Vec<(RecordId, RecordId)> = blocker.fold_pairs(
        Vec::new,
        |acc, _, a, b| acc.push((a, b)),
        |mut x, mut y| {
            x.append(&mut y);
            x
        },
    );
    pairs.sort_unstable();
    pairs.truncate(1_000_000);
    let cmps = comparisons(&store);
    let canonical = |r: RecordId| {
        store
            .name_entry(r)
            .map_or("", |n| store.names.token(n.canonical))
    };
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("compare/pattern_columns", |b| {
        b.iter(|| {
            let mut x = 0u64;
            for &(a, bb) in &pairs {
                x ^= compare(&store, &cmps, a, bb);
            }
            black_box(x)
        })
    });
    // What the scorer uses: the compared fields packed one row per record.
    let packed = Packed::new(&store);
    g.bench_function("compare/pattern_packed", |b| {
        b.iter(|| {
            let mut x = 0u64;
            for &(a, bb) in &pairs {
                x ^= compare(&packed, &cmps, a, bb);
            }
            black_box(x)
        })
    });
    g.bench_function("compare/strsim_jaro_winkler_name", |b| {
        b.iter(|| {
            let mut x = 0.0;
            for &(a, bb) in &pairs {
                x += strsim::jaro_winkler(canonical(a), canonical(bb));
            }
            black_box(x)
        })
    });

    // Matching pairs of a crude rule (same ID or same full date of birth and
    // name), weighted by how much agrees, so the clustering has real chains.
    let weighted: Vec<WeightedPair> = pairs
        .iter()
        .filter_map(|&(a, b)| {
            let same_id =
                store.cid[a.index()].is_valid() && store.cid[a.index()] == store.cid[b.index()];
            let same_dob = store.dob[a.index()].is_informative_day()
                && store.dob[a.index()] == store.dob[b.index()];
            let same_name = store.name[a.index()] == store.name[b.index()];
            let w = f64::from(u8::from(same_id)) * 20.0
                + f64::from(u8::from(same_dob)) * 10.0
                + f64::from(u8::from(same_name)) * 8.0;
            (w >= 18.0).then_some(WeightedPair { a, b, weight: w })
        })
        .collect();
    let less = |x: u32, y: u32| store.record_id(RecordId(x)) < store.record_id(RecordId(y));
    let personal = |i: u32| {
        let c = store.cid[i as usize];
        (c.kind == Cid::PERSONAL).then_some(c.value)
    };
    g.throughput(Throughput::Elements(weighted.len().max(1) as u64));
    g.bench_function("cluster/conflict_aware", |b| {
        b.iter(|| {
            black_box(conflict_aware_components(
                store.len(),
                weighted.clone(),
                personal,
                less,
            ))
        })
    });
    g.bench_function("cluster/plain_components", |b| {
        b.iter(|| {
            black_box(connected_components(
                store.len(),
                weighted.iter().map(|p| (p.a, p.b)),
                less,
            ))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
