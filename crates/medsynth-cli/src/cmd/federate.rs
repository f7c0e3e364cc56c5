//! `medsynth federate`: train one generator across sites that share only
//! parameters (and merged statistics), either simulated on one machine or
//! one round at a time for a real federated-learning engine (Flower).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use medsynth_data::{Schema, Table};
use medsynth_federated::{
    Federation, NamedTensor, RoundRecord, SimOptions, SitePrivacy, SiteSummary, SplitStrategy,
    Strategy, domain_is_declared, simulate, site_seed, site_training_config, split, summarize,
};
use medsynth_model::ctgan::local::FederatedInfo;
use medsynth_model::spec::labels_of;
use medsynth_model::tensors;
use serde_json::json;

use crate::cmd::common;
use crate::ctx::Ctx;
use crate::exit::usage;

/// Federated training across hospitals: sites train locally and only model
/// parameters (plus merged column statistics) leave a site.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth federate simulate heart.csv --sites 3 --split by=sex --rounds 30 --seed 1 -o heart.fed.model\n  medsynth federate simulate site0.csv site1.csv site2.csv -o fed.model\n  medsynth federate site-stats --data site0.csv --schema schema.json -o site0.stats.json\n  medsynth federate init --schema schema.json --stats site*.stats.json -o fed/\n  medsynth federate client-round --federation fed/federation.json --data site0.csv --params-in g.safetensors --params-out q.safetensors --metrics m.json\n  medsynth federate finish --federation fed/federation.json --params final.safetensors --rounds 2 -o fed.model"
)]
pub struct FederateArgs {
    #[command(subcommand)]
    pub command: FederateCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum FederateCommand {
    /// Simulate a federation on this machine: split one table into sites (or give one file per site), train, write a model directory.
    Simulate(SimulateArgs),
    /// Site side, once: the site's row count and column statistics over the agreed domain (aggregates, never rows).
    SiteStats(SiteStatsArgs),
    /// Server side, once: merge the sites' statistics into the shared encoder and write federation.json + initial parameters.
    Init(InitArgs),
    /// Site side, every round: train locally from the global parameters and write the site's parameters and metrics.
    ClientRound(ClientRoundArgs),
    /// Server side, at the end: turn the final global parameters into a model directory `medsynth sample` reads.
    Finish(FinishArgs),
}

pub fn run(args: &FederateArgs, ctx: &Ctx) -> Result<()> {
    match &args.command {
        FederateCommand::Simulate(a) => run_simulate(a, ctx),
        FederateCommand::SiteStats(a) => run_site_stats(a, ctx),
        FederateCommand::Init(a) => run_init(a, ctx),
        FederateCommand::ClientRound(a) => run_client_round(a, ctx),
        FederateCommand::Finish(a) => run_finish(a, ctx),
    }
}

/// Strategy flags shared by `simulate` and `init`.
#[derive(clap::Args, Debug, Clone)]
pub struct StrategyArgs {
    /// `fedavg` (average generator and critic, weighted by rows), `fedprox` (fedavg + proximal pull towards the global model), or `shared-generator` (average the generator only; each site keeps its critic).
    #[arg(long, default_value = "fedavg")]
    pub strategy: String,
    /// FedProx μ (only with --strategy fedprox).
    #[arg(long, default_value_t = 1.0)]
    pub mu: f32,
    /// Local CTGAN steps per site and round.
    #[arg(long, default_value_t = 100)]
    pub local_steps: u64,
    /// Multiply the sites' CTGAN learning rates by this (about the number of
    /// sites lets FedAvg keep up with centralised training of the same total
    /// steps; see docs/federated.md). Default: the number of sites for
    /// federations of at most 2,000 rows without DP, else 1.
    #[arg(long)]
    pub lr_scale: Option<f32>,
}

impl StrategyArgs {
    fn strategy(&self) -> Result<Strategy> {
        if self.local_steps == 0 {
            usage!("--local-steps must be at least 1");
        }
        if let Some(s) = self.lr_scale
            && !(s.is_finite() && s > 0.0)
        {
            usage!("--lr-scale must be a positive number, got {s}");
        }
        Ok(Strategy::parse(&self.strategy, self.mu)?)
    }
}

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// One table to split into sites, or one file per site (then --sites and --split are not used).
    #[arg(required = true, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Number of simulated sites when splitting one table.
    #[arg(long, default_value_t = 3)]
    pub sites: usize,
    /// How to split one table: `iid`, `by=COLUMN` (one site per value) or `dirichlet=ALPHA` (label skew on --target).
    #[arg(long, default_value = "iid")]
    pub split: String,
    /// The column `dirichlet=ALPHA` skews (default: the schema's target).
    #[arg(long)]
    pub target: Option<String>,
    /// A schema.json; declare `"domain": "public"` with min/max/categories to skip the domain exchange.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Rounds of local training + aggregation.
    #[arg(long, default_value_t = 30)]
    pub rounds: usize,
    #[command(flatten)]
    pub strategy: StrategyArgs,
    /// Reject site updates whose L2 distance from the global parameters exceeds this.
    #[arg(long)]
    pub max_update_norm: Option<f64>,
    /// Seconds a round waits for its sites; late sites are left out of the round.
    #[arg(long, default_value_t = 3600.0)]
    pub round_timeout: f64,
    /// Decay of the server's moving average of the generator over rounds (0 = the last round's generator).
    #[arg(long, default_value_t = 0.8)]
    pub server_ema: f32,
    /// Per-site differential privacy: each site's ε over the whole run (its
    /// statistics and every DP-SGD step of its critic are charged to its own
    /// ledger). Needs a schema declaring every column's domain public.
    #[arg(long)]
    pub epsilon: Option<f64>,
    /// δ of each site (default min(1e-5, 1/(10·site rows))).
    #[arg(long, requires = "epsilon")]
    pub delta: Option<f64>,
    /// Keep the last round's generator instead of the round whose release
    /// candidate the sites scored best on their own rows (selection is
    /// always off under --epsilon: the score reads real rows).
    #[arg(long)]
    pub no_select: bool,
    /// Also write each simulated site's rows as DIR/site{i}.csv (for local-only baselines or a Flower run).
    #[arg(long)]
    pub sites_out: Option<PathBuf>,
    /// Model directory to write; it also receives rounds.jsonl (one JSON record per round).
    #[arg(short, long)]
    pub output: PathBuf,
}

const ROUNDS_LOG: &str = "rounds.jsonl";

fn parse_split(s: &str) -> Result<(SplitStrategy, Option<String>)> {
    if s == "iid" {
        return Ok((SplitStrategy::Iid, None));
    }
    if let Some(col) = s.strip_prefix("by=").filter(|c| !c.is_empty()) {
        return Ok((SplitStrategy::ByLabel, Some(col.to_string())));
    }
    if let Some(a) = s.strip_prefix("dirichlet=") {
        let Ok(alpha) = a.parse::<f64>() else {
            usage!("--split dirichlet=ALPHA: '{a}' is not a number");
        };
        return Ok((SplitStrategy::Dirichlet { alpha }, None));
    }
    usage!("--split must be iid, by=COLUMN or dirichlet=ALPHA (got '{s}')")
}

/// Splits one table into site tables (the simulation harness's job, before
/// any site or server code runs).
fn split_table(
    args: &SimulateArgs,
    table: &Table,
    schema: &Schema,
    seed: u64,
) -> Result<Vec<Table>> {
    let (strategy, by) = parse_split(&args.split)?;
    let label_col = match (&strategy, by) {
        (SplitStrategy::Iid, _) => None,
        (_, Some(col)) => Some(col),
        (_, None) => match args
            .target
            .clone()
            .or_else(|| schema.target().map(|c| c.name.clone()))
        {
            Some(t) => Some(t),
            None => usage!("--split dirichlet=ALPHA skews a label: name it with --target COLUMN"),
        },
    };
    let labels = match &label_col {
        None => None,
        Some(name) => {
            let Some(col) = table.column(name) else {
                usage!("--split: the table has no column '{name}'");
            };
            Some(
                labels_of(col)
                    .into_iter()
                    .map(|l| l.unwrap_or_default())
                    .collect::<Vec<String>>(),
            )
        }
    };
    let s = split(
        &strategy,
        table.n_rows(),
        labels.as_deref(),
        args.sites,
        seed,
    )?;
    Ok(s.sites().iter().map(|rows| table.take_rows(rows)).collect())
}

fn run_simulate(args: &SimulateArgs, ctx: &Ctx) -> Result<()> {
    let privacy = match args.epsilon {
        Some(e) if !(e.is_finite() && e > 0.0) => {
            usage!(
                "--epsilon {e}: must be a finite number greater than 0 (typical values: 1 to 10; smaller is more private)"
            )
        }
        Some(e) => Some(SitePrivacy {
            delta: args.delta,
            ..SitePrivacy::new(e)
        }),
        None => None,
    };
    if args.rounds == 0 {
        usage!("--rounds must be at least 1");
    }
    if !(args.round_timeout.is_finite() && args.round_timeout > 0.0) {
        usage!("--round-timeout must be a positive number of seconds");
    }
    let strategy = args.strategy.strategy()?;
    let (first, schema) = common::read_with_schema(ctx, &args.data[0], args.schema.as_deref())?;
    let (tables, split_desc) = if args.data.len() == 1 {
        let tables = split_table(args, &first, &schema, ctx.seed)?;
        (tables, Some(args.split.clone()))
    } else {
        let mut tables = vec![first];
        for p in &args.data[1..] {
            tables.push(common::read_table(ctx, p, Some(&schema))?);
        }
        (tables, None)
    };
    let sizes: Vec<usize> = tables.iter().map(Table::n_rows).collect();
    ctx.info(format!(
        "federating {} sites ({} rows: {}) for {} rounds × {} local steps, strategy {}",
        tables.len(),
        sizes.iter().sum::<usize>(),
        sizes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" + "),
        args.rounds,
        args.strategy.local_steps,
        strategy.as_str()
    ));
    if !domain_is_declared(&schema) {
        ctx.info(
            "domain phase: each site sends its numeric min/max and category sets (declare \"domain\": \"public\" in schema.json to avoid this)",
        );
    }
    if let Some(dir) = &args.sites_out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (i, t) in tables.iter().enumerate() {
            let p = dir.join(format!("site{i}.csv"));
            medsynth_data::io::write_table(t, &p)?;
            ctx.wrote(&format!("site {i} rows"), &p);
        }
    }
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("creating {}", args.output.display()))?;
    let opts = SimOptions {
        rounds: args.rounds,
        local_steps: args.strategy.local_steps,
        strategy,
        seed: ctx.seed,
        max_update_norm: args.max_update_norm,
        round_timeout: Duration::from_secs_f64(args.round_timeout),
        max_concurrent: 2,
        config: None,
        split: split_desc,
        rounds_log: Some(ROUNDS_LOG.into()),
        server_ema: args.server_ema,
        privacy,
        select: !args.no_select,
        lr_scale: args.strategy.lr_scale,
    };
    let bar = ctx.progress(args.rounds as u64, "rounds");
    let mut log = String::new();
    let mut on_round = |r: &RoundRecord| {
        bar.set_position(r.round as u64 + 1);
        if let Ok(line) = serde_json::to_string(r) {
            log.push_str(&line);
            log.push('\n');
        }
        ctx.event(
            "round",
            json!({"round": r.round + 1, "total": args.rounds, "seconds": r.seconds,
                "accepted": r.accepted, "rejected": r.rejected.len(), "mean_loss": r.mean_loss}),
        );
        for p in r.problems() {
            bar.suspend(|| ctx.warn(&p));
        }
        if r.round == 0 || (r.round + 1).is_multiple_of(10) || r.round + 1 == args.rounds {
            bar.suspend(|| {
                ctx.info(format!(
                    "round {}/{}: {} accepted, {} rejected, {:.1} s, generator loss {}",
                    r.round + 1,
                    args.rounds,
                    r.accepted.len(),
                    r.rejected.len(),
                    r.seconds,
                    r.mean_loss
                        .map(|l| format!("{l:.3}"))
                        .unwrap_or_else(|| "-".into())
                ))
            });
        }
    };
    let result = simulate(tables, &schema, &opts, &mut on_round);
    bar.finish_and_clear();
    let outcome = result.context("federated simulation")?;
    medsynth_data::io::write_atomically(&args.output.join(ROUNDS_LOG), |w| {
        w.write_all(log.as_bytes())
    })?;
    outcome.model.save(&args.output)?;
    if let Some(fed) = &outcome.model.manifest.federated {
        if let (Some(round), Some(score)) = (fed.selected_round, fed.selection_score) {
            ctx.info(format!(
                "selected the generator of round {}/{} (sites' mean selection score {score:.4})",
                round + 1,
                args.rounds
            ));
        }
        for p in &fed.site_privacy {
            ctx.info(format!(
                "site {}: ε = {:.3} spent of {:.3} at δ = {:.1e} ({} DP-SGD steps, noise multiplier {:.3}, sampling rate {:.4}, {:.0} rows released)",
                p.site,
                p.epsilon,
                p.budget_epsilon,
                p.delta,
                p.steps,
                p.noise_multiplier,
                p.sampling_rate,
                p.rows_released
            ));
            ctx.event(
                "site_privacy",
                json!({"site": p.site, "epsilon": p.epsilon, "delta": p.delta,
                    "budget_epsilon": p.budget_epsilon, "steps": p.steps,
                    "noise_multiplier": p.noise_multiplier, "sampling_rate": p.sampling_rate}),
            );
        }
    }
    let secs = outcome.model.manifest.timings.fit_seconds;
    ctx.event(
        "federate",
        json!({"sites": sizes.len(), "rows_per_site": sizes, "rounds": args.rounds,
            "strategy": strategy.as_str(), "seconds": secs,
            "seconds_per_round": secs / args.rounds as f64}),
    );
    ctx.info(format!(
        "federated training done in {secs:.1} s ({:.2} s per round)",
        secs / args.rounds as f64
    ));
    ctx.wrote("model", &args.output);
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct SiteStatsArgs {
    /// The site's table.
    #[arg(long)]
    pub data: PathBuf,
    /// The federation's agreed schema.json; every modelled column needs its domain (min/max, categories).
    #[arg(long)]
    pub schema: PathBuf,
    /// Where to write the summary (JSON: row count, column specs, histograms and category counts).
    #[arg(short, long)]
    pub output: PathBuf,
}

fn load_schema(path: &Path) -> Result<Schema> {
    Schema::load(path).with_context(|| format!("reading schema {}", path.display()))
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value)?;
    medsynth_data::io::write_atomically(path, |w| w.write_all(&bytes))?;
    Ok(())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    match serde_json::from_slice(&bytes) {
        Ok(v) => Ok(v),
        Err(e) => usage!("{}: not a {what}: {e}", path.display()),
    }
}

fn run_site_stats(args: &SiteStatsArgs, ctx: &Ctx) -> Result<()> {
    let schema = load_schema(&args.schema)?;
    let table = common::read_table(ctx, &args.data, Some(&schema))?;
    let (summary, _raw) = summarize(&table, &schema)
        .with_context(|| format!("summarising {}", args.data.display()))?;
    write_json(&args.output, &summary)?;
    ctx.info(format!(
        "site summary: {} rows, {} columns (aggregate counts only)",
        summary.rows,
        summary.stats.len()
    ));
    ctx.wrote("site statistics", &args.output);
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// The federation's agreed schema.json.
    #[arg(long)]
    pub schema: PathBuf,
    /// One summary per site, from `federate site-stats`, in site order.
    #[arg(long, required = true, num_args = 1..)]
    pub stats: Vec<PathBuf>,
    #[command(flatten)]
    pub strategy: StrategyArgs,
    /// Directory for federation.json and global0.safetensors (created).
    #[arg(short, long)]
    pub output: PathBuf,
}

fn run_init(args: &InitArgs, ctx: &Ctx) -> Result<()> {
    let strategy = args.strategy.strategy()?;
    let schema = load_schema(&args.schema)?;
    let summaries: Vec<SiteSummary> = args
        .stats
        .iter()
        .map(|p| read_json(p, "site summary written by `medsynth federate site-stats`"))
        .collect::<Result<_>>()?;
    let config = site_training_config(None, &summaries, args.strategy.lr_scale, false)?;
    let fed = Federation::from_summaries(
        &schema,
        &summaries,
        config,
        strategy,
        args.strategy.local_steps,
        ctx.seed,
    )?;
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("creating {}", args.output.display()))?;
    let fpath = args.output.join("federation.json");
    fed.save(&fpath)?;
    let gpath = args.output.join("global0.safetensors");
    write_tensors(&gpath, &fed.initial_global()?)?;
    ctx.info(format!(
        "federation of {} sites ({} rows), strategy {}",
        summaries.len(),
        fed.rows_per_site.iter().sum::<usize>(),
        strategy.as_str()
    ));
    ctx.wrote("federation", &fpath);
    ctx.wrote("initial parameters", &gpath);
    Ok(())
}

fn write_tensors(path: &Path, t: &[NamedTensor]) -> Result<()> {
    let bytes = tensors::to_bytes(t)?;
    medsynth_data::io::write_atomically(path, |w| w.write_all(&bytes))?;
    Ok(())
}

fn read_tensors(path: &Path) -> Result<Vec<NamedTensor>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(tensors::from_bytes(&bytes, path)?)
}

#[derive(clap::Args, Debug)]
pub struct ClientRoundArgs {
    /// federation.json from `federate init` (schema, shared encoder, settings).
    #[arg(long)]
    pub federation: PathBuf,
    /// The global parameters of this round (safetensors).
    #[arg(long)]
    pub params_in: PathBuf,
    /// The site's table; its rows never leave this process.
    #[arg(long)]
    pub data: PathBuf,
    /// Where to write the site's parameters after local training.
    #[arg(long)]
    pub params_out: PathBuf,
    /// Where to write {rows, loss, critic_loss, steps, ledger, score}
    /// (score: the site's selection score of --params-in on its rows).
    #[arg(long)]
    pub metrics: PathBuf,
    /// Directory keeping the site's critic and optimiser state between rounds (needed by shared-generator).
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Round number (varies the site's random draws between rounds).
    #[arg(long, default_value_t = 0)]
    pub round: u64,
    /// Local steps (default: the federation's).
    #[arg(long)]
    pub local_steps: Option<u64>,
}

fn run_client_round(args: &ClientRoundArgs, ctx: &Ctx) -> Result<()> {
    if args.local_steps == Some(0) {
        usage!("--local-steps must be at least 1");
    }
    let fed = Federation::load(&args.federation)?;
    let table = common::read_table(ctx, &args.data, Some(&fed.schema))?;
    let (_, raw) = summarize(&table, &fed.schema)
        .with_context(|| format!("encoding {}", args.data.display()))?;
    drop(table);
    let global = read_tensors(&args.params_in)?;
    let seed = site_seed(ctx.seed, args.round as usize);
    let mut trainer = fed.trainer(&raw, seed)?;
    let state_path = args
        .state
        .as_ref()
        .map(|d| d.join("site_state.safetensors"));
    if let Some(p) = &state_path
        && p.exists()
    {
        trainer.restore_state(&read_tensors(p)?)?;
    }
    let steps = args.local_steps.unwrap_or(fed.local_steps);
    // The site's selection score of the parameters it received (the
    // server's current global generator), before training on them: the
    // server can keep the best round. `client-round` has no DP; a DP
    // client would not compute it (the trainer returns none).
    let score = trainer.score(&global, args.round)?;
    let r = trainer.train_round(
        &global,
        steps,
        fed.strategy.prox_mu(),
        fed.strategy.sends_critic(),
    )?;
    if let (Some(dir), Some(p)) = (&args.state, &state_path) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        write_tensors(p, &trainer.state())?;
    }
    write_tensors(&args.params_out, &r.params)?;
    write_json(
        &args.metrics,
        &json!({"rows": trainer.rows(), "loss": r.generator_loss, "critic_loss": r.critic_loss,
            "steps": r.steps, "ledger": null, "score": score}),
    )?;
    ctx.info(format!(
        "local round {}: {} steps on {} rows, generator loss {:.3}",
        args.round,
        steps,
        trainer.rows(),
        r.generator_loss
    ));
    ctx.wrote("site parameters", &args.params_out);
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct FinishArgs {
    /// federation.json from `federate init`.
    #[arg(long)]
    pub federation: PathBuf,
    /// The final global parameters (safetensors).
    #[arg(long)]
    pub params: PathBuf,
    /// Rounds that were run (recorded in the manifest).
    #[arg(long)]
    pub rounds: usize,
    /// Updates accepted and rejected over the run (recorded in the manifest).
    #[arg(long, default_value_t = 0)]
    pub accepted: usize,
    #[arg(long, default_value_t = 0)]
    pub rejected: usize,
    /// When --params were selected by the sites' scores: the round (from 0)
    /// after which they were the global parameters (recorded in the manifest).
    #[arg(long, requires = "selection_score")]
    pub selected_round: Option<usize>,
    /// The sites' combined selection score of --params (recorded in the manifest).
    #[arg(long, requires = "selected_round")]
    pub selection_score: Option<f64>,
    /// Model directory to write.
    #[arg(short, long)]
    pub output: PathBuf,
}

fn run_finish(args: &FinishArgs, ctx: &Ctx) -> Result<()> {
    let fed = Federation::load(&args.federation)?;
    let global = read_tensors(&args.params)?;
    let info = FederatedInfo {
        sites: fed.rows_per_site.len(),
        rows_per_site: fed.rows_per_site.clone(),
        rounds: args.rounds,
        local_steps: fed.local_steps,
        strategy: fed.strategy.as_str().into(),
        prox_mu: fed.strategy.prox_mu(),
        split: None,
        accepted_updates: args.accepted,
        rejected_updates: args.rejected,
        rounds_log: None,
        site_privacy: Vec::new(),
        selected_round: args.selected_round,
        selection_score: args.selection_score,
    };
    let model = fed
        .finish(&global, info, 0.0)
        .with_context(|| format!("building the model from {}", args.params.display()))?;
    model.save(&args.output)?;
    ctx.wrote("model", &args.output);
    Ok(())
}
