//! A small neural-network engine for CTGAN-style tabular GANs: MLP layers with
//! hand-derived backward passes over `matrixmultiply`, Adam, a closed-form
//! WGAN gradient penalty, and per-example gradient clipping for DP-SGD.
//!
//! Why purpose-built: at CTGAN's shapes (batch 500, widths 256) general
//! frameworks spend much of a step in dispatch and autograd bookkeeping, and
//! the gradient penalty needs double backward there. Here every backward pass
//! is derived by hand and pinned by finite-difference tests in `f64`; see
//! `docs/nn-engine.md` for the derivations and measurements.
//!
//! # Usage
//! ```
//! use medsynth_nn::{CondColumn, Gan, GanConfig, Matrix, OutputSpan, SpanActivation};
//! use rand::SeedableRng;
//! let outputs = vec![
//!     OutputSpan { start: 0, width: 1, activation: SpanActivation::Tanh },
//!     OutputSpan { start: 1, width: 2, activation: SpanActivation::Softmax },
//! ];
//! let cond = vec![CondColumn { output_start: 1, cond_start: 0, width: 2 }];
//! let config = GanConfig { pac: 2, ..GanConfig::ctgan(3, 2, outputs, cond) };
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let mut gan = Gan::new(config, &mut rng)?;
//! let real = Matrix::from_vec(2, 3, vec![0.5, 1.0, 0.0, -0.2, 0.0, 1.0])?;
//! let c = Matrix::from_vec(2, 2, vec![1.0, 0.0, 0.0, 1.0])?;
//! let critic = gan.critic_step(&real, &c, &c, &mut rng)?;
//! let generator = gan.generator_step(&c, &[Some(0), Some(0)], &mut rng)?;
//! let samples = gan.generate(&c, &mut rng)?;
//! assert_eq!((samples.rows, samples.cols), (2, 3));
//! # assert!(critic.loss.is_finite() && generator.loss.is_finite());
//! # Ok::<(), medsynth_nn::NnError>(())
//! ```
//!
//! # Contract with `medsynth-model` (deviations from the issue's sketch)
//! - `critic_step`, `generator_step` and `generate` return `Result<_, NnError>`:
//!   shape mismatches are reported, never panics.
//! - [`NamedTensor`] is a struct `{ name, shape, data }` instead of a tuple;
//!   weights are stored `input × output` (transposed w.r.t. torch).
//! - The generator uses LayerNorm instead of BatchNorm (per-example; sampling
//!   does not depend on the batch). See `docs/nn-engine.md`.
//! - DP: [`GanEngine::critic_step_dp`] (pac must be 1) returns [`DpStepStats`];
//!   `noise` is `&mut dyn FnMut(&mut [f32])` for [`Gan`].
//! - [`Gan`] is `GanEngine<f32>`; `GanEngine<f64>` exists for gradient tests.
//!
//! # Threads and determinism
//! Both cores are used through `matrixmultiply`'s thread pool, which is
//! process-wide: its size is `MATMUL_NUM_THREADS` if set, else the number of
//! physical cores (max 4). [`GanConfig::threads`] is recorded for the trainer
//! but cannot resize that pool per engine. Results are bit-identical for a
//! given seed and thread count: every random draw happens on the calling
//! thread in a fixed order, and `matrixmultiply` splits work by output
//! blocks, so each output element is summed in the same order every run.
//!
//! # Allocation
//! All scratch lives in workspaces sized at the first step of a given batch
//! size; steps allocate nothing themselves (`matrixmultiply` allocates its
//! packing buffer per GEMM call, ~25 small allocations per step).

mod activation;
mod adam;
mod checkpoint;
mod config;
mod critic;
mod dp;
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
pub use dp::DpStepStats;
pub use error::NnError;
pub use gan::{Gan, GanEngine, NamedTensor, StepStats};
pub use matrix::{Mat, Matrix};
pub use real::Real;
