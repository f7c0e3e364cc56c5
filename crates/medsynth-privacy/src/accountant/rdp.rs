//! Rényi-DP curves of the mechanisms this crate runs.
//!
//! The Poisson-subsampled Gaussian follows Mironov, Talwar & Zhang (2019),
//! "Rényi Differential Privacy of the Sampled Gaussian Mechanism": for
//! integer orders the exact binomial expansion, for fractional orders the
//! two-sided log-space series of their Sec. 3.3. The numerical choices
//! (series termination, iteration cap, treating a non-converged order as
//! +∞ so it is simply not used) mirror Google's `dp_accounting`
//! `RdpAccountant`, so that our ε agrees with it to well under 1 % — see the
//! fixture test in `tests/accountant_reference.rs`.

use super::special::{log_add, log_erfc};
use crate::error::{Result, positive, unit_interval};

/// Iteration cap of the fractional-order series. Orders whose series has not
/// converged by then are reported as +∞ (never used), which can only make
/// the final ε larger, i.e. safer.
const MAX_FRACTIONAL_TERMS: usize = 1000;

/// RDP at `order` of one step of the Poisson-subsampled Gaussian mechanism
/// with sampling rate `q` and noise multiplier `sigma` (noise std divided by
/// the L2 sensitivity). `q = 1` is the plain Gaussian mechanism.
pub fn rdp_poisson_subsampled_gaussian(q: f64, sigma: f64, order: f64) -> Result<f64> {
    unit_interval("sampling_rate", q)?;
    check_order(order)?;
    if sigma.is_nan() || sigma < 0.0 {
        return positive("noise_multiplier", sigma);
    }
    if q == 0.0 {
        return Ok(0.0);
    }
    if order.is_infinite() || sigma == 0.0 {
        return Ok(f64::INFINITY);
    }
    if q == 1.0 {
        return Ok(order / (2.0 * sigma * sigma));
    }
    let log_a = if order.fract() == 0.0 {
        log_a_integer(q, sigma, order as u64)
    } else {
        log_a_fractional(q, sigma, order)
    };
    Ok(log_a / (order - 1.0))
}

/// RDP at `order` of the Gaussian mechanism adding N(0, σ²) to a query of L2
/// sensitivity Δ: α Δ² / (2σ²). Takes the ratio σ/Δ (the noise multiplier).
pub fn rdp_gaussian(noise_multiplier: f64, order: f64) -> Result<f64> {
    positive("noise_multiplier", noise_multiplier)?;
    check_order(order)?;
    Ok(order / (2.0 * noise_multiplier * noise_multiplier))
}

/// RDP at `order` of the Laplace mechanism with scale b on a query of L1
/// sensitivity Δ, given `noise_multiplier` = b/Δ, i.e. pure ε = Δ/b.
/// Mironov (2017), Prop. 6 — exact, and never above the pure ε.
pub fn rdp_laplace(noise_multiplier: f64, order: f64) -> Result<f64> {
    positive("noise_multiplier", noise_multiplier)?;
    check_order(order)?;
    let eps = 1.0 / noise_multiplier;
    let a = order;
    if a == 1.0 {
        return Ok(eps + (-eps).exp_m1());
    }
    let c = (eps * (1.0 - 2.0 * a)).exp_m1() / (2.0 * a - 1.0);
    if a < 1.1 {
        // ln(1 + c·x)/x as a Taylor series in x = a − 1 (stable near 1).
        let v = -c * (a - 1.0);
        let mut sum = 0.0;
        let mut pow = 1.0;
        for k in 1..100 {
            sum += pow / k as f64;
            pow *= v;
        }
        Ok(eps + c * sum)
    } else {
        Ok(eps + ((a - 1.0) * c).ln_1p() / (a - 1.0))
    }
}

/// RDP at `order` implied by a pure ε-DP guarantee (used for the
/// exponential mechanism): min(ε, α ε²/2). The second term is the
/// zero-concentrated-DP bound of Bun & Steinke (2016), Prop. 3.3.
pub fn rdp_pure_dp(epsilon: f64, order: f64) -> Result<f64> {
    positive("epsilon", epsilon)?;
    check_order(order)?;
    Ok(epsilon.min(order * epsilon * epsilon / 2.0))
}

fn check_order(order: f64) -> Result<()> {
    if order.is_nan() || order < 1.0 {
        return Err(crate::PrivacyError::InvalidParameter {
            name: "order",
            value: order,
            hint: "Rényi orders must be at least 1".into(),
        });
    }
    Ok(())
}

/// ln A_α for integer α (exact binomial expansion, Mironov et al. 2019, Eq. 3).
fn log_a_integer(q: f64, sigma: f64, alpha: u64) -> f64 {
    let ln_q = q.ln();
    let ln_1mq = (-q).ln_1p();
    let a = alpha as f64;
    let two_s2 = 2.0 * sigma * sigma;
    let mut log_a = f64::NEG_INFINITY;
    // ln C(α, i) updated incrementally: C(α, i+1) = C(α, i)·(α−i)/(i+1).
    let mut ln_binom = 0.0;
    for i in 0..=alpha {
        let fi = i as f64;
        let term = ln_binom + fi * ln_q + (a - fi) * ln_1mq + (fi * fi - fi) / two_s2;
        log_a = log_add(log_a, term);
        if i < alpha {
            ln_binom += ((a - fi) / (fi + 1.0)).ln();
        }
    }
    log_a
}

/// ln A_α for fractional α: the integral split at z₀ and expanded as two
/// series of positive terms (Mironov et al. 2019, Sec. 3.3).
fn log_a_fractional(q: f64, sigma: f64, alpha: f64) -> f64 {
    let mut log_a0 = f64::NEG_INFINITY;
    let mut log_a1 = f64::NEG_INFINITY;
    let s2 = sigma * sigma;
    let z0 = s2 * (1.0 / q - 1.0).ln() + 0.5;
    let ln_q = q.ln();
    let ln_1mq = (-q).ln_1p();
    let denom = std::f64::consts::SQRT_2 * sigma;
    let ln_half = 0.5f64.ln();
    let mut last_s0 = f64::NEG_INFINITY;
    let mut last_s1 = f64::NEG_INFINITY;
    // ln|C(α, i)|, updated incrementally: |C(α, i+1)| = |C(α, i)|·|α − i|/(i + 1).
    let mut log_coef = 0.0;
    for i in 0..MAX_FRACTIONAL_TERMS {
        let fi = i as f64;
        if i > 0 {
            log_coef += ((alpha - fi + 1.0).abs() / fi).ln();
        }
        let j = alpha - fi;
        let log_t0 = log_coef + fi * ln_q + j * ln_1mq;
        let log_t1 = log_coef + j * ln_q + fi * ln_1mq;
        let log_e0 = ln_half + log_erfc((fi - z0) / denom);
        let log_e1 = ln_half + log_erfc((z0 - j) / denom);
        let log_s0 = log_t0 + (fi * fi - fi) / (2.0 * s2) + log_e0;
        let log_s1 = log_t1 + (j * j - j) / (2.0 * s2) + log_e1;
        log_a0 = log_add(log_a0, log_s0);
        log_a1 = log_add(log_a1, log_s1);
        let total = log_add(log_a0, log_a1);
        if log_s0 < last_s0 && log_s1 < last_s1 && log_s0.max(log_s1) < total - 30.0 {
            return total;
        }
        last_s0 = log_s0;
        last_s1 = log_s1;
    }
    f64::INFINITY
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_batch_is_plain_gaussian() {
        for &a in &[1.5, 2.0, 10.0, 64.0] {
            let sub = rdp_poisson_subsampled_gaussian(1.0, 1.3, a).unwrap();
            let plain = rdp_gaussian(1.3, a).unwrap();
            assert!((sub - plain).abs() < 1e-12);
        }
    }

    #[test]
    fn integer_order_two_closed_form() {
        // A_2 = (1-q)^2 + 2q(1-q) + q^2 e^{1/σ²} = 1 + q²(e^{1/σ²} - 1).
        let (q, s) = (0.05_f64, 1.1_f64);
        let expect = (q * q * ((1.0 / (s * s)).exp() - 1.0)).ln_1p();
        let got = rdp_poisson_subsampled_gaussian(q, s, 2.0).unwrap();
        assert!((got - expect).abs() < 1e-12, "{got} vs {expect}");
    }

    #[test]
    fn fractional_orders_interpolate_between_integers() {
        // RDP is non-decreasing in the order; the fractional series must land
        // between its integer neighbours.
        let (q, s) = (0.01, 1.0);
        let r2 = rdp_poisson_subsampled_gaussian(q, s, 2.0).unwrap();
        let r25 = rdp_poisson_subsampled_gaussian(q, s, 2.5).unwrap();
        let r3 = rdp_poisson_subsampled_gaussian(q, s, 3.0).unwrap();
        assert!(r2 <= r25 && r25 <= r3, "{r2} {r25} {r3}");
    }

    #[test]
    fn subsampling_amplifies() {
        let full = rdp_gaussian(1.0, 8.0).unwrap();
        let sub = rdp_poisson_subsampled_gaussian(0.01, 1.0, 8.0).unwrap();
        assert!(sub < full / 100.0);
    }

    #[test]
    fn laplace_rdp_is_below_pure_epsilon_and_tends_to_it() {
        let b = 0.5; // ε = 2
        let low = rdp_laplace(b, 1.05).unwrap();
        let mid = rdp_laplace(b, 2.0).unwrap();
        let high = rdp_laplace(b, 1e6).unwrap();
        assert!(low < mid && mid < high && high <= 2.0 + 1e-9);
        assert!((high - 2.0).abs() < 1e-3);
        // continuity across the Taylor-series switch at 1.1
        let a = rdp_laplace(b, 1.1 - 1e-9).unwrap();
        let c = rdp_laplace(b, 1.1 + 1e-9).unwrap();
        assert!((a - c).abs() < 1e-6);
    }

    #[test]
    fn rejects_bad_parameters() {
        assert!(rdp_poisson_subsampled_gaussian(1.5, 1.0, 2.0).is_err());
        assert!(rdp_poisson_subsampled_gaussian(0.1, f64::NAN, 2.0).is_err());
        assert!(rdp_poisson_subsampled_gaussian(0.1, 1.0, 0.5).is_err());
        assert!(rdp_gaussian(0.0, 2.0).is_err());
        assert!(rdp_laplace(-1.0, 2.0).is_err());
    }
}
