//! Sorting (key, record) pairs whose keys are uniform 63-bit hashes.
//!
//! Blocking sorts every keyed record by its rule key, once per rule: at
//! 100 M records that is nine sorts of 1.6 GB each, and a comparison sort
//! over an array that size misses the cache on most of its passes. The keys
//! are hashes, so their top bits split the array into equal buckets: one
//! counting pass and one scatter pass (both parallel) put every pair in its
//! bucket, and the buckets — small enough to stay in cache — are sorted
//! independently. The result is exactly `sort_unstable`'s: pairs are
//! totally ordered, and equal keys share a bucket.

use rayon::prelude::*;

/// Below this many pairs a plain parallel sort is as fast.
const MIN_LEN: usize = 1 << 18;
/// Target pairs per bucket (1 MiB of pairs: sorted within L2/L3).
const BUCKET_LEN: usize = 1 << 16;

/// Sorts `v` ascending, as `v.par_sort_unstable()` would. Keys must be
/// below 2^63 (the rule keys are).
pub fn sort_keyed(v: Vec<(u64, u32)>) -> Vec<(u64, u32)> {
    sort_keyed_with(v, MIN_LEN, BUCKET_LEN)
}

fn sort_keyed_with(v: Vec<(u64, u32)>, min_len: usize, bucket_len: usize) -> Vec<(u64, u32)> {
    if v.len() < min_len.max(2) {
        let mut v = v;
        v.par_sort_unstable();
        return v;
    }
    let bits = (v.len() / bucket_len)
        .next_power_of_two()
        .trailing_zeros()
        .clamp(1, 16);
    let buckets = 1usize << bits;
    let shift = 63 - bits;
    let bucket = |k: u64| ((k >> shift) as usize).min(buckets - 1);
    // One input chunk per task; each task counts, then scatters, its chunk.
    let tasks = (rayon::current_num_threads() * 4).max(1);
    let chunk = v.len().div_ceil(tasks);
    let counts: Vec<Vec<usize>> = v
        .par_chunks(chunk)
        .map(|c| {
            let mut n = vec![0usize; buckets];
            for &(k, _) in c {
                n[bucket(k)] += 1;
            }
            n
        })
        .collect();
    let mut out = vec![(0u64, 0u32); v.len()];
    // Cut `out` into bucket b's part for chunk c, in bucket-major order:
    // the regions are disjoint, so each task writes its own without locks.
    let mut regions: Vec<Vec<&mut [(u64, u32)]>> = (0..counts.len())
        .map(|_| Vec::with_capacity(buckets))
        .collect();
    let mut rest: &mut [(u64, u32)] = &mut out;
    for b in 0..buckets {
        let total: usize = counts.iter().map(|n| n[b]).sum();
        let (this, tail) = std::mem::take(&mut rest).split_at_mut(total);
        rest = tail;
        // The bucket's slice cut into the chunks' parts, in chunk order (so
        // equal keys keep no particular order: the bucket sort decides).
        let mut part_rest = this;
        for (c, n) in counts.iter().enumerate() {
            let (part, tail) = std::mem::take(&mut part_rest).split_at_mut(n[b]);
            part_rest = tail;
            regions[c].push(part);
        }
    }
    v.par_chunks(chunk)
        .zip(regions.par_iter_mut())
        .for_each(|(c, parts)| {
            let mut at = vec![0usize; buckets];
            for &(k, r) in c {
                let b = bucket(k);
                parts[b][at[b]] = (k, r);
                at[b] += 1;
            }
        });
    drop(regions);
    drop(v);
    let mut bucket_slices: Vec<&mut [(u64, u32)]> = Vec::with_capacity(buckets);
    let mut rest: &mut [(u64, u32)] = &mut out;
    for b in 0..buckets {
        let total: usize = counts.iter().map(|n| n[b]).sum();
        let (this, tail) = std::mem::take(&mut rest).split_at_mut(total);
        rest = tail;
        bucket_slices.push(this);
    }
    bucket_slices.par_iter_mut().for_each(|s| s.sort_unstable());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};

    fn check(v: Vec<(u64, u32)>) {
        let mut expected = v.clone();
        expected.sort_unstable();
        assert_eq!(sort_keyed(v.clone()), expected);
        // The bucket path on a small array: every length, tiny buckets.
        assert_eq!(sort_keyed_with(v, 0, 4), expected);
    }

    #[test]
    fn large_arrays_sort_as_sort_unstable() {
        // Past MIN_LEN, with repeated keys (ties broken by record), keys
        // at both ends of the range, and a skewed share in one bucket.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let n = MIN_LEN * 3 + 12_345;
        let mut v: Vec<(u64, u32)> = (0..n)
            .map(|i| {
                let k = match i % 10 {
                    0 => rng.random_range(0..1000u64),
                    1 => (1u64 << 63) - 1 - rng.random_range(0..1000u64),
                    2 => 42,
                    _ => rng.random::<u64>() >> 1,
                };
                (k, rng.random::<u32>())
            })
            .collect();
        v.push((0, 0));
        v.push(((1 << 63) - 1, u32::MAX));
        check(v);
    }

    proptest! {
        #[test]
        fn small_arrays_sort_as_sort_unstable(v in proptest::collection::vec((0u64..(1 << 63), any::<u32>()), 0..200)) {
            check(v);
        }
    }
}
