//! A small neural-network engine (MLP layers with hand-derived backward passes, Adam) for tabular GANs, with per-example gradient norms for DP-SGD.
