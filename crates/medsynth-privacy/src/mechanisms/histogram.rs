//! Noisy category counts (the encoder's category frequencies and the
//! conditional-vector sampling frequencies under DP).
//!
//! Adding or removing one record changes one count by 1, so the count vector
//! has L1 = L2 sensitivity 1 and one noise draw per category suffices.
//! The noise is integer-valued (discrete Gaussian or discrete Laplace, see
//! [`NoiseSource`]). Post-processing (free): counts clamped at 0; categories whose
//! noisy count is below a threshold are merged into an "other" bucket.
//!
//! Two cases for *which* categories are released:
//! * [`HistogramDomain::Public`] — the category list is public (declared in
//!   the schema). Zero counts must be included. The merge threshold is two
//!   noise standard deviations: below that a count is indistinguishable from
//!   an empty category.
//! * [`HistogramDomain::DataDerived`] — the categories were read from the data,
//!   so a category held by one patient must not be revealed by its name.
//!   This is the stability-based histogram (Korolova et al. 2009; Bun, Nissim
//!   & Stemmer 2016): only categories whose noisy count clears
//!   τ = 1 + (noise quantile at 1 − δₜ) are released, which costs an additive
//!   δₜ; the "other" bucket is a *fresh* noisy count of the records in the
//!   suppressed categories (the names of those are never released), so the
//!   entry counts two noisy releases.

use serde_json::Map;
use statrs::function::erf::erfc_inv;

use super::aggregate::noisy_integer;
use super::{Noise, Released};
use crate::error::{PrivacyError, Result};
use crate::noise::NoiseSource;

/// Whether the list of categories is public or read from the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HistogramDomain {
    /// Category names are public (schema); pass every category, zeros included.
    Public,
    /// Category names come from the data; `threshold_delta` is the additive δ
    /// spent on the threshold (e.g. a tenth of the preprocessing δ).
    DataDerived { threshold_delta: f64 },
}

/// The released histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramRelease {
    /// Released categories with their noisy counts (integers ≥ 0), in input order.
    pub counts: Vec<(String, f64)>,
    /// Noisy count of everything merged into "other" (0 if nothing merged).
    pub other: f64,
    /// Names merged into "other" (only for a public domain; empty otherwise,
    /// because data-derived names below the threshold must stay secret).
    pub merged: Vec<String>,
    /// The threshold applied to the noisy counts.
    pub threshold: f64,
}

/// Threshold for a data-derived domain: the smallest integer τ such that a
/// category with a single record (noisy count 1 + Z, Z the integer noise)
/// reaches τ with probability at most δₜ.
///
/// * Discrete Laplace, p = e^{−1/m}: P(Z ≥ k) = p^k/(1 + p) for k ≥ 1, so
///   k = ⌈ln(δₜ(1 + p))/ln p⌉.
/// * Discrete Gaussian: P(Z ≥ k) ≤ P(N(0, σ²) ≥ k − 1) (each term e^{−j²/2σ²}
///   is below the integral over [j − 1, j], and the normaliser Σ e^{−j²/2σ²}
///   is at least √(2π)σ by Poisson summation), so k = ⌈σ Φ⁻¹(1 − δₜ)⌉ + 1.
///
/// τ = 1 + k.
fn stability_threshold(noise: Noise, threshold_delta: f64) -> f64 {
    let k = match noise {
        Noise::Laplace { noise_multiplier } => {
            let ln_p = -1.0 / noise_multiplier;
            let p = ln_p.exp();
            ((threshold_delta * (1.0 + p)).ln() / ln_p).ceil().max(1.0)
        }
        Noise::Gaussian {
            noise_multiplier, ..
        } => {
            let z = std::f64::consts::SQRT_2 * erfc_inv(2.0 * threshold_delta);
            (noise_multiplier * z).ceil().max(0.0) + 1.0
        }
    };
    1.0 + k
}

/// Releases noisy counts of `counts` (category, true count); see module docs.
pub fn noisy_histogram(
    name: &str,
    counts: &[(String, u64)],
    domain: HistogramDomain,
    noise: Noise,
    src: &mut impl NoiseSource,
) -> Result<Released<HistogramRelease>> {
    noise.validate()?;
    let mut extra = Map::new();
    extra.insert("query".into(), name.into());
    extra.insert("sensitivity".into(), 1.0.into());
    extra.insert("categories_in".into(), counts.len().into());
    let mut release = HistogramRelease {
        counts: Vec::with_capacity(counts.len()),
        other: 0.0,
        merged: Vec::new(),
        threshold: 0.0,
    };
    match domain {
        HistogramDomain::Public => {
            release.threshold = 2.0 * noise.std();
            for (cat, c) in counts {
                let v = noisy_integer(*c, noise, src);
                if v < release.threshold {
                    release.other += v;
                    release.merged.push(cat.clone());
                } else {
                    release.counts.push((cat.clone(), v));
                }
            }
            extra.insert("domain".into(), "public".into());
            extra.insert("threshold".into(), release.threshold.into());
            let entry = noise.integer_entry("noisy_histogram", 1, 0.0, extra)?;
            Ok(Released {
                value: release,
                entry,
            })
        }
        HistogramDomain::DataDerived { threshold_delta } => {
            if !(threshold_delta.is_finite() && threshold_delta > 0.0 && threshold_delta < 0.5) {
                return Err(PrivacyError::InvalidParameter {
                    name: "threshold_delta",
                    value: threshold_delta,
                    hint: "must be in (0, 0.5); use a small fraction of the run's δ".into(),
                });
            }
            release.threshold = stability_threshold(noise, threshold_delta);
            let mut suppressed_records = 0u64;
            for (cat, c) in counts.iter().filter(|(_, c)| *c > 0) {
                // Compared before clamping; τ ≥ 2, so clamping would not matter.
                let c_i = i64::try_from(*c).unwrap_or(i64::MAX);
                let v = c_i.saturating_add(noise.sample_integer(src)) as f64;
                if v < release.threshold {
                    suppressed_records += c;
                } else {
                    release.counts.push((cat.clone(), v));
                }
            }
            release.other = noisy_integer(suppressed_records, noise, src);
            extra.insert("domain".into(), "data_derived".into());
            extra.insert("threshold".into(), release.threshold.into());
            let entry = noise.integer_entry("noisy_histogram", 2, threshold_delta, extra)?;
            Ok(Released {
                value: release,
                entry,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::SeededNoise;

    fn cats(v: &[(&str, u64)]) -> Vec<(String, u64)> {
        v.iter().map(|(a, b)| (a.to_string(), *b)).collect()
    }

    #[test]
    fn public_domain_merges_rare_categories() {
        let noise = Noise::Laplace {
            noise_multiplier: 1.0,
        };
        let c = cats(&[("A", 5000), ("B", 3000), ("rare", 0)]);
        let r = noisy_histogram(
            "dx",
            &c,
            HistogramDomain::Public,
            noise,
            &mut SeededNoise::insecure_from_seed(4),
        )
        .unwrap();
        assert_eq!(r.value.counts.len(), 2);
        assert_eq!(r.value.merged, vec!["rare".to_string()]);
        assert!(
            r.value
                .counts
                .iter()
                .all(|(_, v)| v.fract() == 0.0 && *v >= 0.0)
        );
        assert_eq!(r.entry.delta, 0.0);
    }

    #[test]
    fn data_derived_hides_singletons_and_costs_threshold_delta() {
        let noise = Noise::Laplace {
            noise_multiplier: 1.0,
        };
        let c = cats(&[("A", 5000), ("patient-x-only", 1)]);
        let mut src = SeededNoise::insecure_from_seed(9);
        for _ in 0..200 {
            let r = noisy_histogram(
                "dx",
                &c,
                HistogramDomain::DataDerived {
                    threshold_delta: 1e-6,
                },
                noise,
                &mut src,
            )
            .unwrap();
            assert!(r.value.counts.iter().all(|(k, _)| k == "A"));
            assert!(r.value.merged.is_empty());
            assert!((r.entry.delta - 1e-6).abs() < 1e-15);
            assert_eq!(r.entry.params["count"], 2);
        }
    }

    #[test]
    fn stability_threshold_bounds_singleton_probability() {
        // Discrete Laplace: P(Z ≥ τ − 1) = p^{τ−1}/(1+p) ≤ δ, and τ is minimal.
        let (m, d) = (2.0, 1e-5);
        let t = stability_threshold(
            Noise::Laplace {
                noise_multiplier: m,
            },
            d,
        );
        let p = (-1.0f64 / m).exp();
        let tail = |k: f64| p.powf(k) / (1.0 + p);
        assert!(t.fract() == 0.0);
        assert!(tail(t - 1.0) <= d && tail(t - 2.0) > d, "τ = {t}");
        // Discrete Gaussian: τ − 2 ≥ σ·Φ⁻¹(1 − δ); Φ⁻¹(1 − 1e-5) ≈ 4.264890793922825.
        let g = stability_threshold(
            Noise::Gaussian {
                noise_multiplier: 1.0,
                report_delta: 1e-5,
            },
            1e-5,
        );
        assert_eq!(g, 1.0 + 5.0 + 1.0);
    }
}
