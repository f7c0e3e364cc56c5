//! Differentially private releases. Each function takes the real data, the
//! noise parameters and a [`NoiseSource`], and returns the released value
//! together with the [`LedgerEntry`] that records its cost — there is no way
//! to get the value without the entry.
//!
//! Neighbouring datasets differ by adding or removing one record; the
//! sensitivities below are for that relation.

mod aggregate;
mod gaussian;
mod histogram;
mod laplace;
mod quantile;

pub use aggregate::{noisy_cell_counts, noisy_count, noisy_mean, noisy_sum};
pub use gaussian::GaussianMechanism;
pub use histogram::{HistogramDomain, HistogramRelease, noisy_histogram};
pub use laplace::LaplaceMechanism;
pub use quantile::{dp_bounds, dp_quantile};

use crate::accountant::calibrate_noise_multiplier;
use crate::error::{PrivacyError, Result, delta_value, positive};
use crate::ledger::{Accounting, LedgerEntry};
use crate::noise::NoiseSource;

/// A released value and the ledger entry recording what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Released<T> {
    /// The privatised value, safe to publish.
    pub value: T,
    /// What it cost; must be pushed onto the run's ledger.
    pub entry: LedgerEntry,
}

/// Noise for the scalar and histogram mechanisms, expressed *relative to the
/// sensitivity* (a noise multiplier), so one value serves queries of any
/// sensitivity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Noise {
    /// N(0, (m·Δ₂)²); the ledger states its standalone ε at `report_delta`.
    Gaussian {
        noise_multiplier: f64,
        report_delta: f64,
    },
    /// Laplace(0, m·Δ₁); pure ε = 1/m per release.
    Laplace { noise_multiplier: f64 },
}

impl Noise {
    /// Gaussian noise such that `releases` releases together are
    /// (epsilon, delta)-DP (calibrated with the RDP accountant).
    pub fn gaussian_for(epsilon: f64, delta: f64, releases: u64) -> Result<Self> {
        let m = calibrate_noise_multiplier(epsilon, delta, releases.max(1), 1.0)?;
        Ok(Noise::Gaussian {
            noise_multiplier: m,
            report_delta: delta,
        })
    }

    /// Laplace noise such that `releases` releases together are epsilon-DP.
    pub fn laplace_for(epsilon: f64, releases: u64) -> Result<Self> {
        positive("epsilon", epsilon)?;
        Ok(Noise::Laplace {
            noise_multiplier: releases.max(1) as f64 / epsilon,
        })
    }

    fn validate(&self) -> Result<()> {
        match *self {
            Noise::Gaussian {
                noise_multiplier,
                report_delta,
            } => {
                positive("noise_multiplier", noise_multiplier)?;
                delta_value(report_delta).map(drop)
            }
            Noise::Laplace { noise_multiplier } => {
                positive("noise_multiplier", noise_multiplier).map(drop)
            }
        }
    }

    /// Standard deviation of the noise for sensitivity 1.
    pub fn std(&self) -> f64 {
        match *self {
            Noise::Gaussian {
                noise_multiplier, ..
            } => noise_multiplier,
            Noise::Laplace { noise_multiplier } => std::f64::consts::SQRT_2 * noise_multiplier,
        }
    }

    fn sample(&self, sensitivity: f64, src: &mut impl NoiseSource) -> f64 {
        match *self {
            Noise::Gaussian {
                noise_multiplier, ..
            } => src.gaussian(noise_multiplier * sensitivity),
            Noise::Laplace { noise_multiplier } => src.laplace(noise_multiplier * sensitivity),
        }
    }

    /// One draw of *integer* noise for a query of sensitivity 1 (counts):
    /// discrete Gaussian with the same σ, or discrete Laplace with the same
    /// scale. Same privacy accounting as their continuous versions (CKS 2020
    /// for the Gaussian; the discrete Laplace is accounted as pure ε = 1/m).
    fn sample_integer(&self, src: &mut impl NoiseSource) -> i64 {
        match *self {
            Noise::Gaussian {
                noise_multiplier, ..
            } => src.discrete_gaussian(noise_multiplier),
            Noise::Laplace { noise_multiplier } => src.discrete_laplace(noise_multiplier),
        }
    }

    /// The ledger entry for releases made with [`Noise::sample_integer`].
    fn integer_entry(
        &self,
        mechanism: &str,
        count: u64,
        additional_delta: f64,
        mut extra: serde_json::Map<String, serde_json::Value>,
    ) -> Result<LedgerEntry> {
        extra.insert("noise".into(), "discrete".into());
        match *self {
            Noise::Gaussian { .. } => self.entry(mechanism, count, additional_delta, extra),
            Noise::Laplace { noise_multiplier } => LedgerEntry::new(
                mechanism,
                Accounting::PureDp {
                    epsilon: 1.0 / noise_multiplier,
                    count,
                },
                1e-10,
                additional_delta,
                extra,
            ),
        }
    }

    fn entry(
        &self,
        mechanism: &str,
        count: u64,
        additional_delta: f64,
        extra: serde_json::Map<String, serde_json::Value>,
    ) -> Result<LedgerEntry> {
        match *self {
            Noise::Gaussian {
                noise_multiplier,
                report_delta,
            } => LedgerEntry::new(
                mechanism,
                Accounting::Gaussian {
                    noise_multiplier,
                    count,
                },
                report_delta,
                additional_delta,
                extra,
            ),
            Noise::Laplace { noise_multiplier } => LedgerEntry::new(
                mechanism,
                Accounting::Laplace {
                    noise_multiplier,
                    count,
                },
                // Only used if the RDP bound beats the pure ε.
                1e-10,
                additional_delta,
                extra,
            ),
        }
    }
}

/// Rejects non-finite inputs with the 1-based row of the first offender.
pub(crate) fn check_finite(mechanism: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(PrivacyError::InvalidInput {
            mechanism,
            message: format!(
                "value at row {} is {} (only finite numbers can be released)",
                i + 1,
                values[i]
            ),
        }),
    }
}
