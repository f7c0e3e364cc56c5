//! The federated encoder and everything the sites must share before training.
//!
//! Each site summarises its own table ([`summarize`]): row count, column
//! specs and mergeable statistics (histograms over the agreed bins, category
//! counts) — aggregates, never rows. The server merges the summaries into one
//! [`Federation`]: the merged statistics, the shared encoder built from them
//! alone, the CTGAN settings, the aggregation strategy and the seed. Every
//! site then encodes its rows with that one encoder, so that parameters
//! trained at different sites mean the same thing and can be averaged.
//!
//! The `Federation` is what `medsynth federate init` writes as
//! `federation.json`; it is public to the sites (merged counts only).

use std::path::Path;

use medsynth_data::{Schema, Table};
use medsynth_model::ctgan::local::{
    self, FederatedInfo, FederatedParts, LocalTrainer, initial_parameters, merge_site_stats,
    merge_specs, shared_encoder,
};
use medsynth_model::dp::site::{SitePrivacy, SiteRelease, release_site_stats};
use medsynth_model::encoder::{ColumnEncoding, Encoder};
use medsynth_model::spec::{ColumnSpec, RawColumn};
use medsynth_model::stats::ColumnStats;
use medsynth_model::{CtganConfig, Model};
use medsynth_nn::NamedTensor;
use serde::{Deserialize, Serialize};

use crate::aggregate::{AggregationRules, TensorSelection};
use crate::error::{FederatedError, Result};

/// What a site sends in the statistics phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteSummary {
    /// The site's row count (its FedAvg weight; hospitals' sizes are
    /// usually public).
    pub rows: usize,
    /// How each modelled column is typed at the site (whole numbers,
    /// decimals, dates, labels).
    pub specs: Vec<ColumnSpec>,
    /// Histograms and category counts over the agreed domain.
    pub stats: Vec<ColumnStats>,
}

/// Site side: the summary to send, and the rows in internal form that stay
/// at the site for local training.
pub fn summarize(table: &Table, schema: &Schema) -> Result<(SiteSummary, Vec<RawColumn>)> {
    let p = local::site_prepare(table, schema)?;
    Ok((
        SiteSummary {
            rows: p.n_rows,
            specs: p.specs,
            stats: p.stats,
        },
        p.raw,
    ))
}

/// Site side under DP: the summary carries the site's noisy statistics and
/// its released (noisy) row count; the release and its ledger stay at the
/// site with the rows. The schema must declare every domain public.
pub fn summarize_dp(
    table: &Table,
    schema: &Schema,
    privacy: &SitePrivacy,
) -> Result<(SiteSummary, Vec<RawColumn>, SiteRelease)> {
    let p = local::site_prepare(table, schema)?;
    let release = release_site_stats(&p, privacy)?;
    Ok((
        SiteSummary {
            rows: (release.n_est.round() as usize).max(1),
            specs: p.specs,
            stats: release.stats.clone(),
        },
        p.raw,
        release,
    ))
}

/// How site updates are combined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "kebab-case")]
pub enum Strategy {
    /// FedAvg of generator and critic, weighted by rows.
    Fedavg,
    /// FedAvg plus the proximal pull μ towards the round's global generator
    /// during local steps (Li et al. 2020), against client drift on non-IID sites.
    Fedprox { mu: f32 },
    /// Only the generator is averaged; each site keeps its own critic.
    SharedGenerator,
}

impl Strategy {
    /// Parses the CLI spelling (`fedavg`, `fedprox`, `shared-generator`).
    pub fn parse(name: &str, mu: f32) -> Result<Self> {
        match name {
            "fedavg" => Ok(Strategy::Fedavg),
            "fedprox" => {
                if !(mu.is_finite() && mu > 0.0) {
                    return Err(FederatedError::InvalidParameter {
                        name: "FedProx mu",
                        value: f64::from(mu),
                        expected: "finite and > 0",
                    });
                }
                Ok(Strategy::Fedprox { mu })
            }
            "shared-generator" => Ok(Strategy::SharedGenerator),
            other => Err(FederatedError::Input(format!(
                "strategy must be fedavg, fedprox or shared-generator, got '{other}'"
            ))),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Strategy::Fedavg => "fedavg",
            Strategy::Fedprox { .. } => "fedprox",
            Strategy::SharedGenerator => "shared-generator",
        }
    }

    /// Which tensors the server averages.
    pub fn selection(&self) -> TensorSelection {
        match self {
            Strategy::SharedGenerator => TensorSelection::shared_generator(),
            _ => TensorSelection::All,
        }
    }

    /// Whether sites send their critic (not under shared-generator: the
    /// critic is the part that reads rows, so it stays home).
    pub fn sends_critic(&self) -> bool {
        !matches!(self, Strategy::SharedGenerator)
    }

    /// FedProx μ (0 otherwise).
    pub fn prox_mu(&self) -> f32 {
        match self {
            Strategy::Fedprox { mu } => *mu,
            _ => 0.0,
        }
    }
}

/// The shared setup of a federation (`federation.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Federation {
    pub format: String,
    /// The agreed schema, with every modelled column's domain filled in.
    pub schema: Schema,
    pub specs: Vec<ColumnSpec>,
    /// Merged statistics (sums of the sites' aggregates).
    pub stats: Vec<ColumnStats>,
    /// The shared encoder, built from `stats` alone.
    pub encoder: Vec<ColumnEncoding>,
    pub config: CtganConfig,
    pub strategy: Strategy,
    /// Local CTGAN steps per site and round.
    pub local_steps: u64,
    pub seed: u64,
    pub rows_per_site: Vec<usize>,
}

const FORMAT: &str = "medsynth-federation";

impl Federation {
    /// Server side: merges the sites' summaries (in site order) into the
    /// shared setup. `config` overrides the CTGAN defaults for the total
    /// number of rows.
    pub fn from_summaries(
        schema: &Schema,
        summaries: &[SiteSummary],
        config: Option<CtganConfig>,
        strategy: Strategy,
        local_steps: u64,
        seed: u64,
    ) -> Result<Self> {
        if summaries.is_empty() {
            return Err(FederatedError::NoSites);
        }
        if local_steps == 0 {
            return Err(FederatedError::InvalidParameter {
                name: "local steps",
                value: 0.0,
                expected: "at least 1",
            });
        }
        for (i, s) in summaries.iter().enumerate() {
            if s.rows == 0 || s.stats.len() != s.specs.len() {
                return Err(FederatedError::Input(format!(
                    "site {i} sent an empty or inconsistent summary ({} rows, {} statistics, {} columns)",
                    s.rows,
                    s.stats.len(),
                    s.specs.len()
                )));
            }
        }
        let stats = merge_site_stats(
            &summaries
                .iter()
                .map(|s| s.stats.as_slice())
                .collect::<Vec<_>>(),
        )?;
        let specs = merge_specs(
            &summaries
                .iter()
                .map(|s| s.specs.as_slice())
                .collect::<Vec<_>>(),
        )?;
        if specs.len() != schema.modelled().count() {
            return Err(FederatedError::Input(format!(
                "the sites summarised {} columns, the schema models {}",
                specs.len(),
                schema.modelled().count()
            )));
        }
        let rows_per_site: Vec<usize> = summaries.iter().map(|s| s.rows).collect();
        let total: usize = rows_per_site.iter().sum();
        let mut config = config.unwrap_or_else(|| CtganConfig::for_rows(total));
        config.validate().map_err(FederatedError::Input)?;
        // Several sites train at once on one machine in the simulation: one
        // GEMM thread each avoids oversubscribing the cores.
        config.threads = 1;
        let encoder = shared_encoder(&stats, &config);
        Ok(Federation {
            format: FORMAT.into(),
            schema: schema.clone(),
            specs,
            stats,
            encoder: encoder.columns,
            config,
            strategy,
            local_steps,
            seed,
            rows_per_site,
        })
    }

    /// The shared encoder.
    pub fn encoder(&self) -> Encoder {
        Encoder::from_columns(self.encoder.clone())
    }

    /// The initial global parameters: generator and critic, or the generator
    /// alone under shared-generator (each site's critic starts from its own seed).
    pub fn initial_global(&self) -> Result<Vec<NamedTensor>> {
        let all = initial_parameters(&self.encoder(), &self.config, self.seed)?;
        Ok(self.strategy.selection().select(&all))
    }

    /// The server's acceptance rules for this federation.
    pub fn rules(&self, max_update_norm: Option<f64>) -> AggregationRules {
        AggregationRules {
            max_update_norm,
            selection: self.strategy.selection(),
        }
    }

    /// Site side: a local trainer over the site's rows (from [`summarize`]).
    pub fn trainer(&self, raw: &[RawColumn], site_seed: u64) -> Result<LocalTrainer> {
        Ok(LocalTrainer::new(
            self.encoder(),
            self.config.clone(),
            &self.stats,
            raw,
            site_seed,
        )?)
    }

    /// Site side under DP: a trainer whose local steps are DP-SGD steps,
    /// calibrated for `total_steps` steps over the whole run after the
    /// site's statistics release.
    pub fn dp_trainer(
        &self,
        raw: &[RawColumn],
        site_seed: u64,
        release: &SiteRelease,
        total_steps: u64,
        insecure_noise_seed: Option<u64>,
    ) -> Result<LocalTrainer> {
        Ok(LocalTrainer::new_dp(
            self.encoder(),
            self.config.clone(),
            raw,
            site_seed,
            &self.stats,
            release,
            total_steps,
            insecure_noise_seed,
        )?)
    }

    /// The model directory contents from the final global parameters.
    pub fn finish(
        &self,
        global: &[NamedTensor],
        info: FederatedInfo,
        seconds: f64,
    ) -> Result<Model> {
        Ok(local::federated_model(
            FederatedParts {
                schema: self.schema.clone(),
                specs: self.specs.clone(),
                stats: self.stats.clone(),
                encoder: self.encoder(),
                config: self.config.clone(),
                seed: self.seed,
                info,
                fit_seconds: seconds,
            },
            global,
        )?)
    }

    /// Writes `federation.json` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| FederatedError::Input(format!("cannot serialise the federation: {e}")))?;
        medsynth_data::io::write_atomically(path, |w| w.write_all(&json))
            .map_err(|e| FederatedError::Input(format!("{}: {e}", path.display())))
    }

    /// Reads a `federation.json` written by [`Self::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| FederatedError::Input(format!("{}: {e}", path.display())))?;
        let f: Federation = serde_json::from_slice(&bytes).map_err(|e| {
            FederatedError::Input(format!(
                "{}: not a federation file written by `medsynth federate init`: {e}",
                path.display()
            ))
        })?;
        if f.format != FORMAT {
            return Err(FederatedError::Input(format!(
                "{}: field \"format\" is '{}', expected '{FORMAT}'",
                path.display(),
                f.format
            )));
        }
        Ok(f)
    }
}

/// Total rows up to which [`default_lr_scale`] scales by the number of sites:
/// the small-table regime of `CtganConfig::for_rows`.
pub const SMALL_FEDERATION_ROWS: usize = CtganConfig::SMALL_TABLE_ROWS;

/// The learning-rate scale used when the user gives none: the number of
/// sites for small non-DP federations (≤ [`SMALL_FEDERATION_ROWS`] rows in
/// all), 1 otherwise.
///
/// Why by size: small tables get many small steps (`CtganConfig::for_rows`)
/// and a federated run of the same total steps gives each site only 1/K of
/// them; there the scale recovers centralised quality (heart, 3 sites: see
/// [`scaled_learning_rates`]). Large tables already converge within each
/// site's share of the steps, and a larger rate hurts: adult (22,792 rows,
/// 3 IID sites, 20 × 100 steps, seed 0) gave quality 0.864 / TSTR AUC 0.853
/// at scale 1 and 0.834 / 0.799 at scale 3. Under DP the noise calibration
/// and clipping were tuned at scale 1, so it stays 1.
pub fn default_lr_scale(total_rows: usize, sites: usize, dp: bool) -> f32 {
    if !dp && total_rows <= SMALL_FEDERATION_ROWS {
        sites.max(1) as f32
    } else {
        1.0
    }
}

/// `config` (or the CTGAN defaults for `total_rows` rows) with both
/// learning rates multiplied by `scale` (1 = unchanged).
///
/// Why: FedAvg of K sites that each take S Adam steps from the same global
/// model moves it about as far as S steps of one site (averaging K similar
/// steps does not add them up), while centralised training with the same
/// total number of steps, K·S, takes K·S steps. Adam's step length is
/// proportional to the learning rate, so a scale of about K lets a round
/// cover the ground of K·S centralised steps. On heart (3 sites, 20 rounds
/// × 50 steps) a scale of 3 took FedAvg from quality 0.85 / TSTR AUC 0.46–0.51
/// to 0.89 / 0.89–0.91, as centralised 3,000 steps (docs/federated.md).
pub fn scaled_learning_rates(
    config: Option<CtganConfig>,
    total_rows: usize,
    scale: f32,
) -> Result<Option<CtganConfig>> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(FederatedError::InvalidParameter {
            name: "learning-rate scale",
            value: f64::from(scale),
            expected: "finite and > 0",
        });
    }
    if scale == 1.0 {
        return Ok(config);
    }
    let mut c = config.unwrap_or_else(|| CtganConfig::for_rows(total_rows));
    c.lr_generator *= scale;
    c.lr_critic *= scale;
    Ok(Some(c))
}

/// The CTGAN settings the sites train with: `config` (or the defaults for
/// the federation's total rows) with the learning rates scaled by
/// `lr_scale`, or by [`default_lr_scale`] when the user gave none. `None`
/// means the unscaled defaults. One place for the simulator and the
/// per-round `federate init`, so both federations train alike.
pub fn site_training_config(
    config: Option<CtganConfig>,
    summaries: &[SiteSummary],
    lr_scale: Option<f32>,
    dp: bool,
) -> Result<Option<CtganConfig>> {
    let total_rows = summaries.iter().map(|s| s.rows).sum();
    let scale = lr_scale.unwrap_or_else(|| default_lr_scale(total_rows, summaries.len(), dp));
    scaled_learning_rates(config, total_rows, scale)
}

/// A per-site seed derived from the federation's seed, so that sites draw
/// different batches while the whole run stays reproducible.
pub fn site_seed(seed: u64, site: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((site as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_non_dp_federations_scale_by_the_number_of_sites() {
        assert_eq!(default_lr_scale(212, 3, false), 3.0);
        assert_eq!(default_lr_scale(SMALL_FEDERATION_ROWS, 2, false), 2.0);
        assert_eq!(default_lr_scale(SMALL_FEDERATION_ROWS + 1, 3, false), 1.0);
        assert_eq!(default_lr_scale(212, 3, true), 1.0);
        assert_eq!(default_lr_scale(0, 0, false), 1.0);
    }

    #[test]
    fn learning_rates_are_scaled_from_the_defaults_or_the_given_settings() {
        let base = CtganConfig::for_rows(212);
        assert_eq!(scaled_learning_rates(None, 212, 1.0).unwrap(), None);
        let c = scaled_learning_rates(None, 212, 3.0).unwrap().unwrap();
        assert_eq!(c.lr_generator, 3.0 * base.lr_generator);
        assert_eq!(c.lr_critic, 3.0 * base.lr_critic);
        assert_eq!(
            (c.steps, c.batch, c.pac),
            (base.steps, base.batch, base.pac)
        );
        let mut given = base.clone();
        given.lr_generator = 1e-3;
        let c = scaled_learning_rates(Some(given.clone()), 212, 2.0)
            .unwrap()
            .unwrap();
        assert_eq!(c.lr_generator, 2e-3);
        assert_eq!(
            scaled_learning_rates(Some(given.clone()), 212, 1.0).unwrap(),
            Some(given)
        );
        for bad in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            assert!(matches!(
                scaled_learning_rates(None, 212, bad),
                Err(FederatedError::InvalidParameter { .. })
            ));
        }
    }
}
