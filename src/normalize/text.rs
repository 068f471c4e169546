//! Text repair: NFC and legacy Vietnamese encodings. (stub: being written)

use serde::Serialize;

/// The encoding a name arrived in, as detected by [`repair`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Unicode,
    Vni,
    Tcvn3,
    Viqr,
    Utf8AsCp1252,
    Cp1258,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Unicode => "unicode",
            Encoding::Vni => "vni",
            Encoding::Tcvn3 => "tcvn3",
            Encoding::Viqr => "viqr",
            Encoding::Utf8AsCp1252 => "utf8_as_cp1252",
            Encoding::Cp1258 => "cp1258",
        }
    }
}

/// Repaired text: NFC Unicode, and the encoding it was found in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repaired {
    pub text: String,
    pub encoding: Encoding,
}

/// Detects a legacy encoding and converts to NFC Unicode. Genuine Unicode
/// Vietnamese is returned unchanged (apart from NFC and Đ look-alikes).
pub fn repair(input: &str) -> Repaired {
    Repaired {
        text: input.to_owned(),
        encoding: Encoding::Unicode,
    }
}

/// Accent-free form: all marks removed, Đ→D, đ→d; case kept.
pub fn strip_marks(s: &str) -> String {
    s.to_owned()
}

/// NFC Unicode → VNI-Windows bytes as read through Windows-1252.
pub fn encode_vni(s: &str) -> String {
    s.to_owned()
}

/// NFC Unicode → TCVN3 (ABC) bytes as read through Windows-1252.
pub fn encode_tcvn3(s: &str) -> String {
    s.to_owned()
}

/// NFC Unicode → VIQR (ASCII with marks after letters, dd for đ).
pub fn encode_viqr(s: &str) -> String {
    s.to_owned()
}

/// NFC Unicode → its UTF-8 bytes decoded as Windows-1252 ("Nguyá»…n").
pub fn encode_utf8_as_cp1252(s: &str) -> String {
    s.to_owned()
}

/// NFC Unicode → NFD.
pub fn to_nfd(s: &str) -> String {
    s.to_owned()
}
