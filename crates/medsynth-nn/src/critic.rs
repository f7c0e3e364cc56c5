//! The PacGAN critic `Linear → LeakyReLU → Dropout → … → Linear → 1` and its
//! backward passes, including the closed-form WGAN gradient penalty.
//!
//! # Gradient penalty without second-order autodiff
//! For an input row x (pac examples side by side), with layers `W_0 … W_L`
//! (the last one maps to the scalar score) and per-row constant masks
//! `m_l = leaky'(z_l) ⊙ dropout_l`, the input gradient is the usual backward
//! chain started from dy = 1:
//! `u_L+1 = 1,  v_l = u_{l+1} W_lᵀ,  u_l = v_l ⊙ m_{l-1} …,  g_x = u_0 W_0ᵀ`
//! (in code: `dz_l` for the interpolate rows *is* `u_l`). The penalty is
//! `P = λ/G Σ_g (‖g_x,g‖ − 1)²`, so `∂P/∂g_x = λ/G · 2(‖g‖ − 1)/‖g‖ · g =: dv_0`.
//! Walking the chain forwards, each `v_l = u_{l+1} W_lᵀ`… gives
//! `∂P/∂W_l += dv_lᵀ u_l`, `du_l = dv_l W_l`, `dv_{l+1} = du_l ⊙ m_l`, and no bias
//! gradient (the masks are constants almost everywhere, so this is exact
//! a.e. for piecewise-linear activations).
//!
//! The implementation stacks `[real; fake; interpolates]` into one batch so the
//! forward pass is one GEMM per layer. After the standard backward chain, the
//! interpolate rows of each layer's input buffer are overwritten by `dv_l`, so
//! `dW_l += inputᵀ·dz` over *all* rows adds the Wasserstein and the penalty
//! contributions in a single GEMM.

use rand::Rng;

use crate::activation::leaky_slope;
use crate::config::GanConfig;
use crate::gemm::{MatMut, MatRef, gemm};
use crate::linear::{Linear, add_column_sums};
use crate::real::Real;

#[derive(Debug, Clone)]
pub(crate) struct CriticLayout {
    pub input_dim: usize,
    /// Hidden layers then the output layer (output width 1).
    pub layers: Vec<Linear>,
    pub n_params: usize,
}

impl CriticLayout {
    pub fn new(c: &GanConfig) -> Self {
        let input_dim = c.critic_input_dim();
        let mut offset = 0;
        let mut layers = Vec::with_capacity(c.critic_hidden.len() + 1);
        let mut prev = input_dim;
        for &h in &c.critic_hidden {
            layers.push(Linear::new(prev, h, &mut offset));
            prev = h;
        }
        layers.push(Linear::new(prev, 1, &mut offset));
        CriticLayout {
            input_dim,
            layers,
            n_params: offset,
        }
    }

    pub fn hidden(&self) -> usize {
        self.layers.len() - 1
    }

    pub fn init<T: Real, R: Rng + ?Sized>(&self, p: &mut [T], rng: &mut R) {
        for l in &self.layers {
            l.init(p, rng);
        }
    }

    pub fn tensors(&self) -> Vec<(String, usize, Vec<usize>)> {
        let mut v = Vec::new();
        let last = self.layers.len() - 1;
        for (i, l) in self.layers.iter().enumerate() {
            let name = if i == last {
                "critic.out".to_string()
            } else {
                format!("critic.layer{i}")
            };
            v.push((format!("{name}.weight"), l.w, vec![l.input, l.output]));
            v.push((format!("{name}.bias"), l.b, vec![l.output]));
        }
        v
    }
}

/// Scratch for the critic over up to `capacity` rows (critic rows, i.e. pac groups).
#[derive(Debug, Clone)]
pub(crate) struct CriticWorkspace<T> {
    pub capacity: usize,
    /// `acts[0]` is the input; `acts[l]` the output of hidden layer l−1.
    pub acts: Vec<Vec<T>>,
    /// Per hidden layer: leaky slope × dropout scale.
    pub masks: Vec<Vec<T>>,
    /// Per hidden layer: dropout scale (0 or 1/(1−p)), drawn before the pass.
    pub drops: Vec<Vec<T>>,
    /// Per layer (hidden and output): gradient w.r.t. its pre-activation.
    pub dzs: Vec<Vec<T>>,
    /// Scores (capacity × 1).
    pub y: Vec<T>,
    /// Scratch for the penalty's `du` (capacity × max width).
    pub du: Vec<T>,
    /// Gradient w.r.t. the input (generator step).
    pub dx: Vec<T>,
    /// Interpolation weight per pac group.
    pub alpha: Vec<T>,
    /// Per-example gradient norms (DP step) and a copy to take their median.
    pub norms: Vec<T>,
    pub norms_sorted: Vec<T>,
}

impl<T: Real> CriticWorkspace<T> {
    pub fn new(l: &CriticLayout, capacity: usize) -> Self {
        let mut acts = vec![vec![T::ZERO; capacity * l.input_dim]];
        let mut masks = Vec::new();
        let mut drops = Vec::new();
        let mut dzs = Vec::new();
        let mut max_w = 1;
        for (i, layer) in l.layers.iter().enumerate() {
            dzs.push(vec![T::ZERO; capacity * layer.output]);
            max_w = max_w.max(layer.output);
            if i < l.hidden() {
                acts.push(vec![T::ZERO; capacity * layer.output]);
                masks.push(vec![T::ZERO; capacity * layer.output]);
                drops.push(vec![T::ONE; capacity * layer.output]);
            }
        }
        CriticWorkspace {
            capacity,
            acts,
            masks,
            drops,
            dzs,
            y: vec![T::ZERO; capacity],
            du: vec![T::ZERO; capacity * max_w],
            dx: vec![T::ZERO; capacity * l.input_dim],
            alpha: vec![T::ZERO; capacity],
            norms: vec![T::ZERO; capacity],
            norms_sorted: vec![T::ZERO; capacity],
        }
    }

    /// Draws dropout scales for rows `0..n` (keep with probability 1−p, scaled
    /// by 1/(1−p) so the expected activation is unchanged, as torch does).
    pub fn draw_dropout<R: Rng + ?Sized>(
        &mut self,
        l: &CriticLayout,
        n: usize,
        p: f32,
        rng: &mut R,
    ) {
        let keep = T::from_f64(1.0 / (1.0 - p as f64));
        for (li, d) in self.drops.iter_mut().enumerate() {
            let w = l.layers[li].output;
            let d = &mut d[..n * w];
            if p <= 0.0 {
                d.fill(T::ONE);
            } else {
                for v in d {
                    *v = if rng.random::<f32>() < p {
                        T::ZERO
                    } else {
                        keep
                    };
                }
            }
        }
    }
}

/// Forward pass over rows `0..n` of `ws.acts[0]`; scores into `ws.y`.
pub(crate) fn forward<T: Real>(
    l: &CriticLayout,
    p: &[T],
    ws: &mut CriticWorkspace<T>,
    n: usize,
    slope: T,
) {
    let hidden = l.hidden();
    for (li, layer) in l.layers.iter().enumerate() {
        let (prev, next) = ws.acts.split_at_mut(li + 1);
        let x = MatRef::new(&prev[li], n, layer.input);
        if li < hidden {
            let a = &mut next[0];
            layer.forward(p, x, MatMut::new(a, n, layer.output));
            let m = &mut ws.masks[li][..n * layer.output];
            let d = &ws.drops[li][..n * layer.output];
            for ((a, m), &d) in a[..n * layer.output].iter_mut().zip(m.iter_mut()).zip(d) {
                *m = leaky_slope(*a, slope) * d;
                *a *= *m;
            }
        } else {
            layer.forward(p, x, MatMut::new(&mut ws.y, n, 1));
        }
    }
}

/// Backward chain from `ws.dzs[last]` (the score gradients, rows `0..n`) down to
/// the first layer's pre-activation gradient `ws.dzs[0]`. No parameter gradient.
pub(crate) fn backward_chain<T: Real>(
    l: &CriticLayout,
    p: &[T],
    ws: &mut CriticWorkspace<T>,
    n: usize,
) {
    for li in (1..l.layers.len()).rev() {
        let layer = &l.layers[li];
        let (lower, upper) = ws.dzs.split_at_mut(li);
        let dz_in = &mut lower[li - 1];
        let w = layer.input;
        layer.backward_input(
            p,
            MatRef::new(&upper[0], n, layer.output),
            T::ZERO,
            MatMut::new(dz_in, n, w),
            0..w,
        );
        for (d, &m) in dz_in[..n * w].iter_mut().zip(&ws.masks[li - 1][..n * w]) {
            *d *= m;
        }
    }
}

/// Statistics of one gradient-penalty evaluation.
pub(crate) struct Penalty<T> {
    pub value: T,
}

/// After [`forward`] over rows `0..n_total` and [`backward_chain`] with the score
/// gradient of the interpolate rows `gp_rows` set to 1: computes the penalty,
/// then accumulates every layer's parameter gradient — Wasserstein part from
/// rows `0..gp_rows.start` (weights and biases), penalty part from `gp_rows`
/// (weights only) — in one GEMM per layer.
pub(crate) fn penalty_and_param_grads<T: Real>(
    l: &CriticLayout,
    p: &[T],
    ws: &mut CriticWorkspace<T>,
    n_total: usize,
    gp_rows: std::ops::Range<usize>,
    lambda: T,
    grad: &mut [T],
) -> Penalty<T> {
    let g = gp_rows.len();
    let d = l.input_dim;
    let mut value = T::ZERO;
    if g > 0 {
        // g_x = u_0 W_0ᵀ, written over the interpolates (no longer needed).
        let first = &l.layers[0];
        let u0 = MatRef::new(&ws.dzs[0], n_total, first.output).rows(gp_rows.start, gp_rows.end);
        let gx = MatMut::new(&mut ws.acts[0], n_total, d).rows(gp_rows.start, gp_rows.end);
        first.backward_input(p, u0, T::ZERO, gx, 0..d);
        let scale = lambda / T::from_f64(g as f64);
        for r in gp_rows.clone() {
            let row = &mut ws.acts[0][r * d..(r + 1) * d];
            let norm = row.iter().map(|&v| v * v).sum::<T>().sqrt();
            let dev = norm - T::ONE;
            value += scale * dev * dev;
            let c = if norm > T::ZERO {
                scale * T::from_f64(2.0) * dev / norm
            } else {
                T::ZERO
            };
            for v in row.iter_mut() {
                *v *= c;
            }
        }
    }
    let bias_rows = gp_rows.start;
    let last = l.layers.len() - 1;
    for (li, layer) in l.layers.iter().enumerate() {
        let x = MatRef::new(&ws.acts[li], n_total, layer.input);
        let dz = MatRef::new(&ws.dzs[li], n_total, layer.output);
        let (gw, gb) =
            grad[layer.w..layer.b + layer.output].split_at_mut(layer.input * layer.output);
        let rows = if g > 0 { n_total } else { bias_rows };
        gemm(
            T::ONE,
            x.rows(0, rows).t(),
            dz.rows(0, rows),
            T::ONE,
            MatMut::new(gw, layer.input, layer.output),
        );
        add_column_sums(dz.rows(0, bias_rows), gb);
        if g > 0 && li < last {
            // du_l = dv_l W_l ; dv_{l+1} = du_l ⊙ m_l, written over the interpolate
            // rows of the next layer's input.
            let dv =
                MatRef::new(&ws.acts[li], n_total, layer.input).rows(gp_rows.start, gp_rows.end);
            let w = layer.output;
            let du = &mut ws.du[..g * w];
            gemm(T::ONE, dv, layer.weight(p), T::ZERO, MatMut::new(du, g, w));
            let next = &mut ws.acts[li + 1][gp_rows.start * w..gp_rows.end * w];
            let m = &ws.masks[li][gp_rows.start * w..gp_rows.end * w];
            for ((n, &du), &m) in next.iter_mut().zip(du.iter()).zip(m) {
                *n = du * m;
            }
        }
    }
    Penalty { value }
}
