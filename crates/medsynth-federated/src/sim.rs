//! In-process simulation of a federation on one machine.
//!
//! The code is laid out the way a real deployment is: *site* code
//! ([`site_domain`], [`summarize`], [`CtganSite`]) reads a site's table;
//! *server* code ([`merge_domains`], [`Federation::from_summaries`], the
//! [`RoundDriver`] with its validation and FedAvg) only ever receives site
//! domains, summaries and parameter updates. [`simulate`] moves each table
//! into its site object and from then on handles nothing but what a site
//! would send over the wire.

use std::time::{Duration, Instant};

use medsynth_data::{Schema, Table};
use medsynth_model::ctgan::local::{FederatedInfo, LocalTrainer};
use medsynth_model::{CtganConfig, Model};
use medsynth_nn::NamedTensor;

use crate::domain::{domain_is_declared, merge_domains, site_domain};
use crate::error::{FederatedError, Result};
use crate::federation::{Federation, Strategy, site_seed, summarize};
use crate::round::{RoundConfig, RoundDriver, RoundRecord, Site};
use crate::update::{SiteMetrics, SiteUpdate};

/// One simulated hospital: its rows (encoded, private to this object) and
/// its local trainer.
pub struct CtganSite {
    trainer: LocalTrainer,
    steps: u64,
    prox_mu: f32,
    send_critic: bool,
}

impl CtganSite {
    /// A site training `steps` local steps per round under `strategy`.
    pub fn new(trainer: LocalTrainer, steps: u64, strategy: Strategy) -> Self {
        CtganSite {
            trainer,
            steps,
            prox_mu: strategy.prox_mu(),
            send_critic: strategy.sends_critic(),
        }
    }
}

impl Site for CtganSite {
    fn train_round(&mut self, global: &[NamedTensor], _round: usize) -> Result<SiteUpdate> {
        let r = self
            .trainer
            .train_round(global, self.steps, self.prox_mu, self.send_critic)
            .map_err(|e| FederatedError::SiteFailed(e.to_string()))?;
        Ok(SiteUpdate {
            site: 0,
            rows: self.trainer.rows() as u64,
            params: r.params,
            metrics: SiteMetrics {
                loss: Some(r.generator_loss),
                ledger: None,
            },
        })
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
    // domain; the rows (in internal form) stay with the site.
    let mut summaries = Vec::with_capacity(tables.len());
    let mut site_rows = Vec::with_capacity(tables.len());
    for (i, t) in tables.into_iter().enumerate() {
        let (s, raw) =
            summarize(&t, &schema).map_err(|e| FederatedError::Input(format!("site {i}: {e}")))?;
        summaries.push(s);
        site_rows.push(raw);
    }
    let federation = Federation::from_summaries(
        &schema,
        &summaries,
        opts.config.clone(),
        opts.strategy,
        opts.local_steps,
        opts.seed,
    )?;
    let mut sites: Vec<Box<dyn Site>> = Vec::with_capacity(site_rows.len());
    for (i, raw) in site_rows.into_iter().enumerate() {
        let trainer = federation.trainer(&raw, site_seed(opts.seed, i))?;
        sites.push(Box::new(CtganSite::new(
            trainer,
            opts.local_steps,
            opts.strategy,
        )));
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
    for round in 0..opts.rounds {
        let (next, record) = driver.run_round(&global, round, &rules)?;
        on_round(&record);
        global = next;
        records.push(record);
        ema_update(&mut average, &global, opts.server_ema);
    }
    let final_params = average.unwrap_or(global);
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
    };
    let model = federation.finish(&final_params, info, started.elapsed().as_secs_f64())?;
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
