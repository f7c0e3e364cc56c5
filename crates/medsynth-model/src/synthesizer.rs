//! The interface every model implements, so that `fit`, `sample`, the model
//! file and the benchmark treat the GAN and the baselines alike.

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::spec::RawColumn;

/// Which synthesizer a model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Conditional tabular GAN (CTGAN-style, WGAN-GP, training-by-sampling).
    Ctgan,
    /// Gaussian copula over the histogram marginals.
    Copula,
    /// Independent marginals: the floor any model must beat on pair trends.
    Marginals,
}

impl ModelKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            ModelKind::Ctgan => "ctgan",
            ModelKind::Copula => "copula",
            ModelKind::Marginals => "marginals",
        }
    }

    /// Parses `ctgan`, `copula` or `marginals`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "ctgan" | "gan" => Some(ModelKind::Ctgan),
            "copula" | "gaussian_copula" | "gaussiancopula" => Some(ModelKind::Copula),
            "marginals" | "independent" => Some(ModelKind::Marginals),
            _ => None,
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// "Column `column` (index into the modelled columns) must take category
/// `category`": a resolved `--where` clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition {
    pub column: usize,
    pub category: u32,
}

/// A fitted model that can draw rows in internal form.
/// `Send + Sync` so that a model can generate on one thread while the
/// caller writes the previous batch on another.
pub trait Synthesizer: Send + Sync {
    fn kind(&self) -> ModelKind;

    /// Draws `n` rows (one [`RawColumn`] per modelled column) such that every
    /// condition holds exactly. Deterministic given the state of `rng`.
    fn sample_raw(
        &self,
        n: usize,
        conditions: &[Condition],
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<RawColumn>>;
}
