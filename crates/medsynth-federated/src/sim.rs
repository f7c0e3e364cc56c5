//! In-process simulation of a federation on one machine.
//!
//! The code is laid out the way a real deployment is: *site* code
//! ([`site_domain`], [`summarize`], [`CtganSite`]) reads a site's table;
//! *server* code ([`merge_domains`], [`Federation::from_summaries`], the
//! [`RoundDriver`] with its validation and FedAvg) only ever receives site
//! domains, summaries and parameter updates. [`simulate`] moves each table
//! into its site object and from then on handles nothing but what a site
//! would send over the wire.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use medsynth_data::{Schema, Table};
use medsynth_model::ctgan::local::{FederatedInfo, LocalTrainer};
use medsynth_model::dp::ctgan::dp_config;
use medsynth_model::dp::site::{SitePrivacy, SitePrivacyReport, federated_section};
use medsynth_model::{CtganConfig, Model};
use medsynth_nn::NamedTensor;
use medsynth_privacy::Ledger;

use crate::domain::{domain_is_declared, merge_domains, site_domain, undeclared_columns};
use crate::error::{FederatedError, Result};
use crate::federation::{
    Federation, Strategy, site_seed, site_training_config, summarize, summarize_dp,
};
use crate::round::{RoundConfig, RoundDriver, RoundRecord, Site};
use crate::select::{Selector, combined_score};
use crate::update::{SiteMetrics, SiteScore, SiteUpdate};

/// One simulated hospital: its rows (encoded, private to this object) and
/// its local trainer.
pub struct CtganSite {
    trainer: LocalTrainer,
    steps: u64,
    prox_mu: f32,
    send_critic: bool,
    /// Under DP: where the site posts its privacy report after every round
    /// (the simulation reads it at the end, whatever the round outcomes were).
    privacy_out: Option<Arc<Mutex<Option<SitePrivacyReport>>>>,
    index: usize,
}

impl CtganSite {
    /// A site training `steps` local steps per round under `strategy`.
    pub fn new(trainer: LocalTrainer, steps: u64, strategy: Strategy) -> Self {
        CtganSite {
            trainer,
            steps,
            prox_mu: strategy.prox_mu(),
            send_critic: strategy.sends_critic(),
            privacy_out: None,
            index: 0,
        }
    }

    /// Posts the site's privacy report (site number `index`) to `out` after
    /// every round; for a trainer built with DP.
    pub fn reporting_privacy(
        mut self,
        index: usize,
        out: Arc<Mutex<Option<SitePrivacyReport>>>,
    ) -> Self {
        self.index = index;
        self.privacy_out = Some(out);
        self
    }
}

impl Site for CtganSite {
    fn train_round(&mut self, global: &[NamedTensor], _round: usize) -> Result<SiteUpdate> {
        let result = self
            .trainer
            .train_round(global, self.steps, self.prox_mu, self.send_critic);
        // The steps were charged even if the round failed: report first.
        let ledger = match self.trainer.privacy() {
            Some(dp) => {
                let report = dp
                    .report(self.index)
                    .map_err(|e| FederatedError::SiteFailed(e.to_string()))?;
                let ledger = Ledger {
                    entries: report.ledger.clone(),
                };
                if let Some(out) = &self.privacy_out
                    && let Ok(mut slot) = out.lock()
                {
                    *slot = Some(report);
                }
                Some(ledger)
            }
            None => None,
        };
        let r = result.map_err(|e| FederatedError::SiteFailed(e.to_string()))?;
        let (rows, loss) = match self.trainer.privacy() {
            // The FedAvg weight is the released count; the loss (computed on
            // real rows) is not released.
            Some(dp) => (dp.rows_released().round().max(1.0) as u64, None),
            None => (self.trainer.rows() as u64, Some(r.generator_loss)),
        };
        Ok(SiteUpdate {
            site: 0,
            rows,
            params: r.params,
            metrics: SiteMetrics { loss, ledger },
        })
    }

    /// The trainer's score of the candidate on the site's rows; never under
    /// DP (checked here as well as in the trainer: the rule is the site's).
    fn score(&mut self, generator: &[NamedTensor], round: usize) -> Result<Option<SiteScore>> {
        if self.trainer.privacy().is_some() {
            return Ok(None);
        }
        let score = self
            .trainer
            .score(generator, round as u64)
            .map_err(|e| FederatedError::SiteFailed(e.to_string()))?;
        Ok(score.map(|score| SiteScore {
            site: 0,
            rows: self.trainer.rows() as u64,
            score,
        }))
    }
}

/// Settings of a simulated federation.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub rounds: usize,
    pub local_steps: u64,
    pub strategy: Strategy,
    pub seed: u64,
    /// Server-side bound on an update's L2 distance from the global model.
    pub max_update_norm: Option<f64>,
    /// Deadline of each round.
    pub round_timeout: Duration,
    /// Sites training at once.
    pub max_concurrent: usize,
    /// CTGAN settings (`None` = defaults for the total row count).
    pub config: Option<CtganConfig>,
    /// Recorded in the manifest: how the sites were made (`iid`, `by=sex`, …).
    pub split: Option<String>,
    /// Recorded in the manifest: the per-round log's file name.
    pub rounds_log: Option<String>,
    /// Decay of the server's moving average of the global generator over
    /// rounds (0 = off): the final model is the average, not the last
    /// round's generator. GAN weights oscillate; centralised training
    /// samples an average too. Needs no data, so it is server-side.
    pub server_ema: f32,
    /// Per-site differential privacy (ε per site over the whole run); the
    /// schema must then declare every modelled column's domain public.
    pub privacy: Option<SitePrivacy>,
    /// Snapshot selection (without DP only): after every round each site
    /// scores the release candidate on its own rows and the model keeps the
    /// round with the best row-weighted mean score, as centralised `fit`
    /// keeps its best EMA snapshot. Off, or under DP: the last round's.
    pub select: bool,
    /// Multiplies the sites' CTGAN learning rates (1 = the defaults); about
    /// the number of sites recovers the centralised progress per round (see
    /// [`crate::scaled_learning_rates`]). `None`: [`crate::default_lr_scale`].
    pub lr_scale: Option<f32>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            rounds: 30,
            local_steps: 100,
            strategy: Strategy::Fedavg,
            seed: 0,
            max_update_norm: None,
            round_timeout: Duration::from_secs(3600),
            max_concurrent: 2,
            config: None,
            split: None,
            rounds_log: None,
            server_ema: 0.0,
            privacy: None,
            select: true,
            lr_scale: None,
        }
    }
}

/// What a simulation produced.
#[derive(Debug)]
pub struct SimOutcome {
    pub model: Model,
    pub federation: Federation,
    pub records: Vec<RoundRecord>,
}

/// Runs a whole federation: domain phase (skipped when the schema declares
/// the domain), statistics phase, shared encoder, `rounds` rounds of local
/// training and aggregation, final model. `on_round` sees each round's
/// record as it completes. Deterministic for `opts.seed`.
pub fn simulate(
    tables: Vec<Table>,
    schema: &Schema,
    opts: &SimOptions,
    on_round: &mut dyn FnMut(&RoundRecord),
) -> Result<SimOutcome> {
    let started = Instant::now();
    if tables.len() < 2 {
        return Err(FederatedError::TooFewSites {
            sites: tables.len(),
        });
    }
    if opts.rounds == 0 {
        return Err(FederatedError::InvalidParameter {
            name: "rounds",
            value: 0.0,
            expected: "at least 1",
        });
    }
    if opts.privacy.is_some() {
        let undeclared = undeclared_columns(schema);
        if let Some(first) = undeclared.first() {
            return Err(FederatedError::Input(format!(
                "with per-site differential privacy every modelled column's domain must be declared public in schema.json \
                 (min and max, or categories, with \"domain\": \"public\"): a site's own bounds or labels are exact facts about its patients. \
                 Not declared: '{first}'{}",
                if undeclared.len() > 1 {
                    format!(" and {} more", undeclared.len() - 1)
                } else {
                    String::new()
                }
            )));
        }
    }
    // Domain phase (site → server): bounds and label sets, unless declared.
    let schema = if domain_is_declared(schema) {
        schema.clone()
    } else {
        let domains = tables
            .iter()
            .map(|t| site_domain(t, schema))
            .collect::<Result<Vec<_>>>()?;
        merge_domains(schema, &domains)?
    };
    // Statistics phase: each site summarises its rows against the agreed
    // domain (noised and charged to its ledger under DP); the rows (in
    // internal form) and any DP release state stay with the site.
    let mut summaries = Vec::with_capacity(tables.len());
    let mut site_rows = Vec::with_capacity(tables.len());
    let mut releases = Vec::with_capacity(tables.len());
    for (i, t) in tables.into_iter().enumerate() {
        let site_err = |e: FederatedError| FederatedError::Input(format!("site {i}: {e}"));
        let (s, raw) = match &opts.privacy {
            Some(p) => {
                let mut p = p.clone();
                p.insecure_noise_seed = p.insecure_noise_seed.map(|s| site_seed(s, i));
                let (s, raw, release) = summarize_dp(&t, &schema, &p).map_err(site_err)?;
                releases.push(release);
                (s, raw)
            }
            None => summarize(&t, &schema).map_err(site_err)?,
        };
        summaries.push(s);
        site_rows.push(raw);
    }
    // Under DP the shared settings have pac 1 (a pack would be one example
    // of several patients) and one critic step per generator step.
    let config = match (&opts.config, &opts.privacy) {
        (Some(c), _) => Some(c.clone()),
        (None, Some(_)) => Some(dp_config(
            summaries.iter().map(|s| s.rows as f64).sum(),
            None,
        )),
        (None, None) => None,
    };
    let config = site_training_config(config, &summaries, opts.lr_scale, opts.privacy.is_some())?;
    let federation = Federation::from_summaries(
        &schema,
        &summaries,
        config,
        opts.strategy,
        opts.local_steps,
        opts.seed,
    )?;
    let total_steps = opts.rounds as u64 * opts.local_steps;
    let mut sites: Vec<Box<dyn Site>> = Vec::with_capacity(site_rows.len());
    let mut privacy_slots = Vec::new();
    for (i, raw) in site_rows.into_iter().enumerate() {
        let seed = site_seed(opts.seed, i);
        let site = match &opts.privacy {
            Some(p) => {
                let release = releases.get(i).ok_or_else(|| {
                    FederatedError::Input(format!(
                        "internal: site {i} has no DP statistics release"
                    ))
                })?;
                let trainer = federation.dp_trainer(
                    &raw,
                    seed,
                    release,
                    total_steps,
                    p.insecure_noise_seed.map(|s| site_seed(s ^ 0xD9, i)),
                )?;
                let slot = Arc::new(Mutex::new(None));
                privacy_slots.push(slot.clone());
                CtganSite::new(trainer, opts.local_steps, opts.strategy).reporting_privacy(i, slot)
            }
            None => CtganSite::new(
                federation.trainer(&raw, seed)?,
                opts.local_steps,
                opts.strategy,
            ),
        };
        sites.push(Box::new(site));
    }
    let mut driver = RoundDriver::new(
        sites,
        RoundConfig {
            timeout: opts.round_timeout,
            max_concurrent: opts.max_concurrent.max(1),
        },
    )?;
    let rules = federation.rules(opts.max_update_norm);
    if !(0.0..1.0).contains(&opts.server_ema) {
        return Err(FederatedError::InvalidParameter {
            name: "server EMA decay",
            value: f64::from(opts.server_ema),
            expected: "in [0, 1)",
        });
    }
    let mut global = federation.initial_global()?;
    let mut average: Option<Vec<NamedTensor>> = None;
    let mut records = Vec::with_capacity(opts.rounds);
    // Under DP the sites would not score anyway; do not even ask.
    let select = opts.select && opts.privacy.is_none();
    let mut selector = Selector::default();
    for round in 0..opts.rounds {
        let (next, mut record) = driver.run_round(&global, round, &rules)?;
        global = next;
        ema_update(&mut average, &global, opts.server_ema);
        if select && let Some(candidate) = &average {
            let (scores, problems) = driver.score(candidate, round);
            record.selection_score = combined_score(&scores);
            record.scores = scores;
            record.score_problems = problems;
            selector.offer(round, record.selection_score, candidate);
        }
        on_round(&record);
        records.push(record);
    }
    let (final_params, selected) = match selector.into_best() {
        Some(best) => (best.params, Some((best.round, best.score))),
        None => (average.unwrap_or(global), None),
    };
    let info = FederatedInfo {
        sites: federation.rows_per_site.len(),
        rows_per_site: federation.rows_per_site.clone(),
        rounds: opts.rounds,
        local_steps: opts.local_steps,
        strategy: opts.strategy.as_str().into(),
        prox_mu: opts.strategy.prox_mu(),
        split: opts.split.clone(),
        accepted_updates: records.iter().map(|r| r.accepted.len()).sum(),
        rejected_updates: records.iter().map(|r| r.rejected.len()).sum(),
        rounds_log: opts.rounds_log.clone(),
        site_privacy: privacy_slots
            .iter()
            .filter_map(|s| s.lock().ok().and_then(|r| r.clone()))
            .collect(),
        selected_round: selected.map(|s| s.0),
        selection_score: selected.map(|s| s.1),
    };
    let insecure = opts
        .privacy
        .as_ref()
        .is_some_and(|p| p.insecure_noise_seed.is_some());
    let section = if info.site_privacy.is_empty() {
        None
    } else {
        Some(federated_section(&info.site_privacy, insecure)?)
    };
    let mut model = federation.finish(&final_params, info, started.elapsed().as_secs_f64())?;
    model.manifest.privacy = section;
    Ok(SimOutcome {
        model,
        federation,
        records,
    })
}

/// Moving average of the generator tensors over rounds (`decay` 0 keeps the
/// latest). Starts from the first aggregated round.
fn ema_update(average: &mut Option<Vec<NamedTensor>>, global: &[NamedTensor], decay: f32) {
    let generator: Vec<NamedTensor> = global
        .iter()
        .filter(|t| t.name.starts_with("generator."))
        .cloned()
        .collect();
    match average {
        Some(avg) if decay > 0.0 && avg.len() == generator.len() => {
            for (a, g) in avg.iter_mut().zip(&generator) {
                for (x, &y) in a.data.iter_mut().zip(&g.data) {
                    *x = decay * *x + (1.0 - decay) * y;
                }
            }
        }
        _ => *average = Some(generator),
    }
}
