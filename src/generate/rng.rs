//! Deterministic randomness: keyed hashes, per-entity RNG streams, a keyed
//! permutation and weighted choice.
//!
//! Every random value in the generator is a pure function of the seed and the
//! entity it belongs to (a person, a record), never of the order in which
//! threads ran, so any thread count writes the same bytes.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finalizer (Steele, Lea & Flood 2014): a bijective 64-bit mixer.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A keyed hash of three words (seed, domain, item).
pub(crate) fn hash3(seed: u64, domain: u64, item: u64) -> u64 {
    mix64(mix64(mix64(seed) ^ domain) ^ item)
}

/// A uniform value in [0, 1) from the top 53 bits of a hash.
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Domains keep the streams of different kinds of entity apart.
pub(crate) mod domain {
    pub const PERSON: u64 = 1;
    pub const RECORD: u64 = 2; // + register index
    pub const KIND: u64 = 10;
    pub const CLASS: u64 = 11;
    pub const EXTRA: u64 = 12; // + register index
    pub const ORDER: u64 = 20; // + register index
    pub const SERIAL: u64 = 30;
    pub const CMND: u64 = 31;
}

/// A ChaCha8 stream for one entity. The key depends on (seed, domain) and the
/// stream number on the entity, so streams never overlap.
pub(crate) fn stream_rng(seed: u64, domain: u64, stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    let mut h = hash3(seed, domain, 0x5EED);
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&h.to_le_bytes());
        h = mix64(h);
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream);
    rng
}

const ROUNDS: usize = 6;

/// A keyed pseudo-random permutation of `[0, n)`: a balanced Feistel network
/// on the smallest even bit width that covers `n`, with cycle walking
/// (Black & Rogaway 2002). The domain is under 4n, so a lookup takes fewer
/// than four network evaluations on average; O(1) memory.
#[derive(Clone, Debug)]
pub(crate) struct Permutation {
    n: u64,
    half_bits: u32,
    keys: [u64; ROUNDS],
}

impl Permutation {
    pub(crate) fn new(n: u64, seed: u64, domain: u64, item: u64) -> Permutation {
        let bits = 64 - n.saturating_sub(1).leading_zeros();
        let half_bits = bits.div_ceil(2).max(1);
        let mut keys = [0u64; ROUNDS];
        for (r, k) in keys.iter_mut().enumerate() {
            *k = hash3(seed, domain, item.wrapping_mul(31).wrapping_add(r as u64));
        }
        Permutation { n, half_bits, keys }
    }

    fn network(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let (mut l, mut r) = (x >> self.half_bits, x & mask);
        for k in self.keys {
            let f = mix64(r ^ k) & mask;
            (l, r) = (r, l ^ f);
        }
        (l << self.half_bits) | r
    }

    /// The image of `x`; `x` must be below `n`.
    pub(crate) fn apply(&self, x: u64) -> u64 {
        debug_assert!(x < self.n);
        let mut y = self.network(x);
        while y >= self.n {
            y = self.network(y);
        }
        y
    }
}

/// Weighted choice over a fixed table by binary search on cumulative weights.
#[derive(Clone, Debug)]
pub(crate) struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub(crate) fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut acc = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                acc += w.max(0.0);
                acc
            })
            .collect();
        Weighted { cumulative }
    }

    /// The index whose cumulative interval holds `u * total`, `u` in [0, 1).
    pub(crate) fn pick(&self, u: f64) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = u * total;
        let i = self.cumulative.partition_point(|&c| c <= target);
        i.min(self.cumulative.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_is_a_bijection() {
        for n in [1u64, 2, 3, 7, 64, 1000, 4097] {
            let p = Permutation::new(n, 42, 1, 0);
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let y = p.apply(x);
                assert!(y < n);
                assert!(!seen[y as usize], "collision at n={n}");
                seen[y as usize] = true;
            }
        }
    }

    #[test]
    fn permutation_moves_most_points() {
        // A shuffle that left the order mostly intact would reveal the person.
        let n = 10_000;
        let p = Permutation::new(n, 7, 1, 0);
        let fixed = (0..n).filter(|&x| p.apply(x) == x).count();
        let adjacent = (0..n - 1)
            .filter(|&x| p.apply(x).abs_diff(p.apply(x + 1)) == 1)
            .count();
        assert!(fixed < 20, "{fixed} fixed points");
        assert!(adjacent < 20, "{adjacent} neighbours kept together");
    }

    #[test]
    fn weighted_pick_follows_weights() {
        let w = Weighted::new([1.0, 0.0, 3.0]);
        assert_eq!(w.pick(0.0), 0);
        assert_eq!(w.pick(0.24), 0);
        assert_eq!(w.pick(0.26), 2);
        assert_eq!(w.pick(0.999), 2);
    }
}
