//! VNI-Windows: a base letter followed by a mark byte, as read through
//! Windows-1252 ("Nguyeãn"): its tables, decoder and forward encoder.

use std::sync::OnceLock;

use super::decode::{decode_with, insert, nfc_owned, Table};
use crate::normalize::letters::{is_d_stroke, vowel_of, BASES, LOWER, TONES, UPPER};

/// VNI-Windows: base letter followed by a mark byte, as read in Windows-1252.
/// Rows follow [`LOWER`]; tones level, sắc, huyền, hỏi, ngã, nặng.
const VNI_LOWER: [[&str; TONES]; BASES] = [
    ["a", "aù", "aø", "aû", "aõ", "aï"],
    ["aê", "aé", "aè", "aú", "aü", "aë"],
    ["aâ", "aá", "aà", "aå", "aã", "aä"],
    ["e", "eù", "eø", "eû", "eõ", "eï"],
    ["eâ", "eá", "eà", "eå", "eã", "eä"],
    ["i", "í", "ì", "æ", "ó", "ò"],
    ["o", "où", "oø", "oû", "oõ", "oï"],
    ["oâ", "oá", "oà", "oå", "oã", "oä"],
    ["ô", "ôù", "ôø", "ôû", "ôõ", "ôï"],
    ["u", "uù", "uø", "uû", "uõ", "uï"],
    ["ö", "öù", "öø", "öû", "öõ", "öï"],
    ["y", "yù", "yø", "yû", "yõ", "î"],
];

const VNI_UPPER: [[&str; TONES]; BASES] = [
    ["A", "AÙ", "AØ", "AÛ", "AÕ", "AÏ"],
    ["AÊ", "AÉ", "AÈ", "AÚ", "AÜ", "AË"],
    ["AÂ", "AÁ", "AÀ", "AÅ", "AÃ", "AÄ"],
    ["E", "EÙ", "EØ", "EÛ", "EÕ", "EÏ"],
    ["EÂ", "EÁ", "EÀ", "EÅ", "EÃ", "EÄ"],
    ["I", "Í", "Ì", "Æ", "Ó", "Ò"],
    ["O", "OÙ", "OØ", "OÛ", "OÕ", "OÏ"],
    ["OÂ", "OÁ", "OÀ", "OÅ", "OÃ", "OÄ"],
    ["Ô", "ÔÙ", "ÔØ", "ÔÛ", "ÔÕ", "ÔÏ"],
    ["U", "UÙ", "UØ", "UÛ", "UÕ", "UÏ"],
    ["Ö", "ÖÙ", "ÖØ", "ÖÛ", "ÖÕ", "ÖÏ"],
    ["Y", "YÙ", "YØ", "YÛ", "YÕ", "Î"],
];

const VNI_D: (&str, &str) = ("ñ", "Ñ");

fn vni_table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = Table::new();
        for b in 0..BASES {
            for k in 0..TONES {
                let (lo, up) = (VNI_LOWER[b][k], VNI_UPPER[b][k]);
                insert(&mut t, lo, LOWER[b][k], false, 2);
                insert(&mut t, up, UPPER[b][k], false, 2);
                // Title-casing tools upper-case the letter but not the mark
                // byte after it (and the reverse happens too).
                if lo.chars().count() == 2 {
                    let mixed_up: String = up.chars().take(1).chain(lo.chars().skip(1)).collect();
                    let mixed_lo: String = lo.chars().take(1).chain(up.chars().skip(1)).collect();
                    insert(&mut t, &mixed_up, UPPER[b][k], false, 2);
                    insert(&mut t, &mixed_lo, LOWER[b][k], false, 2);
                }
            }
        }
        insert(&mut t, VNI_D.0, 'đ', false, 2);
        insert(&mut t, VNI_D.1, 'Đ', false, 2);
        t
    })
}

pub(super) fn decode_vni(s: &str) -> String {
    let out = decode_with(vni_table(), s);
    let text: String = out.iter().map(|o| o.c).collect();
    nfc_owned(text)
}

/// NFC Unicode → VNI-Windows bytes as read through Windows-1252.
pub fn encode_vni(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if let Some(v) = vowel_of(c) {
            let row = if v.upper { &VNI_UPPER } else { &VNI_LOWER };
            out.push_str(row[v.base as usize][v.tone as usize]);
        } else {
            match is_d_stroke(c) {
                Some(true) => out.push_str(VNI_D.1),
                Some(false) => out.push_str(VNI_D.0),
                None => out.push(c),
            }
        }
    }
    out
}
