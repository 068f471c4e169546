//! Synthetic Vietnamese population with ground truth. (stub: being written)
