//! String interning: each distinct string gets a dense `u32` code.
//!
//! The store keeps codes per record and strings once per distinct value, so
//! nothing downstream of loading holds a string per record.

use std::collections::HashMap;

/// Code for a missing value.
pub const NONE: u32 = u32::MAX;

/// A string → code dictionary, codes dense from 0 in order of first sight.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    map: HashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
}

impl Interner {
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The code of `s`, adding it when new. Allocates only for new values.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&code) = self.map.get(s) {
            return code;
        }
        let code = u32::try_from(self.values.len()).expect("fewer than 2^32 distinct values");
        assert!(code != NONE, "fewer than 2^32 - 1 distinct values");
        self.values.push(s.into());
        self.map.insert(s.into(), code);
        code
    }

    /// The code of `s` if it was interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }

    pub fn value(&self, code: u32) -> &str {
        &self.values[code as usize]
    }

    pub fn values(&self) -> &[Box<str>] {
        &self.values
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Drops the lookup map, keeping the values (after loading).
    pub fn into_values(self) -> Vec<Box<str>> {
        self.values
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
