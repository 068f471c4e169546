//! Personal ID numbers and CMNDs. (stub: being written)
