//! Loading input tables (Parquet, CSV). (stub: being written)
