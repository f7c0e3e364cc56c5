//! Noisy count, sum and mean: the scalar statistics the encoder needs when
//! the schema does not declare them.

use serde_json::Map;

use super::{Noise, Released, check_finite};
use crate::error::{PrivacyError, Result};
use crate::noise::NoiseSource;

/// Number of records + integer noise (sensitivity 1; discrete Gaussian or
/// discrete Laplace), clamped at 0 — post-processing that costs nothing.
pub fn noisy_count(
    name: &str,
    count: u64,
    noise: Noise,
    src: &mut impl NoiseSource,
) -> Result<Released<f64>> {
    noise.validate()?;
    let value = noisy_integer(count, noise, src);
    let mut extra = Map::new();
    extra.insert("query".into(), name.into());
    extra.insert("sensitivity".into(), 1.0.into());
    Ok(Released {
        value,
        entry: noise.integer_entry("noisy_count", 1, 0.0, extra)?,
    })
}

/// Counts of disjoint cells (each record falls in at most one: a histogram,
/// missing cell included) + integer noise, clamped at 0. Adding or removing
/// a record changes one cell by 1, so the vector has L1 = L2 sensitivity 1
/// and costs one release whatever its length.
pub fn noisy_cell_counts(
    name: &str,
    counts: &[u64],
    noise: Noise,
    src: &mut impl NoiseSource,
) -> Result<Released<Vec<f64>>> {
    noise.validate()?;
    let value = counts
        .iter()
        .map(|&c| noisy_integer(c, noise, src))
        .collect();
    let mut extra = Map::new();
    extra.insert("query".into(), name.into());
    extra.insert("sensitivity".into(), 1.0.into());
    extra.insert("cells".into(), counts.len().into());
    Ok(Released {
        value,
        entry: noise.integer_entry("noisy_histogram", 1, 0.0, extra)?,
    })
}

/// `count` + integer noise, clamped at 0, as f64.
pub(crate) fn noisy_integer(count: u64, noise: Noise, src: &mut impl NoiseSource) -> f64 {
    let c = i64::try_from(count).unwrap_or(i64::MAX);
    c.saturating_add(noise.sample_integer(src)).max(0) as f64
}

fn check_bounds(lower: f64, upper: f64) -> Result<()> {
    if !(lower.is_finite() && upper.is_finite() && lower < upper) {
        return Err(PrivacyError::InvalidInput {
            mechanism: "noisy sum",
            message: format!(
                "clipping bounds must be finite with lower < upper, got [{lower}, {upper}]"
            ),
        });
    }
    Ok(())
}

fn clipped_sum(values: &[f64], lower: f64, upper: f64) -> f64 {
    values.iter().map(|v| v.clamp(lower, upper)).sum()
}

/// Sum of `values` clipped to `[lower, upper]` + noise. Adding or removing a
/// record moves the sum by at most max(|lower|, |upper|), the sensitivity.
/// The bounds must be public (declared, or themselves released under DP).
pub fn noisy_sum(
    name: &str,
    values: &[f64],
    lower: f64,
    upper: f64,
    noise: Noise,
    src: &mut impl NoiseSource,
) -> Result<Released<f64>> {
    noise.validate()?;
    check_bounds(lower, upper)?;
    check_finite("noisy sum", values)?;
    let sensitivity = lower.abs().max(upper.abs());
    let value = clipped_sum(values, lower, upper) + noise.sample(sensitivity, src);
    let mut extra = Map::new();
    extra.insert("query".into(), name.into());
    extra.insert("lower".into(), lower.into());
    extra.insert("upper".into(), upper.into());
    extra.insert("sensitivity".into(), sensitivity.into());
    Ok(Released {
        value,
        entry: noise.entry("noisy_sum", 1, 0.0, extra)?,
    })
}

/// Mean of `values` clipped to `[lower, upper]`: a noisy sum divided by a
/// noisy count, both with `noise` (so the entry counts two releases). The
/// ratio is clamped into the bounds (post-processing). The sum is taken on
/// values centred at the midpoint, which halves its sensitivity.
pub fn noisy_mean(
    name: &str,
    values: &[f64],
    lower: f64,
    upper: f64,
    noise: Noise,
    src: &mut impl NoiseSource,
) -> Result<Released<f64>> {
    noise.validate()?;
    check_bounds(lower, upper)?;
    check_finite("noisy mean", values)?;
    let mid = 0.5 * (lower + upper);
    let half = 0.5 * (upper - lower);
    let centred: f64 = values.iter().map(|v| v.clamp(lower, upper) - mid).sum();
    let noisy_sum = centred + noise.sample(half, src);
    let noisy_n = (values.len() as f64 + noise.sample(1.0, src)).max(1.0);
    let value = (mid + noisy_sum / noisy_n).clamp(lower, upper);
    let mut extra = Map::new();
    extra.insert("query".into(), name.into());
    extra.insert("lower".into(), lower.into());
    extra.insert("upper".into(), upper.into());
    Ok(Released {
        value,
        entry: noise.entry("noisy_mean", 2, 0.0, extra)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::SeededNoise;

    #[test]
    fn count_is_nonnegative_integer() {
        let mut src = SeededNoise::insecure_from_seed(5);
        for _ in 0..50 {
            let r = noisy_count(
                "n",
                0,
                Noise::Laplace {
                    noise_multiplier: 5.0,
                },
                &mut src,
            )
            .unwrap();
            assert!(r.value >= 0.0 && r.value.fract() == 0.0);
        }
    }

    #[test]
    fn mean_is_close_with_little_noise_and_inside_bounds() {
        let values: Vec<f64> = (0..10_000).map(|i| (i % 100) as f64).collect();
        let noise = Noise::Gaussian {
            noise_multiplier: 1.0,
            report_delta: 1e-6,
        };
        let r = noisy_mean(
            "age",
            &values,
            0.0,
            120.0,
            noise,
            &mut SeededNoise::insecure_from_seed(2),
        )
        .unwrap();
        assert!((r.value - 49.5).abs() < 1.0, "{}", r.value);
        assert_eq!(r.entry.params["count"], 2);
    }

    #[test]
    fn sum_clips_outliers() {
        let noise = Noise::Laplace {
            noise_multiplier: 1e-6,
        };
        let r = noisy_sum(
            "x",
            &[1e9, 1.0],
            0.0,
            10.0,
            noise,
            &mut SeededNoise::insecure_from_seed(1),
        )
        .unwrap();
        assert!((r.value - 11.0).abs() < 1e-3);
        assert_eq!(r.entry.params["sensitivity"], 10.0);
    }

    #[test]
    fn bad_bounds_are_errors() {
        let noise = Noise::Laplace {
            noise_multiplier: 1.0,
        };
        let mut src = SeededNoise::insecure_from_seed(1);
        assert!(noisy_sum("x", &[1.0], 5.0, 1.0, noise, &mut src).is_err());
        assert!(noisy_mean("x", &[1.0], f64::NAN, 1.0, noise, &mut src).is_err());
    }
}
