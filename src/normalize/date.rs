//! Dates of birth. (stub: being written)
