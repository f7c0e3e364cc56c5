//! `medsynth fit`: learn a synthesizer from a table and save it as a model
//! directory.

use std::path::PathBuf;

use anyhow::{Context, Result};
use medsynth_model::dp::{DpModel, DpOptions};
use medsynth_model::fit::{FitOptions, RareCategories, fit};
use medsynth_model::model_file::{TrainingInfo, sha256_file};
use medsynth_model::{ModelKind, TrainProgress};

use crate::cmd::common;
use crate::ctx::Ctx;
use crate::exit::usage;

/// Fit a synthesizer to a table and save it as a model directory
/// (`manifest.json` + `model.safetensors` [+ `loss_curve.csv`]).
///
/// Identifier and text columns are never modelled: identifiers whose schema
/// action is `fake` are regenerated with fake values at sample time, the
/// others are dropped (the command says which). Without `--schema` the
/// schema is inferred first. The model holds aggregate statistics and
/// weights, never rows.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth fit heart.csv -o heart.model\n  medsynth fit heart.csv -o heart.model --model copula --schema schema.json --seed 7\n  medsynth fit big.parquet -o big.model --steps 8000 --resume\n  medsynth fit heart.csv -o heart.model --epsilon 1 --schema schema.json --target num"
)]
pub struct FitArgs {
    /// The training table (.csv, .tsv or .parquet).
    pub data: PathBuf,
    /// Model directory to write (created; an existing model there is replaced).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Which synthesizer: `ctgan` (conditional GAN), `copula` (Gaussian copula),
    /// `marginals` (independent columns) or `auto` (the default: ctgan without
    /// --epsilon; with --epsilon, chosen by table size and printed with the reason).
    #[arg(long, default_value = "auto")]
    pub model: String,
    /// A schema.json (or SDV metadata) describing the columns; inferred when absent.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// CTGAN optimiser steps (default depends on the table size: 6,000 for up to 2,000 rows).
    #[arg(long)]
    pub steps: Option<u64>,
    /// Outcome column; must have at least two classes.
    #[arg(long)]
    pub target: Option<String>,
    /// Continue an interrupted CTGAN fit from the checkpoint in OUTPUT/checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Fit under differential privacy with this total ε (e.g. 1; smaller is
    /// more private). Every statistic read from the data is noised and
    /// recorded in the model's privacy ledger; the budget split is printed.
    #[arg(long)]
    pub epsilon: Option<f64>,
    /// δ of the DP guarantee (default min(1e-5, 1/(10·rows))); must be below 1/rows.
    #[arg(long, requires = "epsilon")]
    pub delta: Option<f64>,
    /// With --epsilon: refuse to estimate bounds or categories from the data;
    /// every column's domain must be declared public in the schema.
    #[arg(long, requires = "epsilon")]
    pub strict_dp: bool,
    /// Categories seen in only one row: `error` (refuse, naming column, value
    /// and row) or `merge` (fold them into the column's most frequent
    /// category). A one-off value singles out the patient who has it.
    #[arg(long, default_value = "error", value_name = "error|merge")]
    pub rare_categories: String,
}

pub fn run(args: &FitArgs, ctx: &Ctx) -> Result<()> {
    if args.epsilon.is_some() {
        return run_dp(args, ctx);
    }
    let model = if args.model.eq_ignore_ascii_case("auto") {
        "ctgan"
    } else {
        args.model.as_str()
    };
    let Some(kind) = ModelKind::parse(model) else {
        usage!(
            "--model must be auto, ctgan, copula or marginals (got '{}')",
            args.model
        );
    };
    if args.steps == Some(0) {
        usage!("--steps must be at least 1");
    }
    let Some(rare_categories) = RareCategories::parse(&args.rare_categories) else {
        usage!(
            "--rare-categories must be error or merge (got '{}')",
            args.rare_categories
        );
    };
    if args.resume && kind != ModelKind::Ctgan {
        usage!("--resume only applies to --model ctgan");
    }
    let (table, schema) = common::read_with_schema(ctx, &args.data, args.schema.as_deref())?;
    let sha = sha256_file(&args.data)?;
    let checkpoint_dir = args.output.join("checkpoint");
    let opts = FitOptions {
        kind,
        seed: ctx.seed,
        steps: args.steps,
        target: args.target.clone(),
        training: TrainingInfo {
            file_name: args
                .data
                .file_name()
                .map(|n| n.to_string_lossy().into_owned()),
            sha256: Some(sha),
            rows: table.n_rows(),
        },
        checkpoint_dir: (kind == ModelKind::Ctgan).then_some(checkpoint_dir.as_path()),
        resume: args.resume,
        rare_categories,
        ..FitOptions::default()
    };
    ctx.info(format!(
        "fitting {kind} on {} rows × {} columns",
        table.n_rows(),
        table.n_cols()
    ));
    let mut bar = None;
    let mut last_event = 0u64;
    let mut on_step = |p: &TrainProgress| {
        let b = bar.get_or_insert_with(|| ctx.progress(p.total_steps, "training"));
        b.set_position(p.step);
        if p.step >= last_event + p.total_steps.div_ceil(20) || p.step == p.total_steps {
            last_event = p.step;
            ctx.event(
                "progress",
                serde_json::json!({"step": p.step, "total": p.total_steps, "critic_loss": p.critic_loss,
                    "generator_loss": p.generator_loss, "best_score": p.best_score}),
            );
        }
    };
    let result = fit(&table, &schema, &opts, &mut on_step);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let (model, notes) = result.with_context(|| format!("fitting {}", args.data.display()))?;
    if let Some(step) = notes.resumed_from {
        ctx.info(format!("resumed from the checkpoint at step {step}"));
    }
    if !notes.dropped.is_empty() {
        ctx.info(format!(
            "not modelled and dropped: {}",
            notes.dropped.join(", ")
        ));
    }
    if !notes.faked.is_empty() {
        ctx.info(format!(
            "identifiers regenerated with fake values at sample time: {}",
            notes.faked.join(", ")
        ));
    }
    for (col, n) in &notes.rare_merged {
        ctx.warn(format!(
            "column '{col}': {n} categor{} seen only once merged into the most frequent one (a one-off value singles out a patient)",
            if *n == 1 { "y" } else { "ies" }
        ));
    }
    model.save(&args.output)?;
    let _ = std::fs::remove_dir(&checkpoint_dir);
    let m = &model.manifest;
    ctx.event(
        "fit",
        serde_json::json!({"model": kind.as_str(), "rows": table.n_rows(), "seconds": m.timings.fit_seconds,
            "selected_step": m.selected_step, "selection_score": m.selection_score,
            "dropped": notes.dropped, "faked": notes.faked}),
    );
    ctx.info(format!(
        "fitted {kind} in {:.1} s{}",
        m.timings.fit_seconds,
        m.selected_step
            .map(|s| format!(" (kept the snapshot of step {s})"))
            .unwrap_or_default()
    ));
    ctx.wrote("model", &args.output);
    Ok(())
}

/// `fit --epsilon`: the DP path (see `medsynth_model::dp`).
fn run_dp(args: &FitArgs, ctx: &Ctx) -> Result<()> {
    let Some(epsilon) = args.epsilon else {
        usage!("--epsilon is required for a DP fit");
    };
    if !(epsilon.is_finite() && epsilon > 0.0) {
        usage!(
            "--epsilon must be a finite number greater than 0 (got {epsilon}); typical values are 1 to 10, smaller is more private"
        );
    }
    if let Some(d) = args.delta
        && !(d.is_finite() && d > 0.0 && d < 1.0)
    {
        usage!(
            "--delta must be strictly between 0 and 1 (got {d}); the default is min(1e-5, 1/(10·rows))"
        );
    }
    let Some(model) = DpModel::parse(&args.model) else {
        usage!(
            "with --epsilon, --model must be auto, ctgan or copula (got '{}')",
            args.model
        );
    };
    if args.resume {
        usage!("--resume is not available with --epsilon (a DP fit is not checkpointed)");
    }
    if args.steps == Some(0) {
        usage!("--steps must be at least 1");
    }
    let (table, schema) = common::read_with_schema(ctx, &args.data, args.schema.as_deref())?;
    let opts = FitOptions {
        kind: ModelKind::Copula,
        seed: ctx.seed,
        steps: args.steps,
        target: args.target.clone(),
        training: TrainingInfo {
            file_name: args
                .data
                .file_name()
                .map(|n| n.to_string_lossy().into_owned()),
            sha256: None,
            rows: table.n_rows(),
        },
        privacy: Some(DpOptions {
            epsilon,
            delta: args.delta,
            model,
            strict: args.strict_dp,
            ..DpOptions::new(epsilon)
        }),
        ..FitOptions::default()
    };
    ctx.info(format!(
        "fitting under differential privacy (ε = {epsilon}) on {} columns",
        table.n_cols()
    ));
    let mut bar = None;
    let mut on_step = |p: &TrainProgress| {
        let b = bar.get_or_insert_with(|| ctx.progress(p.total_steps, "DP-SGD"));
        b.set_position(p.step);
    };
    let result = fit(&table, &schema, &opts, &mut on_step);
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let (model, notes) = result.with_context(|| format!("fitting {}", args.data.display()))?;
    if !notes.dropped.is_empty() {
        ctx.info(format!(
            "not modelled and dropped: {}",
            notes.dropped.join(", ")
        ));
    }
    if let Some(dp) = &notes.dp {
        if !dp.estimated_domains.is_empty() {
            ctx.warn(format!(
                "bounds/categories estimated under DP (declare them public in the schema to save budget): {}",
                dp.estimated_domains.join(", ")
            ));
        }
        if !dp.merged_rare.is_empty() {
            ctx.info(format!(
                "rare categories below the DP threshold merged into the most frequent one in: {}",
                dp.merged_rare.join(", ")
            ));
        }
        ctx.info(dp.describe());
        ctx.event(
            "privacy",
            serde_json::to_value(&dp.section).unwrap_or(serde_json::Value::Null),
        );
    }
    model.save(&args.output)?;
    ctx.info(format!(
        "fitted {} under DP in {:.1} s",
        model.kind(),
        model.manifest.timings.fit_seconds
    ));
    ctx.wrote("model", &args.output);
    Ok(())
}
