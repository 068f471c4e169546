//! Full names. (stub: being written)

use serde::Serialize;

use super::text::Encoding;

/// A normalized full name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NormalizedName {
    pub input: String,
    /// NFC, old tone style, title case, single spaces, family name first.
    pub canonical: String,
    /// Lower case, no marks, Đ→d, single spaces, family name first.
    pub key: String,
    pub family: String,
    /// Empty when absent.
    pub middle: String,
    pub given: String,
    /// Phonetic key of the canonical name, syllables joined by spaces.
    pub phonetic: String,
    pub encoding: Encoding,
    /// The input had the given name first ("An Nguyễn Văn").
    pub given_first: bool,
}

/// Normalizes a full name.
pub fn normalize_name(input: &str) -> NormalizedName {
    NormalizedName {
        input: input.to_owned(),
        canonical: input.to_owned(),
        key: input.to_lowercase(),
        family: String::new(),
        middle: String::new(),
        given: input.to_owned(),
        phonetic: input.to_lowercase(),
        encoding: Encoding::Unicode,
        given_first: false,
    }
}
