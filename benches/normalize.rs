//! Throughput of name normalization (issue target: ≥ 1.5 M clean names/s per
//! core, ≥ 0.5 M mixed-encoding names/s per core). Single-threaded, so the
//! reported elements/s is the per-core rate.
//!
//! Names are synthetic combinations from `dinhdanh::normalize::datasets`,
//! drawn with a seeded ChaCha RNG so every run measures the same input.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dinhdanh::normalize::datasets::{self, NameSex};
use dinhdanh::normalize::name::normalize_name;
use dinhdanh::normalize::text;
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use unicode_normalization::UnicodeNormalization;

const N: usize = 100_000;

/// `N` clean NFC names: family, one or two middle names of the same sex, given.
fn clean_names(rng: &mut ChaCha8Rng) -> Vec<String> {
    let family = datasets::family_names();
    let fam_w = WeightedIndex::new(family.iter().map(|f| f.share)).expect("shares are positive");
    let by_sex = |rows: &'static [datasets::WeightedName], sex: NameSex| {
        let picked: Vec<&'static str> = rows
            .iter()
            .filter(|r| r.sex == sex || r.sex == NameSex::Unisex)
            .map(|r| r.name)
            .collect();
        let w = WeightedIndex::new(
            rows.iter()
                .filter(|r| r.sex == sex || r.sex == NameSex::Unisex)
                .map(|r| r.weight),
        )
        .expect("weights are positive");
        (picked, w)
    };
    let sexes = [NameSex::Male, NameSex::Female];
    let middle: Vec<_> = sexes
        .iter()
        .map(|&s| by_sex(datasets::middle_names(), s))
        .collect();
    let given: Vec<_> = sexes
        .iter()
        .map(|&s| by_sex(datasets::given_names(), s))
        .collect();
    (0..N)
        .map(|_| {
            let s = rng.random_range(0..2);
            let mut name = family[fam_w.sample(rng)].name.to_owned();
            for _ in 0..rng.random_range(1..=2) {
                name.push(' ');
                name.push_str(middle[s].0[middle[s].1.sample(rng)]);
            }
            name.push(' ');
            name.push_str(given[s].0[given[s].1.sample(rng)]);
            name
        })
        .collect()
}

/// The same names, each in one of the damaged forms registers produce:
/// VNI, TCVN3, VIQR, UTF-8 read as Windows-1252, Windows-1258, NFD; a
/// quarter of them also upper-cased first.
fn corrupted_names(clean: &[String], rng: &mut ChaCha8Rng) -> Vec<String> {
    clean
        .iter()
        .map(|n| {
            let n = if rng.random_bool(0.25) {
                n.to_uppercase()
            } else {
                n.clone()
            };
            match rng.random_range(0..6) {
                0 => text::encode_vni(&n),
                1 => text::encode_tcvn3(&n),
                2 => text::encode_viqr(&n),
                3 => text::encode_utf8_as_cp1252(&n),
                4 => text::encode_cp1258(&n),
                _ => text::to_nfd(&n),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(0x00d1_4d4a);
    let clean = clean_names(&mut rng);
    let mixed = corrupted_names(&clean, &mut rng);

    let mut g = c.benchmark_group("normalize");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .throughput(Throughput::Elements(N as u64));

    g.bench_function("normalize_name/clean", |b| {
        b.iter(|| {
            for n in &clean {
                black_box(normalize_name(black_box(n)));
            }
        })
    });
    g.bench_function("normalize_name/mixed", |b| {
        b.iter(|| {
            for n in &mixed {
                black_box(normalize_name(black_box(n)));
            }
        })
    });
    g.bench_function("repair/clean", |b| {
        b.iter(|| {
            for n in &clean {
                black_box(text::repair(black_box(n)));
            }
        })
    });
    g.bench_function("baseline_nfc/clean", |b| {
        b.iter(|| {
            for n in &clean {
                black_box(black_box(n).nfc().collect::<String>());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
