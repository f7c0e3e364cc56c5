//! [`DpSgdPlan`]: the four numbers that determine DP-SGD's privacy cost.

use serde_json::Map;

use crate::accountant::{calibrate_noise_multiplier, dp_sgd_epsilon};
use crate::error::{PrivacyError, Result, positive, unit_interval};
use crate::ledger::{Accounting, LedgerEntry};
use crate::noise::NoiseSource;

/// DP-SGD configuration: noise std = `noise_multiplier` × `clip_norm` added to
/// the sum of clipped per-example gradients of a Poisson sample at
/// `sampling_rate`, for `steps` steps.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DpSgdPlan {
    /// σ/C: noise std relative to the clip norm; the only knob of the privacy cost besides q and steps.
    pub noise_multiplier: f64,
    /// q: probability that a record is in a given batch (expected batch size / n).
    pub sampling_rate: f64,
    /// Number of noisy gradient steps (of the network that sees real data).
    pub steps: u64,
    /// C: per-example gradient L2 norm bound; sets the sensitivity of the gradient sum.
    pub clip_norm: f64,
}

impl DpSgdPlan {
    /// Validates and builds a plan.
    pub fn new(
        noise_multiplier: f64,
        sampling_rate: f64,
        steps: u64,
        clip_norm: f64,
    ) -> Result<Self> {
        positive("noise_multiplier", noise_multiplier)?;
        positive("clip_norm", clip_norm)?;
        unit_interval("sampling_rate", sampling_rate)?;
        if sampling_rate == 0.0 {
            return Err(PrivacyError::InvalidParameter {
                name: "sampling_rate",
                value: 0.0,
                hint: "must be > 0; it is batch_size / number_of_records".into(),
            });
        }
        Ok(DpSgdPlan {
            noise_multiplier,
            sampling_rate,
            steps,
            clip_norm,
        })
    }

    /// The plan with the smallest noise multiplier that keeps `steps` steps
    /// at rate `q` within (target_epsilon, delta).
    pub fn calibrate(
        target_epsilon: f64,
        delta: f64,
        steps: u64,
        q: f64,
        clip_norm: f64,
    ) -> Result<Self> {
        let sigma = calibrate_noise_multiplier(target_epsilon, delta, steps, q)?;
        Self::new(sigma, q, steps, clip_norm)
    }

    /// ε of the whole plan at `delta` (RDP accountant, default orders).
    pub fn epsilon(&self, delta: f64) -> Result<f64> {
        dp_sgd_epsilon(self.sampling_rate, self.noise_multiplier, self.steps, delta)
    }

    /// Standard deviation of the noise added to the clipped gradient sum.
    pub fn noise_std(&self) -> f64 {
        self.noise_multiplier * self.clip_norm
    }

    /// Adds N(0, (σC)²) to each coordinate of the clipped gradient sum, then
    /// divides by the *expected* batch size q·n (dividing by the realised,
    /// data-dependent batch size would leak it).
    pub fn privatize_sum(
        &self,
        sum: &mut [f32],
        n_records: usize,
        src: &mut impl NoiseSource,
    ) -> Result<()> {
        if n_records == 0 {
            return Err(PrivacyError::InvalidInput {
                mechanism: "dp-sgd",
                message: "the dataset has no records".into(),
            });
        }
        let std = self.noise_std();
        let inv = 1.0 / (self.sampling_rate * n_records as f64);
        for s in sum.iter_mut() {
            *s = ((f64::from(*s) + src.gaussian(std)) * inv) as f32;
        }
        Ok(())
    }

    /// The ledger entry for the plan (or for the steps actually taken, via
    /// [`DpSgdPlan::with_steps`]), with ε stated at `delta`.
    pub fn ledger_entry(&self, delta: f64) -> Result<LedgerEntry> {
        let mut extra = Map::new();
        extra.insert("clip_norm".into(), self.clip_norm.into());
        LedgerEntry::new(
            "dp_sgd",
            Accounting::PoissonSubsampledGaussian {
                noise_multiplier: self.noise_multiplier,
                sampling_rate: self.sampling_rate,
                steps: self.steps,
            },
            delta,
            0.0,
            extra,
        )
    }

    /// Same plan with a different step count (e.g. training stopped early).
    pub fn with_steps(&self, steps: u64) -> Self {
        DpSgdPlan { steps, ..*self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::SeededNoise;

    #[test]
    fn calibrate_then_epsilon_round_trips() {
        let p = DpSgdPlan::calibrate(2.0, 1e-5, 500, 0.02, 1.0).unwrap();
        let e = p.epsilon(1e-5).unwrap();
        assert!(e <= 2.0 && e > 1.99, "{e}");
        let entry = p.ledger_entry(1e-5).unwrap();
        assert!((entry.epsilon - e).abs() < 1e-12);
        assert_eq!(entry.params["steps"], 500);
    }

    #[test]
    fn privatize_divides_by_expected_batch() {
        let p = DpSgdPlan::new(1e-9, 0.1, 1, 1.0).unwrap();
        let mut s = [10.0f32, 20.0];
        p.privatize_sum(&mut s, 100, &mut SeededNoise::insecure_from_seed(1))
            .unwrap();
        assert!((s[0] - 1.0).abs() < 1e-5 && (s[1] - 2.0).abs() < 1e-5);
    }

    #[test]
    fn invalid_plans_are_rejected() {
        assert!(DpSgdPlan::new(0.0, 0.1, 1, 1.0).is_err());
        assert!(DpSgdPlan::new(1.0, 0.0, 1, 1.0).is_err());
        assert!(DpSgdPlan::new(1.0, 0.1, 1, f64::NAN).is_err());
    }
}
