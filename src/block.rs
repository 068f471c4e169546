//! Blocking: rules → candidate pairs, each pair emitted once.
//!
//! A rule is a conjunction of key parts (`given+birth_year`). For each rule
//! every record gets one 63-bit key (a hash of its parts' integer codes; none
//! when a part is missing); records are sorted by key and every pair inside a
//! group is a candidate. A pair found by rule k is skipped when the two
//! records also share the key of an earlier rule j < k — that rule already
//! emitted it — so the union over rules is produced without a global set of
//! pairs. Cost per rule: O(n log n) for the sort plus O(Σ |group|²) pairs.
//! Groups larger than `max_block_size` are skipped and counted.

use rayon::prelude::*;

use crate::config::{KeyPart, Rule};
use crate::intern::NONE;
use crate::store::{Cid, RecordId, RecordStore, SEX_UNKNOWN};

/// Key value meaning "no key" (a part is missing).
pub const NO_KEY: u64 = u64::MAX;

fn mix(mut z: u64) -> u64 {
    // splitmix64 finalizer: a fixed, well-spread 64-bit mix.
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The integer value of one key part for a record, or None when missing.
pub fn part_value(store: &RecordStore, part: KeyPart, r: RecordId) -> Option<u64> {
    let i = r.index();
    let name = || store.name_entry(r);
    let tok = |c: u32| (c != NONE).then_some(u64::from(c));
    match part {
        KeyPart::CitizenId => {
            let c = store.cid[i];
            c.is_valid().then(|| c.value * 4 + u64::from(c.kind))
        }
        KeyPart::IdLast6 => {
            let c = store.cid[i];
            (c.kind == Cid::PERSONAL || c.kind == Cid::CMND).then_some(c.value % 1_000_000)
        }
        KeyPart::Dob => {
            let d = store.dob[i];
            d.is_informative_day()
                .then(|| u64::from(d.year) << 16 | u64::from(d.month) << 8 | u64::from(d.day))
        }
        KeyPart::BirthYear => {
            let d = store.dob[i];
            (!d.is_missing()).then_some(u64::from(d.year))
        }
        KeyPart::YearMonth => {
            let d = store.dob[i];
            (d.month != 0).then(|| u64::from(d.year) << 8 | u64::from(d.month))
        }
        KeyPart::MonthDay => {
            let d = store.dob[i];
            d.is_informative_day()
                .then(|| u64::from(d.month) << 8 | u64::from(d.day))
        }
        KeyPart::Given => name().and_then(|n| tok(n.given_group)),
        KeyPart::Family => name().and_then(|n| tok(n.family_group)),
        KeyPart::FullName => name().and_then(|n| tok(n.key)),
        KeyPart::PhoneticName => name().and_then(|n| tok(n.phonetic)),
        KeyPart::PhoneticGiven => name().and_then(|n| tok(n.given_phonetic)),
        KeyPart::Province => {
            let u = store.unit[i];
            if u != u8::MAX {
                Some(u64::from(u))
            } else if store.province[i] != 0 {
                Some(1000 + u64::from(store.province[i]))
            } else {
                None
            }
        }
        KeyPart::Sex => (store.sex[i] != SEX_UNKNOWN).then_some(u64::from(store.sex[i])),
        KeyPart::Address => tok(store.address[i]),
        KeyPart::Extra(e) => tok(store.extras[e].codes[i]),
    }
}

/// A record's key under a rule: a mix of its parts, or NO_KEY.
pub fn rule_key(store: &RecordStore, rule: &Rule, r: RecordId) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for (k, &part) in rule.parts.iter().enumerate() {
        match part_value(store, part, r) {
            Some(v) => h = mix(h ^ mix(v.wrapping_add(k as u64 + 1))),
            None => return NO_KEY,
        }
    }
    // NO_KEY is reserved; folding the top bit keeps real keys below it.
    h >> 1
}

/// Candidate-pair generation over all rules.
pub struct Blocker<'s> {
    store: &'s RecordStore,
    pub rules: Vec<Rule>,
    /// Per rule: where each group starts in `order[k]`, then where the last
    /// one ends (groups are contiguous, so group i is `bounds[i]..bounds[i + 1]`;
    /// blocks of two records up to `max_block_size`). One u32 per group, not a
    /// (start, end) pair grown by doubling, alive through scoring (the nine
    /// default rules make 33 M groups at 30 M records, per `blocking-report`).
    groups: Vec<Vec<u32>>,
    /// Per rule: the records of its groups, group after group. Records
    /// alone under their key or in oversized blocks are left out: they pair
    /// with nothing, and at 10 M records they are half of the keyed ones
    /// (the postings on disk list them all).
    order: Vec<Vec<u32>>,
    /// `key_prints[record * rules + k]`: 16 bits of the record's key under
    /// rule k, never 0 for a key, 0 for none. A record's prints share one
    /// cache line, so checking whether an earlier rule already paired two
    /// records costs two misses, not two per earlier rule (the checks were a
    /// tenth of a 10 M run's CPU); equal prints are confirmed by computing
    /// the two keys again. The keys themselves are not kept: eight rules'
    /// keys were 64 bytes per record through training and scoring, the
    /// largest thing alive after the store, for a check that equal prints
    /// of different keys (1 in 65 535) and pairs an earlier rule found make
    /// rare.
    key_prints: Vec<u16>,
    pub stats: Vec<RuleStats>,
    /// Only pairs whose records come from different registers (link mode).
    pub cross_source_only: bool,
}

/// What one rule produces.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RuleStats {
    pub rule: String,
    /// Records with a key under this rule.
    pub keyed_records: u64,
    pub blocks: u64,
    /// Pairs inside the rule's blocks (before removing pairs of earlier rules).
    pub pairs_in_blocks: u64,
    /// Pairs this rule adds (not found by an earlier rule); filled by a pass.
    pub new_pairs: u64,
    pub oversized_blocks: u64,
    pub oversized_records: u64,
    /// The largest blocks: (size, a record id in it).
    pub largest_blocks: Vec<(u64, String)>,
}

/// 16 bits of a blocking key for [`Blocker::seen_earlier`]'s first check:
/// 0 for no key, never 0 for a key.
fn key_print(key: u64) -> u16 {
    if key == NO_KEY {
        return 0;
    }
    let h = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 48) as u16;
    h.max(1)
}

/// How many records ahead the key pass asks for a record's name entry: the
/// entries are read at random (10 M distinct names at 100 M records), a cache
/// miss per record and rule.
const PREFETCH_AHEAD: usize = 16;

/// How many of a rule's largest blocks its statistics name.
const LARGEST: usize = 5;

/// Larger blocks first, then by the record named.
fn largest_first(a: &(u64, u32), b: &(u64, u32)) -> std::cmp::Ordering {
    b.0.cmp(&a.0).then(a.1.cmp(&b.1))
}

/// Where to cut sorted (key, record) postings into pieces for parallel
/// grouping: about eight per thread, each cut moved forward to the start of
/// a key, so no block spans two pieces. Starts with 0, ends with the length.
fn piece_bounds(sorted: &[(u64, u32)]) -> Vec<usize> {
    let n = sorted.len();
    let parts = (rayon::current_num_threads() * 8).max(1);
    let mut bounds = vec![0];
    for p in 1..parts {
        let mut i = (n * p / parts).max(*bounds.last().expect("starts with 0"));
        while i > 0 && i < n && sorted[i].0 == sorted[i - 1].0 {
            i += 1;
        }
        if i < n && i > *bounds.last().expect("starts with 0") {
            bounds.push(i);
        }
    }
    if n > 0 {
        bounds.push(n);
    }
    bounds
}

/// The blocks of one piece of a rule's sorted postings.
#[derive(Default)]
struct Groups {
    /// The records of the paired blocks, block after block.
    members: Vec<u32>,
    /// Where each paired block ends in `members`.
    ends: Vec<u32>,
    blocks: u64,
    oversized_blocks: u64,
    oversized_records: u64,
    pairs_in_blocks: u64,
    /// The piece's largest blocks (size, first record), at most [`LARGEST`].
    largest: Vec<(u64, u32)>,
}

impl Groups {
    /// `sorted` holds whole blocks; `sources` is given in link mode, where
    /// only pairs across registers count.
    fn of(sorted: &[(u64, u32)], max_block_size: usize, sources: Option<&[u8]>) -> Groups {
        let mut g = Groups::default();
        let mut start = 0usize;
        while start < sorted.len() {
            let key = sorted[start].0;
            let mut end = start + 1;
            while end < sorted.len() && sorted[end].0 == key {
                end += 1;
            }
            let size = (end - start) as u64;
            if size >= 2 {
                g.blocks += 1;
                let first = sorted[start].1;
                if g.largest.len() < LARGEST
                    || largest_first(&(size, first), &g.largest[LARGEST - 1]).is_lt()
                {
                    let at = g
                        .largest
                        .partition_point(|x| largest_first(x, &(size, first)).is_lt());
                    g.largest.insert(at, (size, first));
                    g.largest.truncate(LARGEST);
                }
                if size as usize > max_block_size {
                    g.oversized_blocks += 1;
                    g.oversized_records += size;
                } else {
                    let block = &sorted[start..end];
                    g.pairs_in_blocks += match sources {
                        Some(src) => {
                            let in_a =
                                block.iter().filter(|&&(_, r)| src[r as usize] == 0).count() as u64;
                            in_a * (size - in_a)
                        }
                        None => size * (size - 1) / 2,
                    };
                    g.members.extend(block.iter().map(|&(_, r)| r));
                    g.ends.push(g.members.len() as u32);
                }
            }
            start = end;
        }
        g
    }

    /// Joins pieces in order: the records of their paired blocks, the
    /// blocks' bounds (0, then where each block ends), and the totals with
    /// the [`LARGEST`] largest blocks, largest first.
    fn join(pieces: Vec<Groups>) -> (Vec<u32>, Vec<u32>, Groups) {
        let mut members = Vec::with_capacity(pieces.iter().map(|p| p.members.len()).sum());
        let mut bounds = Vec::with_capacity(1 + pieces.iter().map(|p| p.ends.len()).sum::<usize>());
        bounds.push(0);
        let mut all = Groups::default();
        for p in pieces {
            let base = members.len() as u32;
            bounds.extend(p.ends.iter().map(|&e| base + e));
            members.extend_from_slice(&p.members);
            all.blocks += p.blocks;
            all.oversized_blocks += p.oversized_blocks;
            all.oversized_records += p.oversized_records;
            all.pairs_in_blocks += p.pairs_in_blocks;
            all.largest.extend(p.largest);
        }
        all.largest.sort_unstable_by(largest_first);
        all.largest.truncate(LARGEST);
        (members, bounds, all)
    }
}

impl<'s> Blocker<'s> {
    /// Computes every rule's keys and groups. O(n log n) per rule.
    pub fn new(
        store: &'s RecordStore,
        rules: Vec<Rule>,
        max_block_size: usize,
        cross_source_only: bool,
    ) -> Blocker<'s> {
        let keep_none = |_: usize, _: &[(u64, u32)]| Ok::<(), std::convert::Infallible>(());
        match Blocker::with_postings(store, rules, max_block_size, cross_source_only, keep_none) {
            Ok(blocker) => blocker,
            Err(never) => match never {},
        }
    }

    /// [`Blocker::new`], handing each rule's postings — its keyed records
    /// as (key, record) sorted by key, ties by record index — to
    /// `postings(k, sorted)` as soon as the rule is blocked, so a caller can
    /// write them out (the run index) instead of keeping them: only the
    /// record order stays in memory. Stops at `postings`' first error.
    pub fn with_postings<E>(
        store: &'s RecordStore,
        rules: Vec<Rule>,
        max_block_size: usize,
        cross_source_only: bool,
        mut postings: impl FnMut(usize, &[(u64, u32)]) -> Result<(), E>,
    ) -> Result<Blocker<'s>, E> {
        let n = store.len();
        let r = rules.len().max(1);
        let mut key_prints = vec![0u16; n * r];
        let mut groups = Vec::with_capacity(rules.len());
        let mut order = Vec::with_capacity(rules.len());
        let mut stats = Vec::with_capacity(rules.len());
        for (rule_no, rule) in rules.iter().enumerate() {
            // (key, record) sorted by value: ties broken by record index, so
            // groups list records in input order. Sorting the pairs themselves,
            // not indices by a key looked up per comparison, keeps the sort in
            // cache (the indirect sort was most of the block stage at 10 M).
            // The record's print is filled in on the way.
            let names = rule.parts.iter().any(|p| p.reads_name());
            let mut sorted: Vec<(u64, u32)> = key_prints
                .par_chunks_mut(r)
                .enumerate()
                .map(|(i, prints)| {
                    if names {
                        store.prefetch_name_entry(i + PREFETCH_AHEAD);
                    }
                    let key = rule_key(store, rule, RecordId(i as u32));
                    prints[rule_no] = key_print(key);
                    (key, i as u32)
                })
                .collect();
            // Records without a key (NO_KEY, the largest u64) sort last and
            // are cut off: collecting every record writes the vector in
            // place, where filtering first gathered pieces and joined them.
            sorted.par_sort_unstable();
            sorted.truncate(sorted.partition_point(|&(key, _)| key != NO_KEY));
            postings(rule_no, &sorted)?;
            let mut st = RuleStats {
                rule: rule.name.clone(),
                keyed_records: sorted.len() as u64,
                ..RuleStats::default()
            };
            // Blocks are found in pieces cut at key boundaries, in parallel,
            // then joined in order (one sequential pass per rule left a core
            // idle: the block stage at 10 M took 12.4 s that way, 10.9 s so,
            // one run each).
            let pieces: Vec<Groups> = piece_bounds(&sorted)
                .par_windows(2)
                .map(|w| {
                    Groups::of(
                        &sorted[w[0]..w[1]],
                        max_block_size,
                        cross_source_only.then_some(&store.source[..]),
                    )
                })
                .collect();
            let (members, g, all) = Groups::join(pieces);
            st.blocks = all.blocks;
            st.oversized_blocks = all.oversized_blocks;
            st.oversized_records = all.oversized_records;
            st.pairs_in_blocks = all.pairs_in_blocks;
            st.largest_blocks = all
                .largest
                .iter()
                .map(|&(s, r)| (s, store.record_id(RecordId(r)).to_owned()))
                .collect();
            drop(sorted);
            groups.push(g);
            order.push(members);
            stats.push(st);
        }
        Ok(Blocker {
            store,
            rules,
            groups,
            order,
            key_prints,
            stats,
            cross_source_only,
        })
    }

    /// The rules and their statistics, all a run needs once the pairs are
    /// scored: the blocks, record orders and key prints (~50 bytes per
    /// record) are freed before clustering and writing.
    pub fn into_rules_and_stats(self) -> (Vec<Rule>, Vec<RuleStats>) {
        (self.rules, self.stats)
    }

    /// Rule `k`'s records in blocks that are paired (two records up to
    /// `max_block_size`), sorted by (key, index).
    pub fn order(&self, k: usize) -> &[u32] {
        &self.order[k]
    }

    /// True when an earlier rule than `k` already pairs `a` and `b`.
    #[inline]
    fn seen_earlier(&self, k: usize, a: usize, b: usize) -> bool {
        let r = self.rules.len();
        let pa = &self.key_prints[a * r..a * r + k];
        let pb = &self.key_prints[b * r..b * r + k];
        pa.iter().zip(pb).enumerate().any(|(j, (&x, &y))| {
            x != 0 && x == y && {
                let rule = &self.rules[j];
                let key = |i: usize| rule_key(self.store, rule, RecordId(i as u32));
                key(a) == key(b)
            }
        })
    }

    /// Folds every candidate pair (each exactly once, a < b by index) in
    /// parallel: `fold(acc, rule, a, b)`, then `reduce`. Each rule's groups are
    /// split across threads; the result must not depend on the order in which
    /// `reduce` sees the partial results (sum counts, sort lists afterwards).
    pub fn fold_pairs<T, F, R, I>(&self, identity: I, fold: F, reduce: R) -> T
    where
        T: Send,
        I: Fn() -> T + Sync + Send,
        F: Fn(&mut T, usize, RecordId, RecordId) + Sync + Send,
        R: Fn(T, T) -> T + Sync + Send,
    {
        let src = &self.store.source;
        (0..self.rules.len())
            .into_par_iter()
            .flat_map(|k| {
                self.groups[k]
                    .par_windows(2)
                    .map(move |w| (k, (w[0], w[1])))
            })
            .fold(&identity, |mut acc, (k, (s, e))| {
                let members = &self.order[k][s as usize..e as usize];
                for (x, &a) in members.iter().enumerate() {
                    for &b in &members[x + 1..] {
                        let (a, b) = (a as usize, b as usize);
                        if self.cross_source_only && src[a] == src[b] {
                            continue;
                        }
                        if self.seen_earlier(k, a, b) {
                            continue;
                        }
                        fold(&mut acc, k, RecordId(a as u32), RecordId(b as u32));
                    }
                }
                acc
            })
            .reduce(&identity, reduce)
    }

    /// All pairs inside rule k's blocks (oversized blocks excluded).
    pub fn pairs_in_rule(&self, k: usize) -> u64 {
        self.stats[k].pairs_in_blocks
    }

    /// Folds every pair inside rule `k`'s blocks, whether or not an earlier
    /// rule found it too (training looks at one rule at a time).
    pub fn fold_rule_pairs<T, F, R, I>(&self, k: usize, identity: I, fold: F, reduce: R) -> T
    where
        T: Send,
        I: Fn() -> T + Sync + Send,
        F: Fn(&mut T, RecordId, RecordId) + Sync + Send,
        R: Fn(T, T) -> T + Sync + Send,
    {
        let src = &self.store.source;
        self.groups[k]
            .par_windows(2)
            .fold(&identity, |mut acc, w| {
                let (s, e) = (w[0], w[1]);
                let members = &self.order[k][s as usize..e as usize];
                for (x, &a) in members.iter().enumerate() {
                    for &b in &members[x + 1..] {
                        if self.cross_source_only && src[a as usize] == src[b as usize] {
                            continue;
                        }
                        fold(&mut acc, RecordId(a), RecordId(b));
                    }
                }
                acc
            })
            .reduce(&identity, reduce)
    }

    /// Counts the pairs each rule adds, filling `stats[k].new_pairs`.
    pub fn count_new_pairs(&mut self) -> u64 {
        let n = self.rules.len();
        let counts = self.fold_pairs(
            || vec![0u64; n],
            |acc, k, _, _| acc[k] += 1,
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
                a
            },
        );
        self.set_new_pairs(&counts)
    }

    /// Records the pairs each rule added (counted by a pass that enumerated
    /// them anyway, as scoring does); returns their total.
    pub fn set_new_pairs(&mut self, counts: &[u64]) -> u64 {
        for (st, c) in self.stats.iter_mut().zip(counts) {
            st.new_pairs = *c;
        }
        counts.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{parse_rule, Config};
    use crate::store::{Present, RawRow, StoreBuilder};

    /// Synthetic records: (full name, date of birth).
    fn store(rows: &[(&str, Option<&str>)]) -> RecordStore {
        let present = Present {
            name: true,
            dob: true,
            ..Present::default()
        };
        let today = crate::normalize::date::Date::new(2026, 1, 1).expect("a valid date");
        let mut b = StoreBuilder::new(&Config::default(), present, today);
        let src = b.add_source("t");
        for (i, &(name, dob)) in rows.iter().enumerate() {
            let id = format!("R{i}");
            let row = RawRow {
                record_id: &id,
                full_name: Some(name),
                date_of_birth: dob,
                ..RawRow::default()
            };
            b.push(src, &row, &[]);
        }
        b.finish()
    }

    fn rules(texts: &[&str]) -> Vec<Rule> {
        let config = Config::default();
        texts
            .iter()
            .map(|t| parse_rule(t, &config).expect("a valid rule"))
            .collect()
    }

    const ROWS: [(&str, Option<&str>); 6] = [
        ("Nguyễn Văn An", Some("1990-03-02")),
        ("Trần Văn An", Some("1990-03-02")),
        ("Nguyễn Văn An", Some("1990-03-02")),
        ("Lê Thị Bình", Some("1985-05-06")),
        ("Lê Thị Bình", None),
        ("Phạm Minh Châu", Some("1985-05-06")),
    ];

    #[test]
    fn postings_are_each_rules_keyed_records_in_key_order() {
        let store = store(&ROWS);
        let mut seen: Vec<(usize, Vec<(u64, u32)>)> = Vec::new();
        let blocker = Blocker::with_postings(&store, rules(&["dob", "given"]), 2, false, |k, p| {
            seen.push((k, p.to_vec()));
            Ok::<(), ()>(())
        })
        .expect("the sink never fails");
        assert_eq!(seen.len(), 2, "one call per rule");
        for (k, postings) in &seen {
            assert!(
                postings.windows(2).all(|w| w[0] < w[1]),
                "rule {k}: sorted by key, ties by record"
            );
            let records: Vec<u32> = postings.iter().map(|&(_, r)| r).collect();
            // What is kept for pairing: the records of blocks of two up to
            // max_block_size (2), in postings order.
            let block = |r: u32| {
                let key = postings.iter().find(|p| p.1 == r).expect("keyed").0;
                postings.iter().filter(|p| p.0 == key).count()
            };
            let paired: Vec<u32> = records.iter().copied().filter(|&r| block(r) == 2).collect();
            assert_eq!(blocker.order(*k), &paired[..], "rule {k}: the order kept");
        }
        // dob: record 4 has none; 0, 1, 2 share one date, 3 and 5 another.
        let dob = &seen[0].1;
        let mut records: Vec<u32> = dob.iter().map(|&(_, r)| r).collect();
        records.sort_unstable();
        assert_eq!(records, [0, 1, 2, 3, 5]);
        let key_of = |r: u32| dob.iter().find(|&&(_, x)| x == r).expect("keyed").0;
        assert_eq!(key_of(0), key_of(1));
        assert_eq!(key_of(0), key_of(2));
        assert_eq!(key_of(3), key_of(5));
        assert_ne!(key_of(0), key_of(3));
        // given: every record has one.
        assert_eq!(seen[1].1.len(), 6);
        // By hand, max_block_size 2: the three records of 1990-03-02 and of
        // An are an oversized block, Châu is alone under given.
        assert_eq!(blocker.order(0), [3, 5]);
        assert_eq!(blocker.order(1), [3, 4]);
    }

    #[test]
    fn each_pair_once_from_its_first_rule() {
        let store = store(&ROWS);
        let blocker = Blocker::new(&store, rules(&["dob", "dob+given", "given"]), 100, false);
        let mut pairs = blocker.fold_pairs(
            Vec::new,
            |acc: &mut Vec<(u32, u32, usize)>, k, a, b| acc.push((a.0, b.0, k)),
            |mut x, mut y| {
                x.append(&mut y);
                x
            },
        );
        pairs.sort_unstable();
        // By hand: dob pairs 0-1-2 and 3-5; dob+given pairs only what dob
        // already found; given adds 3-4 (Bình, one date missing) and
        // nothing for An (all found by dob).
        assert_eq!(
            pairs,
            [(0, 1, 0), (0, 2, 0), (1, 2, 0), (3, 4, 2), (3, 5, 0)]
        );
    }

    #[test]
    fn the_first_error_of_the_sink_stops_blocking() {
        let store = store(&ROWS);
        let mut calls = 0;
        let r = Blocker::with_postings(&store, rules(&["dob", "given"]), 100, false, |k, _| {
            calls += 1;
            if k == 0 {
                Err("disk full")
            } else {
                Ok(())
            }
        });
        assert_eq!(r.err(), Some("disk full"));
        assert_eq!(calls, 1);
    }
}

#[cfg(test)]
mod piece_tests {
    use super::*;
    use proptest::prelude::*;

    /// Blocks of sorted postings found by a plain scan: (first record, size).
    fn blocks_by_scan(sorted: &[(u64, u32)]) -> Vec<(u32, usize)> {
        let mut out = Vec::new();
        for (i, &(key, r)) in sorted.iter().enumerate() {
            if i == 0 || sorted[i - 1].0 != key {
                out.push((r, 1));
            } else {
                out.last_mut().expect("a block was started").1 += 1;
            }
        }
        out
    }

    proptest! {
        #[test]
        fn pieces_cut_only_between_keys_and_group_as_one_pass(
            mut keys in prop::collection::vec(0u64..40, 0..3000),
            max in 2usize..12,
        ) {
            keys.sort_unstable();
            let sorted: Vec<(u64, u32)> =
                keys.iter().enumerate().map(|(i, &k)| (k, i as u32)).collect();
            let bounds = piece_bounds(&sorted);
            prop_assert_eq!(bounds.first().copied(), Some(0));
            if sorted.is_empty() {
                prop_assert_eq!(bounds.len(), 1);
            } else {
                prop_assert_eq!(bounds.last().copied(), Some(sorted.len()));
            }
            for w in bounds.windows(2) {
                prop_assert!(w[0] < w[1]);
            }
            for &b in &bounds[1..bounds.len() - 1] {
                prop_assert_ne!(sorted[b].0, sorted[b - 1].0, "cut inside a block at {}", b);
            }
            // The pieces' groups, joined, are the blocks a scan finds.
            let pieces = bounds
                .windows(2)
                .map(|w| Groups::of(&sorted[w[0]..w[1]], max, None))
                .collect();
            let (members, group_bounds, all) = Groups::join(pieces);
            let (blocks, over, pairs) = (all.blocks, all.oversized_blocks, all.pairs_in_blocks);
            let scan = blocks_by_scan(&sorted);
            let multi: Vec<&(u32, usize)> = scan.iter().filter(|b| b.1 >= 2).collect();
            prop_assert_eq!(blocks, multi.len() as u64);
            prop_assert_eq!(over, multi.iter().filter(|b| b.1 > max).count() as u64);
            let kept: Vec<&&(u32, usize)> = multi.iter().filter(|b| b.1 <= max).collect();
            prop_assert_eq!(
                pairs,
                kept.iter().map(|b| (b.1 * (b.1 - 1) / 2) as u64).sum::<u64>()
            );
            let mut expect_members = Vec::new();
            let mut expect_ends = vec![0u32];
            for b in &kept {
                expect_members.extend(b.0..b.0 + b.1 as u32);
                expect_ends.push(expect_members.len() as u32);
            }
            prop_assert_eq!(members, expect_members);
            prop_assert_eq!(group_bounds, expect_ends);
            let mut want: Vec<(u64, u32)> = multi.iter().map(|b| (b.1 as u64, b.0)).collect();
            want.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            want.truncate(LARGEST);
            prop_assert_eq!(all.largest, want);
        }
    }
}
