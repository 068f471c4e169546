//! `blocking-report` and `explain`: what the blocking would do, and why two
//! records of a run match or not.

use std::path::{Path, PathBuf};

use crate::block::Blocker;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::load::input::load_store;
use crate::normalize::date::Date;
use crate::score::compare::{comparisons, level};
use crate::score::model::probability;
use crate::score::model_file::read_model;
use crate::score::scorer::Scorer;
use crate::store::RecordId;

/// `dinhdanh blocking-report`: what each rule would generate, before scoring.
pub fn blocking_report(config: &Config, inputs: &[PathBuf]) -> Result<String> {
    use std::fmt::Write as _;
    let store = load_store(config, inputs, Date::today())?;
    let rules = config.blocking_rules()?;
    let mut blocker = Blocker::new(
        &store,
        rules,
        config.blocking.max_block_size,
        inputs.len() == 2,
    );
    let total = blocker.count_new_pairs();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} records; max_block_size {}\n",
        store.len(),
        config.blocking.max_block_size
    );
    let _ = writeln!(
        s,
        "{:<32} {:>12} {:>10} {:>15} {:>15} {:>10}",
        "rule", "keyed recs", "blocks", "pairs in blocks", "new pairs", "oversized"
    );
    for st in &blocker.stats {
        let _ = writeln!(
            s,
            "{:<32} {:>12} {:>10} {:>15} {:>15} {:>10}",
            st.rule,
            st.keyed_records,
            st.blocks,
            st.pairs_in_blocks,
            st.new_pairs,
            st.oversized_blocks
        );
    }
    let _ = writeln!(
        s,
        "\ntotal pairs to score: {total}\n\nlargest blocks (size, a record id in it):"
    );
    for st in &blocker.stats {
        let sizes: Vec<String> = st
            .largest_blocks
            .iter()
            .map(|(n, id)| format!("{n} ({id})"))
            .collect();
        let _ = writeln!(s, "  {:<30} {}", st.rule, sizes.join(", "));
    }
    Ok(s)
}

/// `dinhdanh explain`: the levels and weights of two records of a run.
pub fn explain(run_dir: &Path, id1: &str, id2: &str) -> Result<String> {
    use std::fmt::Write as _;
    let read = |name: &str| {
        let p = run_dir.join(name);
        std::fs::read_to_string(&p).map_err(|e| {
            Error::usage(format!(
                "{}: {e}; --run must name a directory written by dedupe or link",
                p.display()
            ))
        })
    };
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")?)
        .map_err(|e| Error::usage(format!("{}: {e}", run_dir.join("summary.json").display())))?;
    let config = Config::from_toml(&read("config.toml")?)?;
    // Checked before the (slow) load so a wrong --run fails fast with advice.
    read("model.json")?;
    let inputs: Vec<PathBuf> = summary["inputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(PathBuf::from))
                .collect()
        })
        .unwrap_or_default();
    let store = load_store(&config, &inputs, Date::today())?;
    let cmps = comparisons(&store);
    let (model, carried) = read_model(&run_dir.join("model.json"), &cmps)?;
    let find = |spec: &str, default_source: usize| -> Result<RecordId> {
        let (src, id) = match spec.split_once(':') {
            Some((s, id)) if store.sources.iter().any(|n| n == s) => (
                store.sources.iter().position(|n| n == s).expect("checked"),
                id,
            ),
            _ => (default_source.min(store.sources.len() - 1), spec),
        };
        (0..store.len() as u32)
            .map(RecordId)
            .find(|&r| store.source[r.index()] as usize == src && store.record_id(r) == id)
            .ok_or_else(|| Error::usage(format!("record id {spec} is not in the run's input")))
    };
    let a = find(id1, 0)?;
    let b = find(id2, 1)?;
    let scorer = Scorer::new(
        &store,
        &cmps,
        &model,
        config.model.term_frequency,
        carried.as_ref(),
    );
    let (p, w) = scorer.score(a, b);
    let mut s = String::new();
    let _ = writeln!(s, "{id1} vs {id2}\n");
    let _ = writeln!(s, "{:<16} {:<28} {:>8}", "comparison", "level", "weight");
    let _ = writeln!(
        s,
        "{:<16} {:<28} {:>8.2}",
        "(prior)", "", model.prior_weight
    );
    let weights = scorer.weights(p, a, b);
    for (i, c) in cmps.iter().enumerate() {
        let l = level(p, i);
        let _ = writeln!(
            s,
            "{:<16} {:<28} {:>8.2}",
            c.name, c.levels[l as usize], weights[i]
        );
    }
    let _ = writeln!(
        s,
        "\nmatch weight {w:.2}, match probability {:.6} (threshold {})",
        probability(w),
        config.model.threshold
    );
    Ok(s)
}
