//! Training without labels: u from random pairs, m by EM per blocking rule
//! (ARCHITECTURE.md, "Training without labels").

use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use crate::block::Blocker;
use crate::config::{Config, KeyPart, Mode, ModelSettings};
use crate::score::compare::{compare, level, Comparison, Field, Fields, Packed, Pattern};
use crate::score::model::{em, u_from_counts, Model};
use crate::store::{RecordId, RecordStore};

/// Records per side among which [`estimate_u`] draws its random pairs.
pub(crate) const U_SUBSET: usize = 1 << 16;

/// Draws random pairs (across registers in link mode) and counts their levels.
pub(crate) fn estimate_u(
    packed: &Packed<'_>,
    cmps: &[Comparison],
    mode: Mode,
    n: u64,
    seed: u64,
) -> Vec<Vec<f64>> {
    let store = packed.store();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let len = store.len() as u32;
    let (a_range, b_range) = match mode {
        Mode::Dedupe => ((0, len), (0, len)),
        Mode::Link => {
            let split = store.source.iter().position(|&s| s == 1).unwrap_or(0) as u32;
            ((0, split), (split, len))
        }
    };
    // Random pairs are drawn among a random subset of `U_SUBSET` records per
    // side: each pair is still uniform over all pairs (so u is unbiased), but
    // the subset's rows, names and addresses stay in cache. Drawn from the
    // whole store, every pair cost a dozen cache misses, and estimating u
    // was a sixth of a 1 M run's CPU time.
    let subset = |(lo, hi): (u32, u32), rng: &mut rand_chacha::ChaCha8Rng| -> Vec<u32> {
        let size = (hi - lo) as usize;
        if size <= U_SUBSET {
            return (lo..hi).collect();
        }
        let mut s: Vec<u32> = rand::seq::index::sample(rng, size, U_SUBSET)
            .into_iter()
            .map(|i| lo + i as u32)
            .collect();
        s.sort_unstable();
        s
    };
    // Each pair as one u64 (a, then b): sorting plain integers is several
    // times faster than sorting tuples, in the same order.
    let mut pairs: Vec<u64> = Vec::with_capacity(n as usize);
    if a_range.1 > a_range.0 && b_range.1 > b_range.0 && len >= 2 {
        let side_a = subset(a_range, &mut rng);
        let side_b = match mode {
            Mode::Dedupe => side_a.clone(),
            Mode::Link => subset(b_range, &mut rng),
        };
        while (pairs.len() as u64) < n {
            let a = side_a[rng.random_range(0..side_a.len())];
            let b = side_b[rng.random_range(0..side_b.len())];
            if a != b {
                pairs.push(u64::from(a) << 32 | u64::from(b));
            }
        }
    }
    // Counts do not depend on the order of the pairs; in record order, one
    // side of each comparison reads the store sequentially (random pairs are
    // otherwise all cache misses).
    pairs.par_sort_unstable();
    let counts = pairs
        .par_chunks(64 * 1024)
        .map(|chunk| {
            let mut c: Vec<Vec<u64>> = cmps.iter().map(|c| vec![0; c.levels.len()]).collect();
            for &ab in chunk {
                let (a, b) = (RecordId((ab >> 32) as u32), RecordId(ab as u32));
                let p = compare(packed, cmps, a, b);
                for (i, row) in c.iter_mut().enumerate() {
                    row[level(p, i) as usize] += 1;
                }
            }
            c
        })
        .reduce(
            || cmps.iter().map(|c| vec![0; c.levels.len()]).collect(),
            |mut x, y| {
                for (rx, ry) in x.iter_mut().zip(y) {
                    for (a, b) in rx.iter_mut().zip(ry) {
                        *a += b;
                    }
                }
                x
            },
        );
    u_from_counts(cmps, &counts)
}

/// Comparisons whose outcome a blocking part conditions on: EM on pairs
/// blocked by the part must not estimate their m (the pairs agree on them by
/// construction).
pub(crate) fn conditioned(part: KeyPart, field: Field) -> bool {
    use KeyPart as K;
    match part {
        K::CitizenId | K::IdLast6 => field == Field::CitizenId,
        K::Dob | K::BirthYear | K::YearMonth | K::MonthDay => field == Field::Dob,
        K::Given | K::PhoneticGiven => matches!(field, Field::Given | Field::FullName),
        K::Family => matches!(field, Field::Family | Field::FullName),
        K::FullName | K::PhoneticName => {
            matches!(field, Field::Given | Field::Family | Field::FullName)
        }
        K::Province => field == Field::Province,
        K::Sex => field == Field::Sex,
        K::Address => field == Field::Address,
        K::Extra(i) => field == Field::Extra(i),
    }
}

/// Unsupervised training, the Splink recipe:
/// 1. u from random pairs;
/// 2. for each blocking rule, EM on (a sample of) the pairs in its blocks with
///    the comparisons the rule conditions on held out; each comparison's m is
///    the mean over the sessions that estimated it;
/// 3. λ for *random* pairs, so that prior + Σ log2(m/u) is a proper posterior
///    with u from random pairs: a rule whose agreement is one comparison's top
///    level finds λ_s·pairs_s matches, which are the share m(top) of all
///    matches; λ = matches / all pairs.
pub(crate) fn train(
    store: &RecordStore,
    cmps: &[Comparison],
    blocker: &Blocker<'_>,
    config: &Config,
    mode: Mode,
) -> Model {
    let m = &config.model;
    let packed = Packed::new(store);
    let mut u = estimate_u(&packed, cmps, mode, m.u_sample_pairs, m.seed);
    let input = SessionInput {
        packed: &packed,
        cmps,
        blocker,
        settings: m,
        per_session: (m.em_sample_pairs / blocker.rules.len().max(1) as u64).max(1000),
    };
    let mut sessions = Sessions::new(cmps);
    for k in 0..blocker.rules.len() {
        sessions.run(&input, k, &u);
    }
    let m_est = sessions.mean_m(cmps, &u);
    let all_pairs = all_pairs(store, mode);
    let lambda = sessions.prior(cmps, &m_est, store.len() as f64, all_pairs);
    sessions.count_exact_u(&mut u, all_pairs);
    let r = crate::score::model::EmResult {
        m: m_est,
        lambda,
        iterations: sessions.iterations,
        converged: sessions.converged,
    };
    Model::new(cmps, &u, &r, m.u_sample_pairs, sessions.em_pairs)
}

/// What the EM sessions (one per blocking rule) found, summed.
struct Sessions {
    /// Per comparison and level, the sum of the sessions' m.
    sums: Vec<Vec<f64>>,
    /// Per comparison, the sessions that estimated its m.
    sessions_per_cmp: Vec<u32>,
    /// (comparison, matches found) from single-key rules.
    match_estimates: Vec<(usize, f64)>,
    /// (comparison, non-matching pairs that agree exactly) from single-key rules.
    exact_non_matches: Vec<(usize, f64)>,
    /// Pairs the sessions ran on.
    em_pairs: u64,
    iterations: u32,
    converged: bool,
}

impl Sessions {
    /// No session run yet.
    fn new(cmps: &[Comparison]) -> Sessions {
        Sessions {
            sums: cmps.iter().map(|c| vec![0.0; c.levels.len()]).collect(),
            sessions_per_cmp: vec![0u32; cmps.len()],
            match_estimates: Vec::new(),
            exact_non_matches: Vec::new(),
            em_pairs: 0,
            iterations: 0,
            converged: true,
        }
    }

    /// Runs EM on a sample of rule `k`'s pairs, the comparisons it
    /// conditions on held out, and adds what it found.
    fn run(&mut self, input: &SessionInput<'_, '_>, k: usize, u: &[Vec<f64>]) {
        let (cmps, m) = (input.cmps, input.settings);
        let rule = &input.blocker.rules[k];
        let held: Vec<bool> = cmps
            .iter()
            .map(|c| rule.parts.iter().any(|&p| conditioned(p, c.field)))
            .collect();
        if held.iter().all(|&h| h) {
            return;
        }
        let mut mask: Pattern = 0;
        for (i, &h) in held.iter().enumerate() {
            if !h {
                mask |= 0xF << (4 * i);
            }
        }
        let pairs_in_rule = input.blocker.pairs_in_rule(k);
        let patterns = input.patterns(k, mask, pairs_in_rule);
        let n: u64 = patterns.iter().map(|p| p.1).sum();
        if n == 0 {
            return;
        }
        self.em_pairs += n;
        let r = em(cmps, &patterns, u, m.em_max_iterations, m.em_tolerance);
        self.iterations += r.iterations;
        self.converged &= r.converged;
        for (i, &h) in held.iter().enumerate() {
            if !h {
                self.sessions_per_cmp[i] += 1;
                for (s, v) in self.sums[i].iter_mut().zip(&r.m[i]) {
                    *s += v;
                }
            }
        }
        // Rules that are exactly one comparison's top level estimate the number of matches.
        if let [part] = rule.parts[..] {
            let top = match part {
                KeyPart::CitizenId => cmps.iter().position(|c| c.field == Field::CitizenId),
                KeyPart::Dob => cmps.iter().position(|c| c.field == Field::Dob),
                _ => None,
            };
            if let Some(i) = top {
                self.match_estimates
                    .push((i, r.lambda * pairs_in_rule as f64));
                self.exact_non_matches
                    .push((i, (1.0 - r.lambda) * pairs_in_rule as f64));
            }
        }
    }

    /// Each comparison's m: the mean over the sessions that estimated it.
    fn mean_m(&self, cmps: &[Comparison], u: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let mut m_est: Vec<Vec<f64>> = cmps
            .iter()
            .map(|c| {
                // A comparison no session could estimate keeps a neutral m = u.
                vec![0.0; c.levels.len()]
            })
            .collect();
        for i in 0..cmps.len() {
            for l in 1..cmps[i].levels.len() {
                m_est[i][l] = if self.sessions_per_cmp[i] > 0 {
                    (self.sums[i][l] / f64::from(self.sessions_per_cmp[i])).max(1e-9)
                } else {
                    u[i][l]
                };
            }
        }
        m_est
    }

    /// λ for random pairs: the matches the single-key rules found (of `n`
    /// records) over all pairs.
    fn prior(&self, cmps: &[Comparison], m_est: &[Vec<f64>], n: f64, all_pairs: f64) -> f64 {
        let estimates: Vec<f64> = self
            .match_estimates
            .iter()
            .filter(|&&(i, _)| self.sessions_per_cmp[i] > 0)
            .map(|&(i, found)| {
                // Top agreement: exact (and, for dates, exact after repair).
                let top = m_est[i][1]
                    + if cmps[i].field == Field::Dob {
                        m_est[i][2]
                    } else {
                        0.0
                    };
                found / top.max(1e-6)
            })
            .collect();
        let matches = if estimates.is_empty() {
            // No single-key rule to calibrate with: assume each record has one
            // duplicate in ten, a conservative prior for registers.
            n / 10.0
        } else {
            estimates.iter().sum::<f64>() / estimates.len() as f64
        };
        (matches / all_pairs.max(1.0)).clamp(1e-12, 0.5)
    }

    /// Lowers u(exact) to the count the single-key rules give.
    ///
    /// Random sampling cannot see agreements rarer than 1 in `u_sample_pairs`:
    /// exact ID agreement between different people is ~1e-9, but the sample's
    /// floor is ~5e-7, which costs an exact ID match 6 bits of evidence. A
    /// single-key rule's blocks hold *every* pair that agrees exactly, and its
    /// EM session says which share of them are not matches, so u(exact) =
    /// non-matching agreeing pairs / all pairs, counted instead of sampled.
    fn count_exact_u(&self, u: &mut [Vec<f64>], all_pairs: f64) {
        for &(i, non_matches) in &self.exact_non_matches {
            let counted = non_matches.max(1.0) / all_pairs.max(1.0);
            if self.sessions_per_cmp[i] > 0 && counted < u[i][1] {
                u[i][1] = counted;
            }
        }
    }
}

/// What every EM session reads: the records, the comparisons, the blocks
/// and the model settings.
struct SessionInput<'a, 's> {
    packed: &'a Packed<'s>,
    cmps: &'a [Comparison],
    blocker: &'a Blocker<'s>,
    settings: &'a ModelSettings,
    /// Pairs sampled per session (rule).
    per_session: u64,
}

impl SessionInput<'_, '_> {
    /// The masked comparison patterns of a sample of about `per_session` of
    /// rule `k`'s `pairs_in_rule` pairs, with their counts, sorted.
    fn patterns(&self, k: usize, mask: Pattern, pairs_in_rule: u64) -> Vec<(Pattern, u64)> {
        let (packed, cmps, seed) = (self.packed, self.cmps, self.settings.seed);
        let rate = (self.per_session as f64 / pairs_in_rule.max(1) as f64).min(1.0);
        let cut = if rate >= 1.0 {
            u64::MAX
        } else {
            (rate * u64::MAX as f64) as u64
        };
        let counts = self.blocker.fold_rule_pairs(
            k,
            PatternCounts::default,
            |acc, a, b| {
                if cut == u64::MAX || sample_hash(a, b, seed) <= cut {
                    *acc.entry(compare(packed, cmps, a, b) & mask).or_default() += 1;
                }
            },
            |mut x, y| {
                for (p, n) in y {
                    *x.entry(p).or_default() += n;
                }
                x
            },
        );
        let mut patterns: Vec<(Pattern, u64)> = counts.into_iter().collect();
        patterns.sort_unstable();
        patterns
    }
}

/// All pairs of records (across the two registers in link mode).
fn all_pairs(store: &RecordStore, mode: Mode) -> f64 {
    let n = store.len() as f64;
    match mode {
        Mode::Dedupe => n * (n - 1.0) / 2.0,
        Mode::Link => {
            let a = store.source.iter().filter(|&&s| s == 0).count() as f64;
            a * (n - a)
        }
    }
}

/// Pattern counts of one EM session (a few hundred distinct patterns, millions
/// of increments: a fast fixed hash, not SipHash).
pub(crate) type PatternCounts = hashbrown::HashMap<Pattern, u64, foldhash::fast::FixedState>;

pub(crate) fn sample_hash(a: RecordId, b: RecordId, seed: u64) -> u64 {
    let mut z = (u64::from(a.0) << 32 | u64::from(b.0)) ^ seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
