//! The Gaussian mechanism on a vector: adds N(0, σ²) to each coordinate of a
//! query whose L2 sensitivity is Δ₂. Accounted in RDP as α Δ₂²/(2σ²).

use serde_json::Map;

use super::{Released, check_finite};
use crate::accountant::calibrate_noise_multiplier;
use crate::error::{Result, delta_value, positive};
use crate::ledger::{Accounting, LedgerEntry};
use crate::noise::NoiseSource;

/// Gaussian noise calibrated to an L2 sensitivity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianMechanism {
    l2_sensitivity: f64,
    sigma: f64,
    report_delta: f64,
}

impl GaussianMechanism {
    /// Noise std `sigma` on a query of L2 sensitivity `l2_sensitivity`; the
    /// standalone ε in the ledger entry is stated at `report_delta`.
    pub fn new(l2_sensitivity: f64, sigma: f64, report_delta: f64) -> Result<Self> {
        Ok(GaussianMechanism {
            l2_sensitivity: positive("l2_sensitivity", l2_sensitivity)?,
            sigma: positive("sigma", sigma)?,
            report_delta: delta_value(report_delta)?,
        })
    }

    /// The smallest σ making one release (epsilon, delta)-DP under the RDP
    /// conversion used by the ledger (so the ledger reports exactly ε).
    pub fn calibrated(l2_sensitivity: f64, epsilon: f64, delta: f64) -> Result<Self> {
        let m = calibrate_noise_multiplier(epsilon, delta, 1, 1.0)?;
        Self::new(
            l2_sensitivity,
            m * positive("l2_sensitivity", l2_sensitivity)?,
            delta,
        )
    }

    /// Noise std.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// σ / Δ₂, the quantity that determines the privacy cost.
    pub fn noise_multiplier(&self) -> f64 {
        self.sigma / self.l2_sensitivity
    }

    /// Releases `values` + noise. The caller guarantees that the L2 distance
    /// between `values` on neighbouring datasets is at most Δ₂.
    pub fn release(
        &self,
        name: &str,
        values: &[f64],
        src: &mut impl NoiseSource,
    ) -> Result<Released<Vec<f64>>> {
        check_finite("gaussian mechanism", values)?;
        let value = values
            .iter()
            .map(|v| v + src.gaussian(self.sigma))
            .collect();
        let mut extra = Map::new();
        extra.insert("query".into(), name.into());
        extra.insert("l2_sensitivity".into(), self.l2_sensitivity.into());
        extra.insert("sigma".into(), self.sigma.into());
        extra.insert("dimension".into(), values.len().into());
        let entry = LedgerEntry::new(
            "gaussian",
            Accounting::Gaussian {
                noise_multiplier: self.noise_multiplier(),
                count: 1,
            },
            self.report_delta,
            0.0,
            extra,
        )?;
        Ok(Released { value, entry })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::SeededNoise;

    #[test]
    fn calibrated_release_reports_target_epsilon() {
        let m = GaussianMechanism::calibrated(2.0, 1.0, 1e-5).unwrap();
        let r = m
            .release("x", &[1.0, 2.0], &mut SeededNoise::insecure_from_seed(1))
            .unwrap();
        assert!(r.entry.epsilon <= 1.0 && r.entry.epsilon > 0.999);
        assert_eq!(r.value.len(), 2);
        assert!((m.sigma() / 2.0 - m.noise_multiplier()).abs() < 1e-12);
    }

    #[test]
    fn rejects_nan_input_with_row() {
        let m = GaussianMechanism::new(1.0, 1.0, 1e-5).unwrap();
        let e = m
            .release(
                "x",
                &[1.0, f64::NAN],
                &mut SeededNoise::insecure_from_seed(1),
            )
            .unwrap_err();
        assert!(e.to_string().contains("row 2"));
    }
}
