//! UTF-8 read as Windows-1252 ("Nguyá»…n"): the text written back as
//! Windows-1252 bytes and decoded as UTF-8, and the forward encoder.

use super::decode::nfc_owned;

/// Windows-1252 bytes 0x80–0x9F. The five undefined bytes (0x81, 0x8D,
/// 0x8F, 0x90, 0x9D) decode to the C1 control of the same value, as the
/// WHATWG decoder and Windows do.
pub(super) const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 || (0xA0..0x100).contains(&u) {
        return Some(u as u8);
    }
    if let Some(i) = CP1252_HIGH.iter().position(|&h| h == c) {
        return Some(0x80 + i as u8);
    }
    // A C1 control that some decoders (ISO-8859-1) produce for 0x80–0x9F.
    (0x80..0xA0).contains(&u).then_some(u as u8)
}

pub(super) fn decode_utf8_as_cp1252(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    for c in s.chars() {
        bytes.push(cp1252_byte(c)?);
    }
    if bytes.is_ascii() {
        return None;
    }
    let decoded = String::from_utf8(bytes).ok()?;
    Some(nfc_owned(decoded))
}

/// NFC Unicode → its UTF-8 bytes decoded as Windows-1252 ("Nguyá»…n").
pub fn encode_utf8_as_cp1252(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
            _ => char::from(b),
        })
        .collect()
}
