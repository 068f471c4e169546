//! `model.json`: writing, hashing and reading a trained model.

use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::score::compare::Comparison;
use crate::score::model::Model;
use crate::score::tf::TfMap;

/// `model.json`: the model, then the term-frequency counts it was scored with
/// (compact: they can be long).
pub(crate) fn model_json(model: &Model, tf: &TfMap) -> Vec<u8> {
    let mut text = serde_json::to_string_pretty(model).expect("model serializes");
    if !tf.is_empty() {
        let body = text.trim_end().trim_end_matches('}').trim_end().len();
        text.truncate(body);
        text.push_str(",\n  \"term_frequency\": ");
        text.push_str(&serde_json::to_string(tf).expect("counts serialize"));
        text.push_str("\n}");
    }
    text.into_bytes()
}

/// A hash of the model and its counts: equal models score pairs alike.
pub(crate) fn model_hash(model: &Model, tf: &TfMap) -> u64 {
    let bytes = serde_json::to_vec(&(model, tf)).expect("model serializes");
    crate::hash::hash_bytes(&bytes)
}

/// Reads a `model.json` (with its term-frequency counts, if any) and checks it
/// fits the comparisons.
pub(crate) fn read_model(path: &Path, cmps: &[Comparison]) -> Result<(Model, Option<TfMap>)> {
    #[derive(Deserialize)]
    struct Counts {
        #[serde(default)]
        term_frequency: Option<TfMap>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let model: Model = serde_json::from_str(&text)
        .map_err(|e| Error::usage(format!("{}: not a model.json: {e}", path.display())))?;
    let counts: Counts = serde_json::from_str(&text)
        .map_err(|e| Error::usage(format!("{}: not a model.json: {e}", path.display())))?;
    model
        .check_fits(cmps)
        .map_err(|why| Error::usage(format!("{}: {why}", path.display())))?;
    Ok((model, counts.term_frequency))
}
