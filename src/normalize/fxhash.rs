//! A small non-cryptographic hasher for the normalizers' internal tables.
//!
//! The keys are short strings and character triples from our own tables or
//! from one record's name: SipHash's flood resistance buys nothing there and
//! cost a fifth of the time of legacy-encoding repair. This is the rustc
//! "Fx" multiply-rotate hash, written out so as to need no new dependency.

use std::hash::{BuildHasherDefault, Hasher};

/// The Fx hash state.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

/// Builds [`FxHasher`]s for `HashMap::with_hasher`.
pub(crate) type FxBuild = BuildHasherDefault<FxHasher>;

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn h<T: Hash>(v: T) -> u64 {
        FxBuild::default().hash_one(v)
    }

    #[test]
    fn equal_keys_hash_equal_and_close_keys_differ() {
        assert_eq!(h("nguyễn"), h(String::from("nguyễn")));
        assert_ne!(h("an"), h("anh"));
        assert_ne!(h(['a', 'b', '\0']), h(['b', 'a', '\0']));
        // Longer than one 8-byte chunk, differing only in the tail.
        assert_ne!(h("nguyễn văn a"), h("nguyễn văn b"));
    }
}
