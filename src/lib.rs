//! # dinhdanh — find the same person across Vietnamese population records
//!
//! The pipeline is load → normalize → block → compare/score → cluster → flag
//! → write. This crate is the library behind the `dinhdanh` command.

pub mod error;
pub mod evaluate;
pub mod generate;
pub mod load;
pub mod normalize;
pub mod output;

pub use error::{Error, Result};
pub mod block;
pub mod config;
pub mod progress;
pub mod intern;
pub mod store;
pub mod compare;
pub mod model;
