//! Special functions in log space needed by the RDP formulas.
//!
//! `statrs` provides `erfc` for the ordinary range; the wrapper here adds
//! `ln Φ(x)` deep in the lower tail, where `erfc` underflows to 0 and `ln`
//! would return −∞. (Binomial coefficients of fractional orders are updated
//! incrementally in `rdp.rs`, so no `ln Γ` of negative arguments is needed.)

use statrs::function::erf::erfc;

/// `ln(exp(a) + exp(b))` without overflow.
pub(crate) fn log_add(a: f64, b: f64) -> f64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    if lo == f64::NEG_INFINITY {
        return hi;
    }
    (lo - hi).exp().ln_1p() + hi
}

/// `ln Φ(x)` of the standard normal CDF, accurate in the far lower tail.
pub(crate) fn log_ndtr(x: f64) -> f64 {
    const SQRT_2: f64 = std::f64::consts::SQRT_2;
    if x > 0.0 {
        (-0.5 * erfc(x / SQRT_2)).ln_1p()
    } else if x > -30.0 {
        (0.5 * erfc(-x / SQRT_2)).ln()
    } else {
        // Asymptotic series: Φ(x) ≈ φ(x)/|x| · (1 − 1/x² + 3/x⁴ − 15/x⁶ + 105/x⁸);
        // at |x| ≥ 30 the truncation error is below 1e-12 relative.
        let z = 1.0 / (x * x);
        let series = 1.0 - z * (1.0 - 3.0 * z * (1.0 - 5.0 * z * (1.0 - 7.0 * z)));
        -0.5 * x * x - (-x).ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() + series.ln()
    }
}

/// `ln erfc(x)`, accurate for large `x`.
pub(crate) fn log_erfc(x: f64) -> f64 {
    std::f64::consts::LN_2 + log_ndtr(-x * std::f64::consts::SQRT_2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ndtr_is_continuous_at_the_tail_switch() {
        let a = log_ndtr(-30.0 + 1e-9);
        let b = log_ndtr(-30.0 - 1e-9);
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        // ln Φ(0) = ln 0.5
        assert!((log_ndtr(0.0) - 0.5f64.ln()).abs() < 1e-14);
        // Φ(-40) ≈ 3.655893540915e-350 → ln ≈ -804.6084420137538
        assert!((log_ndtr(-40.0) + 804.608_442_013_753_8).abs() < 1e-6);
    }

    #[test]
    fn log_add_handles_minus_infinity() {
        assert_eq!(log_add(f64::NEG_INFINITY, 1.5), 1.5);
        assert!((log_add(0.0, 0.0) - 2f64.ln()).abs() < 1e-15);
    }
}
