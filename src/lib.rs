//! # dinhdanh — find the same person across Vietnamese population records
//!
//! The pipeline is load → normalize → block → compare/score → cluster → flag
//! → write. This crate is the library behind the `dinhdanh` command.
//!
//! | stage | module |
//! | --- | --- |
//! | load | [`load`], [`store`] |
//! | normalize | [`normalize`] |
//! | block | [`block`] |
//! | compare / score | [`compare`], [`model`] |
//! | cluster | [`cluster`] |
//! | flag | [`flags`] |
//! | write | [`report`], [`output`] |
//! | orchestration | [`pipeline`] |
//! | tooling | [`generate`], [`evaluate`] |

pub mod block;
pub mod cluster;
pub mod compare;
pub mod config;
pub mod error;
pub mod evaluate;
pub mod flags;
pub mod generate;
pub mod index;
pub mod intern;
pub mod load;
pub mod model;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod store;
pub mod update;

pub use error::{Error, Result};
