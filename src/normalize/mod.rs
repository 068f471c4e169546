//! Normalization of Vietnamese identity fields.
//!
//! Every comparison and blocking key downstream is computed from these
//! functions, once per distinct input value.
//!
//! - [`text`]: NFC, legacy-encoding detection and repair (VNI, TCVN3, VIQR,
//!   UTF-8 read as Windows-1252, Windows-1258), Đ look-alikes, accent folding;
//!   and the forward encoders the generator uses to corrupt names.
//! - [`tone`]: tone-mark placement, old style (hòa) ↔ new style (hoà).
//! - [`name`]: full name → family / middle / given, canonical form, keys.
//! - [`fold`]: the accent-free key of names ([`fold::name_key`]).
//! - [`datasets`]: the name tables compiled in from `datasets/names/*.tsv`.
//! - [`phonetic`]: a Vietnamese phonetic key folding dialect spelling merges.
//! - [`date`]: dates of birth in the formats found in registers.
//! - [`citizen_id`]: 12-digit personal ID numbers and 9-digit CMNDs.
//! - [`province`]: the 63 provinces (2016 codes) and the 34 units of 2025.
//!
//! Imports between these modules go one way (none imports a module that
//! imports it back, directly or through others):
//!
//! - leaves: [`fold`], `letters` (the vowel tables [`tone`] and [`text`]
//!   share), `fxhash`, [`date`], [`province`];
//! - [`datasets`] uses `fold`; [`tone`] uses `letters`; [`citizen_id`] uses
//!   `province`;
//! - [`text`] uses `letters`, `fxhash`, and through its name evidence
//!   `datasets` and `tone` (its own submodules are described there);
//! - [`phonetic`] uses `fold` and `text`;
//! - [`name`] uses `text`, `tone`, `phonetic`, `datasets`, `fold`, `fxhash`.

pub mod citizen_id;
pub mod datasets;
pub mod date;
pub mod fold;
pub(crate) mod fxhash;
mod letters;
pub mod name;
pub mod phonetic;
pub mod province;
pub mod text;
pub mod tone;
