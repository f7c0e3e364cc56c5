//! `medsynth audit`: an empirical check of a model's privacy claim — train
//! many times with and without a worst-case canary row and bound ε from how
//! well the synthetic rows give the canary away (see `medsynth_audit`).

use std::path::PathBuf;

use anyhow::{Context, Result};
use medsynth_audit::game::{AuditOptions, Distinguisher, Phase, run_audit};
use medsynth_model::ModelKind;
use medsynth_model::dp::{DpModel, DpOptions};

use crate::cmd::common;
use crate::ctx::Ctx;
use crate::exit::usage;

/// Audit a synthesizer empirically: fit it TRIALS times on DATA, half of the
/// times with an added worst-case canary row (an outlier in every column),
/// and derive a lower bound on ε from how often the synthetic rows reveal
/// whether the canary was there.
///
/// The bound holds with the given confidence. Above the claimed ε it proves
/// a privacy bug; at 0 it proves nothing — it can show leakage, never prove
/// privacy. Each trial is a full fit: keep TRIALS × the fit time in mind.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth audit heart.csv --model copula --trials 40\n  medsynth audit heart.csv --epsilon 1 --schema schema.json --model copula -o audit.json\n  medsynth audit small.csv --model ctgan --steps 300 --trials 20 --distinguisher nearest"
)]
pub struct AuditArgs {
    /// The table to audit on (.csv, .tsv or .parquet): the D of the game.
    pub data: PathBuf,
    /// A schema.json (or SDV metadata); inferred when absent. Columns
    /// declared `"domain": "public"` keep their bounds in every fit and the
    /// canary sits on their declared maximum.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Synthesizer: ctgan, copula or marginals (with --epsilon: ctgan or copula).
    #[arg(long, default_value = "copula")]
    pub model: String,
    /// Audit a DP fit with this total ε (the claim under test).
    #[arg(long)]
    pub epsilon: Option<f64>,
    /// δ of the bound (default: the δ the DP models claim; 0 without --epsilon).
    #[arg(long)]
    pub delta: Option<f64>,
    /// With --epsilon: every domain must be declared public in the schema.
    #[arg(long, requires = "epsilon")]
    pub strict_dp: bool,
    /// Number of fits (half with the canary). At least 4; 40 or more for a
    /// meaningful bound (40 perfect guesses give ε ≥ 1.6 at 95 %).
    #[arg(long, default_value_t = 40)]
    pub trials: usize,
    /// CTGAN / DP-SGD steps per fit (default: as `medsynth fit`).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Synthetic rows sampled per fit (default: as many as DATA has).
    #[arg(long)]
    pub rows: Option<usize>,
    /// Confidence of the lower bound, strictly between 0 and 1.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// How synthetic rows are scored: `range` (values beyond the real range
    /// where the canary lies) or `nearest` (a synthetic row closer to the
    /// canary than any real row).
    #[arg(long, default_value = "range", value_name = "range|nearest")]
    pub distinguisher: String,
    /// Choose the decision threshold on the first half of the trials and
    /// count only the second half (default: the a-priori threshold 0, all
    /// trials counted).
    #[arg(long)]
    pub calibrate: bool,
    /// Where to write the report (JSON).
    #[arg(short, long, default_value = "audit.json")]
    pub output: PathBuf,
}

pub fn run(args: &AuditArgs, ctx: &Ctx) -> Result<()> {
    let Some(distinguisher) = Distinguisher::parse(&args.distinguisher) else {
        usage!(
            "--distinguisher must be range or nearest (got '{}')",
            args.distinguisher
        );
    };
    let (kind, privacy) = match args.epsilon {
        Some(epsilon) => {
            if !(epsilon.is_finite() && epsilon > 0.0) {
                usage!(
                    "--epsilon must be a finite number greater than 0 (got {epsilon}); typical values are 1 to 10"
                );
            }
            let model = match DpModel::parse(&args.model) {
                Some(DpModel::Auto) | None => usage!(
                    "with --epsilon, --model must be ctgan or copula (got '{}')",
                    args.model
                ),
                Some(m) => m,
            };
            let kind = if model == DpModel::Ctgan {
                ModelKind::Ctgan
            } else {
                ModelKind::Copula
            };
            let dp = DpOptions {
                model,
                strict: args.strict_dp,
                ..DpOptions::new(epsilon)
            };
            (kind, Some(dp))
        }
        None => {
            let Some(kind) = ModelKind::parse(&args.model) else {
                usage!(
                    "--model must be ctgan, copula or marginals (got '{}')",
                    args.model
                );
            };
            (kind, None)
        }
    };
    let opts = AuditOptions {
        kind,
        privacy,
        trials: args.trials,
        steps: args.steps,
        rows: args.rows,
        confidence: args.confidence,
        delta: args.delta,
        seed: ctx.seed,
        distinguisher,
        calibrate: args.calibrate,
    };
    // Check the flags before reading anything: a typo should not cost a read.
    opts.validate()?;
    let (table, schema) = common::read_with_schema(ctx, &args.data, args.schema.as_deref())?;
    ctx.info(format!(
        "auditing {}{} on {} rows: {} fits, half with a canary row",
        kind,
        args.epsilon
            .map(|e| format!(" under DP (ε = {e})"))
            .unwrap_or_default(),
        table.n_rows(),
        args.trials
    ));
    let total = args.trials;
    let mut on_trial = |r: &medsynth_audit::game::TrialRecord| {
        ctx.info(format!(
            "trial {:>3}/{total}: canary {:<3} score {:.4} ({:.1} s{})",
            r.trial + 1,
            if r.member { "in" } else { "out" },
            r.score,
            r.seconds,
            if r.phase == Phase::Calibration {
                ", calibration"
            } else {
                ""
            }
        ));
        ctx.event(
            "trial",
            serde_json::json!({"trial": r.trial, "total": total, "member": r.member,
                "score": r.score, "seconds": r.seconds, "phase": r.phase}),
        );
    };
    let report = run_audit(&table, &schema, &opts, &mut on_trial)
        .with_context(|| format!("auditing on {}", args.data.display()))?;
    medsynth_data::io::write_atomically(&args.output, |w| {
        serde_json::to_writer_pretty(&mut *w, &report).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
    .with_context(|| format!("writing {}", args.output.display()))?;
    ctx.event(
        "audit",
        serde_json::json!({"claimed_epsilon": report.claimed_epsilon,
            "epsilon_lower_bound": report.epsilon_lower_bound,
            "epsilon_point_estimate": report.epsilon_point_estimate,
            "confidence": report.confidence, "seconds": report.seconds}),
    );
    // The verdict is the command's result, so it goes to stdout (progress
    // and notes go to stderr); `--quiet` silences it like everything else.
    if !ctx.quiet {
        println!("{}", report.summary());
    }
    ctx.wrote("audit report", &args.output);
    Ok(())
}
