//! The one source of differential-privacy randomness.
//!
//! DP noise must be unpredictable to anyone who knows the code and the user's
//! `--seed`: if the noise could be replayed, it could be subtracted and the
//! guarantee would be void. Production code therefore draws noise only from
//! [`OsNoise`], a ChaCha20 CSPRNG whose 256-bit key comes from the operating
//! system (`getrandom`) and which has no constructor taking a seed. The
//! user's seed controls everything else (weight init, shuffling of synthetic
//! output), never the noise nor the Poisson sample of DP-SGD.
//!
//! [`NoiseSource`] is a trait so that tests and audits can inject a
//! reproducible source ([`SeededNoise`]); such a source gives **no privacy**.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rand_distr::{Exp1, StandardNormal};

use crate::error::{PrivacyError, Result};

/// Randomness for DP mechanisms. Implementations must be cryptographically
/// secure and secret in production; see the module docs.
pub trait NoiseSource {
    /// A draw from N(0, 1).
    fn standard_normal(&mut self) -> f64;
    /// A draw from Exp(1).
    fn standard_exponential(&mut self) -> f64;
    /// A draw from U[0, 1).
    fn uniform(&mut self) -> f64;

    /// A draw from N(0, σ²).
    fn gaussian(&mut self, sigma: f64) -> f64 {
        sigma * self.standard_normal()
    }

    /// A draw from Laplace(0, b): the difference of two Exp(1) draws scaled
    /// by b has exactly this law, and avoids the ln(0) edge of inverse-CDF
    /// sampling.
    fn laplace(&mut self, scale: f64) -> f64 {
        scale * (self.standard_exponential() - self.standard_exponential())
    }

    /// A draw from the discrete Laplace distribution P(k) ∝ exp(−|k|/t) on
    /// the integers, as the difference of two geometric variables (each
    /// ⌊E/(1/t)⌋ = ⌊t·E⌋ with E ~ Exp(1), which is geometric with success
    /// probability 1 − e^{−1/t}). Integer-valued noise for integer queries
    /// leaves no low-order floating-point bits to attack (Mironov 2012).
    fn discrete_laplace(&mut self, t: f64) -> i64 {
        let g1 = (t * self.standard_exponential()).floor();
        let g2 = (t * self.standard_exponential()).floor();
        // Saturating casts: values beyond i64 have probability ~0 for any
        // scale a user can configure.
        (g1 as i64).saturating_sub(g2 as i64)
    }

    /// A draw from the discrete Gaussian P(k) ∝ exp(−k²/(2σ²)) on the
    /// integers, by rejection from a discrete Laplace (Canonne, Kamath &
    /// Steinke 2020, Algorithm 3). The acceptance test uses floating point,
    /// so the law is exact up to ~1e-16 relative error per probability.
    fn discrete_gaussian(&mut self, sigma: f64) -> i64 {
        let t = sigma.floor() + 1.0;
        let s2 = sigma * sigma;
        loop {
            let y = self.discrete_laplace(t);
            let d = (y.unsigned_abs() as f64) - s2 / t;
            if self.uniform() < (-d * d / (2.0 * s2)).exp() {
                return y;
            }
        }
    }
}

/// The production noise source: ChaCha20 keyed from operating-system entropy.
#[derive(Debug)]
pub struct OsNoise {
    rng: ChaCha20Rng,
}

impl OsNoise {
    /// Seeds a fresh CSPRNG from the OS. Fails (rather than falling back to a
    /// weak seed) if the OS has no entropy to give.
    pub fn new() -> Result<Self> {
        ChaCha20Rng::try_from_os_rng()
            .map(|rng| OsNoise { rng })
            .map_err(|e| PrivacyError::Entropy(e.to_string()))
    }

    /// Access to the underlying CSPRNG for secret sampling decisions (the
    /// Poisson sample of DP-SGD).
    pub(crate) fn rng(&mut self) -> &mut ChaCha20Rng {
        &mut self.rng
    }
}

impl NoiseSource for OsNoise {
    fn standard_normal(&mut self) -> f64 {
        self.rng.sample(StandardNormal)
    }
    fn standard_exponential(&mut self) -> f64 {
        self.rng.sample(Exp1)
    }
    fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }
}

/// A reproducible noise source for tests and audits only. **It provides no
/// privacy**: anyone knowing the seed can remove the noise. Nothing in the
/// CLI constructs it.
#[derive(Debug, Clone)]
pub struct SeededNoise {
    rng: ChaCha20Rng,
}

impl SeededNoise {
    /// Builds the insecure, reproducible source from `seed`.
    pub fn insecure_from_seed(seed: u64) -> Self {
        SeededNoise {
            rng: ChaCha20Rng::seed_from_u64(seed),
        }
    }
}

impl NoiseSource for SeededNoise {
    fn standard_normal(&mut self) -> f64 {
        self.rng.sample(StandardNormal)
    }
    fn standard_exponential(&mut self) -> f64 {
        self.rng.sample(Exp1)
    }
    fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_noise_streams_differ() {
        let mut a = OsNoise::new().unwrap();
        let mut b = OsNoise::new().unwrap();
        let xa: Vec<f64> = (0..8).map(|_| a.standard_normal()).collect();
        let xb: Vec<f64> = (0..8).map(|_| b.standard_normal()).collect();
        assert_ne!(xa, xb);
    }

    #[test]
    fn seeded_noise_is_reproducible() {
        let mut a = SeededNoise::insecure_from_seed(7);
        let mut b = SeededNoise::insecure_from_seed(7);
        for _ in 0..8 {
            assert_eq!(a.laplace(2.0), b.laplace(2.0));
        }
    }
}
