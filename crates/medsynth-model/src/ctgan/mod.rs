//! The conditional tabular GAN: encoder + `medsynth-nn` engine + CTGAN's
//! training-by-sampling, with EMA weights and snapshot selection.

pub mod config;
pub mod local;
pub mod sampler;
pub mod selection;
pub mod train;

use medsynth_nn::{Gan, GanConfig, Matrix, NamedTensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::encoder::Encoder;
use crate::error::{ModelError, Result};
use crate::spec::RawColumn;
use crate::stats::ColumnStats;
use crate::synthesizer::{Condition, ModelKind, Synthesizer};
pub use config::CtganConfig;
use sampler::CondSampler;

/// Rows generated per engine call while sampling (bounded memory).
const CHUNK: usize = 8192;

/// The engine configuration for an encoder layout and CTGAN settings.
pub fn gan_config(encoder: &Encoder, cfg: &CtganConfig) -> GanConfig {
    GanConfig {
        data_dim: encoder.data_dim,
        cond_dim: encoder.cond_dim,
        noise_dim: cfg.noise_dim,
        generator_hidden: cfg.generator_hidden.clone(),
        critic_hidden: cfg.critic_hidden.clone(),
        pac: cfg.pac,
        critic_dropout: cfg.critic_dropout,
        leaky_slope: 0.2,
        gp_lambda: cfg.gp_lambda,
        lr_generator: cfg.lr_generator,
        lr_critic: cfg.lr_critic,
        betas: cfg.betas,
        weight_decay: cfg.weight_decay,
        gumbel_tau: cfg.gumbel_tau,
        threads: cfg.threads,
        outputs: encoder.spans.clone(),
        cond_columns: encoder.cond_columns.clone(),
    }
}

/// Category counts of the discrete columns, in cond-column order, with the
/// missing slot last where the encoder has one.
pub fn cond_counts(encoder: &Encoder, stats: &[ColumnStats]) -> Vec<Vec<f64>> {
    let mut out = Vec::new();
    for (c, s) in stats.iter().enumerate() {
        if encoder.cond_index[c].is_none() {
            continue;
        }
        if let ColumnStats::Discrete {
            counts, missing, ..
        } = s
        {
            out.push(encoder.columns[c].slot_counts(counts, *missing));
        }
    }
    out
}

/// A trained generator ready to sample.
pub struct CtganModel {
    pub encoder: Encoder,
    pub config: CtganConfig,
    gan: Gan,
    sampler: CondSampler,
}

impl CtganModel {
    /// Builds the sampler from the generator's tensors (as saved in `model.safetensors`).
    pub fn new(
        encoder: Encoder,
        config: CtganConfig,
        stats: &[ColumnStats],
        generator: &[NamedTensor],
    ) -> Result<Self> {
        // Initial weights are overwritten by the import; any seed will do.
        let mut gan = Gan::new(
            gan_config(&encoder, &config),
            &mut ChaCha8Rng::seed_from_u64(0),
        )?;
        gan.import_parameters(generator)?;
        let sampler = CondSampler::for_sampling(&encoder, &cond_counts(&encoder, stats))
            .with_target(&encoder, config.target_column, config.target_cond_share);
        Ok(CtganModel {
            encoder,
            config,
            gan,
            sampler,
        })
    }

    /// The generator's tensors (what `model.safetensors` holds).
    pub fn generator_tensors(&self) -> Vec<NamedTensor> {
        self.gan.export_parameters(false)
    }
}

impl Synthesizer for CtganModel {
    fn kind(&self) -> ModelKind {
        ModelKind::Ctgan
    }

    fn sample_raw(
        &self,
        n: usize,
        conditions: &[Condition],
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<RawColumn>> {
        let enc = &self.encoder;
        let mut forced = Vec::new();
        let mut fixed = None;
        for c in conditions {
            let Some(k) = enc.cond_index.get(c.column).copied().flatten() else {
                return Err(ModelError::request(
                    "conditions are only supported on categorical and boolean columns",
                ));
            };
            let slot = enc.discrete_slot(c.column, c.category);
            forced.push((c.column, slot));
            // The first condition goes into the conditional vector (what the
            // generator was trained on); further ones are forced after decoding.
            if fixed.is_none() {
                fixed = Some((k, slot));
            }
        }
        // Chunks get their own RNG seeded from `rng` in order, so the rows do
        // not depend on how many threads generate them; chunks are spread
        // over the cores (generation is GEMM- and RNG-bound).
        let chunks: Vec<(usize, u64)> = (0..n)
            .step_by(CHUNK)
            .map(|start| (CHUNK.min(n - start), rng.random::<u64>()))
            .collect();
        let workers = std::thread::available_parallelism()
            .map_or(1, |p| p.get())
            .clamp(1, 4)
            .min(chunks.len().max(1));
        let run = |w: usize| -> Result<Vec<Vec<RawColumn>>> {
            let mut parts = Vec::new();
            for &(m, seed) in chunks.iter().skip(w).step_by(workers) {
                let mut crng = ChaCha8Rng::seed_from_u64(seed);
                let mut cond = Matrix::zeros(m, enc.cond_dim);
                self.sampler
                    .sampling_conds(enc, &mut cond, fixed, &mut crng);
                let rows = self.gan.generate(&cond, &mut crng)?;
                let mut part = enc.empty_output(m);
                enc.decode(&rows, &forced, &mut part, &mut crng);
                // A condition on a label in a column's tail slot is exact too:
                // decoding drew some tail label, the request names one.
                for c in conditions {
                    if let Some(RawColumn::Discrete(v)) = part.get_mut(c.column) {
                        v.iter_mut().for_each(|x| *x = c.category);
                    }
                }
                parts.push(part);
            }
            Ok(parts)
        };
        let per_worker: Vec<Result<Vec<Vec<RawColumn>>>> = if workers == 1 {
            vec![run(0)]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers).map(|w| scope.spawn(move || run(w))).collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(ModelError::input("a sampling thread panicked"))
                        })
                    })
                    .collect()
            })
        };
        let mut per_worker: Vec<std::vec::IntoIter<Vec<RawColumn>>> = per_worker
            .into_iter()
            .map(|r| r.map(Vec::into_iter))
            .collect::<Result<_>>()?;
        let mut out = enc.empty_output(n);
        for i in 0..chunks.len() {
            if let Some(part) = per_worker[i % workers].next() {
                for (o, p) in out.iter_mut().zip(part) {
                    match (o, p) {
                        (RawColumn::Numeric(a), RawColumn::Numeric(b)) => a.extend(b),
                        (RawColumn::Discrete(a), RawColumn::Discrete(b)) => a.extend(b),
                        _ => {}
                    }
                }
            }
        }
        Ok(out)
    }
}
