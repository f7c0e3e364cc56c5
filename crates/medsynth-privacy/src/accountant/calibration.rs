//! The inverse problems of accounting: which noise multiplier reaches a target
//! ε, and how many steps a given noise multiplier can afford.
//!
//! ε is strictly decreasing in σ and non-decreasing in the number of steps,
//! so both are solved by bisection (on ln σ, and on the integer step count).

use super::{RdpAccountant, dp_sgd_epsilon, epsilon_from_rdp};
use crate::error::{PrivacyError, Result, delta_value, positive, unit_interval};

/// Lower / upper end of the σ search. Below 0.05 the fractional-order series
/// do not converge and ε is astronomically large anyway; above 1e4 the
/// utility of the released value is nil.
const SIGMA_MIN: f64 = 0.05;
const SIGMA_MAX: f64 = 1e4;

/// The smallest noise multiplier σ such that `steps` steps of DP-SGD with
/// Poisson sampling rate `q` are (target_epsilon, delta)-DP, to a relative
/// precision of 1e-6 (the result is rounded *up*, so it always meets the
/// target). With `q = 1` and `steps = 1` this calibrates a single Gaussian
/// release of sensitivity 1.
pub fn calibrate_noise_multiplier(
    target_epsilon: f64,
    delta: f64,
    steps: u64,
    q: f64,
) -> Result<f64> {
    positive("epsilon", target_epsilon)?;
    delta_value(delta)?;
    unit_interval("sampling_rate", q)?;
    if steps == 0 || q == 0.0 {
        return Err(PrivacyError::Calibration(
            "no data is touched (steps = 0 or sampling rate = 0), so no noise is needed; \
             pass at least one step and a positive sampling rate"
                .into(),
        ));
    }
    let eps_at = |s: f64| dp_sgd_epsilon(q, s, steps, delta);
    if eps_at(SIGMA_MAX)? > target_epsilon {
        return Err(PrivacyError::Calibration(format!(
            "even noise multiplier {SIGMA_MAX} exceeds ε = {target_epsilon} for {steps} steps at \
             sampling rate {q}; raise ε, lower the number of steps or the sampling rate"
        )));
    }
    if eps_at(SIGMA_MIN)? <= target_epsilon {
        return Ok(SIGMA_MIN);
    }
    // Invariant: eps(lo) > target ≥ eps(hi).
    let (mut lo, mut hi) = (SIGMA_MIN.ln(), SIGMA_MAX.ln());
    while hi - lo > 1e-7 {
        let mid = 0.5 * (lo + hi);
        if eps_at(mid.exp())? > target_epsilon {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(hi.exp())
}

/// The largest number of DP-SGD steps (sampling rate `q`, noise multiplier
/// `sigma`) whose composition stays within (target_epsilon, delta); 0 if
/// not even one step fits. Capped at 10⁹ steps.
pub fn max_steps(target_epsilon: f64, delta: f64, sigma: f64, q: f64) -> Result<u64> {
    positive("epsilon", target_epsilon)?;
    positive("noise_multiplier", sigma)?;
    delta_value(delta)?;
    unit_interval("sampling_rate", q)?;
    const CAP: u64 = 1_000_000_000;
    // RDP is linear in the number of steps: compute one step's curve once.
    let mut one = RdpAccountant::new();
    one.compose_poisson_gaussian(q, sigma, 1)?;
    let mut scaled = vec![0.0; one.rdp().len()];
    let mut fits = |n: u64| -> Result<bool> {
        for (s, r) in scaled.iter_mut().zip(one.rdp()) {
            *s = r * n as f64;
        }
        Ok(epsilon_from_rdp(one.orders(), &scaled, delta)?.epsilon <= target_epsilon)
    };
    if !fits(1)? {
        return Ok(0);
    }
    if fits(CAP)? {
        return Ok(CAP);
    }
    // Exponential search then bisection; invariant fits(lo) && !fits(hi).
    let mut lo = 1u64;
    let mut hi = 2u64;
    while fits(hi)? {
        lo = hi;
        hi = (hi * 2).min(CAP);
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if fits(mid)? {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibrated_sigma_meets_target_tightly() {
        let s = calibrate_noise_multiplier(3.0, 1e-5, 1000, 0.01).unwrap();
        let e = dp_sgd_epsilon(0.01, s, 1000, 1e-5).unwrap();
        assert!(e <= 3.0 && e > 2.99, "σ={s} ε={e}");
    }

    #[test]
    fn max_steps_is_the_boundary() {
        let n = max_steps(2.0, 1e-5, 1.0, 0.01).unwrap();
        assert!(n > 0);
        assert!(dp_sgd_epsilon(0.01, 1.0, n, 1e-5).unwrap() <= 2.0);
        assert!(dp_sgd_epsilon(0.01, 1.0, n + 1, 1e-5).unwrap() > 2.0);
    }

    #[test]
    fn impossible_targets_are_errors_not_panics() {
        assert!(calibrate_noise_multiplier(1e-9, 1e-5, 1_000_000, 1.0).is_err());
        assert!(calibrate_noise_multiplier(1.0, 1e-5, 0, 0.1).is_err());
        assert!(calibrate_noise_multiplier(-1.0, 1e-5, 10, 0.1).is_err());
        assert!(calibrate_noise_multiplier(1.0, 2.0, 10, 0.1).is_err());
    }
}
