//! The scorer compares records through `Packed` (one row per record); every
//! other caller reads the store's columns. Both must give the same pattern
//! for every pair: checked here on generated records (every corruption the
//! generator makes) over random pairs and every pair inside the blocks.

use dinhdanh::config::parse_rule;

use dinhdanh::block::Blocker;
use dinhdanh::config::Config;
use dinhdanh::generate::{generate, GenerateConfig};
use dinhdanh::load::input::load_store;
use dinhdanh::normalize::date::Date;
use dinhdanh::score::compare::{compare, comparisons, Packed};
use dinhdanh::store::RecordId;
use rand::{Rng, SeedableRng};

#[test]
fn packed_rows_compare_like_the_store_columns() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut g = GenerateConfig::new(20_000, dir.path().join("data"));
    g.seed = 11;
    generate(&g, &|_| {}).expect("generate");
    let config = Config::default();
    let input = dir.path().join("data").join("records.parquet");
    let store =
        load_store(&config, &[input], Date::new(2026, 1, 1).expect("a date")).expect("load");
    let cmps = comparisons(&store);
    let packed = Packed::new(&store);

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let n = store.len() as u32;
    let mut differ = 0;
    for _ in 0..50_000 {
        let (a, b) = (
            RecordId(rng.random_range(0..n)),
            RecordId(rng.random_range(0..n)),
        );
        differ += usize::from(compare(&store, &cmps, a, b) != compare(&packed, &cmps, a, b));
    }
    assert_eq!(differ, 0, "random pairs");

    let rules = config
        .blocking
        .rules
        .iter()
        .map(|r| parse_rule(r, &config).expect("default rules parse"))
        .collect();
    let blocker = Blocker::new(&store, rules, config.blocking.max_block_size, false);
    let (pairs, differ) = blocker.fold_pairs(
        || (0u64, 0u64),
        |acc, _, a, b| {
            acc.0 += 1;
            acc.1 += u64::from(compare(&store, &cmps, a, b) != compare(&packed, &cmps, a, b));
        },
        |x, y| (x.0 + y.0, x.1 + y.1),
    );
    assert!(pairs > 2_000, "the blocks hold pairs to check ({pairs})");
    assert_eq!(differ, 0, "blocked pairs");
}
