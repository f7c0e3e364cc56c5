//! A small neural-network engine for CTGAN-style tabular GANs: MLP layers with
//! hand-derived backward passes over `matrixmultiply`, Adam, a closed-form
//! WGAN gradient penalty, and per-example gradient norms for DP-SGD.
//!
//! Why purpose-built: at CTGAN's shapes (batch 500, widths 256) general
//! frameworks spend more time in dispatch and autograd bookkeeping than in
//! arithmetic; see `docs/nn-engine.md` for the measurements.
//!
//! # Contract with `medsynth-model` (deviations from the sketch)
//! - `critic_step`, `generator_step` and `generate` return `Result<_, NnError>`
//!   (shape mismatches are reported, never panics).
//! - [`NamedTensor`] is a struct `{ name, shape, data }` instead of a tuple.
//! - Weights are stored `input × output` (transposed w.r.t. torch).
//! - The generator uses LayerNorm instead of BatchNorm (see `layer_norm`).
//! - [`Gan`] is `GanEngine<f32>`; `GanEngine<f64>` exists for gradient tests.

mod activation;
mod adam;
mod checkpoint;
mod config;
mod critic;
mod error;
mod gan;
mod gemm;
mod generator;
mod layer_norm;
mod linear;
mod matrix;
mod real;
#[cfg(test)]
mod testutil;

pub use config::{CondColumn, GanConfig, OutputSpan, SpanActivation};
pub use error::NnError;
pub use gan::{Gan, GanEngine, NamedTensor, StepStats};
pub use matrix::{Mat, Matrix};
pub use real::Real;
