//! The `.slots.u32` files: open-addressing hash tables over the string
//! dictionaries (record ids, name tokens, addresses, address words, extra
//! values), written beside each dictionary so that `update` looks values up
//! without rebuilding a table at load time.

use crate::hash::hash_bytes;
use crate::store::RecordStore;

/// An open-addressing hash table over a string dictionary: `slots[h]` is the
/// code + 1 of the string whose probe sequence passes h, 0 when empty. The
/// table is at most half full.
#[derive(Clone, Debug, Default)]
pub struct Slots(pub Vec<u32>);

impl Slots {
    fn capacity_for(n: usize) -> usize {
        (n.max(8) * 2).next_power_of_two()
    }

    /// A table over `n` strings, `get(code)` giving each.
    pub fn build<'a>(n: usize, get: impl Fn(u32) -> &'a str) -> Slots {
        let mut t = Slots(vec![0; Slots::capacity_for(n)]);
        for code in 0..n as u32 {
            t.place(code, get(code));
        }
        t
    }

    fn place(&mut self, code: u32, s: &str) {
        let mask = self.0.len() - 1;
        let mut i = hash_bytes(s.as_bytes()) as usize & mask;
        while self.0[i] != 0 {
            i = (i + 1) & mask;
        }
        self.0[i] = code + 1;
    }

    /// A table over `strings` strings as [`Slots::build`] makes it: a power of
    /// two at least twice the strings, at most half full (so every probe
    /// sequence reaches an empty slot), codes in range.
    pub(super) fn fits(&self, strings: usize) -> bool {
        let t = &self.0;
        let used = t.iter().filter(|&&c| c != 0).count();
        t.len().is_power_of_two()
            && t.len() >= 2 * strings
            && used <= t.len() / 2
            && t.iter().all(|&c| c as usize <= strings)
    }

    /// The code of `s`, if the dictionary has it.
    pub fn find<'a>(&self, s: &str, get: impl Fn(u32) -> &'a str) -> Option<u32> {
        if self.0.is_empty() {
            return None;
        }
        let mask = self.0.len() - 1;
        let mut i = hash_bytes(s.as_bytes()) as usize & mask;
        loop {
            match self.0[i] {
                0 => return None,
                c if get(c - 1) == s => return Some(c - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// The code of `s` in `values`, appending it (and placing it here) when
    /// new; the flag says whether it was new.
    pub fn intern(&mut self, values: &mut Vec<Box<str>>, s: &str) -> (u32, bool) {
        if let Some(c) = self.find(s, |c| &values[c as usize]) {
            return (c, false);
        }
        values.push(s.into());
        let code = (values.len() - 1) as u32;
        self.insert(code, values.len(), |c| &values[c as usize]);
        (code, true)
    }

    /// Adds `code` (the dictionary now has `n` strings), growing the table when
    /// it would be more than half full.
    pub fn insert<'a>(&mut self, code: u32, n: usize, get: impl Fn(u32) -> &'a str) {
        if self.0.len() < Slots::capacity_for(n) {
            *self = Slots::build(n, get);
        } else {
            self.place(code, get(code));
        }
    }
}

/// The lookup tables of a store's dictionaries.
#[derive(Clone, Debug, Default)]
pub struct StoreSlots {
    pub record_id: Slots,
    pub tokens: Slots,
    pub addresses: Slots,
    pub address_words: Slots,
    pub extras: Vec<Slots>,
}

impl StoreSlots {
    /// Builds every table from scratch (dedupe; O(dictionary sizes)).
    pub fn build(store: &RecordStore) -> StoreSlots {
        let (tokens, rest) = rayon::join(
            || {
                Slots::build(store.names.tokens.len(), |c| {
                    &store.names.tokens[c as usize]
                })
            },
            || {
                rayon::join(
                    || Slots::build(store.addresses.len(), |c| &store.addresses[c as usize]),
                    || {
                        rayon::join(
                            || {
                                Slots::build(store.address_words.len(), |c| {
                                    &store.address_words[c as usize]
                                })
                            },
                            || {
                                store
                                    .extras
                                    .iter()
                                    .map(|e| {
                                        Slots::build(e.values.len(), |c| &e.values[c as usize])
                                    })
                                    .collect::<Vec<_>>()
                            },
                        )
                    },
                )
            },
        );
        let (addresses, (words, extras)) = rest;
        StoreSlots {
            record_id: record_id_slots(store),
            tokens,
            addresses,
            address_words: words,
            extras,
        }
    }
}

/// The record-id table of every record (a new base: `dedupe`, or a compacting `update`).
pub fn record_id_slots(store: &RecordStore) -> Slots {
    Slots::build(store.len(), |c| store.record_id(crate::store::RecordId(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_find_every_string_and_nothing_else() {
        let words: Vec<String> = (0..1000).map(|i| format!("w{i}")).collect();
        let mut t = Slots::build(10, |c| &words[c as usize]);
        for c in 10..1000u32 {
            t.insert(c, c as usize + 1, |c| &words[c as usize]);
        }
        for (c, w) in words.iter().enumerate() {
            assert_eq!(t.find(w, |c| &words[c as usize]), Some(c as u32));
        }
        assert_eq!(t.find("x", |c| &words[c as usize]), None);
        assert!(t.0.len() >= 2000);
    }
    #[test]
    fn damaged_slot_tables_do_not_fit() {
        let words = ["a", "b", "c"];
        let t = Slots::build(3, |c| words[c as usize]);
        assert!(t.fits(3));
        // Full: a lookup of a missing string would probe forever.
        assert!(!Slots(vec![1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1]).fits(3));
        // A code past the dictionary.
        let mut bad = t.clone();
        bad.0[0] = 9;
        assert!(!bad.fits(3));
        // Not a power of two.
        assert!(!Slots(vec![0; 12]).fits(3));
    }
}
