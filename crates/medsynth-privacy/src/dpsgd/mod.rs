//! The pieces of DP-SGD (Abadi et al. 2016) that touch privacy: Poisson
//! sampling of each batch, per-example clipping, Gaussian noise on the
//! clipped sum, and the plan that ties σ, q, steps and the clip norm to ε.
//! The training loop lives in `medsynth-model`; it never sees σ except
//! through [`DpSgdPlan`].

mod clipping;
mod plan;
mod sampler;

pub use clipping::{ClipStats, clip_and_sum, clip_factors};
pub use plan::DpSgdPlan;
pub use sampler::PoissonSampler;
