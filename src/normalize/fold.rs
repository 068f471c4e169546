//! Accent folding: the accent-free, lower-case key of names.
//!
//! A leaf: the name tables ([`super::datasets`]) key their accent-free
//! lookups with [`name_key`], and the name pipeline and the phonetic key
//! fold characters with it too, so it depends on nothing in the crate.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Accent-free key of any text: lower case, combining marks removed, Đ→d
/// (and its look-alikes Ð, Ɖ), white-space runs → one space, trimmed.
/// Accepts NFC or NFD. Unlike `text::strip_marks`, it lower-cases and
/// collapses spaces in the same pass, because it runs once per name.
pub fn name_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        let Some(f) = fold_char(c) else { continue };
        if space {
            out.push(' ');
            space = false;
        }
        out.push(f);
    }
    out
}

/// One character folded to its lower-case base letter; `None` for combining
/// marks and zero-width characters, which the key drops.
pub(crate) fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    match c {
        // Đ has no canonical decomposition, so it needs its own rule.
        'đ' | 'Đ' | 'ð' | 'Ð' | 'ɖ' | 'Ɖ' => return Some('d'),
        '\u{200B}'..='\u{200D}' | '\u{FEFF}' => return None,
        _ => {}
    }
    if is_combining_mark(c) {
        return None;
    }
    let mut base = None;
    decompose_canonical(c, |d| {
        base.get_or_insert(d);
    });
    let base = base.unwrap_or(c);
    Some(base.to_lowercase().next().unwrap_or(base))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_folds_every_mark_and_d_with_stroke() {
        assert_eq!(name_key("Đặng  Ưng\u{a0}Ý"), "dang ung y");
        // NFD input: base letters with combining marks.
        assert_eq!(name_key("Nguye\u{302}\u{303}n"), "nguyen");
        assert_eq!(name_key("Ðỗ Ɖức"), "do duc");
        assert_eq!(name_key("\u{200b} a "), "a");
    }
}
