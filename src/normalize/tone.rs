//! Tone-mark placement. (stub: being written)

use std::borrow::Cow;

/// Moves tone marks to the old style (hòa, khỏe, thủy, lũy), any case.
/// Input must be NFC.
pub fn to_old_style(s: &str) -> Cow<'_, str> {
    Cow::Borrowed(s)
}

/// Moves tone marks to the new style (hoà, khoẻ, thuỷ, luỹ), any case.
pub fn to_new_style(s: &str) -> Cow<'_, str> {
    Cow::Borrowed(s)
}
