//! Conversion of an RDP curve into an (ε, δ) guarantee.
//!
//! Uses the improved conversion of Balle et al. (2020, Prop. 12) /
//! Canonne, Kamath & Steinke (2020, Eq. 20):
//! ε = RDP(α) + ln(1 − 1/α) − (ln δ + ln α)/(α − 1), minimised over the
//! orders, plus the KL bound δ ≤ √(1 − e^{−RDP}) that gives ε = 0 for tiny
//! curves — exactly what `dp_accounting.rdp.compute_epsilon` does.

use crate::error::{PrivacyError, Result, delta_value};

/// The (ε, δ) guarantee read off an RDP curve, with the order that achieved it
/// (useful to check the order grid is wide enough: an optimum at the first or
/// last order means the grid limits the bound).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpsilonAtOrder {
    /// The ε guarantee.
    pub epsilon: f64,
    /// The Rényi order at which the minimum was attained.
    pub order: f64,
}

/// Smallest ε such that a mechanism with the RDP curve `rdp` over `orders` is
/// (ε, δ)-DP.
pub fn epsilon_from_rdp(orders: &[f64], rdp: &[f64], delta: f64) -> Result<EpsilonAtOrder> {
    delta_value(delta)?;
    if orders.len() != rdp.len() || orders.is_empty() {
        return Err(PrivacyError::InvalidInput {
            mechanism: "rdp conversion",
            message: format!(
                "{} orders but {} RDP values (need the same, non-zero number)",
                orders.len(),
                rdp.len()
            ),
        });
    }
    let mut best = EpsilonAtOrder {
        epsilon: f64::INFINITY,
        order: orders[0],
    };
    for (&a, &r) in orders.iter().zip(rdp) {
        if a.is_nan() || a < 1.0 {
            return Err(PrivacyError::InvalidParameter {
                name: "order",
                value: a,
                hint: "Rényi orders must be at least 1".into(),
            });
        }
        let eps = if r.is_nan() {
            f64::INFINITY
        } else if r < 0.0 || delta * delta + (-r).exp_m1() > 0.0 {
            0.0
        } else if a > 1.01 {
            r + (-1.0 / a).ln_1p() - (delta * a).ln() / (a - 1.0)
        } else {
            f64::INFINITY
        };
        if eps < best.epsilon {
            best = EpsilonAtOrder {
                epsilon: eps,
                order: a,
            };
        }
    }
    best.epsilon = best.epsilon.max(0.0);
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_conversion_matches_hand_computation() {
        // Single order α = 10, RDP = 0.5 → ε = 0.5 + ln(0.9) − ln(1e-5·10)/9.
        let e = epsilon_from_rdp(&[10.0], &[0.5], 1e-5).unwrap();
        let expect = 0.5 + 0.9f64.ln() - (1e-4f64).ln() / 9.0;
        assert!((e.epsilon - expect).abs() < 1e-12);
    }

    #[test]
    fn picks_the_best_order() {
        let orders = [2.0, 8.0, 32.0];
        let rdp: Vec<f64> = orders.iter().map(|a| a / (2.0 * 4.0)).collect();
        let e = epsilon_from_rdp(&orders, &rdp, 1e-5).unwrap();
        for (&a, &r) in orders.iter().zip(&rdp) {
            let single = epsilon_from_rdp(&[a], &[r], 1e-5).unwrap();
            assert!(e.epsilon <= single.epsilon);
        }
    }

    #[test]
    fn rejects_bad_delta_and_shapes() {
        assert!(epsilon_from_rdp(&[2.0], &[0.1], 0.0).is_err());
        assert!(epsilon_from_rdp(&[2.0], &[0.1], 1.0).is_err());
        assert!(epsilon_from_rdp(&[2.0, 3.0], &[0.1], 1e-5).is_err());
        assert!(epsilon_from_rdp(&[0.5], &[0.1], 1e-5).is_err());
    }
}
