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
    /// Whether the last forward pass treated the conditional vector as
    /// sparse (see [`Linear::forward_sparse_tail`]); backward must agree.
    pub sparse_cond: bool,
    /// The conditional vector's non-zeros `(row, column, value)` when sparse.
    pub cond_nz: Vec<(u32, u32, T)>,
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
            sparse_cond: false,
            cond_nz: Vec::new(),
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
        self.draw_noise_and_cond(l, cond, n, rng, true);
    }

    /// For [`forward_sample`]: noise and cond as [`Self::draw_inputs`], and one
    /// uniform per softmax span (stored at the span's first cell of `gumbel`)
    /// instead of one Gumbel draw per cell.
    pub fn draw_sampling_inputs<R: Rng + ?Sized>(
        &mut self,
        l: &GeneratorLayout,
        cond: &[f32],
        n: usize,
        rng: &mut R,
    ) {
        self.draw_noise_and_cond(l, cond, n, rng, false);
    }

    fn draw_noise_and_cond<R: Rng + ?Sized>(
        &mut self,
        l: &GeneratorLayout,
        cond: &[f32],
        n: usize,
        rng: &mut R,
        per_cell_gumbel: bool,
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
                if per_cell_gumbel {
                    for v in &mut g[s.start..s.start + s.width] {
                        *v = T::from_f32(gumbel(rng));
                    }
                } else {
                    g[s.start] = T::from_f32(rng.random::<f32>());
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

/// Whether the conditional vector (the last `cd` columns of the `wide`
/// buffer's first `n` rows) is sparse enough that adding one weight row per
/// non-zero beats a dense GEMM over it: at most one non-zero in 8 cells (a
/// one-hot per discrete column is far sparser) and wide enough to matter.
fn cond_is_sparse<T: Real>(wide: &[T], w: usize, cd: usize, n: usize) -> bool {
    if cd < 16 || n == 0 {
        return false;
    }
    let nnz: usize = (0..n)
        .map(|i| {
            wide[i * w + w - cd..(i + 1) * w]
                .iter()
                .filter(|&&v| v != T::ZERO)
                .count()
        })
        .sum();
    nnz * 8 <= n * cd
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
    let sparse = cond_is_sparse(&ws.wide, l.wide, l.cond_dim, n);
    forward_with(l, p, ws, n, inv_tau, sparse);
}

/// [`forward`] with the sparse-conditional-vector path chosen by the caller
/// (tests compare both paths).
pub(crate) fn forward_with<T: Real>(
    l: &GeneratorLayout,
    p: &[T],
    ws: &mut GenWorkspace<T>,
    n: usize,
    inv_tau: T,
    sparse_cond: bool,
) {
    forward_logits(l, p, ws, n, sparse_cond);
    let d = l.data_dim;
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

/// Generation for sampling (inputs from [`GenWorkspace::draw_sampling_inputs`]):
/// every softmax span comes out one-hot, drawn from softmax(logits) with the
/// span's one uniform. Decoding takes the argmax of `softmax((logits + G)/τ)`
/// with Gumbel noise G, which is a draw from softmax(logits) whatever τ (the
/// Gumbel-max trick); drawing it directly costs one uniform per span instead
/// of a Gumbel variate per cell, and no softmax.
pub(crate) fn forward_sample<T: Real>(
    l: &GeneratorLayout,
    p: &[T],
    ws: &mut GenWorkspace<T>,
    n: usize,
) {
    let sparse = cond_is_sparse(&ws.wide, l.wide, l.cond_dim, n);
    forward_logits(l, p, ws, n, sparse);
    let d = l.data_dim;
    for i in 0..n {
        let r = i * d..(i + 1) * d;
        let (logits, out) = (&ws.logits[r.clone()], &mut ws.act[r.clone()]);
        let u = &ws.gumbel[r];
        for s in &l.spans {
            let span = s.start..s.start + s.width;
            match s.activation {
                SpanActivation::Tanh => {
                    for (o, &x) in out[span.clone()].iter_mut().zip(&logits[span]) {
                        *o = x.tanh();
                    }
                }
                SpanActivation::Identity => out[span.clone()].copy_from_slice(&logits[span]),
                SpanActivation::Softmax => {
                    draw_one_hot(&logits[span.clone()], u[s.start], &mut out[span]);
                }
            }
        }
    }
}

/// Lanes of [`draw_one_hot_lanes`]; spans of at most this many cells take
/// [`draw_one_hot_narrow`], which within one lane block makes the same
/// additions in the same order, hence the same draw.
const LANES: usize = 8;

/// Writes into `out` a one-hot vector drawn from softmax(`x`) by inverting
/// the cumulative distribution at `u` ∈ [0, 1).
fn draw_one_hot<T: Real>(x: &[T], u: T, out: &mut [T]) {
    match out.len() {
        0 => {}
        // Most spans (categories, mixture modes) are this narrow.
        1..=LANES => draw_one_hot_narrow(x, u, out),
        _ => draw_one_hot_lanes(x, u, out),
    }
}

/// [`draw_one_hot`] for wide spans. Sums run over `LANES` independent lanes
/// and the search skips whole blocks of `LANES`: a plain running sum is one
/// long chain of dependent additions, and these loops run over every
/// category cell of every sampled row (diabetes130: ~600 per row).
fn draw_one_hot_lanes<T: Real>(x: &[T], u: T, out: &mut [T]) {
    const L: usize = LANES;
    let mut maxes = [T::from_f64(f64::NEG_INFINITY); L];
    for chunk in x.chunks(L) {
        for (m, &v) in maxes.iter_mut().zip(chunk) {
            *m = m.max(v);
        }
    }
    let max = maxes.iter().fold(maxes[0], |m, &v| m.max(v));
    let mut sums = [T::ZERO; L];
    for (oc, xc) in out.chunks_mut(L).zip(x.chunks(L)) {
        for ((o, &xi), s) in oc.iter_mut().zip(xc).zip(sums.iter_mut()) {
            *o = (xi - max).exp();
            *s += *o;
        }
    }
    let total = sums.iter().fold(T::ZERO, |a, &b| a + b);
    let target = u * total;
    let mut acc = T::ZERO;
    let mut pick = out.len() - 1;
    'search: for (b, chunk) in out.chunks(L).enumerate() {
        let block = chunk.iter().fold(T::ZERO, |a, &v| a + v);
        if acc + block <= target {
            acc += block;
            continue;
        }
        for (k, &e) in chunk.iter().enumerate() {
            acc += e;
            if target < acc {
                pick = b * L + k;
                break 'search;
            }
        }
    }
    out.fill(T::ZERO);
    out[pick] = T::ONE;
}

/// [`draw_one_hot`] for spans of at most `LANES` cells: one pass each, no lane
/// arrays (which the compiler kept on the stack). The sums are the same
/// additions in the same order, so the draw is the same (~7 % less CPU in
/// sampling a heart model, `perf stat`).
fn draw_one_hot_narrow<T: Real>(x: &[T], u: T, out: &mut [T]) {
    let max = x.iter().fold(x[0], |m, &v| m.max(v));
    let mut total = T::ZERO;
    for (o, &xi) in out.iter_mut().zip(x) {
        *o = (xi - max).exp();
        total += *o;
    }
    let target = u * total;
    let mut acc = T::ZERO;
    let mut pick = out.len() - 1;
    for (k, &e) in out.iter().enumerate() {
        acc += e;
        if target < acc {
            pick = k;
            break;
        }
    }
    out.fill(T::ZERO);
    out[pick] = T::ONE;
}

/// The hidden blocks and the output layer's logits (no activation).
fn forward_logits<T: Real>(
    l: &GeneratorLayout,
    p: &[T],
    ws: &mut GenWorkspace<T>,
    n: usize,
    sparse_cond: bool,
) {
    let w = l.wide;
    let cd = l.cond_dim;
    ws.sparse_cond = sparse_cond && cd > 0;
    if ws.sparse_cond {
        ws.cond_nz.clear();
        for i in 0..n {
            let row = &ws.wide[i * w + w - cd..(i + 1) * w];
            for (j, &v) in row.iter().enumerate() {
                if v != T::ZERO {
                    ws.cond_nz.push((i as u32, j as u32, v));
                }
            }
        }
    }
    for (bi, b) in l.blocks.iter().enumerate() {
        let h = b.width;
        let xhat = &mut ws.xhat[bi];
        if ws.sparse_cond {
            let dense = MatRef::strided(&ws.wide[b.in_start..], n, w - b.in_start - cd, w);
            b.linear
                .forward_sparse_tail(p, dense, &ws.cond_nz, MatMut::new(xhat, n, h));
        } else {
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
    if ws.sparse_cond {
        l.out.forward_sparse_tail(
            p,
            MatRef::strided(&ws.wide, n, w - cd, w),
            &ws.cond_nz,
            MatMut::new(&mut ws.logits, n, d),
        );
    } else {
        l.out.forward(
            p,
            MatRef::new(&ws.wide, n, w),
            MatMut::new(&mut ws.logits, n, d),
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
    let cd = l.cond_dim;
    if ws.sparse_cond {
        l.out.backward_params_sparse_tail(
            MatRef::strided(&ws.wide, n, w - cd, w),
            &ws.cond_nz,
            dlogits,
            grad,
        );
    } else {
        l.out
            .backward_params(MatRef::new(&ws.wide, n, w), dlogits, grad);
    }
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
        if ws.sparse_cond {
            let dense = MatRef::strided(&ws.wide[b.in_start..], n, w - b.in_start - cd, w);
            b.linear
                .backward_params_sparse_tail(dense, &ws.cond_nz, dz, grad);
        } else {
            let input = MatRef::strided(&ws.wide[b.in_start..], n, w - b.in_start, w);
            b.linear.backward_params(input, dz, grad);
        }
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

    /// The sparse-conditional-vector path computes what the dense GEMMs do:
    /// same outputs, same parameter gradient.
    #[test]
    fn sparse_cond_path_matches_the_dense_one() {
        use crate::config::{CondColumn, GanConfig};
        let outputs = vec![
            OutputSpan {
                start: 0,
                width: 1,
                activation: SpanActivation::Tanh,
            },
            OutputSpan {
                start: 1,
                width: 20,
                activation: SpanActivation::Softmax,
            },
        ];
        let cond_columns = vec![CondColumn {
            output_start: 1,
            cond_start: 0,
            width: 20,
        }];
        let c = GanConfig {
            noise_dim: 6,
            generator_hidden: vec![8, 5],
            ..GanConfig::ctgan(21, 20, outputs, cond_columns)
        };
        let l = GeneratorLayout::new(&c);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut p = vec![0.0f64; l.n_params];
        l.init(&mut p, &mut rng);
        let n = 9;
        let mut cond = vec![0.0f32; n * 20];
        for i in 0..n {
            cond[i * 20 + rng.random_range(0..20)] = 1.0;
        }
        let mut dense = GenWorkspace::<f64>::new(&l, n);
        dense.draw_inputs(&l, &cond, n, &mut rng);
        let mut sparse = dense.clone();
        assert!(cond_is_sparse(&dense.wide, l.wide, l.cond_dim, n));
        forward_with(&l, &p, &mut dense, n, 5.0, false);
        forward_with(&l, &p, &mut sparse, n, 5.0, true);
        for (a, b) in dense.act.iter().zip(&sparse.act) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        let dact: Vec<f64> = (0..n * l.data_dim)
            .map(|_| rng.random::<f64>() - 0.5)
            .collect();
        let mut grads = Vec::new();
        for ws in [&mut dense, &mut sparse] {
            activation_backward(&l, ws, MatRef::new(&dact, n, l.data_dim), n, 5.0);
            let mut g = vec![0.0f64; l.n_params];
            backward(&l, &p, ws, n, &mut g);
            grads.push(g);
        }
        for (a, b) in grads[0].iter().zip(&grads[1]) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert!(grads[0].iter().any(|&g| g != 0.0));
    }

    /// The one-pass draw for narrow spans picks what the lane version picks.
    #[test]
    fn narrow_and_lane_draws_agree() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for width in 1..=LANES {
            for _ in 0..2_000 {
                let x: Vec<f32> = (0..width)
                    .map(|_| rng.random::<f32>() * 6.0 - 3.0)
                    .collect();
                let u = rng.random::<f32>();
                let (mut a, mut b) = (vec![0f32; width], vec![0f32; width]);
                draw_one_hot_narrow(&x, u, &mut a);
                draw_one_hot_lanes(&x, u, &mut b);
                assert_eq!(a, b, "width {width}, logits {x:?}, u {u}");
            }
        }
    }

    /// Sampling draws categories with the probabilities the training-time
    /// Gumbel-softmax argmax has: softmax(logits).
    #[test]
    fn one_hot_draws_follow_the_softmax() {
        let x = [0.3f64, -1.0, 2.0, 0.0];
        let z: f64 = x.iter().map(|v| v.exp()).sum();
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let n = 200_000;
        let mut freq = [0.0; 4];
        let mut gumbel_freq = [0.0; 4];
        let mut out = [0.0; 4];
        for _ in 0..n {
            draw_one_hot(&x, rng.random::<f64>(), &mut out);
            assert_eq!(out.iter().sum::<f64>(), 1.0);
            let k = out.iter().position(|&v| v == 1.0).expect("one-hot");
            freq[k] += 1.0 / n as f64;
            let g: Vec<f64> = x.iter().map(|v| v + gumbel(&mut rng) as f64).collect();
            let k = (0..4)
                .max_by(|&a, &b| g[a].total_cmp(&g[b]))
                .expect("non-empty");
            gumbel_freq[k] += 1.0 / n as f64;
        }
        for k in 0..4 {
            let p = x[k].exp() / z;
            assert!((freq[k] - p).abs() < 0.005, "{k}: {} vs {p}", freq[k]);
            assert!(
                (gumbel_freq[k] - p).abs() < 0.005,
                "{k}: {} vs {p}",
                gumbel_freq[k]
            );
        }
    }

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
