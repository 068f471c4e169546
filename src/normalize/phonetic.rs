//! Vietnamese phonetic key. (stub: being written)

/// Phonetic key of one syllable or a whole name (syllables joined by space).
pub fn phonetic_key(s: &str) -> String {
    s.to_lowercase()
}
