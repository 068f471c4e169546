//! Where every record goes: how many records each person has in each
//! register, the shuffled output order, and unique ID serial numbers.
//!
//! Memory is O(people): one byte of record count per person and register,
//! a 4-byte serial rank per person, and a prefix sum every 64 people. For
//! 100 M records that is well under 1 GB.

use rayon::prelude::*;

use super::person::{self, PREFIX_KEYS};
use super::rng::{domain, hash3, unit, Permutation};
use crate::error::{Error, Result};

/// Prefix sums are kept every `STRIDE` people; a lookup scans at most that
/// many counts after a binary search.
const STRIDE: usize = 64;
/// People per chunk in the parallel serial-numbering pass; fixed so that the
/// result does not depend on the thread count.
const CHUNK: usize = 1 << 16;

/// One register's records: counts per person and the output order.
pub(crate) struct RegisterLayout {
    counts: Vec<u8>,
    checkpoints: Vec<u64>,
    pub total: u64,
    order: Permutation,
}

impl RegisterLayout {
    fn new(counts: Vec<u8>, seed: u64, register: usize) -> RegisterLayout {
        let mut checkpoints = Vec::with_capacity(counts.len() / STRIDE + 1);
        let mut acc = 0u64;
        for (i, &c) in counts.iter().enumerate() {
            if i % STRIDE == 0 {
                checkpoints.push(acc);
            }
            acc += u64::from(c);
        }
        RegisterLayout {
            counts,
            checkpoints,
            total: acc,
            order: Permutation::new(acc, seed, domain::ORDER + register as u64, 0),
        }
    }

    /// Records the person has in this register.
    pub(crate) fn count(&self, person: u64) -> u8 {
        self.counts.get(person as usize).copied().unwrap_or(0)
    }

    /// The (person, copy) written at output position `pos`.
    pub(crate) fn at(&self, pos: u64) -> (u64, u8) {
        let g = self.order.apply(pos);
        let block = self.checkpoints.partition_point(|&c| c <= g) - 1;
        let mut acc = self.checkpoints[block];
        let mut i = block * STRIDE;
        loop {
            let c = u64::from(self.counts[i]);
            if g < acc + c {
                return (i as u64, (g - acc) as u8);
            }
            acc += c;
            i += 1;
        }
    }
}

pub(crate) struct Layout {
    pub registers: Vec<RegisterLayout>,
    pub people: u64,
    /// Rank of each person within its ID-prefix group.
    pub ranks: Vec<u32>,
}

/// Which registers a person appears in, as a bit set (1 = A, 2 = B).
fn membership(seed: u64, registers: u8, overlap: f64, person: u64) -> u8 {
    if registers == 1 {
        return 1;
    }
    // With M people per register and a share `overlap` of them in both,
    // there are (2 - overlap) M people; this many of them are shared.
    let both = overlap / (2.0 - overlap);
    let u = unit(hash3(seed, domain::CLASS, person));
    if u < both {
        3
    } else if u < both + (1.0 - both) / 2.0 {
        1
    } else {
        2
    }
}

/// Records of one person in one register: one, plus 1–4 more for a share
/// `duplicate_share` of people.
fn records_of(seed: u64, duplicate_share: f64, register: usize, person: u64) -> u64 {
    let h = hash3(seed, domain::EXTRA + register as u64, person);
    if unit(h) >= duplicate_share {
        return 1;
    }
    let v = unit(mix_low(h));
    1 + match v {
        v if v < 0.60 => 1,
        v if v < 0.85 => 2,
        v if v < 0.95 => 3,
        _ => 4,
    }
}

fn mix_low(h: u64) -> u64 {
    super::rng::mix64(h ^ 0xD1B5_4A32_D192_ED03)
}

impl Layout {
    pub(crate) fn build(
        seed: u64,
        records: u64,
        registers: u8,
        overlap: f64,
        duplicate_share: f64,
    ) -> Result<Layout> {
        let r = usize::from(registers);
        let mut counts: Vec<Vec<u8>> = vec![Vec::new(); r];
        let mut sums = vec![0u64; r];
        let mut person = 0u64;
        // Walk people in order until every register holds exactly `records`;
        // the last person of a register is cut short, and people drawn into
        // an already full register get no record there.
        while sums.iter().any(|&s| s < records) {
            let member = membership(seed, registers, overlap, person);
            for (reg, (c, s)) in counts.iter_mut().zip(sums.iter_mut()).enumerate() {
                let n = if member & (1 << reg) != 0 && *s < records {
                    records_of(seed, duplicate_share, reg, person).min(records - *s)
                } else {
                    0
                };
                *s += n;
                c.push(n as u8);
            }
            person += 1;
        }
        let ranks = serial_ranks(seed, person)?;
        Ok(Layout {
            registers: counts
                .into_iter()
                .enumerate()
                .map(|(reg, c)| RegisterLayout::new(c, seed, reg))
                .collect(),
            people: person,
            ranks,
        })
    }
}

/// Each person's rank among the people sharing its (province, sex, year) ID
/// prefix, in person order: a counting pass per chunk, prefix sums across
/// chunks, then a ranking pass. O(people) time, parallel over chunks.
fn serial_ranks(seed: u64, people: u64) -> Result<Vec<u32>> {
    let n = usize::try_from(people).map_err(|_| Error::usage("too many records"))?;
    let mut keys = vec![0u16; n];
    keys.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            for (k, key) in chunk.iter_mut().enumerate() {
                *key = person::core(seed, (c * CHUNK + k) as u64).prefix_key();
            }
        });
    let histograms: Vec<Vec<u32>> = keys
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut h = vec![0u32; PREFIX_KEYS];
            for &k in chunk {
                h[usize::from(k)] += 1;
            }
            h
        })
        .collect();
    // Exclusive prefix sums: where each chunk's ranks start, per key.
    let mut running = vec![0u32; PREFIX_KEYS];
    let starts: Vec<Vec<u32>> = histograms
        .iter()
        .map(|h| {
            let start = running.clone();
            for (r, &c) in running.iter_mut().zip(h) {
                *r += c;
            }
            start
        })
        .collect();
    if running.iter().any(|&c| c > 1_000_000) {
        return Err(Error::usage(
            "too many records: more than 1 000 000 people would share one ID prefix \
             (province, sex, birth year); use fewer records",
        ));
    }
    drop(histograms);
    let mut ranks = vec![0u32; n];
    ranks
        .par_chunks_mut(CHUNK)
        .zip(keys.par_chunks(CHUNK))
        .zip(starts.par_iter())
        .for_each(|((out, ks), start)| {
            let mut next = start.clone();
            for (o, &k) in out.iter_mut().zip(ks) {
                *o = next[usize::from(k)];
                next[usize::from(k)] += 1;
            }
        });
    Ok(ranks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_register_has_exactly_n_records() {
        for n in [1u64, 2, 5, 1000, 12_345] {
            let l = Layout::build(3, n, 1, 0.0, 0.1).unwrap();
            assert_eq!(l.registers[0].total, n);
            assert!((0..l.people).all(|p| l.registers[0].count(p) >= 1));
        }
    }

    #[test]
    fn every_record_is_located_once() {
        let l = Layout::build(9, 5_000, 1, 0.0, 0.3).unwrap();
        let reg = &l.registers[0];
        let mut seen = std::collections::HashSet::new();
        for pos in 0..reg.total {
            let (p, c) = reg.at(pos);
            assert!(c < reg.count(p));
            assert!(seen.insert((p, c)));
        }
    }

    #[test]
    fn two_registers_each_have_n_records() {
        let l = Layout::build(4, 20_000, 2, 0.7, 0.1).unwrap();
        assert_eq!(l.registers[0].total, 20_000);
        assert_eq!(l.registers[1].total, 20_000);
    }

    #[test]
    fn ranks_are_unique_within_a_prefix() {
        let l = Layout::build(8, 30_000, 1, 0.0, 0.1).unwrap();
        let mut seen = std::collections::HashSet::new();
        for p in 0..l.people {
            let key = person::core(8, p).prefix_key();
            assert!(seen.insert((key, l.ranks[p as usize])), "person {p}");
        }
    }
}
