//! DP quantiles and numeric bounds by the exponential mechanism over a
//! public candidate grid (McSherry & Talwar 2007; Smith 2011).
//!
//! Utility of candidate c for quantile p: −|#{x < c} − p·n|. Adding or
//! removing one record changes it by at most max(p, 1 − p) ≤ 1, so sampling
//! c with probability ∝ exp(ε·u(c)/2) is ε-DP. The grid must not depend on
//! the data (e.g. a log-spaced grid over the type's plausible range).
//! Sampling uses the Gumbel-max trick with noise from the [`NoiseSource`].

use serde_json::Map;

use super::{Released, check_finite};
use crate::error::{PrivacyError, Result, positive};
use crate::ledger::{Accounting, LedgerEntry};
use crate::noise::NoiseSource;

fn check_grid(candidates: &[f64]) -> Result<()> {
    if candidates.is_empty() {
        return Err(PrivacyError::InvalidInput {
            mechanism: "dp quantile",
            message: "the candidate grid is empty".into(),
        });
    }
    if candidates.iter().any(|c| !c.is_finite()) || candidates.windows(2).any(|w| w[0] >= w[1]) {
        return Err(PrivacyError::InvalidInput {
            mechanism: "dp quantile",
            message: "the candidate grid must be finite and strictly increasing".into(),
        });
    }
    Ok(())
}

/// Exponential-mechanism selection on already sorted values.
fn select(
    sorted: &[f64],
    p: f64,
    candidates: &[f64],
    epsilon: f64,
    src: &mut impl NoiseSource,
) -> f64 {
    let target = p * sorted.len() as f64;
    let mut best = candidates[0];
    let mut best_score = f64::NEG_INFINITY;
    for &c in candidates {
        let below = sorted.partition_point(|x| *x < c) as f64;
        let utility = -(below - target).abs();
        // Gumbel(0,1) = −ln(Exp(1)).
        let score = 0.5 * epsilon * utility - src.standard_exponential().ln();
        if score > best_score {
            best_score = score;
            best = c;
        }
    }
    best
}

fn sorted_copy(values: &[f64]) -> Result<Vec<f64>> {
    check_finite("dp quantile", values)?;
    let mut v = values.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    Ok(v)
}

/// The `p`-quantile of `values`, chosen from `candidates` with ε-DP.
pub fn dp_quantile(
    name: &str,
    values: &[f64],
    p: f64,
    candidates: &[f64],
    epsilon: f64,
    src: &mut impl NoiseSource,
) -> Result<Released<f64>> {
    positive("epsilon", epsilon)?;
    crate::error::unit_interval("quantile", p)?;
    check_grid(candidates)?;
    let sorted = sorted_copy(values)?;
    let value = select(&sorted, p, candidates, epsilon, src);
    let mut extra = Map::new();
    extra.insert("query".into(), name.into());
    extra.insert("quantile".into(), p.into());
    extra.insert("candidates".into(), candidates.len().into());
    let entry = LedgerEntry::new(
        "dp_quantile",
        Accounting::PureDp { epsilon, count: 1 },
        1e-10,
        0.0,
        extra,
    )?;
    Ok(Released { value, entry })
}

/// Lower and upper bounds of a numeric column: the `tail` and `1 − tail`
/// quantiles, each with ε/2 (so the pair is ε-DP). If noise inverts them,
/// they are swapped (post-processing).
pub fn dp_bounds(
    name: &str,
    values: &[f64],
    candidates: &[f64],
    epsilon: f64,
    tail: f64,
    src: &mut impl NoiseSource,
) -> Result<Released<(f64, f64)>> {
    positive("epsilon", epsilon)?;
    if !(tail.is_finite() && (0.0..0.5).contains(&tail)) {
        return Err(PrivacyError::InvalidParameter {
            name: "tail",
            value: tail,
            hint: "must be in [0, 0.5), e.g. 0.01 for the 1 % / 99 % quantiles".into(),
        });
    }
    check_grid(candidates)?;
    let sorted = sorted_copy(values)?;
    let lo = select(&sorted, tail, candidates, epsilon / 2.0, src);
    let hi = select(&sorted, 1.0 - tail, candidates, epsilon / 2.0, src);
    let mut extra = Map::new();
    extra.insert("query".into(), name.into());
    extra.insert("tail".into(), tail.into());
    extra.insert("candidates".into(), candidates.len().into());
    let entry = LedgerEntry::new(
        "dp_bounds",
        Accounting::PureDp {
            epsilon: epsilon / 2.0,
            count: 2,
        },
        1e-10,
        0.0,
        extra,
    )?;
    Ok(Released {
        value: (lo.min(hi), lo.max(hi)),
        entry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::SeededNoise;

    #[test]
    fn median_is_found_with_generous_epsilon() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        let grid: Vec<f64> = (0..=100).map(|i| f64::from(i) * 10.0).collect();
        let r = dp_quantile(
            "x",
            &values,
            0.5,
            &grid,
            5.0,
            &mut SeededNoise::insecure_from_seed(1),
        )
        .unwrap();
        assert!((r.value - 500.0).abs() <= 20.0, "{}", r.value);
        assert!((r.entry.epsilon - 5.0).abs() < 1e-12);
    }

    #[test]
    fn bounds_cover_bulk_and_cost_epsilon() {
        let values: Vec<f64> = (0..5000).map(|i| f64::from(i % 90) + 18.0).collect();
        let grid: Vec<f64> = (0..=150).map(f64::from).collect();
        let r = dp_bounds(
            "age",
            &values,
            &grid,
            1.0,
            0.01,
            &mut SeededNoise::insecure_from_seed(2),
        )
        .unwrap();
        let (lo, hi) = r.value;
        assert!(
            (15.0..=20.0).contains(&lo) && (104.0..=110.0).contains(&hi),
            "{lo} {hi}"
        );
        assert!(r.entry.epsilon <= 1.0 + 1e-12);
    }

    #[test]
    fn bad_grids_are_errors() {
        let mut s = SeededNoise::insecure_from_seed(1);
        assert!(dp_quantile("x", &[1.0], 0.5, &[], 1.0, &mut s).is_err());
        assert!(dp_quantile("x", &[1.0], 0.5, &[2.0, 1.0], 1.0, &mut s).is_err());
        assert!(dp_quantile("x", &[f64::NAN], 0.5, &[1.0], 1.0, &mut s).is_err());
    }
}
