//! The GAN engine: generator + critic + their Adam states + scratch, and the
//! two training steps of CTGAN's WGAN-GP loop.
//!
//! Each step is split into three phases so that tests can pin the gradients:
//! draw all randomness (noise, Gumbel, dropout, interpolation weights) into
//! preallocated buffers; compute loss and gradient deterministically from
//! those buffers; apply Adam. Nothing is allocated after the first step at a
//! given batch size.

use rand::Rng;

use crate::activation::{argmax, cross_entropy_row};
use crate::adam::Adam;
use crate::config::GanConfig;
use crate::critic::{self, CriticLayout, CriticWorkspace};
use crate::error::NnError;
use crate::gemm::MatRef;
use crate::generator::{self, GenWorkspace, GeneratorLayout};
use crate::matrix::Matrix;
use crate::real::Real;

/// Losses of one step, for the training curve.
///
/// For a critic step: `loss = −wasserstein + penalty` with
/// `wasserstein = mean C(real) − mean C(fake)` (the critic's distance
/// estimate) and `penalty = λ·mean_g (‖∇C‖ − 1)²`.
/// For a generator step: `loss = −mean C(fake) + cond_loss`, `wasserstein` holds
/// `−mean C(fake)`, `penalty` is 0 and `cond_loss` is the conditional cross-entropy.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StepStats {
    pub loss: f32,
    pub wasserstein: f32,
    pub penalty: f32,
    pub cond_loss: f32,
}

/// Losses in the engine's scalar (tests need them in f64).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Losses<T> {
    pub loss: T,
    pub wasserstein: T,
    pub penalty: T,
    pub cond_loss: T,
}

impl<T: Real> Losses<T> {
    /// Errors (so that the caller skips the update) when the loss is not finite.
    pub(crate) fn check_finite(&self, step: &str) -> Result<(), NnError> {
        if self.loss.is_finite() {
            Ok(())
        } else {
            Err(NnError::NonFinite(format!(
                "{step} loss is {:?} (training diverged; parameters left unchanged — lower the learning rate)",
                self.loss.to_f64()
            )))
        }
    }

    pub(crate) fn stats(self) -> StepStats {
        StepStats {
            loss: self.loss.to_f32(),
            wasserstein: self.wasserstein.to_f32(),
            penalty: self.penalty.to_f32(),
            cond_loss: self.cond_loss.to_f32(),
        }
    }
}

/// One named parameter tensor for checkpoints (row-major `data`, `shape` in
/// elements). Weights are stored `input × output` (transposed w.r.t. torch).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// The engine, generic over the scalar so that tests can run it in `f64`.
/// Use [`Gan`] (`f32`) in production.
#[derive(Debug, Clone)]
pub struct GanEngine<T: Real> {
    pub(crate) config: GanConfig,
    pub(crate) generator: GeneratorLayout,
    pub(crate) critic: CriticLayout,
    pub(crate) gen_params: Vec<T>,
    pub(crate) gen_grad: Vec<T>,
    pub(crate) gen_adam: Adam<T>,
    pub(crate) critic_params: Vec<T>,
    pub(crate) critic_grad: Vec<T>,
    pub(crate) critic_adam: Adam<T>,
    pub(crate) gws: GenWorkspace<T>,
    pub(crate) cws: CriticWorkspace<T>,
    /// Softmax scratch for the conditional cross-entropy.
    pub(crate) probs: Vec<T>,
    pub(crate) inv_tau: T,
    pub(crate) slope: T,
    pub(crate) lambda: T,
}

/// The production engine in `f32`.
pub type Gan = GanEngine<f32>;

impl<T: Real> GanEngine<T> {
    /// Builds and initialises both networks (torch's default initialisation).
    /// Validates `config` first; errors name the offending field.
    pub fn new<R: Rng + ?Sized>(config: GanConfig, rng: &mut R) -> Result<Self, NnError> {
        config.validate()?;
        let generator = GeneratorLayout::new(&config);
        let critic = CriticLayout::new(&config);
        let mut gen_params = vec![T::ZERO; generator.n_params];
        generator.init(&mut gen_params, rng);
        let mut critic_params = vec![T::ZERO; critic.n_params];
        critic.init(&mut critic_params, rng);
        let max_cond = config
            .cond_columns
            .iter()
            .map(|c| c.width)
            .max()
            .unwrap_or(0);
        Ok(GanEngine {
            gen_grad: vec![T::ZERO; generator.n_params],
            gen_adam: Adam::new(
                generator.n_params,
                config.lr_generator,
                config.betas,
                config.weight_decay,
            ),
            critic_grad: vec![T::ZERO; critic.n_params],
            critic_adam: Adam::new(
                critic.n_params,
                config.lr_critic,
                config.betas,
                config.weight_decay,
            ),
            gws: GenWorkspace::new(&generator, 0),
            cws: CriticWorkspace::new(&critic, 0),
            probs: vec![T::ZERO; max_cond],
            inv_tau: T::from_f64(1.0 / config.gumbel_tau as f64),
            slope: T::from_f32(config.leaky_slope),
            lambda: T::from_f32(config.gp_lambda),
            generator,
            critic,
            gen_params,
            critic_params,
            config,
        })
    }

    pub fn config(&self) -> &GanConfig {
        &self.config
    }

    /// Number of trainable scalars in (generator, critic).
    pub fn parameter_counts(&self) -> (usize, usize) {
        (self.generator.n_params, self.critic.n_params)
    }

    /// Changes both Adam learning rates (e.g. for a decay schedule); the
    /// moments are kept. Errors on a negative or non-finite rate.
    pub fn set_learning_rates(&mut self, generator: f32, critic: f32) -> Result<(), NnError> {
        for (field, v) in [("lr_generator", generator), ("lr_critic", critic)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(NnError::config(
                    field,
                    format!("{v} must be finite and ≥ 0"),
                ));
            }
        }
        self.config.lr_generator = generator;
        self.config.lr_critic = critic;
        self.gen_adam.lr = T::from_f32(generator);
        self.critic_adam.lr = T::from_f32(critic);
        Ok(())
    }

    /// The generator's flat parameter vector (layout = the order of
    /// [`Self::export_parameters`]). Lets a trainer keep an exponential moving
    /// average without allocating tensors every step.
    pub fn generator_parameters(&self) -> &[T] {
        &self.gen_params
    }

    /// Overwrites the generator's parameters with a vector of the same length
    /// (e.g. an averaged copy from [`Self::generator_parameters`]).
    pub fn set_generator_parameters(&mut self, values: &[T]) -> Result<(), NnError> {
        if values.len() != self.gen_params.len() {
            return Err(NnError::shape(
                "generator parameters",
                self.gen_params.len(),
                values.len(),
            ));
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(NnError::NonFinite(format!("generator parameter {i}")));
        }
        self.gen_params.copy_from_slice(values);
        Ok(())
    }

    /// One critic update with WGAN-GP: `loss = mean C(fake) − mean C(real) + λ·GP`.
    /// `real` (batch × data_dim) with its cond rows `cond_real`; fakes are
    /// generated internally from fresh noise and `cond_fake`. The batch must be
    /// a non-zero multiple of `pac`.
    pub fn critic_step<R: Rng + ?Sized>(
        &mut self,
        real: &Matrix,
        cond_real: &Matrix,
        cond_fake: &Matrix,
        rng: &mut R,
    ) -> Result<StepStats, NnError> {
        let batch = self.check_batch(real.rows)?;
        real.check("critic_step real", batch, self.config.data_dim)?;
        cond_real.check("critic_step cond_real", batch, self.config.cond_dim)?;
        cond_fake.check("critic_step cond_fake", batch, self.config.cond_dim)?;
        real.check_finite("critic_step real")?;
        cond_real.check_finite("critic_step cond_real")?;
        cond_fake.check_finite("critic_step cond_fake")?;
        self.draw_critic_randomness(cond_fake, batch, rng);
        let losses = self.critic_loss_and_grad(real, cond_real, batch);
        losses.check_finite("critic")?;
        self.critic_adam
            .update(&mut self.critic_params, &self.critic_grad);
        Ok(losses.stats())
    }

    /// One generator update: `loss = −mean C(fake ++ cond) + CE`, where CE is the
    /// cross-entropy of the generated logits of the selected discrete column
    /// (`selected[i]` indexes `cond_columns`; `None` = no condition for row i)
    /// against the category set in `cond`, summed and divided by the batch size
    /// (CTGAN's `_cond_loss`).
    pub fn generator_step<R: Rng + ?Sized>(
        &mut self,
        cond: &Matrix,
        selected: &[Option<usize>],
        rng: &mut R,
    ) -> Result<StepStats, NnError> {
        let batch = self.check_batch(cond.rows)?;
        cond.check("generator_step cond", batch, self.config.cond_dim)?;
        self.check_selected(selected, batch)?;
        cond.check_finite("generator_step cond")?;
        self.draw_generator_randomness(cond, batch, rng);
        let losses = self.generator_loss_and_grad(selected, batch);
        losses.check_finite("generator")?;
        self.gen_adam.update(&mut self.gen_params, &self.gen_grad);
        Ok(losses.stats())
    }

    /// Activated rows (cond.rows × data_dim) for the given cond vectors; softmax
    /// spans are one-hot draws from softmax(logits) — the law of the argmax of
    /// CTGAN's Gumbel-softmax sample, which is what decoders take — drawn
    /// with one uniform per span. Touches no training state. Works in chunks, so memory stays
    /// bounded for a million rows.
    pub fn generate<R: Rng + ?Sized>(&self, cond: &Matrix, rng: &mut R) -> Result<Matrix, NnError> {
        let n = cond.rows;
        cond.check("generate cond", n, self.config.cond_dim)?;
        cond.check_finite("generate cond")?;
        let d = self.config.data_dim;
        // 512 rows keep the generator's concatenated activations (rows × the
        // wide width, ~0.8 MB at heart's widths) in L2 across the layers; at
        // 2,048 rows GEMM packing read them from memory and sampling 100k heart
        // rows took 860 ms of CPU instead of ~500 (perf stat, 128-wide nets).
        let chunk = n.clamp(1, 512);
        let mut ws = GenWorkspace::new(&self.generator, chunk);
        let mut out = Matrix::zeros(n, d);
        let cd = self.config.cond_dim;
        let mut start = 0;
        while start < n {
            let m = chunk.min(n - start);
            ws.draw_sampling_inputs(
                &self.generator,
                &cond.data[start * cd..(start + m) * cd],
                m,
                rng,
            );
            generator::forward_sample(&self.generator, &self.gen_params, &mut ws, m);
            for (o, &v) in out.data[start * d..(start + m) * d]
                .iter_mut()
                .zip(&ws.act[..m * d])
            {
                *o = v.to_f32();
            }
            start += m;
        }
        Ok(out)
    }

    pub(crate) fn check_batch(&self, batch: usize) -> Result<usize, NnError> {
        if batch == 0 || !batch.is_multiple_of(self.config.pac) {
            return Err(NnError::shape(
                "batch size",
                format!("a non-zero multiple of pac = {}", self.config.pac),
                batch,
            ));
        }
        Ok(batch)
    }

    pub(crate) fn check_selected(
        &self,
        selected: &[Option<usize>],
        batch: usize,
    ) -> Result<(), NnError> {
        if selected.len() != batch {
            return Err(NnError::shape(
                "generator_step selected",
                batch,
                selected.len(),
            ));
        }
        let n = self.config.cond_columns.len();
        if let Some((i, c)) = selected
            .iter()
            .enumerate()
            .find_map(|(i, s)| s.filter(|&c| c >= n).map(|c| (i, c)))
        {
            return Err(NnError::shape(
                "generator_step selected column index",
                format!("< {n}"),
                format!("{c} at row {i}"),
            ));
        }
        Ok(())
    }

    pub(crate) fn ensure_capacity(&mut self, batch: usize) {
        if self.gws.capacity < batch {
            self.gws = GenWorkspace::new(&self.generator, batch);
        }
        let critic_rows = 3 * (batch / self.config.pac);
        if self.cws.capacity < critic_rows {
            self.cws = CriticWorkspace::new(&self.critic, critic_rows);
        }
    }

    pub(crate) fn groups(&self, batch: usize) -> usize {
        batch / self.config.pac
    }

    pub(crate) fn gp_enabled(&self) -> bool {
        self.lambda > T::ZERO
    }

    pub(crate) fn draw_critic_randomness<R: Rng + ?Sized>(
        &mut self,
        cond_fake: &Matrix,
        batch: usize,
        rng: &mut R,
    ) {
        self.ensure_capacity(batch);
        let g = self.groups(batch);
        self.gws
            .draw_inputs(&self.generator, &cond_fake.data, batch, rng);
        let rows = if self.gp_enabled() { 3 * g } else { 2 * g };
        self.cws
            .draw_dropout(&self.critic, rows, self.config.critic_dropout, rng);
        for a in &mut self.cws.alpha[..g] {
            *a = T::from_f32(rng.random::<f32>());
        }
    }

    pub(crate) fn draw_generator_randomness<R: Rng + ?Sized>(
        &mut self,
        cond: &Matrix,
        batch: usize,
        rng: &mut R,
    ) {
        self.ensure_capacity(batch);
        let g = self.groups(batch);
        self.gws
            .draw_inputs(&self.generator, &cond.data, batch, rng);
        self.cws
            .draw_dropout(&self.critic, g, self.config.critic_dropout, rng);
    }

    /// Copies `[data_row | cond_row]` pairs into the critic input (sample view:
    /// `batch × (data_dim + cond_dim)`, which *is* the pac view in memory).
    pub(crate) fn fill_fake_rows(&mut self, row0: usize, batch: usize) {
        let (d, c) = (self.config.data_dim, self.config.cond_dim);
        let e = d + c;
        let cond0 = self.generator.wide - self.generator.cond_dim;
        let x = &mut self.cws.acts[0];
        for j in 0..batch {
            let dst = &mut x[(row0 + j) * e..(row0 + j + 1) * e];
            dst[..d].copy_from_slice(&self.gws.act[j * d..(j + 1) * d]);
            let w = self.generator.wide;
            dst[d..].copy_from_slice(&self.gws.wide[j * w + cond0..(j + 1) * w]);
        }
    }

    /// Copies `[real_row | cond_row]` pairs into critic input rows `row0..`.
    pub(crate) fn fill_real_rows(
        &mut self,
        row0: usize,
        real: &Matrix,
        cond_real: &Matrix,
        batch: usize,
    ) {
        let (d, c) = (self.config.data_dim, self.config.cond_dim);
        let e = d + c;
        let x = &mut self.cws.acts[0];
        for j in 0..batch {
            let dst = &mut x[(row0 + j) * e..(row0 + j + 1) * e];
            for (o, &v) in dst[..d].iter_mut().zip(real.row(j)) {
                *o = T::from_f32(v);
            }
            for (o, &v) in dst[d..].iter_mut().zip(cond_real.row(j)) {
                *o = T::from_f32(v);
            }
        }
    }

    /// Writes `α_g·real + (1 − α_g)·fake` (one α per pac group) into sample rows
    /// `out0..out0+batch`, reading real rows at `real0` and fake rows at `fake0`
    /// (both before `out0`).
    pub(crate) fn fill_interpolates(
        &mut self,
        real0: usize,
        fake0: usize,
        out0: usize,
        batch: usize,
    ) {
        let e = self.config.data_dim + self.config.cond_dim;
        let pac = self.config.pac;
        let x = &mut self.cws.acts[0];
        let (src, dst) = x.split_at_mut(out0 * e);
        for j in 0..batch {
            let a = self.cws.alpha[j / pac];
            let b = T::ONE - a;
            let r = &src[(real0 + j) * e..(real0 + j + 1) * e];
            let f = &src[(fake0 + j) * e..(fake0 + j + 1) * e];
            for ((o, &r), &f) in dst[j * e..(j + 1) * e].iter_mut().zip(r).zip(f) {
                *o = a * r + b * f;
            }
        }
    }

    /// Critic loss and gradient (into `critic_grad`) from the drawn randomness.
    pub(crate) fn critic_loss_and_grad(
        &mut self,
        real: &Matrix,
        cond_real: &Matrix,
        batch: usize,
    ) -> Losses<T> {
        let g = self.groups(batch);
        generator::forward(
            &self.generator,
            &self.gen_params,
            &mut self.gws,
            batch,
            self.inv_tau,
        );
        self.fill_real_rows(0, real, cond_real, batch);
        self.fill_fake_rows(batch, batch);
        let gp = self.gp_enabled();
        let n_total = if gp { 3 * g } else { 2 * g };
        if gp {
            self.fill_interpolates(0, batch, 2 * batch, batch);
        }
        critic::forward(
            &self.critic,
            &self.critic_params,
            &mut self.cws,
            n_total,
            self.slope,
        );
        let inv_g = T::ONE / T::from_f64(g as f64);
        let mean_real = self.cws.y[..g].iter().copied().sum::<T>() * inv_g;
        let mean_fake = self.cws.y[g..2 * g].iter().copied().sum::<T>() * inv_g;
        let last = self.critic.layers.len() - 1;
        {
            let dy = &mut self.cws.dzs[last];
            dy[..g].fill(-inv_g);
            dy[g..2 * g].fill(inv_g);
            dy[2 * g..n_total].fill(T::ONE);
        }
        critic::backward_chain(&self.critic, &self.critic_params, &mut self.cws, n_total);
        self.critic_grad.fill(T::ZERO);
        let gp_rows = if gp { 2 * g..3 * g } else { 2 * g..2 * g };
        let pen = critic::penalty_and_param_grads(
            &self.critic,
            &self.critic_params,
            &mut self.cws,
            n_total,
            gp_rows,
            self.lambda,
            &mut self.critic_grad,
        );
        let w = mean_real - mean_fake;
        Losses {
            loss: pen.value - w,
            wasserstein: w,
            penalty: pen.value,
            cond_loss: T::ZERO,
        }
    }

    /// Generator loss and gradient (into `gen_grad`) from the drawn randomness.
    pub(crate) fn generator_loss_and_grad(
        &mut self,
        selected: &[Option<usize>],
        batch: usize,
    ) -> Losses<T> {
        let (d, c) = (self.config.data_dim, self.config.cond_dim);
        let e = d + c;
        let g = self.groups(batch);
        generator::forward(
            &self.generator,
            &self.gen_params,
            &mut self.gws,
            batch,
            self.inv_tau,
        );
        self.fill_fake_rows(0, batch);
        critic::forward(
            &self.critic,
            &self.critic_params,
            &mut self.cws,
            g,
            self.slope,
        );
        let inv_g = T::ONE / T::from_f64(g as f64);
        let adv = -(self.cws.y[..g].iter().copied().sum::<T>() * inv_g);
        let last = self.critic.layers.len() - 1;
        self.cws.dzs[last][..g].fill(-inv_g);
        critic::backward_chain(&self.critic, &self.critic_params, &mut self.cws, g);
        {
            let first = &self.critic.layers[0];
            let din = self.critic.input_dim;
            let dz0 = MatRef::new(&self.cws.dzs[0], g, first.output);
            let dx = crate::gemm::MatMut::new(&mut self.cws.dx, g, din);
            first.backward_input(&self.critic_params, dz0, T::ZERO, dx, 0..din);
        }
        let dact = MatRef::strided(&self.cws.dx, batch, d, e);
        generator::activation_backward(&self.generator, &mut self.gws, dact, batch, self.inv_tau);
        // Conditional cross-entropy on the raw logits of the selected column.
        let inv_b = T::ONE / T::from_f64(batch as f64);
        let mut ce = T::ZERO;
        let cond0 = self.generator.wide - self.generator.cond_dim;
        for (i, s) in selected.iter().enumerate() {
            let Some(ci) = *s else { continue };
            let col = self.config.cond_columns[ci];
            let w = self.generator.wide;
            let cond_row = &self.gws.wide[i * w + cond0..(i + 1) * w];
            let target = argmax(&cond_row[col.cond_start..col.cond_start + col.width]);
            let r = i * d + col.output_start..i * d + col.output_start + col.width;
            let probs = &mut self.probs[..col.width];
            ce += cross_entropy_row(
                &self.gws.logits[r.clone()],
                target,
                inv_b,
                probs,
                &mut self.gws.dlogits[r],
            );
        }
        let ce = ce * inv_b;
        self.gen_grad.fill(T::ZERO);
        generator::backward(
            &self.generator,
            &self.gen_params,
            &mut self.gws,
            batch,
            &mut self.gen_grad,
        );
        Losses {
            loss: adv + ce,
            wasserstein: adv,
            penalty: T::ZERO,
            cond_loss: ce,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{CondColumn, OutputSpan, SpanActivation};
    use crate::testutil::assert_grad_close;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// A tiny network with every feature switched on: two residual blocks,
    /// two critic layers, pac 2, dropout, tanh + two softmax spans + identity,
    /// two conditional columns.
    pub(crate) fn tiny_config() -> GanConfig {
        let outputs = vec![
            OutputSpan {
                start: 0,
                width: 1,
                activation: SpanActivation::Tanh,
            },
            OutputSpan {
                start: 1,
                width: 3,
                activation: SpanActivation::Softmax,
            },
            OutputSpan {
                start: 4,
                width: 1,
                activation: SpanActivation::Identity,
            },
            OutputSpan {
                start: 5,
                width: 2,
                activation: SpanActivation::Softmax,
            },
        ];
        let cond_columns = vec![
            CondColumn {
                output_start: 1,
                cond_start: 0,
                width: 3,
            },
            CondColumn {
                output_start: 5,
                cond_start: 3,
                width: 2,
            },
        ];
        GanConfig {
            noise_dim: 4,
            generator_hidden: vec![6, 5],
            critic_hidden: vec![8, 7],
            pac: 2,
            gumbel_tau: 0.5,
            ..GanConfig::ctgan(7, 5, outputs, cond_columns)
        }
    }

    pub(crate) fn random_matrix(rows: usize, cols: usize, rng: &mut ChaCha8Rng) -> Matrix {
        Matrix {
            rows,
            cols,
            data: (0..rows * cols)
                .map(|_| rng.random::<f32>() * 2.0 - 1.0)
                .collect(),
        }
    }

    pub(crate) fn one_hot_conds(rows: usize, rng: &mut ChaCha8Rng) -> (Matrix, Vec<Option<usize>>) {
        let mut m = Matrix::zeros(rows, 5);
        let mut sel = Vec::new();
        for i in 0..rows {
            match i % 3 {
                0 => {
                    m.row_mut(i)[rng.random_range(0..3)] = 1.0;
                    sel.push(Some(0));
                }
                1 => {
                    m.row_mut(i)[3 + rng.random_range(0..2)] = 1.0;
                    sel.push(Some(1));
                }
                _ => sel.push(None),
            }
        }
        (m, sel)
    }

    /// Central differences of `loss` w.r.t. each of `params`, restoring them after.
    fn fd(params: &mut [f64], mut loss: impl FnMut(&[f64]) -> f64) -> Vec<f64> {
        let h = 1e-6;
        (0..params.len())
            .map(|i| {
                let x = params[i];
                params[i] = x + h;
                let up = loss(params);
                params[i] = x - h;
                let down = loss(params);
                params[i] = x;
                (up - down) / (2.0 * h)
            })
            .collect()
    }

    fn check_critic_gradient(config: GanConfig) {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut gan = GanEngine::<f64>::new(config, &mut rng).unwrap();
        let batch = 6;
        let real = random_matrix(batch, 7, &mut rng);
        let (cond_real, _) = one_hot_conds(batch, &mut rng);
        let (cond_fake, _) = one_hot_conds(batch, &mut rng);
        gan.draw_critic_randomness(&cond_fake, batch, &mut rng);
        let losses = gan.critic_loss_and_grad(&real, &cond_real, batch);
        assert!(gan.config.gp_lambda == 0.0 || losses.penalty > 0.0);
        let analytic = gan.critic_grad.clone();
        let mut params = gan.critic_params.clone();
        let numeric = fd(&mut params, |p| {
            gan.critic_params.copy_from_slice(p);
            gan.critic_loss_and_grad(&real, &cond_real, batch).loss
        });
        assert!(analytic.iter().any(|g| g.abs() > 1e-3));
        assert_grad_close(&analytic, &numeric, 1e-5);
    }

    #[test]
    fn critic_gradient_with_penalty_matches_finite_differences() {
        check_critic_gradient(tiny_config());
    }

    #[test]
    fn critic_gradient_without_penalty_or_dropout_matches_finite_differences() {
        check_critic_gradient(GanConfig {
            gp_lambda: 0.0,
            critic_dropout: 0.0,
            ..tiny_config()
        });
    }

    #[test]
    fn critic_gradient_pac1_single_hidden_layer_matches_finite_differences() {
        check_critic_gradient(GanConfig {
            pac: 1,
            critic_hidden: vec![9],
            ..tiny_config()
        });
    }

    #[test]
    fn generator_gradient_with_cond_loss_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut gan = GanEngine::<f64>::new(tiny_config(), &mut rng).unwrap();
        let batch = 6;
        let (cond, selected) = one_hot_conds(batch, &mut rng);
        gan.draw_generator_randomness(&cond, batch, &mut rng);
        let losses = gan.generator_loss_and_grad(&selected, batch);
        assert!(losses.cond_loss > 0.0);
        let analytic = gan.gen_grad.clone();
        let mut params = gan.gen_params.clone();
        let numeric = fd(&mut params, |p| {
            gan.gen_params.copy_from_slice(p);
            gan.generator_loss_and_grad(&selected, batch).loss
        });
        assert!(analytic.iter().any(|g| g.abs() > 1e-3));
        assert_grad_close(&analytic, &numeric, 1e-5);
    }

    #[test]
    fn cond_loss_alone_matches_direct_cross_entropy() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut gan = GanEngine::<f64>::new(tiny_config(), &mut rng).unwrap();
        let batch = 6;
        let (cond, selected) = one_hot_conds(batch, &mut rng);
        gan.draw_generator_randomness(&cond, batch, &mut rng);
        let losses = gan.generator_loss_and_grad(&selected, batch);
        let mut want = 0.0;
        for (i, s) in selected.iter().enumerate() {
            let Some(c) = s else { continue };
            let col = gan.config.cond_columns[*c];
            let logits =
                &gan.gws.logits[i * 7 + col.output_start..i * 7 + col.output_start + col.width];
            let target = (0..col.width)
                .find(|&k| cond.row(i)[col.cond_start + k] == 1.0)
                .unwrap();
            let lse = logits.iter().map(|v| v.exp()).sum::<f64>().ln();
            want += lse - logits[target];
        }
        assert!((losses.cond_loss - want / batch as f64).abs() < 1e-12);
    }
}
