//! The Laplace mechanism on a vector: adds Laplace(0, b) to each coordinate of
//! a query of L1 sensitivity Δ₁; pure ε = Δ₁/b. Accounted in RDP with the
//! exact Laplace curve (Mironov 2017), which composes better than ε sums.

use serde_json::Map;

use super::{Released, check_finite};
use crate::error::{Result, positive};
use crate::ledger::{Accounting, LedgerEntry};
use crate::noise::NoiseSource;

/// Laplace noise calibrated to an L1 sensitivity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LaplaceMechanism {
    l1_sensitivity: f64,
    scale: f64,
}

impl LaplaceMechanism {
    /// Scale `scale` on a query of L1 sensitivity `l1_sensitivity`.
    pub fn new(l1_sensitivity: f64, scale: f64) -> Result<Self> {
        Ok(LaplaceMechanism {
            l1_sensitivity: positive("l1_sensitivity", l1_sensitivity)?,
            scale: positive("scale", scale)?,
        })
    }

    /// b = Δ₁/ε, the ε-DP Laplace mechanism.
    pub fn calibrated(l1_sensitivity: f64, epsilon: f64) -> Result<Self> {
        let l1 = positive("l1_sensitivity", l1_sensitivity)?;
        Self::new(l1, l1 / positive("epsilon", epsilon)?)
    }

    /// The Laplace scale b.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Pure ε of one release.
    pub fn epsilon(&self) -> f64 {
        self.l1_sensitivity / self.scale
    }

    /// Releases `values` + noise; the caller guarantees the L1 sensitivity.
    pub fn release(
        &self,
        name: &str,
        values: &[f64],
        src: &mut impl NoiseSource,
    ) -> Result<Released<Vec<f64>>> {
        check_finite("laplace mechanism", values)?;
        let value = values.iter().map(|v| v + src.laplace(self.scale)).collect();
        let mut extra = Map::new();
        extra.insert("query".into(), name.into());
        extra.insert("l1_sensitivity".into(), self.l1_sensitivity.into());
        extra.insert("scale".into(), self.scale.into());
        extra.insert("dimension".into(), values.len().into());
        let entry = LedgerEntry::new(
            "laplace",
            Accounting::Laplace {
                noise_multiplier: self.scale / self.l1_sensitivity,
                count: 1,
            },
            1e-10,
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
    fn entry_is_pure_epsilon() {
        let m = LaplaceMechanism::calibrated(1.0, 0.5).unwrap();
        let r = m
            .release("c", &[10.0], &mut SeededNoise::insecure_from_seed(3))
            .unwrap();
        assert!((r.entry.epsilon - 0.5).abs() < 1e-12);
        assert_eq!(r.entry.delta, 0.0);
        assert!((m.scale() - 2.0).abs() < 1e-12);
    }
}
