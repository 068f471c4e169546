//! Fixed, documented 64-bit hashes whose values are persisted: the run
//! index's row fingerprints and slot tables, the model's term-frequency
//! keys and model hash. They must give the same value on every version and
//! platform (ARCHITECTURE.md, "Run index"), so they are defined here and not
//! taken from a library.

use crate::store::RawRow;

/// A fixed, documented 64-bit hash (FNV-1a, then the splitmix64 finalizer to
/// spread the low bits the slot tables use). Stable across versions and
/// platforms: fingerprints and term-frequency keys are persisted.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = Fnv::new();
    h.bytes(bytes);
    h.finish()
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, b: &[u8]) {
        for &x in b {
            self.0 ^= u64::from(x);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Fingerprint of a row's raw values in every configured column (record id,
/// roles in a fixed order, extras in config order). Each value is hashed with
/// its length (or a null marker), so moving text between columns or a null
/// becoming "" changes the fingerprint.
///
/// Format v2 (ARCHITECTURE.md, `row_fp.u64`): the values are fed as 64-bit
/// little-endian words (a value's length, then its bytes 8 at a time, the
/// last word zero-padded; a null is the single word u64::MAX) through
/// `h = (h ^ w) * K; h ^= h >> 29`, then the splitmix64 finalizer. v1 hashed
/// byte by byte (FNV-1a), which was the largest cost of reading a snapshot in
/// `update`. Each step is a bijection of h for a fixed word, so two rows that
/// differ in a single word never collide.
pub fn row_fingerprint(row: &RawRow<'_>, extras: &[Option<&str>]) -> u64 {
    let mut h = RowHash(ROW_SEED);
    let roles = [
        Some(row.record_id),
        row.full_name,
        row.family_name,
        row.middle_name,
        row.given_name,
        row.date_of_birth,
        row.sex,
        row.citizen_id,
        row.province,
        row.address,
    ];
    for v in roles.iter().chain(extras) {
        match v {
            None => h.word(u64::MAX),
            Some(s) => {
                h.word(s.len() as u64);
                h.bytes(s.as_bytes());
            }
        }
    }
    h.finish()
}

/// [`row_fingerprint`] in steps, for hashing a batch column by column (one
/// independent chain per row instead of one row's chain at a time):
/// start every row at [`RowHasher::START`], feed each value in
/// [`row_fingerprint`]'s order with [`RowHasher::value`], then
/// [`RowHasher::finish`].
pub struct RowHasher;

impl RowHasher {
    pub const START: u64 = ROW_SEED;

    /// The state after one value (None: a null or an unconfigured column).
    #[inline]
    pub fn value(h: u64, v: Option<&str>) -> u64 {
        let mut h = RowHash(h);
        match v {
            None => h.word(u64::MAX),
            Some(s) => {
                h.word(s.len() as u64);
                h.bytes(s.as_bytes());
            }
        }
        h.0
    }

    pub fn finish(h: u64) -> u64 {
        RowHash(h).finish()
    }
}

const ROW_SEED: u64 = 0xcbf2_9ce4_8422_2325;
const ROW_MUL: u64 = 0x9e37_79b9_7f4a_7c15;

struct RowHash(u64);

impl RowHash {
    #[inline]
    fn word(&mut self, w: u64) {
        self.0 = (self.0 ^ w).wrapping_mul(ROW_MUL);
        self.0 ^= self.0 >> 29;
    }
    #[inline]
    fn bytes(&mut self, b: &[u8]) {
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            self.word(u64::from_le_bytes(
                c.try_into().expect("chunks_exact yields 8 bytes"),
            ));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(w));
        }
    }
    fn finish(&self) -> u64 {
        Fnv(self.0).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_published_vectors_before_the_finalizer() {
        // FNV-1a 64 of "" and "a" (published test vectors).
        let mut h = Fnv::new();
        assert_eq!(h.0, 0xcbf2_9ce4_8422_2325);
        h.bytes(b"a");
        assert_eq!(h.0, 0xaf63_dc4c_8601_ec8c);
    }
    #[test]
    fn fingerprint_separates_null_empty_and_shifted_values() {
        let base = RawRow {
            record_id: "R1",
            full_name: Some("Lê Văn An"),
            ..RawRow::default()
        };
        let empty = RawRow {
            full_name: Some(""),
            ..base
        };
        let null = RawRow {
            full_name: None,
            ..base
        };
        let moved = RawRow {
            full_name: None,
            given_name: Some("Lê Văn An"),
            ..base
        };
        let fps = [
            row_fingerprint(&base, &[]),
            row_fingerprint(&empty, &[]),
            row_fingerprint(&null, &[]),
            row_fingerprint(&moved, &[]),
            row_fingerprint(&base, &[None]),
        ];
        for i in 0..fps.len() {
            for j in i + 1..fps.len() {
                assert_ne!(fps[i], fps[j], "{i} vs {j}");
            }
        }
        assert_eq!(row_fingerprint(&base, &[]), row_fingerprint(&base, &[]));
    }
    #[test]
    fn row_fingerprint_follows_the_documented_v2_construction() {
        // Expected values computed outside Rust (a Python transcription of the
        // construction in ARCHITECTURE.md, `row_fp.u64`): length word, bytes
        // 8 at a time zero-padded, null = u64::MAX, then splitmix64.
        let row = RawRow {
            record_id: "R1",
            full_name: Some("Lê Văn An"),
            ..RawRow::default()
        };
        assert_eq!(row_fingerprint(&row, &[]), 0x878c_7575_70b2_3a78);
        let empty = RawRow {
            full_name: Some(""),
            ..row
        };
        assert_eq!(row_fingerprint(&empty, &[]), 0x5397_bfae_837c_7916);
    }
    #[test]
    fn row_hasher_steps_equal_row_fingerprint() {
        // Independent of the row layout: the steps fed in the documented
        // order (record id, the nine roles, extras) give the row's value.
        let rows: [(RawRow<'_>, Vec<Option<&str>>); 3] = [
            (
                RawRow {
                    record_id: "R1",
                    full_name: Some("Nguyễn Văn An"),
                    family_name: None,
                    middle_name: None,
                    given_name: None,
                    date_of_birth: Some("01/02/1990"),
                    sex: Some("Nam"),
                    citizen_id: Some("001090000001"),
                    province: Some("Hà Nội"),
                    address: Some(""),
                },
                vec![Some("x"), None],
            ),
            (
                RawRow {
                    record_id: "a-much-longer-record-identifier",
                    full_name: None,
                    family_name: Some("Trần"),
                    middle_name: Some("Thị"),
                    given_name: Some("Bích"),
                    date_of_birth: None,
                    sex: None,
                    citizen_id: None,
                    province: None,
                    address: Some("12 Lê Lợi"),
                },
                vec![],
            ),
            (
                RawRow {
                    record_id: "12345678",
                    full_name: Some(""),
                    family_name: Some(""),
                    middle_name: Some(""),
                    given_name: Some(""),
                    date_of_birth: Some(""),
                    sex: Some(""),
                    citizen_id: Some(""),
                    province: Some(""),
                    address: Some(""),
                },
                vec![Some("")],
            ),
        ];
        for (row, extras) in &rows {
            let values = [
                Some(row.record_id),
                row.full_name,
                row.family_name,
                row.middle_name,
                row.given_name,
                row.date_of_birth,
                row.sex,
                row.citizen_id,
                row.province,
                row.address,
            ];
            let h = values
                .iter()
                .chain(extras)
                .fold(RowHasher::START, |h, &v| RowHasher::value(h, v));
            assert_eq!(RowHasher::finish(h), row_fingerprint(row, extras));
        }
    }
}
