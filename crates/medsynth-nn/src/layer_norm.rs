//! Per-example layer normalisation for the generator's residual blocks.
//!
//! CTGAN uses BatchNorm there. We use LayerNorm instead: it normalises each
//! example on its own, so the output for a row does not depend on which other
//! rows share its batch. That makes sampling independent of the batch size,
//! lets a batch be split across threads without exchanging statistics, and
//! keeps the door open for per-example privacy accounting. (Measured effect on
//! speed: none worth reporting; on quality see docs/nn-engine.md.)

use crate::real::Real;

/// Variance floor, as torch's default.
pub(crate) const LN_EPS: f64 = 1e-5;

/// Normalises `z` in place to `x̂ = (z − μ)/√(σ² + ε)` and returns `1/√(σ² + ε)`.
pub(crate) fn normalise_row<T: Real>(z: &mut [T]) -> T {
    let n = T::from_f64(z.len() as f64);
    let mean = z.iter().copied().sum::<T>() / n;
    let var = z.iter().map(|&v| (v - mean) * (v - mean)).sum::<T>() / n;
    let inv_std = T::ONE / (var + T::from_f64(LN_EPS)).sqrt();
    for v in z.iter_mut() {
        *v = (*v - mean) * inv_std;
    }
    inv_std
}

/// Given `dx̂` (gradient w.r.t. the normalised row, i.e. `dy ⊙ γ`), overwrites
/// it with `dz = inv_std · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂))`.
pub(crate) fn backward_row<T: Real>(dxhat: &mut [T], xhat: &[T], inv_std: T) {
    let n = T::from_f64(dxhat.len() as f64);
    let mean_d = dxhat.iter().copied().sum::<T>() / n;
    let mean_dx = dxhat.iter().zip(xhat).map(|(&d, &x)| d * x).sum::<T>() / n;
    for (d, &x) in dxhat.iter_mut().zip(xhat) {
        *d = inv_std * (*d - mean_d - x * mean_dx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_grad_close, numeric_grad};

    #[test]
    fn layer_norm_backward_matches_finite_differences() {
        let z = [0.3f64, -1.2, 2.5, 0.7, -0.1];
        let gamma = [1.5f64, 0.5, -0.7, 1.0, 2.0];
        let c = [0.2f64, -0.4, 0.9, 0.1, -1.3];
        // loss = Σ c ⊙ (γ ⊙ x̂(z))
        let loss = |z: &[f64]| {
            let mut x = z.to_vec();
            normalise_row(&mut x);
            x.iter()
                .zip(&gamma)
                .zip(&c)
                .map(|((x, g), c)| x * g * c)
                .sum::<f64>()
        };
        let mut xhat = z.to_vec();
        let inv = normalise_row(&mut xhat);
        let mut d: Vec<f64> = gamma.iter().zip(&c).map(|(g, c)| g * c).collect();
        backward_row(&mut d, &xhat, inv);
        assert_grad_close(&d, &numeric_grad(&z, loss), 1e-7);
    }

    #[test]
    fn normalised_row_has_zero_mean_unit_variance() {
        let mut z = vec![1.0f64, 2.0, 3.0, 10.0];
        normalise_row(&mut z);
        let mean: f64 = z.iter().sum::<f64>() / 4.0;
        let var: f64 = z.iter().map(|v| v * v).sum::<f64>() / 4.0;
        assert!(mean.abs() < 1e-12);
        assert!((var - 1.0).abs() < 1e-5);
    }
}
