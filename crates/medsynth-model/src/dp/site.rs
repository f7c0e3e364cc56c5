//! Differential privacy at one federated site.
//!
//! Each hospital spends its **own** budget on its own patients: the
//! statistics it sends for the shared encoder are noised and charged to its
//! ledger, and its local critic steps are DP-SGD steps (the same
//! [`DpStepper`] as the central DP fit) charged to the same ledger. The
//! noise multiplier is calibrated once, before the first round, for the
//! whole planned run (rounds × local steps at the site's sampling rate),
//! and a round that would go past the plan is refused, so the ε a site
//! reports can never be exceeded by training longer.
//!
//! What the site releases, and what it costs:
//! * one Gaussian histogram per modelled column over the federation's
//!   agreed (public) bins, missing cells included: a patient changes one
//!   cell of each, so every histogram has L2 sensitivity 1 (the
//!   `stats_share` of ε, calibrated jointly in RDP);
//! * its FedAvg weight: the inverse-variance weighted mean of those
//!   histograms' noisy totals
//!   (post-processing, free);
//! * parameters after DP-SGD critic steps; the generator only ever sees
//!   the critic (post-processing);
//! * no losses (they are computed on real rows and not covered).
//!
//! The domain (bounds, category lists) must be public: a site's own minimum
//! or label set is exact information about its patients.

use medsynth_privacy::mechanisms::{Noise, noisy_cell_counts};
use medsynth_privacy::{
    Budget, DpSgdPlan, Ledger, PlannedKind, PlannedRelease, PrivacySpent, allocate,
    calibrate_dp_sgd_after, default_delta,
};
use serde::{Deserialize, Serialize};

use super::ctgan::{CLIP_NORM, DpStepper, StepLosses};
use super::{DpNoise, PrivacySection, privacy_error, split_of};
use crate::ctgan::config::CtganConfig;
use crate::encoder::{EncodedRows, Encoder};
use crate::error::{ModelError, Result};
use crate::spec::RawColumn;
use crate::stats::{ColumnStats, Histogram, Prepared};
use crate::synthesizer::ModelKind;
use medsynth_nn::Gan;
use rand_chacha::ChaCha8Rng;

/// Default share of a site's ε for its statistics (the rest is DP-SGD).
pub const DEFAULT_STATS_SHARE: f64 = 0.1;
/// Bins of a numeric column's histogram under DP when its agreed domain
/// would give more: every bin pays the same noise, and a site of a few
/// hundred rows cannot afford hundreds of them.
pub const DP_SITE_BINS: usize = 32;

/// A site's privacy settings. The federation agrees on ε and the split; δ
/// defaults per site to min(1e-5, 1/(10·n)) of the site's own size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SitePrivacy {
    /// ε of each site over the whole run (> 0).
    pub epsilon: f64,
    /// δ of each site; `None` = min(1e-5, 1/(10·n_site)).
    pub delta: Option<f64>,
    /// Share of ε for the statistics phase, in (0, 1).
    pub stats_share: f64,
    /// **Tests only**: reproducible noise (then there is NO privacy).
    #[serde(skip)]
    pub insecure_noise_seed: Option<u64>,
}

impl SitePrivacy {
    /// ε per site with the default split and δ.
    pub fn new(epsilon: f64) -> Self {
        SitePrivacy {
            epsilon,
            delta: None,
            stats_share: DEFAULT_STATS_SHARE,
            insecure_noise_seed: None,
        }
    }

    /// The validated budget of a site with `n` rows.
    pub fn budget(&self, n: usize) -> Result<Budget> {
        if !(self.stats_share > 0.0 && self.stats_share < 1.0) {
            return Err(ModelError::input(format!(
                "statistics share {} of a site's ε must be strictly between 0 and 1",
                self.stats_share
            )));
        }
        let delta = self.delta.unwrap_or_else(|| default_delta(n));
        Budget::new(self.epsilon, delta, n).map_err(privacy_error)
    }
}

/// What a site releases in the statistics phase under DP, with its ledger.
#[derive(Debug, Clone)]
pub struct SiteRelease {
    /// Noisy histograms and category counts over the agreed domain (cells
    /// within the noise set to 0 by post-processing).
    pub stats: Vec<ColumnStats>,
    /// Released row count (the FedAvg weight).
    pub n_est: f64,
    pub budget: Budget,
    /// The statistics releases, to which DP-SGD will be added.
    pub ledger: Ledger,
}

/// Site side: noises the site's statistics (from
/// [`crate::ctgan::local::site_prepare`]) and charges them to a new ledger.
pub fn release_site_stats(prepared: &Prepared, privacy: &SitePrivacy) -> Result<SiteRelease> {
    let budget = privacy.budget(prepared.n_rows)?;
    let mut src = DpNoise::new(privacy.insecure_noise_seed)?;
    let planned: Vec<PlannedRelease> = prepared
        .specs
        .iter()
        .map(|s| PlannedRelease::new(&s.name, 1.0, PlannedKind::Gaussian { count: 1 }))
        .collect();
    let alloc = allocate(&planned, privacy.stats_share * budget.epsilon, budget.delta)
        .map_err(privacy_error)?;
    let mut ledger = Ledger::new();
    let mut stats = Vec::with_capacity(prepared.stats.len());
    let mut totals = Vec::with_capacity(prepared.stats.len());
    for (c, (exact, raw)) in prepared.stats.iter().zip(&prepared.raw).enumerate() {
        let name = &prepared.specs[c].name;
        let noise = Noise::Gaussian {
            noise_multiplier: alloc.params[c],
            report_delta: budget.delta,
        };
        let (mut released, cells) = match (exact, raw) {
            (ColumnStats::Numeric { histogram, .. }, RawColumn::Numeric(values))
                if histogram.n_bins() > DP_SITE_BINS =>
            {
                let mut h = Histogram {
                    lo: histogram.lo,
                    hi: histogram.hi,
                    counts: vec![0.0; DP_SITE_BINS],
                    integer: false,
                };
                let mut missing = 0.0;
                for &v in values {
                    if v.is_finite() {
                        h.add(v, 1.0);
                    } else {
                        missing += 1.0;
                    }
                }
                let s = ColumnStats::Numeric {
                    histogram: h,
                    missing,
                };
                let cells = cells_of(&s);
                (s, cells)
            }
            _ => (exact.clone(), cells_of(exact)),
        };
        let r = noisy_cell_counts(
            &format!("site histogram of '{name}'"),
            &cells,
            noise,
            &mut src,
        )
        .map_err(privacy_error)?;
        ledger.push(r.entry);
        // A column's noisy total has variance (cells)·m²: weight by its inverse.
        let var = cells.len() as f64 * alloc.params[c].powi(2);
        totals.push((r.value.iter().sum::<f64>(), 1.0 / var.max(1e-12)));
        set_cells(&mut released, &r.value, alloc.params[c]);
        stats.push(released);
    }
    // Inverse-variance weighted mean of the columns' noisy totals
    // (post-processing): far tighter than any one column's total.
    let weight: f64 = totals.iter().map(|t| t.1).sum();
    let n_est = if weight > 0.0 {
        totals.iter().map(|t| t.0 * t.1).sum::<f64>() / weight
    } else {
        1.0
    }
    .max(1.0);
    Ok(SiteRelease {
        stats,
        n_est,
        budget,
        ledger,
    })
}

/// The cells of a statistic (bins or categories, then the missing count).
fn cells_of(s: &ColumnStats) -> Vec<u64> {
    let (counts, missing) = match s {
        ColumnStats::Numeric { histogram, missing } => (&histogram.counts, *missing),
        ColumnStats::Discrete {
            counts, missing, ..
        } => (counts, *missing),
    };
    counts
        .iter()
        .chain(std::iter::once(&missing))
        .map(|&c| c.max(0.0).round() as u64)
        .collect()
}

/// Writes noisy cells back. Post-processing, as in the central DP fit:
/// a cell below 1.5 noise sd (`m`) is indistinguishable from an empty one
/// and becomes 0, the missing cell needs 2 sd (a spurious missing share
/// would put gaps into every synthetic column), and a column whose cells
/// are all 0 becomes uniform so that the encoder stays defined.
fn set_cells(s: &mut ColumnStats, noisy: &[f64], m: f64) {
    let (counts, missing) = match s {
        ColumnStats::Numeric { histogram, missing } => (&mut histogram.counts, missing),
        ColumnStats::Discrete {
            counts, missing, ..
        } => (counts, missing),
    };
    let k = counts.len();
    for (c, &v) in counts.iter_mut().zip(noisy) {
        *c = if v < 1.5 * m { 0.0 } else { v };
    }
    if counts.iter().all(|c| *c <= 0.0) {
        counts.iter_mut().for_each(|c| *c = 1.0);
    }
    let miss = noisy.get(k).copied().unwrap_or(0.0);
    *missing = if miss < 2.0 * m { 0.0 } else { miss };
}

/// A site's DP-SGD state between rounds: the plan calibrated for the whole
/// run, the steps taken so far and the ledger of the statistics phase.
pub struct SiteDpTraining {
    stepper: DpStepper,
    plan: DpSgdPlan,
    steps_done: u64,
    budget: Budget,
    stats_ledger: Ledger,
    n_est: f64,
}

impl std::fmt::Debug for SiteDpTraining {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteDpTraining")
            .field("plan", &self.plan)
            .field("steps_done", &self.steps_done)
            .finish()
    }
}

impl SiteDpTraining {
    /// Calibrates the site's DP-SGD for `total_steps` local steps over the
    /// whole federation, after its statistics release. `merged_stats` are the
    /// federation's (DP) statistics; `cfg.batch` is capped at a tenth of the
    /// site's released rows (smaller q amplifies privacy). Returns the
    /// setup and the batch size the site trains with.
    pub fn new(
        encoder: &Encoder,
        merged_stats: &[ColumnStats],
        n_rows: usize,
        release: &SiteRelease,
        cfg: &CtganConfig,
        total_steps: u64,
        insecure_noise_seed: Option<u64>,
    ) -> Result<(Self, usize)> {
        if cfg.pac != 1 {
            return Err(ModelError::input(format!(
                "per-site DP-SGD needs pac = 1 in the federation's settings (got {}): a pack of rows is one example of the critic",
                cfg.pac
            )));
        }
        let batch = cfg
            .batch
            .min(((release.n_est / 10.0).round() as usize).max(10));
        let q = (batch as f64 / release.n_est.max(1.0)).min(1.0);
        let sigma = calibrate_dp_sgd_after(
            &release.ledger,
            release.budget.epsilon,
            release.budget.delta,
            total_steps,
            q,
        )
        .map_err(privacy_error)?;
        let plan =
            DpSgdPlan::new(sigma, q, total_steps, f64::from(CLIP_NORM)).map_err(privacy_error)?;
        let stepper = DpStepper::new(
            encoder,
            merged_stats,
            n_rows,
            release.n_est,
            &CtganConfig {
                batch,
                ..cfg.clone()
            },
            &plan,
            insecure_noise_seed,
        )?;
        Ok((
            SiteDpTraining {
                stepper,
                plan,
                steps_done: 0,
                budget: release.budget,
                stats_ledger: release.ledger.clone(),
                n_est: release.n_est,
            },
            batch,
        ))
    }

    /// Refuses `steps` more steps when they would go past the calibrated
    /// plan (and so past the site's ε).
    pub fn reserve(&mut self, steps: u64) -> Result<()> {
        if self.steps_done + steps > self.plan.steps {
            return Err(ModelError::input(format!(
                "the site's privacy budget is spent: {} of {} planned DP-SGD steps taken, {} more asked (ε = {} per site); no more rounds can run",
                self.steps_done, self.plan.steps, steps, self.budget.epsilon
            )));
        }
        self.steps_done += steps;
        Ok(())
    }

    /// One DP step (after [`Self::reserve`]).
    pub fn step(
        &mut self,
        gan: &mut Gan,
        encoder: &Encoder,
        encoded: &EncodedRows,
        rng: &mut ChaCha8Rng,
    ) -> Result<StepLosses> {
        self.stepper.step(gan, encoder, encoded, rng)
    }

    /// Released row count (the FedAvg weight under DP).
    pub fn rows_released(&self) -> f64 {
        self.n_est
    }

    /// Everything this site has released so far: statistics plus the DP-SGD
    /// steps actually taken.
    pub fn ledger(&self) -> Result<Ledger> {
        let mut l = self.stats_ledger.clone();
        if self.steps_done > 0 {
            l.push(
                self.plan
                    .with_steps(self.steps_done)
                    .ledger_entry(self.budget.delta)
                    .map_err(privacy_error)?,
            );
        }
        Ok(l)
    }

    /// ε spent so far, checked against the site's budget.
    pub fn spent(&self) -> Result<PrivacySpent> {
        self.budget.check(&self.ledger()?).map_err(privacy_error)
    }

    /// What the manifest and the CLI report for site `site`.
    pub fn report(&self, site: usize) -> Result<SitePrivacyReport> {
        let ledger = self.ledger()?;
        let spent = self.budget.check(&ledger).map_err(privacy_error)?;
        Ok(SitePrivacyReport {
            site,
            epsilon: spent.epsilon,
            delta: spent.delta,
            budget_epsilon: self.budget.epsilon,
            rows_released: self.n_est,
            noise_multiplier: self.plan.noise_multiplier,
            sampling_rate: self.plan.sampling_rate,
            steps: self.steps_done,
            composition: spent.composition,
            ledger: ledger.entries,
        })
    }
}

/// The `privacy` section of a federated model's manifest. Sites hold
/// disjoint patients, so each patient is covered by their own site's
/// guarantee (parallel composition): the section states the largest ε and
/// δ of any site, with that site's ledger; every site's is in
/// `federated.site_privacy`.
pub fn federated_section(
    sites: &[SitePrivacyReport],
    insecure_noise: bool,
) -> Result<PrivacySection> {
    let worst = sites
        .iter()
        .max_by(|a, b| a.epsilon.total_cmp(&b.epsilon))
        .ok_or_else(|| ModelError::input("no site ledger to report"))?;
    let ledger = Ledger {
        entries: worst.ledger.clone(),
    };
    Ok(PrivacySection {
        epsilon: worst.epsilon,
        delta: sites.iter().map(|s| s.delta).fold(0.0, f64::max),
        budget_epsilon: worst.budget_epsilon,
        composition: worst.composition,
        model: ModelKind::Ctgan,
        model_reason: "federated CTGAN with per-site DP-SGD; each patient is covered by their own site's (ε, δ) — this is the largest over the sites".into(),
        split: split_of(&ledger, worst.delta),
        ledger: ledger.entries,
        insecure_noise,
    })
}

/// One site's privacy in a federated model's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SitePrivacyReport {
    pub site: usize,
    pub epsilon: f64,
    pub delta: f64,
    pub budget_epsilon: f64,
    /// Released row count (the site's FedAvg weight).
    pub rows_released: f64,
    pub noise_multiplier: f64,
    pub sampling_rate: f64,
    /// DP-SGD steps actually taken.
    pub steps: u64,
    pub composition: medsynth_privacy::Composition,
    pub ledger: Vec<medsynth_privacy::LedgerEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctgan::local::site_prepare;
    use medsynth_data::{Column, ColumnSchema, Kind, Schema, Table};

    fn site(n: usize) -> (Table, Schema) {
        let x: Vec<Option<f64>> = (0..n).map(|i| Some((i % 50) as f64 * 0.37)).collect();
        let g: Vec<Option<String>> = (0..n).map(|i| Some(format!("g{}", i % 3))).collect();
        let t = Table::new(vec![Column::from_f64("x", &x), Column::from_strs("g", &g)]).unwrap();
        let mut xs = ColumnSchema::new("x", Kind::Continuous);
        (xs.min, xs.max, xs.decimals) = (Some(0.0), Some(20.0), Some(2));
        let mut gs = ColumnSchema::new("g", Kind::Categorical);
        gs.categories = Some(vec!["g0".into(), "g1".into(), "g2".into()]);
        (
            t,
            Schema {
                columns: vec![xs, gs],
            },
        )
    }

    #[test]
    fn site_statistics_are_noised_coarsened_and_charged() {
        let (t, s) = site(400);
        let p = site_prepare(&t, &s).unwrap();
        let mut privacy = SitePrivacy::new(1.0);
        privacy.insecure_noise_seed = Some(5);
        let r = release_site_stats(&p, &privacy).unwrap();
        assert_eq!(r.ledger.entries.len(), 2);
        let spent = r.ledger.total(r.budget.delta).unwrap().epsilon;
        assert!(
            (spent - 0.1).abs() < 0.01,
            "statistics should cost 10 % of ε, cost {spent}"
        );
        match &r.stats[0] {
            ColumnStats::Numeric { histogram, .. } => {
                assert_eq!(histogram.n_bins(), DP_SITE_BINS);
                assert!(histogram.counts.iter().all(|c| *c >= 0.0));
            }
            other => panic!("{other:?}"),
        }
        assert_ne!(r.stats[1], p.stats[1], "category counts must be noised");
        assert!((r.n_est - 400.0).abs() < 100.0, "n_est {}", r.n_est);
    }

    /// A 300-row site that released its statistics at ε = 2 (noise drawn
    /// from `noise_seed`), DP settings (pac 1, one critic step, batch 30)
    /// and the encoder built from the release.
    fn released_site_at_epsilon_2(
        noise_seed: u64,
    ) -> (Prepared, SiteRelease, CtganConfig, Encoder) {
        let (t, s) = site(300);
        let p = site_prepare(&t, &s).unwrap();
        let mut privacy = SitePrivacy::new(2.0);
        privacy.insecure_noise_seed = Some(noise_seed);
        let r = release_site_stats(&p, &privacy).unwrap();
        let mut cfg = CtganConfig::for_rows(300);
        (cfg.pac, cfg.critic_steps, cfg.batch) = (1, 1, 30);
        let enc = crate::ctgan::local::shared_encoder(&r.stats, &cfg);
        (p, r, cfg, enc)
    }

    #[test]
    fn an_empty_poisson_sample_still_makes_a_noise_only_critic_update() {
        use rand::SeedableRng;
        let (p, r, mut cfg, enc) = released_site_at_epsilon_2(2);
        (cfg.generator_hidden, cfg.critic_hidden) = (vec![16], vec![16]);
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut gan = Gan::new(crate::ctgan::gan_config(&enc, &cfg), &mut rng).unwrap();
        let encoded = enc.encode(&p.raw, &mut rng);
        // q so small that the sample is empty: n·q = 3e-10.
        let plan = DpSgdPlan::new(1.0, 1e-12, 10, 1.0).unwrap();
        let mut stepper = DpStepper::new(&enc, &r.stats, 300, 300.0, &cfg, &plan, Some(3)).unwrap();
        let critic = |g: &Gan| -> Vec<f32> {
            g.export_parameters(true)
                .into_iter()
                .filter(|t| t.name.starts_with("critic."))
                .flat_map(|t| t.data)
                .collect()
        };
        let before = critic(&gan);
        let losses = stepper.step(&mut gan, &enc, &encoded, &mut rng).unwrap();
        assert!(losses.critic.is_nan(), "no real row was seen");
        assert_ne!(
            before,
            critic(&gan),
            "the critic must still take a noisy step"
        );
    }

    #[test]
    fn training_past_the_plan_is_refused_and_the_ledger_meets_the_budget() {
        let (_, r, cfg, enc) = released_site_at_epsilon_2(1);
        let (mut dp, batch) =
            SiteDpTraining::new(&enc, &r.stats, 300, &r, &cfg, 40, Some(1)).unwrap();
        assert!(batch <= 30);
        dp.reserve(25).unwrap();
        let partial = dp.spent().unwrap().epsilon;
        assert!(partial < 2.0, "{partial}");
        dp.reserve(15).unwrap();
        let full = dp.spent().unwrap().epsilon;
        assert!(
            (full - 2.0).abs() < 0.02,
            "all planned steps spend ε: {full}"
        );
        let err = dp.reserve(1).unwrap_err().to_string();
        assert!(err.contains("budget is spent"), "{err}");
        let mut cfg10 = cfg.clone();
        cfg10.pac = 10;
        let err = SiteDpTraining::new(&enc, &r.stats, 300, &r, &cfg10, 40, Some(1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("pac = 1"), "{err}");
    }
}
