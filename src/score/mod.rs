//! Scoring: comparison levels per field ([`compare`]), the Fellegi–Sunter
//! model ([`model`]), its training without labels ([`train`]), term-frequency
//! adjustment ([`tf`]), `model.json` ([`model_file`]) and the [`Scorer`] that
//! turns a candidate pair into a match weight.

pub mod compare;
pub mod model;
pub mod model_file;
pub mod scorer;
pub mod tf;
pub mod train;

pub use scorer::{ScoredPair, Scorer};
