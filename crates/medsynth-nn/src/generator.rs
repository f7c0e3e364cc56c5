//! CTGAN's generator: residual blocks `h = ReLU(LayerNorm(Linear(x)))` whose
//! output is concatenated with their input (widths grow d0, d0+h1, …), then a
//! final Linear to `data_dim` and the per-span activations.
//!
//! All block outputs live in one wide row-major buffer laid out
//! `[h_L | … | h_1 | noise | cond]`, so block `i`'s input `[h_{i-1} | … | x0]`
//! is a contiguous column *suffix* of it: concatenation costs nothing, and
//! the final layer reads the whole buffer in one GEMM.

use rand::Rng;

use crate::activation::{activate_backward_row, activate_row};
use crate::config::{GanConfig, OutputSpan, SpanActivation};
use crate::gemm::{MatMut, MatRef};
use crate::layer_norm::{backward_row, normalise_row};
use crate::linear::Linear;
use crate::real::Real;

#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub linear: Linear,
    pub gamma: usize,
    pub beta: usize,
    pub width: usize,
    /// First column of this block's input in the wide buffer.
    pub in_start: usize,
    /// First column of this block's output in the wide buffer.
    pub out_start: usize,
}

#[derive(Debug, Clone)]
pub(crate) struct GeneratorLayout {
    pub noise_dim: usize,
    pub cond_dim: usize,
    pub data_dim: usize,
    /// noise_dim + cond_dim.
    pub input_dim: usize,
    /// input_dim + Σ hidden widths.
    pub wide: usize,
    pub blocks: Vec<Block>,
    pub out: Linear,
    pub n_params: usize,
    pub spans: Vec<OutputSpan>,
}

impl GeneratorLayout {
    pub fn new(c: &GanConfig) -> Self {
        let input_dim = c.noise_dim + c.cond_dim;
        let wide = input_dim + c.generator_hidden.iter().sum::<usize>();
        let mut offset = 0;
        let mut in_width = input_dim;
        let mut blocks = Vec::with_capacity(c.generator_hidden.len());
        for &h in &c.generator_hidden {
            let linear = Linear::new(in_width, h, &mut offset);
            let gamma = offset;
            let beta = gamma + h;
            offset = beta + h;
            let in_start = wide - in_width;
            blocks.push(Block {
                linear,
                gamma,
                beta,
                width: h,
                in_start,
                out_start: in_start - h,
            });
            in_width += h;
        }
        let out = Linear::new(wide, c.data_dim, &mut offset);
        GeneratorLayout {
            noise_dim: c.noise_dim,
            cond_dim: c.cond_dim,
            data_dim: c.data_dim,
            input_dim,
            wide,
            blocks,
            out,
            n_params: offset,
            spans: c.outputs.clone(),
        }
    }

    pub fn init<T: Real, R: Rng + ?Sized>(&self, p: &mut [T], rng: &mut R) {
        for b in &self.blocks {
            b.linear.init(p, rng);
            p[b.gamma..b.gamma + b.width].fill(T::ONE);
            p[b.beta..b.beta + b.width].fill(T::ZERO);
        }
        self.out.init(p, rng);
    }

    /// Named tensors: (name, offset, shape).
    pub fn tensors(&self) -> Vec<(String, usize, Vec<usize>)> {
        let mut v = Vec::new();
        for (i, b) in self.blocks.iter().enumerate() {
            v.push((
                format!("generator.block{i}.weight"),
                b.linear.w,
                vec![b.linear.input, b.linear.output],
            ));
            v.push((
                format!("generator.block{i}.bias"),
                b.linear.b,
                vec![b.width],
            ));
            v.push((
                format!("generator.block{i}.norm_weight"),
                b.gamma,
                vec![b.width],
            ));
            v.push((
                format!("generator.block{i}.norm_bias"),
                b.beta,
                vec![b.width],
            ));
        }
        v.push((
            "generator.out.weight".into(),
            self.out.w,
            vec![self.out.input, self.out.output],
        ));
        v.push((
            "generator.out.bias".into(),
            self.out.b,
            vec![self.out.output],
        ));
        v
    }
}

/// Scratch for a generator pass over up to `capacity` rows.
#[derive(Debug, Clone)]
pub(crate) struct GenWorkspace<T> {
    pub capacity: usize,
    /// rows × wide: `[h_L | … | h_1 | noise | cond]`.
    pub wide: Vec<T>,
    /// Per block: the normalised pre-activation x̂ (rows × width).
    pub xhat: Vec<Vec<T>>,
    /// Per block: 1/σ per row.
    pub inv_std: Vec<Vec<T>>,
    pub logits: Vec<T>,
    pub act: Vec<T>,
    /// Gumbel noise for softmax spans (rows × data_dim; other columns unused).
    pub gumbel: Vec<T>,
    pub dlogits: Vec<T>,
    /// Gradient w.r.t. the hidden part of `wide` (rows × (wide − input_dim)).
    pub dwide: Vec<T>,
    pub dz: Vec<T>,
}

impl<T: Real> GenWorkspace<T> {
    pub fn new(l: &GeneratorLayout, capacity: usize) -> Self {
        let max_h = l.blocks.iter().map(|b| b.width).max().unwrap_or(0);
        GenWorkspace {
            capacity,
            wide: vec![T::ZERO; capacity * l.wide],
            xhat: l
                .blocks
                .iter()
                .map(|b| vec![T::ZERO; capacity * b.width])
                .collect(),
            inv_std: l.blocks.iter().map(|_| vec![T::ZERO; capacity]).collect(),
            logits: vec![T::ZERO; capacity * l.data_dim],
            act: vec![T::ZERO; capacity * l.data_dim],
            gumbel: vec![T::ZERO; capacity * l.data_dim],
            dlogits: vec![T::ZERO; capacity * l.data_dim],
            dwide: vec![T::ZERO; capacity * (l.wide - l.input_dim)],
            dz: vec![T::ZERO; capacity * max_h],
        }
    }

    /// Fills rows `0..n` of the generator input with N(0,1) noise and the given
    /// cond rows, and draws the Gumbel noise of every softmax span.
    pub fn draw_inputs<R: Rng + ?Sized>(
        &mut self,
        l: &GeneratorLayout,
        cond: &[f32],
        n: usize,
        rng: &mut R,
    ) {
        let noise0 = l.wide - l.input_dim;
        for i in 0..n {
            let row = &mut self.wide[i * l.wide + noise0..(i + 1) * l.wide];
            let (noise, c) = row.split_at_mut(l.noise_dim);
            for v in noise {
                *v = T::from_f32(rng.sample::<f32, _>(rand_distr::StandardNormal));
            }
            for (d, &s) in c
                .iter_mut()
                .zip(&cond[i * l.cond_dim..(i + 1) * l.cond_dim])
            {
                *d = T::from_f32(s);
            }
            let g = &mut self.gumbel[i * l.data_dim..(i + 1) * l.data_dim];
            for s in l
                .spans
                .iter()
                .filter(|s| s.activation == SpanActivation::Softmax)
            {
                for v in &mut g[s.start..s.start + s.width] {
                    *v = T::from_f32(gumbel(rng));
                }
            }
        }
    }
}

/// A standard Gumbel sample `−ln E` with `E ~ Exp(1)` (same law as
/// `−ln(−ln U)`, one logarithm fewer: the ziggurat exponential sampler is
/// cheaper than a `ln`, and this runs for every softmax cell of every row).
/// `E > 0` always, so the result is finite (CTGAN retries NaN samples; we never
/// produce one).
pub(crate) fn gumbel<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    let e: f32 = rng.sample(rand_distr::Exp1);
    -e.max(f32::MIN_POSITIVE).ln()
}

/// Forward pass over rows `0..n` (inputs already in `ws.wide`, Gumbel noise in
/// `ws.gumbel`): fills the hidden blocks, `logits` and `act`.
pub(crate) fn forward<T: Real>(
    l: &GeneratorLayout,
    p: &[T],
    ws: &mut GenWorkspace<T>,
    n: usize,
    inv_tau: T,
) {
    let w = l.wide;
    for (bi, b) in l.blocks.iter().enumerate() {
        let h = b.width;
        let xhat = &mut ws.xhat[bi];
        {
            let input = MatRef::strided(&ws.wide[b.in_start..], n, w - b.in_start, w);
            b.linear.forward(p, input, MatMut::new(xhat, n, h));
        }
        let gamma = &p[b.gamma..b.gamma + h];
        let beta = &p[b.beta..b.beta + h];
        for i in 0..n {
            let xr = &mut xhat[i * h..(i + 1) * h];
            ws.inv_std[bi][i] = normalise_row(xr);
            let out = &mut ws.wide[i * w + b.out_start..i * w + b.out_start + h];
            for (((o, &x), &g), &bt) in out.iter_mut().zip(xr.iter()).zip(gamma).zip(beta) {
                let v = g * x + bt;
                *o = if v > T::ZERO { v } else { T::ZERO };
            }
        }
    }
    let d = l.data_dim;
    l.out.forward(
        p,
        MatRef::new(&ws.wide, n, w),
        MatMut::new(&mut ws.logits, n, d),
    );
    for i in 0..n {
        let r = i * d..(i + 1) * d;
        activate_row(
            &l.spans,
            inv_tau,
            &ws.logits[r.clone()],
            &ws.gumbel[r.clone()],
            &mut ws.act[r],
        );
    }
}

/// Converts `dact` (gradient w.r.t. the activated output, rows × data_dim) into
/// `ws.dlogits` through the span activations. Call before [`backward`].
pub(crate) fn activation_backward<T: Real>(
    l: &GeneratorLayout,
    ws: &mut GenWorkspace<T>,
    dact: MatRef<'_, T>,
    n: usize,
    inv_tau: T,
) {
    let d = l.data_dim;
    for i in 0..n {
        let r = i * d..(i + 1) * d;
        let dout = &dact.data[i * dact.rs..i * dact.rs + d];
        activate_backward_row(
            &l.spans,
            inv_tau,
            &ws.act[r.clone()],
            dout,
            &mut ws.dlogits[r],
        );
    }
}

/// Backward pass from `ws.dlogits` (rows `0..n`), accumulating into `grad`.
pub(crate) fn backward<T: Real>(
    l: &GeneratorLayout,
    p: &[T],
    ws: &mut GenWorkspace<T>,
    n: usize,
    grad: &mut [T],
) {
    let w = l.wide;
    let d = l.data_dim;
    let hidden = w - l.input_dim;
    let dlogits = MatRef::new(&ws.dlogits, n, d);
    l.out
        .backward_params(MatRef::new(&ws.wide, n, w), dlogits, grad);
    if hidden == 0 {
        return;
    }
    l.out.backward_input(
        p,
        dlogits,
        T::ZERO,
        MatMut::new(&mut ws.dwide, n, hidden),
        0..hidden,
    );
    for (bi, b) in l.blocks.iter().enumerate().rev() {
        let h = b.width;
        let xhat = &ws.xhat[bi];
        let (ggamma, gbeta) = grad[b.gamma..b.beta + h].split_at_mut(h);
        let gamma = &p[b.gamma..b.gamma + h];
        for i in 0..n {
            let dh = &ws.dwide[i * hidden + b.out_start..i * hidden + b.out_start + h];
            let out = &ws.wide[i * w + b.out_start..i * w + b.out_start + h];
            let xr = &xhat[i * h..(i + 1) * h];
            let dz = &mut ws.dz[i * h..(i + 1) * h];
            for j in 0..h {
                let g = if out[j] > T::ZERO { dh[j] } else { T::ZERO };
                ggamma[j] += g * xr[j];
                gbeta[j] += g;
                dz[j] = g * gamma[j];
            }
            backward_row(dz, xr, ws.inv_std[bi][i]);
        }
        let dz = MatRef::new(&ws.dz, n, h);
        let input = MatRef::strided(&ws.wide[b.in_start..], n, w - b.in_start, w);
        b.linear.backward_params(input, dz, grad);
        let hidden_inputs = l.wide - l.input_dim - b.in_start;
        if hidden_inputs > 0 {
            let dx = MatMut::strided(&mut ws.dwide[b.in_start..], n, hidden_inputs, hidden);
            b.linear.backward_input(p, dz, T::ONE, dx, 0..hidden_inputs);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn gumbel_samples_have_the_gumbel_mean_and_variance() {
        // Standard Gumbel: mean = Euler–Mascheroni γ, variance = π²/6.
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| gumbel(&mut rng) as f64).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
        assert!((mean - 0.577_215_66).abs() < 0.01, "mean {mean}");
        assert!(
            (var - std::f64::consts::PI.powi(2) / 6.0).abs() < 0.03,
            "var {var}"
        );
        assert!(xs.iter().all(|x| x.is_finite()));
    }
}
