//! The Fellegi–Sunter model, trained without labels.
//!
//! Method (Fellegi & Sunter 1969; the unsupervised recipe of Splink):
//! - u, the probability of each level among non-matching pairs, is the level's
//!   frequency among random record pairs (almost all of which are non-matches),
//!   Laplace-smoothed so no level has u = 0;
//! - m, the probability of each level among matching pairs, and λ, the share of
//!   matches among blocked pairs, come from EM on the blocked pairs' patterns,
//!   with u held fixed. EM runs on distinct patterns with their counts, in
//!   sorted order, so it is cheap (patterns ≪ pairs) and deterministic;
//! - the match weight of a pair is log2(λ/(1−λ)) + Σ log2(m/u) over its
//!   non-missing comparisons; `missing` is neutral (weight 0);
//! - term-frequency adjustment: for exact agreement on value v, u is replaced
//!   by the share of records holding v, so agreeing on "Nguyễn" is weak
//!   evidence and on a rare name strong.

use serde::{Deserialize, Serialize};

use crate::score::compare::{level, Comparison, Pattern, MISSING};

/// On-disk format version of `model.json`.
pub const MODEL_VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelParams {
    pub name: String,
    pub m: f64,
    pub u: f64,
    /// log2(m/u); 0 for `missing`.
    pub weight: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparisonParams {
    pub name: String,
    pub levels: Vec<LevelParams>,
    /// The level adjusted by term frequency, if any.
    pub tf_level: Option<u8>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub version: u32,
    pub comparisons: Vec<ComparisonParams>,
    /// Prior share of matches among blocked pairs.
    pub lambda: f64,
    pub prior_weight: f64,
    pub em_iterations: u32,
    pub em_converged: bool,
    pub u_pairs: u64,
    pub em_pairs: u64,
}

/// Level counts among random pairs: `counts[c][l]`.
pub fn u_from_counts(cmps: &[Comparison], counts: &[Vec<u64>]) -> Vec<Vec<f64>> {
    cmps.iter()
        .zip(counts)
        .map(|(c, n)| {
            let k = c.levels.len();
            let total: u64 = n[1..].iter().sum();
            let mut u = vec![0.0; k];
            for l in 1..k {
                // Laplace smoothing: one pseudo-pair per level.
                u[l] = (n[l] as f64 + 1.0) / (total as f64 + (k - 1) as f64);
            }
            u
        })
        .collect()
}

/// Counts levels over `(pattern, count)`.
pub fn level_counts(cmps: &[Comparison], patterns: &[(Pattern, u64)]) -> Vec<Vec<u64>> {
    let mut counts: Vec<Vec<u64>> = cmps.iter().map(|c| vec![0; c.levels.len()]).collect();
    for &(p, n) in patterns {
        for (i, row) in counts.iter_mut().enumerate() {
            row[level(p, i) as usize] += n;
        }
    }
    counts
}

/// Result of EM.
#[derive(Clone, Debug)]
pub struct EmResult {
    pub m: Vec<Vec<f64>>,
    pub lambda: f64,
    pub iterations: u32,
    pub converged: bool,
}

/// EM for m and λ with u fixed. `patterns` must be sorted (for determinism).
pub fn em(
    cmps: &[Comparison],
    patterns: &[(Pattern, u64)],
    u: &[Vec<f64>],
    max_iterations: u32,
    tolerance: f64,
) -> EmResult {
    const FLOOR: f64 = 1e-9;
    // Start: the strongest agreement level is likely for matches.
    let mut m: Vec<Vec<f64>> = cmps
        .iter()
        .map(|c| {
            let k = c.levels.len();
            let mut row = vec![0.0; k];
            let mut rest = 1.0;
            for (l, slot) in row.iter_mut().enumerate().skip(1) {
                let share = if l + 1 == k { rest } else { rest * 0.8 };
                *slot = share;
                rest -= share;
            }
            row
        })
        .collect();
    let mut lambda = 0.1;
    let total: f64 = patterns.iter().map(|&(_, n)| n as f64).sum();
    if total == 0.0 {
        return EmResult {
            m,
            lambda,
            iterations: 0,
            converged: false,
        };
    }
    let mut iterations = 0;
    let mut converged = false;
    while iterations < max_iterations {
        iterations += 1;
        let mut new_m: Vec<Vec<f64>> = cmps.iter().map(|c| vec![0.0; c.levels.len()]).collect();
        let mut matched = 0.0;
        for &(p, n) in patterns {
            let (mut lm, mut lu) = (lambda.ln(), (1.0 - lambda).ln());
            for i in 0..cmps.len() {
                let l = level(p, i) as usize;
                if l == MISSING as usize {
                    continue;
                }
                lm += m[i][l].max(FLOOR).ln();
                lu += u[i][l].max(FLOOR).ln();
            }
            let post = 1.0 / (1.0 + (lu - lm).exp());
            let w = post * n as f64;
            matched += w;
            for (i, row) in new_m.iter_mut().enumerate() {
                row[level(p, i) as usize] += w;
            }
        }
        let new_lambda = (matched / total).clamp(FLOOR, 1.0 - FLOOR);
        let mut delta = (new_lambda - lambda).abs();
        for (row, old) in new_m.iter_mut().zip(&m) {
            let present: f64 = row[1..].iter().sum();
            row[0] = 0.0;
            for l in 1..row.len() {
                row[l] = if present > 0.0 {
                    (row[l] / present).max(FLOOR)
                } else {
                    old[l]
                };
                delta = delta.max((row[l] - old[l]).abs());
            }
        }
        m = new_m;
        lambda = new_lambda;
        if delta < tolerance {
            converged = true;
            break;
        }
    }
    EmResult {
        m,
        lambda,
        iterations,
        converged,
    }
}

impl Model {
    /// Assembles the model from u, EM's result and the sample sizes.
    pub fn new(
        cmps: &[Comparison],
        u: &[Vec<f64>],
        em: &EmResult,
        u_pairs: u64,
        em_pairs: u64,
    ) -> Model {
        let comparisons = cmps
            .iter()
            .enumerate()
            .map(|(i, c)| ComparisonParams {
                name: c.name.clone(),
                tf_level: c.tf_level,
                levels: c
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(l, name)| {
                        let (m, u) = (em.m[i][l], u[i][l]);
                        LevelParams {
                            name: (*name).to_owned(),
                            m,
                            u,
                            weight: if l == 0 { 0.0 } else { (m / u).log2() },
                        }
                    })
                    .collect(),
            })
            .collect();
        Model {
            version: MODEL_VERSION,
            comparisons,
            lambda: em.lambda,
            prior_weight: (em.lambda / (1.0 - em.lambda)).log2(),
            em_iterations: em.iterations,
            em_converged: em.converged,
            u_pairs,
            em_pairs,
        }
    }

    /// Checks that a saved model fits the comparisons of this run.
    pub fn check_fits(&self, cmps: &[Comparison]) -> Result<(), String> {
        if self.version != MODEL_VERSION {
            return Err(format!(
                "model format version {} is not supported (this build reads version {MODEL_VERSION})",
                self.version
            ));
        }
        let theirs: Vec<&str> = self.comparisons.iter().map(|c| c.name.as_str()).collect();
        let ours: Vec<&str> = cmps.iter().map(|c| c.name.as_str()).collect();
        if theirs != ours {
            return Err(format!(
                "model compares {theirs:?} but this run's columns give {ours:?}"
            ));
        }
        for (c, p) in cmps.iter().zip(&self.comparisons) {
            let names: Vec<&str> = p.levels.iter().map(|l| l.name.as_str()).collect();
            if names != c.levels {
                return Err(format!(
                    "model levels of '{}' differ from this build's",
                    c.name
                ));
            }
        }
        Ok(())
    }

    /// A flat weight table: `table[c * 16 + level]`.
    pub fn weight_table(&self) -> Vec<f64> {
        let mut t = vec![0.0; self.comparisons.len() * 16];
        for (i, c) in self.comparisons.iter().enumerate() {
            for (l, p) in c.levels.iter().enumerate() {
                t[i * 16 + l] = p.weight;
            }
        }
        t
    }
}

/// Probability from a match weight (log2 Bayes factor including the prior).
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::compare::Field;
    use rand::{Rng, SeedableRng};

    fn cmp(name: &str, k: usize) -> Comparison {
        const NAMES: [&str; 4] = ["missing", "exact", "close", "different"];
        Comparison {
            name: name.into(),
            field: Field::Sex,
            levels: NAMES[..k].to_vec(),
            tf_level: None,
        }
    }

    /// Simulates pairs from a known model and checks that EM recovers m and λ.
    #[test]
    fn em_recovers_known_parameters() {
        let cmps = vec![cmp("a", 4), cmp("b", 4), cmp("c", 3), cmp("d", 4)];
        let m_true = [
            vec![0.0, 0.85, 0.10, 0.05],
            vec![0.0, 0.70, 0.20, 0.10],
            vec![0.0, 0.90, 0.10],
            vec![0.0, 0.80, 0.15, 0.05],
        ];
        let u_true = [
            vec![0.0, 0.02, 0.08, 0.90],
            vec![0.0, 0.05, 0.15, 0.80],
            vec![0.0, 0.30, 0.70],
            vec![0.0, 0.01, 0.09, 0.90],
        ];
        let lambda_true = 0.3;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let draw = |row: &[f64], rng: &mut rand_chacha::ChaCha8Rng| -> u64 {
            let x: f64 = rng.random();
            let mut acc = 0.0;
            for (l, &p) in row.iter().enumerate().skip(1) {
                acc += p;
                if x < acc {
                    return l as u64;
                }
            }
            (row.len() - 1) as u64
        };
        let mut counts = std::collections::BTreeMap::<Pattern, u64>::new();
        for _ in 0..400_000 {
            let is_match = rng.random::<f64>() < lambda_true;
            let mut p: Pattern = 0;
            for i in 0..cmps.len() {
                let row = if is_match { &m_true[i] } else { &u_true[i] };
                p |= draw(row, &mut rng) << (4 * i);
            }
            *counts.entry(p).or_default() += 1;
        }
        let patterns: Vec<(Pattern, u64)> = counts.into_iter().collect();
        let u: Vec<Vec<f64>> = u_true.to_vec();
        let r = em(&cmps, &patterns, &u, 500, 1e-9);
        assert!((r.lambda - lambda_true).abs() < 0.01, "lambda {}", r.lambda);
        for (i, row) in m_true.iter().enumerate() {
            for (l, want) in row.iter().enumerate().skip(1) {
                let got = r.m[i][l];
                assert!((got - want).abs() < 0.02, "m[{i}][{l}] = {got} want {want}");
            }
        }
    }

    #[test]
    fn u_is_smoothed_frequency() {
        let cmps = vec![cmp("a", 4)];
        // 97 different, 2 close, 0 exact, 1 missing (ignored).
        let counts = vec![vec![1, 0, 2, 97]];
        let u = u_from_counts(&cmps, &counts);
        assert!((u[0][1] - 1.0 / 102.0).abs() < 1e-12);
        assert!((u[0][2] - 3.0 / 102.0).abs() < 1e-12);
        assert!((u[0][3] - 98.0 / 102.0).abs() < 1e-12);
    }

    #[test]
    fn probability_of_weight() {
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
        assert!((probability(3.0) - 8.0 / 9.0).abs() < 1e-12);
    }
}
