//! Element-wise and per-span activations with their backward passes.
//!
//! The generator's output row is a concatenation of spans produced by the
//! model's encoder: `tanh` for the scalar part of a mode-specific normalised
//! number, Gumbel-softmax for one-hot blocks, identity where the encoder wants
//! raw values. Backward passes are written in terms of the *outputs* (tanh and
//! softmax derivatives are functions of y), so no pre-activation copy is kept.

use crate::config::{OutputSpan, SpanActivation};
use crate::real::Real;

/// Slope of LeakyReLU at `z` (1 for z > 0, `slope` otherwise). Multiplying a
/// pre-activation by it gives the activation; multiplying a gradient by it
/// gives the backward pass — one mask serves both, and it is the constant the
/// closed-form gradient penalty needs.
#[inline(always)]
pub(crate) fn leaky_slope<T: Real>(z: T, slope: T) -> T {
    if z > T::ZERO { T::ONE } else { slope }
}

/// Numerically stable softmax of `(x + g)/τ` written into `out`.
pub(crate) fn gumbel_softmax_row<T: Real>(x: &[T], g: &[T], inv_tau: T, out: &mut [T]) {
    let mut max = T::from_f64(f64::NEG_INFINITY);
    for ((o, &xi), &gi) in out.iter_mut().zip(x).zip(g) {
        *o = (xi + gi) * inv_tau;
        max = max.max(*o);
    }
    softmax_in_place(out, max);
}

fn softmax_in_place<T: Real>(v: &mut [T], max: T) {
    let mut sum = T::ZERO;
    for o in v.iter_mut() {
        *o = (*o - max).exp();
        sum += *o;
    }
    let inv = T::ONE / sum;
    for o in v.iter_mut() {
        *o *= inv;
    }
}

/// Backward of `y = softmax(s/τ)`: `ds = (1/τ)·y ⊙ (dy − Σ dy⊙y)`, written into `ds`
/// (overwrites).
pub(crate) fn softmax_backward_row<T: Real>(y: &[T], dy: &[T], inv_tau: T, ds: &mut [T]) {
    let dot: T = y.iter().zip(dy).map(|(&a, &b)| a * b).sum();
    for ((d, &yi), &dyi) in ds.iter_mut().zip(y).zip(dy) {
        *d = inv_tau * yi * (dyi - dot);
    }
}

/// Applies every span's activation to one row of logits. `gumbel` holds the
/// Gumbel noise for softmax spans (ignored elsewhere).
pub(crate) fn activate_row<T: Real>(
    spans: &[OutputSpan],
    inv_tau: T,
    logits: &[T],
    gumbel: &[T],
    out: &mut [T],
) {
    for s in spans {
        let r = s.start..s.start + s.width;
        match s.activation {
            SpanActivation::Tanh => {
                for (o, &x) in out[r.clone()].iter_mut().zip(&logits[r]) {
                    *o = x.tanh();
                }
            }
            SpanActivation::Identity => out[r.clone()].copy_from_slice(&logits[r]),
            SpanActivation::Softmax => {
                gumbel_softmax_row(&logits[r.clone()], &gumbel[r.clone()], inv_tau, &mut out[r]);
            }
        }
    }
}

/// Backward of [`activate_row`]: from `dout` (gradient w.r.t. the activated
/// row) and the activated row `out`, writes `dlogits` (overwrites).
pub(crate) fn activate_backward_row<T: Real>(
    spans: &[OutputSpan],
    inv_tau: T,
    out: &[T],
    dout: &[T],
    dlogits: &mut [T],
) {
    for s in spans {
        let r = s.start..s.start + s.width;
        match s.activation {
            SpanActivation::Tanh => {
                for ((d, &y), &dy) in dlogits[r.clone()]
                    .iter_mut()
                    .zip(&out[r.clone()])
                    .zip(&dout[r])
                {
                    *d = dy * (T::ONE - y * y);
                }
            }
            SpanActivation::Identity => dlogits[r.clone()].copy_from_slice(&dout[r]),
            SpanActivation::Softmax => {
                softmax_backward_row(&out[r.clone()], &dout[r.clone()], inv_tau, &mut dlogits[r]);
            }
        }
    }
}

/// Cross-entropy `−log softmax(x)[target]`; adds `scale·(softmax(x) − onehot)` to
/// `dx` and returns the loss. `probs` is scratch of the same width.
pub(crate) fn cross_entropy_row<T: Real>(
    x: &[T],
    target: usize,
    scale: T,
    probs: &mut [T],
    dx: &mut [T],
) -> T {
    let mut max = T::from_f64(f64::NEG_INFINITY);
    for &v in x {
        max = max.max(v);
    }
    probs.copy_from_slice(x);
    softmax_in_place(probs, max);
    let sum_exp: T = x.iter().map(|&v| (v - max).exp()).sum();
    let loss = -(x[target] - max - sum_exp.ln());
    for (j, (d, &p)) in dx.iter_mut().zip(probs.iter()).enumerate() {
        let onehot = if j == target { T::ONE } else { T::ZERO };
        *d += scale * (p - onehot);
    }
    loss
}

/// Index of the largest value (first on ties), the decoder's reading of a
/// one-hot block and the target class of a conditional vector.
pub(crate) fn argmax<T: Real>(v: &[T]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_grad_close, numeric_grad};

    fn spans() -> Vec<OutputSpan> {
        vec![
            OutputSpan {
                start: 0,
                width: 2,
                activation: SpanActivation::Tanh,
            },
            OutputSpan {
                start: 2,
                width: 3,
                activation: SpanActivation::Softmax,
            },
            OutputSpan {
                start: 5,
                width: 1,
                activation: SpanActivation::Identity,
            },
        ]
    }

    #[test]
    fn span_activation_backward_matches_finite_differences() {
        let spans = spans();
        let x = [0.4f64, -0.9, 0.3, -0.2, 0.5, 1.7];
        let g = [0.0f64, 0.0, 0.11, -0.73, 0.35, 0.0]; // fixed Gumbel noise
        let c = [0.5f64, -1.0, 0.8, 0.2, -0.6, 0.9];
        let inv_tau = 1.0 / 0.7;
        let loss = |x: &[f64]| {
            let mut out = [0.0; 6];
            activate_row(&spans, inv_tau, x, &g, &mut out);
            out.iter().zip(&c).map(|(a, b)| a * b).sum::<f64>()
        };
        let mut out = [0.0; 6];
        activate_row(&spans, inv_tau, &x, &g, &mut out);
        let softmax_sum: f64 = out[2..5].iter().sum();
        assert!((softmax_sum - 1.0).abs() < 1e-12);
        let mut d = [0.0; 6];
        activate_backward_row(&spans, inv_tau, &out, &c, &mut d);
        assert_grad_close(&d, &numeric_grad(&x, loss), 1e-7);
    }

    #[test]
    fn cross_entropy_gradient_matches_finite_differences() {
        let x = [0.2f64, -1.1, 2.3, 0.0];
        let loss = |x: &[f64]| {
            let mut p = [0.0; 4];
            let mut d = [0.0; 4];
            cross_entropy_row(x, 1, 1.0, &mut p, &mut d)
        };
        let mut p = [0.0; 4];
        let mut d = [0.0; 4];
        let l = cross_entropy_row(&x, 1, 1.0, &mut p, &mut d);
        let direct = -(x[1].exp() / x.iter().map(|v| v.exp()).sum::<f64>()).ln();
        assert!((l - direct).abs() < 1e-12);
        assert_grad_close(&d, &numeric_grad(&x, loss), 1e-7);
    }

    #[test]
    fn leaky_slope_is_the_derivative() {
        for &z in &[-2.0f64, -0.1, 0.3, 5.0] {
            let f = |z: f64| z * leaky_slope(z, 0.2);
            let num = (f(z + 1e-6) - f(z - 1e-6)) / 2e-6;
            assert!((num - leaky_slope(z, 0.2)).abs() < 1e-8);
        }
    }

    #[test]
    fn argmax_takes_first_maximum() {
        assert_eq!(argmax(&[0.1f32, 0.9, 0.9, 0.2]), 1);
        assert_eq!(argmax::<f32>(&[]), 0);
    }
}
