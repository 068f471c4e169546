//! Provinces. (stub: being written)
