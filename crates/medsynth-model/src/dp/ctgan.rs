//! DP-SGD training of the conditional GAN.
//!
//! What differs from the ordinary trainer (`ctgan::train`), and why:
//! * **Poisson sampling** of real rows (each row joins a batch with
//!   probability q, secretly, from the OS-seeded CSPRNG) instead of CTGAN's
//!   training-by-sampling, whose per-category row lists would make *which*
//!   rows are seen depend on other rows' categories — not what the
//!   subsampled-Gaussian bound assumes.
//! * The critic's conditional vector for a real row is built from **that
//!   row's own** category in a randomly chosen discrete column, so it is part
//!   of the row's clipped contribution. Fake rows are conditioned on
//!   categories drawn from the *released* (noisy) frequencies, so the
//!   unclipped fake term depends on real data only through DP outputs.
//! * Per-example clipping of the critic gradient, gradient penalty included
//!   (`medsynth_nn::GanEngine::critic_step_dp`), pac = 1, Gaussian noise
//!   N(0, σ²C²) from the run's noise source; the sum is normalised by the
//!   *expected* batch size q·n̂ (n̂ the released count), never the realised one.
//! * The generator is updated only through the critic (post-processing).
//! * No snapshot selection, no early stopping, no loss curve on disk (the
//!   losses are computed from real data and are not private).
//! * σ is calibrated by the accountant so that preprocessing plus all planned
//!   steps meet the budget exactly.

use std::time::Instant;

use medsynth_nn::{Gan, Matrix, NamedTensor};
use medsynth_privacy::{
    Budget, DpSgdPlan, Ledger, NoiseSource, OsNoise, PoissonSampler, SeededNoise,
    calibrate_dp_sgd_after,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::preprocess::DpStats;
use super::privacy_error;
use crate::ctgan::config::CtganConfig;
use crate::ctgan::train::TrainProgress;
use crate::ctgan::{cond_counts, gan_config};
use crate::encoder::gmm::GmmOptions;
use crate::encoder::{EncodedRows, Encoder};
use crate::error::{ModelError, Result};
use crate::fit::FitOptions;
use crate::stats::ColumnStats;

/// Default number of DP-SGD steps: each step costs privacy, so fewer than
/// the non-private default.
pub const DEFAULT_DP_STEPS: u64 = 2_000;
/// Per-example gradient clip norm C. Measured on heart: with (almost) no
/// noise C = 10 trains far better than C = 1 (quality 0.82 vs 0.67: with
/// C = 1 the clipped real term is dwarfed by the unclipped fake term), but
/// with noise at ε = 1–3 the σ·C noise of C ≥ 3 is worse still; 1 is the
/// least bad of the values tried. The DP GAN is not competitive on small
/// tables (see `docs/privacy.md`).
pub const CLIP_NORM: f32 = 1.0;

/// Gradient-penalty weight under DP (CTGAN's default is 10). The penalty
/// sits inside each real example's clipped gradient; at λ = 10 it takes most
/// of the clip budget C and leaves little for the Wasserstein signal. Adult
/// at ε = 1, seeds 0–2 (one run each, fresh DP noise): λ = 10 quality
/// 0.80 ± 0.01, TSTR AUC 0.60 ± 0.08; λ = 1 0.84 ± 0.01, 0.81 ± 0.04.
pub const DP_GP_LAMBDA: f32 = 1.0;

/// A trained DP generator.
pub struct DpTrained {
    pub generator: Vec<NamedTensor>,
    pub encoder: Encoder,
    pub config: CtganConfig,
    pub seconds_per_step: f64,
    /// The calibrated DP-SGD plan (also in the ledger).
    pub plan: DpSgdPlan,
}

/// The DP training settings for a released row count: CTGAN's defaults with
/// pac 1, one critic step per generator step, and an expected batch of at
/// most a tenth of the rows (smaller q amplifies privacy).
pub fn dp_config(n_est: f64, steps: Option<u64>) -> CtganConfig {
    let mut cfg = CtganConfig::for_rows(n_est.max(1.0) as usize);
    cfg.pac = 1;
    cfg.critic_steps = 1;
    cfg.batch = cfg.batch.min(((n_est / 10.0).round() as usize).max(10));
    cfg.steps = steps.unwrap_or(DEFAULT_DP_STEPS);
    cfg.gp_lambda = DP_GP_LAMBDA;
    cfg.eval_every = 0;
    cfg.checkpoint_every = 0;
    cfg
}

/// Per cond column: cumulative probabilities ∝ the released (noisy) count.
/// Not CTGAN's log-frequency: real rows enter the critic with their own
/// categories, i.e. at the empirical frequency, so fake rows must be
/// conditioned the same way or the critic tells them apart by the
/// condition alone.
fn freq_cums(counts: &[Vec<f64>]) -> Vec<Vec<f64>> {
    counts
        .iter()
        .map(|c| {
            let w: Vec<f64> = c.iter().map(|x| x.max(0.0)).collect();
            let total: f64 = w.iter().sum();
            let mut acc = 0.0;
            w.iter()
                .map(|x| {
                    acc += x;
                    if total > 0.0 { acc / total } else { 1.0 }
                })
                .collect()
        })
        .collect()
}

fn draw(cum: &[f64], r: f64) -> usize {
    cum.partition_point(|&c| c <= r)
        .min(cum.len().saturating_sub(1))
}

/// Trains the generator with DP-SGD on the critic; pushes the DP-SGD entry.
pub fn train_dp(
    released: &DpStats,
    opts: &FitOptions<'_>,
    budget: Budget,
    ledger: &mut Ledger,
    insecure_noise_seed: Option<u64>,
    progress: &mut dyn FnMut(&TrainProgress),
) -> Result<DpTrained> {
    let mut cfg = match &opts.ctgan {
        Some(c) => {
            let mut c = c.clone();
            c.pac = 1;
            c.eval_every = 0;
            c.checkpoint_every = 0;
            c
        }
        None => dp_config(released.n_est, opts.steps),
    };
    if let Some(s) = opts.steps {
        cfg.steps = s;
    }
    cfg.validate().map_err(ModelError::input)?;
    let encoder = Encoder::from_stats(
        &released.stats,
        GmmOptions {
            max_modes: cfg.max_modes,
            ..GmmOptions::default()
        },
    );
    let n = released.raw.first().map_or(0, |c| c.len());
    let q = (cfg.batch as f64 / released.n_est.max(1.0)).min(1.0);
    let sigma = calibrate_dp_sgd_after(ledger, budget.epsilon, budget.delta, cfg.steps, q)
        .map_err(privacy_error)?;
    let plan = DpSgdPlan::new(sigma, q, cfg.steps, f64::from(CLIP_NORM)).map_err(privacy_error)?;

    let seed = opts.seed;
    let stream = |purpose: u64| {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        r.set_stream(purpose);
        r
    };
    let gcfg = gan_config(&encoder, &cfg);
    let mut gan = Gan::new(gcfg, &mut stream(1))?;
    let encoded = encoder.encode(&released.raw, &mut stream(2));
    let mut rng = stream(3);
    let mut stepper = DpStepper::new(
        &encoder,
        &released.stats,
        n,
        released.n_est,
        &cfg,
        &plan,
        insecure_noise_seed,
    )?;
    let mut ema = gan.export_parameters(false);
    let started = Instant::now();
    for step in 1..=cfg.steps {
        if opts
            .stop
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
        {
            return Err(ModelError::Interrupted { step: step - 1 });
        }
        let losses = stepper.step(&mut gan, &encoder, &encoded, &mut rng)?;
        if cfg.ema_decay > 0.0 {
            let cur = gan.export_parameters(false);
            for (e, c) in ema.iter_mut().zip(&cur) {
                for (a, b) in e.data.iter_mut().zip(&c.data) {
                    *a = cfg.ema_decay * *a + (1.0 - cfg.ema_decay) * b;
                }
            }
        } else {
            ema = gan.export_parameters(false);
        }
        progress(&TrainProgress {
            step,
            total_steps: cfg.steps,
            critic_loss: losses.critic,
            generator_loss: losses.generator,
            best_score: None,
        });
    }
    let seconds_per_step = started.elapsed().as_secs_f64() / cfg.steps.max(1) as f64;
    ledger.push(plan.ledger_entry(budget.delta).map_err(privacy_error)?);
    Ok(DpTrained {
        generator: ema,
        encoder,
        config: cfg,
        seconds_per_step,
        plan,
    })
}

/// Losses of one DP step. Both are computed on real rows and are not
/// covered by the guarantee: for the progress bar only, never released.
#[derive(Debug, Clone, Copy)]
pub struct StepLosses {
    /// NaN when the Poisson sample was empty (a noise-only critic update).
    pub critic: f32,
    pub generator: f32,
}

/// One DP-SGD step of the conditional GAN (a noisy critic step on a Poisson
/// sample, then a generator step through the critic), shared by the central
/// DP fit and a federated site's DP rounds so that both make exactly the
/// releases their accountant charges for.
pub struct DpStepper {
    conds: Conditions,
    /// q·n̂: the normaliser of the noisy gradient sum (never the realised size).
    expected_batch: f64,
    /// Fake rows per critic step: round(q·n̂), whatever the realised |B|.
    fake_batch: usize,
    noise_std: f32,
    clip: f32,
    sampler: PoissonSampler,
    noise: Box<dyn NoiseSource + Send>,
    batch: Vec<usize>,
    cond_gen: Matrix,
    selected: Vec<Option<usize>>,
}

impl std::fmt::Debug for DpStepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DpStepper")
            .field("expected_batch", &self.expected_batch)
            .field("noise_std", &self.noise_std)
            .finish()
    }
}

impl DpStepper {
    /// A stepper over `n_rows` encoded rows for `plan` (its sampling rate and
    /// noise). `stats` must be DP releases (they set the fake rows'
    /// conditions); `n_est` is the released row count; `cfg` gives the
    /// generator's batch and the target column with its share of
    /// conditions. Noise and sampling come from the OS unless
    /// `insecure_noise_seed` (tests and audits only) is given.
    pub fn new(
        encoder: &Encoder,
        stats: &[ColumnStats],
        n_rows: usize,
        n_est: f64,
        cfg: &CtganConfig,
        plan: &DpSgdPlan,
        insecure_noise_seed: Option<u64>,
    ) -> Result<Self> {
        let gen_batch = cfg.batch;
        let target = cfg.target_column.map(|t| (t, cfg.target_cond_share));
        let q = plan.sampling_rate;
        let (sampler, noise): (PoissonSampler, Box<dyn NoiseSource + Send>) =
            match insecure_noise_seed {
                Some(s) => (
                    PoissonSampler::insecure_seeded(n_rows, q, s ^ 0x5EED)
                        .map_err(privacy_error)?,
                    Box::new(SeededNoise::insecure_from_seed(s ^ 0xD9)),
                ),
                None => (
                    PoissonSampler::new(n_rows, q).map_err(privacy_error)?,
                    Box::new(OsNoise::new().map_err(privacy_error)?),
                ),
            };
        let cond_cols: Vec<usize> = (0..encoder.columns.len())
            .filter(|&c| encoder.cond_index[c].is_some())
            .collect();
        let target = target.and_then(|(col, share)| {
            let k = cond_cols.iter().position(|&c| c == col)?;
            (share > 0.0).then_some((k, f64::from(share)))
        });
        Ok(DpStepper {
            conds: Conditions {
                cums: freq_cums(&cond_counts(encoder, stats)),
                cond_cols,
                target,
            },
            expected_batch: q * n_est.max(1.0),
            fake_batch: ((q * n_est.max(1.0)).round() as usize).max(1),
            noise_std: plan.noise_std() as f32,
            clip: plan.clip_norm as f32,
            sampler,
            noise,
            batch: Vec::new(),
            cond_gen: Matrix::zeros(gen_batch, encoder.cond_dim),
            selected: vec![None; gen_batch],
        })
    }

    /// One step: Poisson sample, clipped and noised critic update (an empty
    /// sample, probability (1−q)ⁿ, makes a noise-only one), then a
    /// generator update.
    pub fn step(
        &mut self,
        gan: &mut Gan,
        encoder: &Encoder,
        encoded: &EncodedRows,
        rng: &mut ChaCha8Rng,
    ) -> Result<StepLosses> {
        let cd = encoder.cond_dim;
        self.sampler.sample_into(&mut self.batch);
        // An empty Poisson sample (probability (1−q)ⁿ) still makes a
        // noise-only update, as the subsampled-Gaussian analysis assumes:
        // the engine gets one all-zero placeholder row whose clipped
        // gradient is discarded before the noise is added.
        let empty = self.batch.is_empty();
        let b = self.batch.len().max(1);
        let mut real = Matrix::zeros(b, encoder.data_dim);
        let mut cond_real = Matrix::zeros(b, cd);
        if !empty {
            encoder.fill(encoded, &self.batch, &mut real);
            if !self.conds.cond_cols.is_empty() {
                for (i, &r) in self.batch.iter().enumerate() {
                    let k = self.conds.pick_column(rng);
                    let slot = encoded.slots[self.conds.cond_cols[k]][r] as usize;
                    cond_real.data[i * cd + encoder.cond_columns[k].cond_start + slot] = 1.0;
                }
            }
        }
        // A fixed number of fake rows (q·n̂, from released values only):
        // the public fake term must not depend on the realised |B|.
        let f = self.fake_batch;
        let mut cond_fake = Matrix::zeros(f, cd);
        let mut sel = vec![None; f];
        self.conds.fill_fake(encoder, &mut cond_fake, &mut sel, rng);
        // The engine divides the noisy sum by the batch size it was given
        // (b); rescale so that the result is (sum + noise) / (q·n̂).
        let rescale = b as f32 / self.expected_batch as f32;
        let keep = if empty { 0.0 } else { 1.0 };
        let std = self.noise_std;
        let noise = &mut self.noise;
        let mut add_noise = |g: &mut [f32]| {
            for v in g.iter_mut() {
                *v = (keep * *v + std * noise.standard_normal() as f32) * rescale;
            }
        };
        let s = gan.critic_step_dp(
            &real,
            &cond_real,
            &cond_fake,
            self.clip,
            &mut add_noise,
            rng,
        )?;
        // Losses come from real rows: for the progress bar only.
        let critic = if empty { f32::NAN } else { s.stats.loss };
        self.conds
            .fill_fake(encoder, &mut self.cond_gen, &mut self.selected, rng);
        let g = gan.generator_step(&self.cond_gen, &self.selected, rng)?;
        Ok(StepLosses {
            critic,
            generator: g.loss,
        })
    }
}

/// How rows are conditioned in DP training: the cond columns, their
/// released frequencies and the target's share. Depends on released values
/// only, so real and fake rows can share it.
struct Conditions {
    /// Model columns that have a block in the conditional vector.
    cond_cols: Vec<usize>,
    /// Per cond column: cumulative released frequencies of its slots.
    cums: Vec<Vec<f64>>,
    /// The target's position in `cond_cols` and the share of conditions
    /// that pick it (the rest pick a column uniformly).
    target: Option<(usize, f64)>,
}

impl Conditions {
    /// Which cond column a row is conditioned on: the target in its share of
    /// rows, else uniform. Real and fake rows use the same rule (and it
    /// does not look at the data), so the critic cannot tell them apart by
    /// the column alone.
    fn pick_column(&self, rng: &mut ChaCha8Rng) -> usize {
        if let Some((k, share)) = self.target
            && rng.random::<f64>() < share
        {
            return k;
        }
        rng.random_range(0..self.cond_cols.len())
    }

    /// Conditions of fake rows, drawn from the released frequencies.
    fn fill_fake(
        &self,
        encoder: &Encoder,
        m: &mut Matrix,
        sel: &mut [Option<usize>],
        rng: &mut ChaCha8Rng,
    ) {
        m.data.iter_mut().for_each(|v| *v = 0.0);
        if self.cond_cols.is_empty() {
            sel.iter_mut().for_each(|s| *s = None);
            return;
        }
        let cd = encoder.cond_dim;
        for (i, s) in sel.iter_mut().enumerate() {
            let k = self.pick_column(rng);
            let slot = draw(&self.cums[k], rng.random());
            m.data[i * cd + encoder.cond_columns[k].cond_start + slot] = 1.0;
            *s = Some(k);
        }
    }
}
