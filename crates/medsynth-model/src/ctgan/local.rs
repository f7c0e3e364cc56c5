//! The model side of federated training: what a site computes from its own
//! rows (mergeable statistics, local GAN steps from given parameters) and
//! what the server builds from merged statistics alone (the shared encoder,
//! the initial parameters, the final model directory).
//!
//! Why a separate trainer from [`super::train`]: a federated site starts
//! every round from parameters it was *given*, trains a fixed number of
//! steps, and hands its parameters back; there is no checkpointing (the
//! round is the checkpoint). The inner step is the same CTGAN step:
//! training-by-sampling, WGAN-GP critic, conditional generator loss.
//! Snapshot selection is split between the parties: a site scores the
//! generator the server would release on its own rows
//! ([`LocalTrainer::score`], the centralised selection score), and the server
//! keeps the round with the best row-weighted mean of the site scores. The
//! score is computed on real rows, so it is one more number leaving the
//! site; under DP it is not computed (DP-SGD does not cover it).
//!
//! Statistics are computed against the *agreed* domain in the schema (numeric
//! bounds, category lists), and whether a numeric column gets one bin per
//! integer is decided by the schema alone, so that every site produces
//! histograms over identical bins and the server's merge is a plain sum:
//! merged site statistics equal the statistics of the pooled table.

use medsynth_data::{Kind, MaskAction, Schema, Table};
use medsynth_nn::{Gan, Matrix, NamedTensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::config::CtganConfig;
use super::gan_config;
use super::sampler::CondSampler;
use super::selection::{Binner, Coded, score_generator};
use crate::dp::site::{SiteDpTraining, SitePrivacyReport, SiteRelease};
use crate::encoder::gmm::GmmOptions;
use crate::encoder::{EncodedRows, Encoder};
use crate::error::{ModelError, Result};
use crate::model_file::{
    FORMAT_VERSION, Manifest, Model, OutputColumn, Timings, TrainingInfo, WEIGHTS,
};
use crate::spec::{ColumnSpec, MISSING, OutputType, RawColumn, discrete_indices, numeric_values};
use crate::stats::{ColumnStats, Histogram, Prepared};
use crate::synthesizer::ModelKind;

/// Names of the generator's tensors start with this (set by `medsynth-nn`).
pub const GENERATOR_PREFIX: &str = "generator.";
/// Names of optimiser state tensors start with these; they never travel.
const OPTIMISER_PREFIXES: [&str; 3] = ["adam_m.", "adam_v.", "adam_step."];

/// Provenance of a federated model, recorded in its manifest: how many sites
/// took part, with how many rows, for how long and how their updates were
/// combined. No site's data, only sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FederatedInfo {
    pub sites: usize,
    pub rows_per_site: Vec<usize>,
    pub rounds: usize,
    pub local_steps: u64,
    /// `fedavg`, `fedprox` or `shared-generator`.
    pub strategy: String,
    /// FedProx μ (0 for the other strategies).
    #[serde(default)]
    pub prox_mu: f32,
    /// How the simulation split one table into sites (`iid`, `by=sex`,
    /// `dirichlet=0.5`), or `None` when the sites were separate files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    /// Updates accepted / rejected over all rounds.
    pub accepted_updates: usize,
    pub rejected_updates: usize,
    /// File in the model directory with one JSON record per round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds_log: Option<String>,
    /// Per-site DP: each site's ε, δ, DP-SGD plan and ledger (empty without DP).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub site_privacy: Vec<SitePrivacyReport>,
    /// Round (from 0) whose release candidate the model stores, when the
    /// server selected by site scores; `None` = the last round's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_round: Option<usize>,
    /// Row-weighted mean of the sites' selection scores of that round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_score: Option<f64>,
}

/// Whether a numeric column's histogram gets one bin per integer, decided
/// from the schema only so that every site bins identically. Continuous
/// columns get real-valued bins unless declared with 0 decimals.
pub fn integer_bins(kind: Kind, decimals: Option<u32>) -> bool {
    match kind {
        Kind::Integer | Kind::Datetime => true,
        Kind::Continuous => decimals == Some(0),
        _ => false,
    }
}

/// A site's statistics and rows in internal form, computed against the
/// schema's declared domain: every numeric modelled column needs `min` and
/// `max`, every discrete one its `categories` (the federation agrees on them
/// first, from public knowledge or from merged per-site domains). A value
/// outside the categories is an error naming row and column; numeric values
/// outside the bounds count in the edge bins.
pub fn site_prepare(table: &Table, schema: &Schema) -> Result<Prepared> {
    let mut specs = Vec::new();
    let mut stats = Vec::new();
    let mut raw = Vec::new();
    for col in schema.modelled() {
        let data = table.column(&col.name).ok_or_else(|| {
            ModelError::input(format!(
                "the schema names column '{}' but the site's table has no such column",
                col.name
            ))
        })?;
        let spec = ColumnSpec::from_schema(col, data)?;
        if spec.is_discrete() {
            let labels = col.categories.clone().filter(|c| !c.is_empty()).ok_or_else(|| {
                ModelError::input(format!(
                    "column '{}': federated training needs the column's categories in the schema (the federation's agreed domain)",
                    col.name
                ))
            })?;
            let idx = discrete_indices(data, &labels)?;
            let mut counts = vec![0.0; labels.len()];
            let mut missing = 0.0;
            for &i in &idx {
                if i == MISSING {
                    missing += 1.0;
                } else {
                    counts[i as usize] += 1.0;
                }
            }
            stats.push(ColumnStats::Discrete {
                labels,
                counts,
                missing,
            });
            raw.push(RawColumn::Discrete(idx));
        } else {
            let (Some(lo), Some(hi)) = (
                col.min.filter(|v| v.is_finite()),
                col.max.filter(|v| v.is_finite()),
            ) else {
                return Err(ModelError::input(format!(
                    "column '{}': federated training needs min and max in the schema (the federation's agreed domain)",
                    col.name
                )));
            };
            if lo > hi {
                return Err(ModelError::input(format!(
                    "column '{}': schema min {lo} is above max {hi}",
                    col.name
                )));
            }
            let values = numeric_values(data)?;
            let mut histogram = Histogram::new(lo, hi, integer_bins(col.kind, col.decimals));
            let mut missing = 0.0;
            for &v in &values {
                if v.is_finite() {
                    histogram.add(v, 1.0);
                } else {
                    missing += 1.0;
                }
            }
            stats.push(ColumnStats::Numeric { histogram, missing });
            raw.push(RawColumn::Numeric(values));
        }
        specs.push(spec);
    }
    Ok(Prepared {
        specs,
        stats,
        raw,
        n_rows: table.n_rows(),
    })
}

/// Sums the sites' statistics column by column. Errors (naming the site and
/// column) when two sites binned differently or listed other categories:
/// they did not use the same agreed schema.
pub fn merge_site_stats(sites: &[&[ColumnStats]]) -> Result<Vec<ColumnStats>> {
    let Some((first, rest)) = sites.split_first() else {
        return Err(ModelError::input("no site statistics to merge"));
    };
    let mut merged = first.to_vec();
    for (i, s) in rest.iter().enumerate() {
        if s.len() != merged.len() {
            return Err(ModelError::input(format!(
                "site {} sent statistics for {} columns, site 0 for {}: the sites use different schemas",
                i + 1,
                s.len(),
                merged.len()
            )));
        }
        for (c, (m, o)) in merged.iter_mut().zip(s.iter()).enumerate() {
            m.merge(o)
                .map_err(|e| ModelError::input(format!("site {}, column {c}: {e}", i + 1)))?;
        }
    }
    for (c, m) in merged.iter().enumerate() {
        if m.present() <= 0.0 {
            return Err(ModelError::input(format!(
                "column {c} is missing in every row of every site: there is nothing to learn; drop it (schema kind \"text\")"
            )));
        }
    }
    Ok(merged)
}

/// Combines the sites' column specs: they must agree on kinds; a column read
/// as whole numbers at one site and as decimals at another is output as
/// decimals.
pub fn merge_specs(sites: &[&[ColumnSpec]]) -> Result<Vec<ColumnSpec>> {
    let Some((first, rest)) = sites.split_first() else {
        return Err(ModelError::input("no site column specs to merge"));
    };
    let mut merged = first.to_vec();
    for (i, s) in rest.iter().enumerate() {
        if s.len() != merged.len() {
            return Err(ModelError::input(format!(
                "site {} describes {} columns, site 0 {}",
                i + 1,
                s.len(),
                merged.len()
            )));
        }
        for (m, o) in merged.iter_mut().zip(s.iter()) {
            if m.name != o.name || m.kind != o.kind {
                return Err(ModelError::input(format!(
                    "site {} has column '{}' ({}) where site 0 has '{}' ({})",
                    i + 1,
                    o.name,
                    o.kind.as_str(),
                    m.name,
                    m.kind.as_str()
                )));
            }
            if m.output != o.output {
                match (&m.output, &o.output) {
                    (OutputType::Int, OutputType::Float) | (OutputType::Float, OutputType::Int) => {
                        m.output = OutputType::Float
                    }
                    _ => {
                        return Err(ModelError::input(format!(
                            "column '{}' has different value types at site 0 and site {}",
                            m.name,
                            i + 1
                        )));
                    }
                }
            }
        }
    }
    Ok(merged)
}

/// The shared encoder, from merged statistics only.
pub fn shared_encoder(stats: &[ColumnStats], cfg: &CtganConfig) -> Encoder {
    Encoder::from_stats(
        stats,
        GmmOptions {
            max_modes: cfg.max_modes,
            ..GmmOptions::default()
        },
    )
}

/// Initial global parameters (generator and critic, no optimiser state),
/// deterministic for the seed.
pub fn initial_parameters(
    encoder: &Encoder,
    cfg: &CtganConfig,
    seed: u64,
) -> Result<Vec<NamedTensor>> {
    let gan = Gan::new(
        gan_config(encoder, cfg),
        &mut ChaCha8Rng::seed_from_u64(seed),
    )?;
    Ok(exchanged(gan.export_parameters(true), true))
}

/// Drops optimiser state (and the critic unless `with_critic`).
fn exchanged(all: Vec<NamedTensor>, with_critic: bool) -> Vec<NamedTensor> {
    all.into_iter()
        .filter(|t| !OPTIMISER_PREFIXES.iter().any(|p| t.name.starts_with(p)))
        .filter(|t| with_critic || t.name.starts_with(GENERATOR_PREFIX))
        .collect()
}

/// What one round of local training produced.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalRound {
    /// Parameters to send: the generator, plus the critic when asked.
    pub params: Vec<NamedTensor>,
    /// Mean generator and critic losses over the round's steps. Computed on
    /// real rows: for monitoring, not covered by any DP guarantee.
    pub generator_loss: f64,
    pub critic_loss: f64,
    pub steps: u64,
}

/// A site's GAN trainer: the site's rows encoded with the shared encoder,
/// and a GAN whose critic and optimiser state persist between rounds (the
/// site-local part), while parameters are overwritten by the server's at the
/// start of each round.
pub struct LocalTrainer {
    encoder: Encoder,
    cfg: CtganConfig,
    gan: Gan,
    encoded: EncodedRows,
    sampler: CondSampler,
    rng: ChaCha8Rng,
    /// Per-site DP-SGD (critic steps on Poisson samples, clipped and noised,
    /// charged to the site's ledger) instead of training-by-sampling.
    dp: Option<SiteDpTraining>,
    /// The site's side of snapshot selection; `None` under DP.
    selection: Option<SiteSelection>,
}

/// What a site needs to score a generator on its own rows: the binner of
/// the federation's merged statistics (identical at every site, so scores
/// are comparable) and the site's rows coded by it.
struct SiteSelection {
    binner: Binner,
    reference: Coded,
    seed: u64,
}

impl std::fmt::Debug for LocalTrainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalTrainer")
            .field("rows", &self.encoded.n)
            .finish()
    }
}

fn stream(seed: u64, purpose: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(purpose);
    r
}

impl LocalTrainer {
    /// Encodes the site's rows (from [`site_prepare`]) with the shared
    /// encoder. `merged_stats` are the federation's merged statistics (they
    /// define the selection score's bins). `seed` should differ between sites.
    pub fn new(
        encoder: Encoder,
        cfg: CtganConfig,
        merged_stats: &[ColumnStats],
        raw: &[RawColumn],
        seed: u64,
    ) -> Result<Self> {
        let mut t = Self::untrained(encoder, cfg, merged_stats, raw, seed)?;
        let binner = Binner::new(merged_stats);
        let reference = binner.codes(raw);
        t.selection = Some(SiteSelection {
            binner,
            reference,
            seed,
        });
        Ok(t)
    }

    /// The parts every site has: checked inputs, encoded rows, GAN. Neither
    /// snapshot selection nor DP is set up yet.
    fn untrained(
        encoder: Encoder,
        cfg: CtganConfig,
        merged_stats: &[ColumnStats],
        raw: &[RawColumn],
        seed: u64,
    ) -> Result<Self> {
        cfg.validate().map_err(ModelError::input)?;
        if raw.len() != encoder.columns.len() {
            return Err(ModelError::input(format!(
                "the site has {} modelled columns, the shared encoder {}",
                raw.len(),
                encoder.columns.len()
            )));
        }
        if merged_stats.len() != raw.len() {
            return Err(ModelError::input(format!(
                "the federation's statistics cover {} columns, the site has {}",
                merged_stats.len(),
                raw.len()
            )));
        }
        let n = raw.first().map_or(0, RawColumn::len);
        if n == 0 {
            return Err(ModelError::input("the site has no rows to train on"));
        }
        let gan = Gan::new(gan_config(&encoder, &cfg), &mut stream(seed, 1))?;
        let encoded = encoder.encode(raw, &mut stream(seed, 2));
        let sampler = CondSampler::new(&encoder, &encoded);
        Ok(LocalTrainer {
            encoder,
            cfg,
            gan,
            encoded,
            sampler,
            rng: stream(seed, 3),
            dp: None,
            selection: None,
        })
    }

    /// A trainer whose rounds are DP-SGD steps under the site's own budget
    /// (see [`crate::dp::site`]): the noise is calibrated here for
    /// `total_steps` local steps over the whole run, after the statistics
    /// the site released (`release`). `merged_stats` are the federation's
    /// merged (DP) statistics. The federation's settings must have pac 1.
    #[allow(clippy::too_many_arguments)]
    pub fn new_dp(
        encoder: Encoder,
        cfg: CtganConfig,
        raw: &[RawColumn],
        seed: u64,
        merged_stats: &[ColumnStats],
        release: &SiteRelease,
        total_steps: u64,
        insecure_noise_seed: Option<u64>,
    ) -> Result<Self> {
        // No selection state: a DP site never scores (see [`Self::score`]).
        let mut t = Self::untrained(encoder, cfg, merged_stats, raw, seed)?;
        let (dp, batch) = SiteDpTraining::new(
            &t.encoder,
            merged_stats,
            t.encoded.n,
            release,
            &t.cfg,
            total_steps,
            insecure_noise_seed,
        )?;
        t.cfg.batch = batch;
        t.cfg.critic_steps = 1;
        t.dp = Some(dp);
        Ok(t)
    }

    /// The site's DP state (plan, ledger) when it trains under DP.
    pub fn privacy(&self) -> Option<&SiteDpTraining> {
        self.dp.as_ref()
    }

    /// Rows the site trains on (the FedAvg weight).
    pub fn rows(&self) -> usize {
        self.encoded.n
    }

    /// Everything the site keeps between rounds (critic, optimiser state,
    /// generator), for a stateless client process to save in its work dir.
    pub fn state(&self) -> Vec<NamedTensor> {
        self.gan.export_parameters(true)
    }

    /// Restores [`Self::state`] saved by an earlier round.
    pub fn restore_state(&mut self, state: &[NamedTensor]) -> Result<()> {
        self.gan.import_parameters(state)?;
        Ok(())
    }

    /// The site's selection score of `generator` (the generator tensors the
    /// server would release, e.g. its moving average after `round`): the
    /// centralised snapshot-selection score ([`score_generator`]) of
    /// `eval_rows` generated rows against the site's own rows, higher is
    /// better. `None` under DP: the score is computed on real rows and
    /// DP-SGD's guarantee does not cover it, so a DP site never computes it.
    /// Deterministic for the site's seed and `round`.
    ///
    /// The candidate is loaded into the site's own engine rather than a copy:
    /// only the generator's weights change (critic and Adam state stay), and
    /// every round starts by importing the global generator, so the next
    /// round trains exactly as if no score had been taken. A copy per site
    /// cost 2.1 GB of peak memory on diabetes130 over 5 sites (3.3 → 5.5 GB).
    pub fn score(&mut self, generator: &[NamedTensor], round: u64) -> Result<Option<f64>> {
        let Some(sel) = &self.selection else {
            return Ok(None);
        };
        // The engine imports the generator group all-or-nothing: a partial
        // candidate is an error, never a mixture of two generators.
        self.gan.import_parameters(generator)?;
        let mut rng = stream(sel.seed ^ round.wrapping_mul(0x9E37_79B9_7F4A_7C15), 4);
        let score = score_generator(
            &self.gan,
            &self.encoder,
            &self.sampler,
            &sel.binner,
            &sel.reference,
            self.cfg.eval_rows,
            &mut rng,
        )?;
        Ok(Some(score))
    }

    /// One round: load `global` (the generator, and the critic if present),
    /// run `steps` CTGAN steps on the site's rows and return the parameters
    /// to send. With `prox_mu > 0` (FedProx) each step also pulls the
    /// generator towards the round's starting point by `lr·μ·(w − w_global)`,
    /// the proximal term applied as a decoupled step (the engine's Adam
    /// consumes its gradient internally).
    pub fn train_round(
        &mut self,
        global: &[NamedTensor],
        steps: u64,
        prox_mu: f32,
        send_critic: bool,
    ) -> Result<LocalRound> {
        if steps == 0 {
            return Err(ModelError::input("local steps must be at least 1"));
        }
        if let Some(dp) = self.dp.as_mut() {
            dp.reserve(steps)?;
        }
        self.gan.import_parameters(global)?;
        let anchor: Vec<f32> = self.gan.generator_parameters().to_vec();
        let mut current = anchor.clone();
        let pull = self.cfg.lr_generator * prox_mu;
        if let Some(dp) = self.dp.as_mut() {
            for _ in 0..steps {
                dp.step(&mut self.gan, &self.encoder, &self.encoded, &mut self.rng)?;
                prox_pull(&mut self.gan, &anchor, &mut current, pull)?;
            }
            // Losses are computed on real rows: not released under DP.
            return Ok(LocalRound {
                params: exchanged(self.gan.export_parameters(true), send_critic),
                generator_loss: f64::NAN,
                critic_loss: f64::NAN,
                steps,
            });
        }
        let enc = &self.encoder;
        let b = self.cfg.batch;
        let cd = enc.cond_dim;
        let mut real = Matrix::zeros(b, enc.data_dim);
        let mut cond_fake = Matrix::zeros(b, cd);
        let mut cond_real = Matrix::zeros(b, cd);
        let mut cond_gen = Matrix::zeros(b, cd);
        let mut selected = vec![None; b];
        let mut slots = vec![0u32; b];
        let mut rows = vec![0usize; b];
        let mut perm: Vec<usize> = (0..b).collect();
        let (mut gsum, mut csum) = (0.0f64, 0.0f64);
        for _ in 0..steps {
            for _ in 0..self.cfg.critic_steps {
                self.sampler.training_conds(
                    enc,
                    &mut cond_fake,
                    &mut selected,
                    &mut slots,
                    &mut self.rng,
                );
                perm.iter_mut().enumerate().for_each(|(i, p)| *p = i);
                rand::seq::SliceRandom::shuffle(perm.as_mut_slice(), &mut self.rng);
                for i in 0..b {
                    let p = perm[i];
                    rows[i] = self.sampler.real_row(selected[p], slots[p], &mut self.rng);
                    if cd > 0 {
                        let (dst, src) = (i * cd, p * cd);
                        cond_real.data[dst..dst + cd]
                            .copy_from_slice(&cond_fake.data[src..src + cd]);
                    }
                }
                enc.fill(&self.encoded, &rows, &mut real);
                let s = self
                    .gan
                    .critic_step(&real, &cond_real, &cond_fake, &mut self.rng)?;
                csum += f64::from(s.loss);
            }
            self.sampler.training_conds(
                enc,
                &mut cond_gen,
                &mut selected,
                &mut slots,
                &mut self.rng,
            );
            let g = self
                .gan
                .generator_step(&cond_gen, &selected, &mut self.rng)?;
            gsum += f64::from(g.loss);
            prox_pull(&mut self.gan, &anchor, &mut current, pull)?;
        }
        let n = steps as f64;
        Ok(LocalRound {
            params: exchanged(self.gan.export_parameters(true), send_critic),
            generator_loss: gsum / n,
            critic_loss: csum / (n * self.cfg.critic_steps.max(1) as f64),
            steps,
        })
    }
}

/// FedProx's proximal term as a decoupled step: `w ← w − pull·(w − anchor)`
/// on the generator (`pull` = lr·μ; 0 = FedAvg, nothing to do).
fn prox_pull(gan: &mut Gan, anchor: &[f32], current: &mut [f32], pull: f32) -> Result<()> {
    if pull > 0.0 {
        current.copy_from_slice(gan.generator_parameters());
        for (w, &w0) in current.iter_mut().zip(anchor) {
            *w -= pull * (*w - w0);
        }
        gan.set_generator_parameters(current)?;
    }
    Ok(())
}

/// Everything the server needs to write a federated model directory; no
/// rows, only merged statistics and parameters.
#[derive(Debug, Clone)]
pub struct FederatedParts {
    pub schema: Schema,
    pub specs: Vec<ColumnSpec>,
    pub stats: Vec<ColumnStats>,
    pub encoder: Encoder,
    pub config: CtganConfig,
    pub seed: u64,
    pub info: FederatedInfo,
    pub fit_seconds: f64,
}

/// Builds the model directory contents from the final global generator: a
/// CTGAN model that `medsynth sample` reads like any other, whose manifest
/// says it was federated.
pub fn federated_model(parts: FederatedParts, global: &[NamedTensor]) -> Result<Model> {
    let FederatedParts {
        schema,
        specs,
        stats,
        encoder,
        config,
        seed,
        info,
        fit_seconds,
    } = parts;
    let mut output_columns = Vec::new();
    let mut dropped = Vec::new();
    let mut index = 0;
    for c in &schema.columns {
        if c.kind.is_modelled() {
            output_columns.push(OutputColumn::Modelled {
                name: c.name.clone(),
                index,
            });
            index += 1;
        } else if let (Some(MaskAction::Fake), Some(id)) = (c.action, c.identifier) {
            output_columns.push(OutputColumn::Fake {
                name: c.name.clone(),
                identifier: id,
            });
        } else {
            dropped.push(c.name.clone());
        }
    }
    if index != specs.len() || index != stats.len() {
        return Err(ModelError::input(format!(
            "the schema has {index} modelled columns but the federation's statistics cover {}",
            stats.len()
        )));
    }
    let generator: Vec<NamedTensor> = global
        .iter()
        .filter(|t| t.name.starts_with(GENERATOR_PREFIX))
        .cloned()
        .collect();
    let rows = info.rows_per_site.iter().sum();
    let steps = info.rounds as u64 * info.local_steps;
    let manifest = Manifest {
        format: "medsynth-model".into(),
        format_version: FORMAT_VERSION,
        medsynth_version: env!("CARGO_PKG_VERSION").into(),
        model: ModelKind::Ctgan,
        seed,
        schema,
        columns: specs,
        output_columns,
        dropped_columns: dropped,
        statistics: stats,
        encoder: Some(encoder.columns.clone()),
        ctgan: Some(CtganConfig { steps, ..config }),
        selected_step: None,
        selection_score: None,
        training: TrainingInfo {
            file_name: None,
            sha256: None,
            rows,
        },
        timings: Timings {
            fit_seconds,
            seconds_per_step: None,
        },
        loss_curve: None,
        weights: WEIGHTS.into(),
        weights_sha256: String::new(),
        federated: Some(info),
        privacy: None,
    };
    Model::from_parts(manifest, generator, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::prepare;
    use medsynth_data::{Column, ColumnSchema};

    fn table(rows: std::ops::Range<usize>) -> Table {
        let x: Vec<Option<f64>> = rows
            .clone()
            .map(|i| (i % 7 != 0).then_some((i % 13) as f64 * 1.5))
            .collect();
        let k: Vec<Option<f64>> = rows.clone().map(|i| Some((i % 5) as f64)).collect();
        let g: Vec<Option<String>> = rows.map(|i| Some(format!("g{}", i % 3))).collect();
        Table::new(vec![
            Column::from_f64("x", &x),
            Column::from_f64("k", &k),
            Column::from_strs("g", &g),
        ])
        .unwrap()
    }

    fn schema() -> Schema {
        let mut x = ColumnSchema::new("x", Kind::Continuous);
        (x.min, x.max, x.decimals) = (Some(0.0), Some(18.0), Some(1));
        let mut k = ColumnSchema::new("k", Kind::Integer);
        (k.min, k.max) = (Some(0.0), Some(4.0));
        let mut g = ColumnSchema::new("g", Kind::Categorical);
        g.categories = Some(vec!["g0".into(), "g1".into(), "g2".into()]);
        Schema {
            columns: vec![x, k, g],
        }
    }

    #[test]
    fn merged_site_statistics_equal_the_pooled_ones() {
        let s = schema();
        let parts: Vec<Prepared> = [0..17, 17..40, 40..90]
            .into_iter()
            .map(|r| site_prepare(&table(r), &s).unwrap())
            .collect();
        let refs: Vec<&[ColumnStats]> = parts.iter().map(|p| p.stats.as_slice()).collect();
        let merged = merge_site_stats(&refs).unwrap();
        let pooled = prepare(&table(0..90), &s).unwrap();
        assert_eq!(merged, pooled.stats);
        assert_eq!(
            merge_specs(&parts.iter().map(|p| p.specs.as_slice()).collect::<Vec<_>>()).unwrap(),
            pooled.specs
        );
    }

    #[test]
    fn sites_need_the_agreed_domain() {
        let mut s = schema();
        s.columns[0].max = None;
        let err = site_prepare(&table(0..10), &s).unwrap_err().to_string();
        assert!(err.contains("'x'") && err.contains("min and max"), "{err}");
        let mut s = schema();
        s.columns[2].categories = Some(vec!["g0".into()]);
        let err = site_prepare(&table(0..10), &s).unwrap_err().to_string();
        assert!(err.contains("column 'g'") && err.contains("row 2"), "{err}");
    }

    #[test]
    fn different_bins_do_not_merge() {
        let s = schema();
        let a = site_prepare(&table(0..20), &s).unwrap();
        let mut s2 = schema();
        s2.columns[0].max = Some(30.0);
        let b = site_prepare(&table(20..40), &s2).unwrap();
        let err = merge_site_stats(&[&a.stats, &b.stats])
            .unwrap_err()
            .to_string();
        assert!(err.contains("site 1, column 0"), "{err}");
    }

    #[test]
    fn local_rounds_are_deterministic_and_prox_keeps_the_generator_closer() {
        let s = schema();
        let site = site_prepare(&table(0..60), &s).unwrap();
        let mut cfg = CtganConfig::for_rows(60);
        (cfg.batch, cfg.pac, cfg.noise_dim) = (20, 10, 8);
        (cfg.generator_hidden, cfg.critic_hidden) = (vec![16], vec![16]);
        cfg.threads = 1;
        let enc = shared_encoder(&site.stats, &cfg);
        let init = initial_parameters(&enc, &cfg, 3).unwrap();
        assert!(init.iter().any(|t| t.name.starts_with("critic.")));
        assert!(!init.iter().any(|t| t.name.starts_with("adam")));
        let run = |mu: f32, critic: bool| {
            let mut t =
                LocalTrainer::new(enc.clone(), cfg.clone(), &site.stats, &site.raw, 9).unwrap();
            t.train_round(&init, 20, mu, critic).unwrap()
        };
        let a = run(0.0, true);
        assert_eq!(a, run(0.0, true));
        assert!(a.generator_loss.is_finite() && a.critic_loss.is_finite());
        assert_eq!(a.params.len(), init.len());
        let gen_only = run(0.0, false);
        assert!(
            gen_only
                .params
                .iter()
                .all(|t| t.name.starts_with("generator."))
        );
        let dist = |p: &[NamedTensor]| -> f64 {
            p.iter()
                .zip(&init)
                .filter(|(t, _)| t.name.starts_with("generator."))
                .flat_map(|(t, g)| t.data.iter().zip(&g.data))
                .map(|(a, b)| f64::from(a - b).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let prox = run(500.0, true);
        assert!(
            dist(&prox.params) < dist(&a.params),
            "{} vs {}",
            dist(&prox.params),
            dist(&a.params)
        );
    }

    #[test]
    fn a_site_scores_the_candidate_without_touching_training_and_never_under_dp() {
        use crate::dp::site::{SitePrivacy, release_site_stats};
        let s = schema();
        let site = site_prepare(&table(0..120), &s).unwrap();
        let mut cfg = CtganConfig::for_rows(120);
        (cfg.batch, cfg.pac, cfg.noise_dim) = (20, 1, 8);
        (cfg.generator_hidden, cfg.critic_hidden) = (vec![16], vec![16]);
        (cfg.threads, cfg.eval_rows) = (1, 300);
        let enc = shared_encoder(&site.stats, &cfg);
        let init = initial_parameters(&enc, &cfg, 3).unwrap();
        let generator: Vec<NamedTensor> = init
            .iter()
            .filter(|t| t.name.starts_with(GENERATOR_PREFIX))
            .cloned()
            .collect();
        let new =
            || LocalTrainer::new(enc.clone(), cfg.clone(), &site.stats, &site.raw, 9).unwrap();
        let mut t = new();
        let a = t
            .score(&generator, 4)
            .unwrap()
            .expect("a site without DP scores");
        assert!(a > 0.0 && a < 1.0, "{a}");
        assert_eq!(t.score(&generator, 4).unwrap(), Some(a), "deterministic");
        // A candidate missing a generator tensor is refused, not mixed in.
        let err = t.score(&generator[1..], 4).unwrap_err().to_string();
        assert!(err.contains("generator") || err.contains("tensor"), "{err}");
        // The next round trains as if no score had been taken (GAN, RNG).
        let after = t.train_round(&init, 10, 0.0, true).unwrap();
        assert_eq!(after, new().train_round(&init, 10, 0.0, true).unwrap());
        // A trained candidate is scored differently from the initial one.
        let trained: Vec<NamedTensor> = after
            .params
            .iter()
            .filter(|t| t.name.starts_with(GENERATOR_PREFIX))
            .cloned()
            .collect();
        assert_ne!(t.score(&trained, 4).unwrap(), Some(a));

        let mut privacy = SitePrivacy::new(1.0);
        privacy.insecure_noise_seed = Some(1);
        let release = release_site_stats(&site, &privacy).unwrap();
        let dp_enc = shared_encoder(&release.stats, &cfg);
        let dp_generator: Vec<NamedTensor> = initial_parameters(&dp_enc, &cfg, 3)
            .unwrap()
            .into_iter()
            .filter(|t| t.name.starts_with(GENERATOR_PREFIX))
            .collect();
        let mut dp = LocalTrainer::new_dp(
            dp_enc,
            cfg.clone(),
            &site.raw,
            9,
            &release.stats,
            &release,
            20,
            Some(2),
        )
        .unwrap();
        assert_eq!(
            dp.score(&dp_generator, 0).unwrap(),
            None,
            "under DP the site must not compute a score on its rows"
        );
    }
}
