//! # dinhdanh — find the same person across Vietnamese population records
//!
//! The pipeline is load → normalize → block → score → cluster → flags →
//! write (and the run index). This crate is the library behind the
//! `dinhdanh` command; each stage is one module, and the jobs compose them.
//!
//! | stage | module |
//! | --- | --- |
//! | configuration | [`config`] (settings, blocking-rule grammar) |
//! | load | [`load`] (files → Arrow batches → [`store::RecordStore`]) |
//! | normalize | [`normalize`] |
//! | block | [`block`] |
//! | score | [`score`] (comparisons, model, training, scorer) |
//! | cluster | [`cluster`] |
//! | flags | [`flags`] |
//! | write | [`write`] (Parquet tables, report.html), [`output`] (atomic files) |
//! | run index | [`index`] |
//! | jobs | [`jobs`] (dedupe, link, update, explain, blocking-report) |
//! | tooling | [`generate`], [`evaluate`] |

pub mod block;
pub mod cluster;
pub mod config;
pub mod error;
pub mod evaluate;
pub mod flags;
pub mod generate;
pub mod hash;
pub mod index;
pub mod intern;
pub mod jobs;
pub mod load;
pub mod normalize;
pub mod output;
pub mod progress;
pub mod score;
pub mod store;
pub mod write;

pub use error::{Error, Result};
