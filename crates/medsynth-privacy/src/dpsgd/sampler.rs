//! Poisson subsampling: each record enters a batch independently with
//! probability q, so batch sizes vary (mean q·n). This — not fixed-size
//! shuffled batches — is what the subsampled-Gaussian RDP bound assumes.
//!
//! The analysis also assumes the sample is secret, so the sampler draws from
//! the OS-seeded CSPRNG, like the noise; the user's `--seed` does not make
//! batches reproducible. Only tests use [`PoissonSampler::insecure_seeded`].

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use crate::error::{PrivacyError, Result, unit_interval};
use crate::noise::OsNoise;

/// Draws Poisson-subsampled batches of record indices.
#[derive(Debug)]
pub struct PoissonSampler {
    n: usize,
    q: f64,
    /// ln(1 − q), cached for geometric skipping.
    ln_1mq: f64,
    rng: ChaCha20Rng,
}

impl PoissonSampler {
    /// A sampler over `n` records with rate `q` ∈ (0, 1], seeded from the OS.
    pub fn new(n: usize, q: f64) -> Result<Self> {
        let mut os = OsNoise::new()?;
        let rng = ChaCha20Rng::from_rng(os.rng());
        Self::with_rng(n, q, rng)
    }

    /// Reproducible sampler for tests only: **the privacy analysis does not
    /// hold** when the sample can be recomputed from a known seed.
    pub fn insecure_seeded(n: usize, q: f64, seed: u64) -> Result<Self> {
        Self::with_rng(n, q, ChaCha20Rng::seed_from_u64(seed))
    }

    fn with_rng(n: usize, q: f64, rng: ChaCha20Rng) -> Result<Self> {
        unit_interval("sampling_rate", q)?;
        if q == 0.0 || n == 0 {
            return Err(PrivacyError::InvalidParameter {
                name: "sampling_rate",
                value: q,
                hint: format!("must be > 0 with at least one record (n = {n}); use batch_size / n"),
            });
        }
        Ok(PoissonSampler {
            n,
            q,
            ln_1mq: (-q).ln_1p(),
            rng,
        })
    }

    /// The sampling rate q.
    pub fn sampling_rate(&self) -> f64 {
        self.q
    }

    /// Expected batch size q·n (the denominator DP-SGD divides the noisy sum by).
    pub fn expected_batch_size(&self) -> f64 {
        self.q * self.n as f64
    }

    /// Fills `out` with the indices of the next batch, in increasing order.
    /// Costs O(batch) rather than O(n): the gap to the next selected record
    /// is geometric, drawn as ⌊ln U / ln(1 − q)⌋.
    pub fn sample_into(&mut self, out: &mut Vec<usize>) {
        out.clear();
        if self.q >= 1.0 {
            out.extend(0..self.n);
            return;
        }
        let mut i: usize = 0;
        loop {
            // U in (0, 1]: 1 − U[0, 1).
            let u = 1.0 - self.rng.random::<f64>();
            let skip = (u.ln() / self.ln_1mq).floor();
            // skip is ≥ 0 and never NaN (ln u ≤ 0 finite, ln(1 − q) < 0).
            if skip >= (self.n - i) as f64 {
                return;
            }
            i += skip as usize;
            out.push(i);
            i += 1;
            if i >= self.n {
                return;
            }
        }
    }

    /// The next batch as a new vector.
    pub fn sample(&mut self) -> Vec<usize> {
        let mut v = Vec::with_capacity((self.expected_batch_size() * 1.2) as usize + 8);
        self.sample_into(&mut v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_sizes_have_binomial_mean_and_variance() {
        let (n, q) = (10_000, 0.02);
        let mut s = PoissonSampler::insecure_seeded(n, q, 11).unwrap();
        let sizes: Vec<f64> = (0..2000).map(|_| s.sample().len() as f64).collect();
        let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
        let var = sizes.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (sizes.len() - 1) as f64;
        let (m0, v0) = (n as f64 * q, n as f64 * q * (1.0 - q));
        assert!(
            (mean - m0).abs() < 4.0 * (v0 / 2000.0).sqrt(),
            "mean {mean}"
        );
        assert!((var / v0 - 1.0).abs() < 0.15, "var {var} vs {v0}");
    }

    #[test]
    fn each_index_has_probability_q() {
        let (n, q) = (50, 0.3);
        let mut s = PoissonSampler::insecure_seeded(n, q, 3).unwrap();
        let mut hits = vec![0u32; n];
        let rounds = 20_000;
        for _ in 0..rounds {
            for i in s.sample() {
                hits[i] += 1;
            }
        }
        let sd = (rounds as f64 * q * (1.0 - q)).sqrt();
        for h in hits {
            assert!((h as f64 - rounds as f64 * q).abs() < 5.0 * sd);
        }
    }

    #[test]
    fn indices_sorted_unique_in_range_and_full_rate_takes_all() {
        let mut s = PoissonSampler::insecure_seeded(1000, 0.5, 1).unwrap();
        let b = s.sample();
        assert!(b.windows(2).all(|w| w[0] < w[1]) && b.iter().all(|&i| i < 1000));
        let mut all = PoissonSampler::insecure_seeded(7, 1.0, 1).unwrap();
        assert_eq!(all.sample(), (0..7).collect::<Vec<_>>());
        assert!(PoissonSampler::new(10, 0.0).is_err());
        assert!(PoissonSampler::new(0, 0.1).is_err());
        assert!(PoissonSampler::new(10, 0.1).is_ok());
    }
}
