//! String interning: each distinct string gets a dense `u32` code.
//!
//! The store keeps codes per record and strings once per distinct value, so
//! nothing downstream of loading holds a string per record.
//!
//! Interning runs once per value of every column of every row, so it is the
//! hot loop of loading: the values live end to end in one arena (no
//! allocation per distinct value, none per lookup), and the table holds only
//! codes, hashed with foldhash (SipHash and two boxed copies of every distinct
//! value were half of the load time at 1 M records).

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

/// Code for a missing value.
pub const NONE: u32 = u32::MAX;

/// A string → code dictionary, codes dense from 0 in order of first sight.
#[derive(Clone)]
pub struct Interner {
    /// Every distinct value, end to end.
    bytes: String,
    /// `ends[i]` is where value i ends in `bytes`.
    ends: Vec<usize>,
    /// (hash, code) of every value: growing the table and probing past other
    /// values never touch the arena.
    table: HashTable<(u64, u32)>,
    hasher: FixedState,
}

impl Default for Interner {
    fn default() -> Interner {
        Interner {
            bytes: String::new(),
            ends: Vec::new(),
            table: HashTable::new(),
            // A fixed seed: codes depend only on the order of first sight,
            // never on the hash, but a fixed seed keeps runs reproducible to
            // the instruction (profiles, callgrind counts).
            hasher: FixedState::with_seed(0x6469_6e68_6461_6e68),
        }
    }
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Interner")
            .field("len", &self.len())
            .finish()
    }
}

impl Interner {
    pub fn new() -> Interner {
        Interner::default()
    }

    fn start(&self, code: usize) -> usize {
        if code == 0 {
            0
        } else {
            self.ends[code - 1]
        }
    }

    /// The code of `s`, adding it when new. Never allocates per value: a new
    /// value is appended to the arena.
    pub fn intern(&mut self, s: &str) -> u32 {
        let hash = self.hasher.hash_one(s);
        let Interner {
            bytes, ends, table, ..
        } = self;
        let value = |c: u32| {
            let c = c as usize;
            let start = if c == 0 { 0 } else { ends[c - 1] };
            &bytes[start..ends[c]]
        };
        if let Some(&(_, code)) = table.find(hash, |&(h, c)| h == hash && value(c) == s) {
            return code;
        }
        let code = u32::try_from(ends.len()).expect("fewer than 2^32 distinct values");
        assert!(code != NONE, "fewer than 2^32 - 1 distinct values");
        bytes.push_str(s);
        ends.push(bytes.len());
        table.insert_unique(hash, (hash, code), |&(h, _)| h);
        code
    }

    /// The code of `s` if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(s);
        self.table
            .find(hash, |&(h, c)| h == hash && self.value(c) == s)
            .map(|&(_, c)| c)
    }

    pub fn value(&self, code: u32) -> &str {
        let c = code as usize;
        &self.bytes[self.start(c)..self.ends[c]]
    }

    /// The values in code order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|c| &self.bytes[self.start(c)..self.ends[c]])
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The values in code order, one box each (the dictionaries the store keeps).
    pub fn into_values(self) -> Vec<Box<str>> {
        self.iter().map(Box::from).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_dense_and_stable() {
        let mut i = Interner::new();
        assert_eq!(i.intern("Lan"), 0);
        assert_eq!(i.intern("Hùng"), 1);
        assert_eq!(i.intern("Lan"), 0);
        assert_eq!(i.value(1), "Hùng");
        assert_eq!(i.get("Mai"), None);
        assert_eq!(i.len(), 2);
    }
}
