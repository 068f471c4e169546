//! Precision / recall / F1 of a clustering against ground truth. (stub: being written)
