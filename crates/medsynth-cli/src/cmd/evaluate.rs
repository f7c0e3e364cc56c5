//! `medsynth evaluate`: fidelity, utility, privacy and fairness of a
//! synthetic table against the real train and holdout rows, as
//! `metrics.json` (for scripts) and a self-contained `report.html` (for
//! people).

use std::path::PathBuf;

use anyhow::{Context, Result};
use medsynth_data::io::write_atomically;
use medsynth_eval::report::render_report;
use medsynth_eval::{EvalInputs, EvalOptions, TargetSpec, evaluate};

use crate::cmd::common;
use crate::ctx::Ctx;
use crate::exit::usage;

/// Evaluate synthetic rows against real train and holdout rows; writes
/// `metrics.json` and `report.html` into the output directory, only once
/// everything has been computed.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth split heart.csv --stratify num -o split/\n  medsynth evaluate --train split/train.csv --holdout split/holdout.csv --synthetic synth.csv \\\n      --target num --positive 1,2,3,4 --sensitive sex -o report/\n\nThe schema is read from --schema, or inferred from the train table."
)]
pub struct EvaluateArgs {
    /// Real rows the generator was trained on.
    #[arg(long)]
    pub train: PathBuf,
    /// Real rows the generator never saw (from `medsynth split`).
    #[arg(long)]
    pub holdout: PathBuf,
    /// The synthetic rows to evaluate.
    #[arg(long)]
    pub synthetic: PathBuf,
    /// schema.json (or SDV metadata); inferred from --train when absent.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Outcome column for utility and fairness (default: the schema's `role: target`).
    #[arg(long)]
    pub target: Option<String>,
    /// Target labels counted as the positive class, comma-separated (e.g. `>50K`, or `1,2,3,4`).
    #[arg(long, value_delimiter = ',', requires = "target")]
    pub positive: Vec<String>,
    /// Sensitive attributes for the fairness section, comma-separated (e.g. `sex,race`).
    #[arg(long, value_delimiter = ',')]
    pub sensitive: Vec<String>,
    /// Output directory (created if needed).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Leave out the t-SNE map (saves a few seconds).
    #[arg(long)]
    pub no_tsne: bool,
}

pub fn run(args: &EvaluateArgs, ctx: &Ctx) -> Result<()> {
    let (train, schema) = common::read_with_schema(ctx, &args.train, args.schema.as_deref())?;
    let holdout = common::read_table(ctx, &args.holdout, Some(&schema))?;
    let synthetic = common::read_table(ctx, &args.synthetic, Some(&schema))?;
    if let Some(t) = &args.target
        && train.column(t).is_none()
    {
        usage!("--target: column '{t}' is not in {}", args.train.display());
    }
    for s in &args.sensitive {
        if train.column(s).is_none() {
            usage!(
                "--sensitive: column '{s}' is not in {}",
                args.train.display()
            );
        }
    }
    let options = EvalOptions {
        target: args.target.as_ref().map(|t| TargetSpec {
            column: t.clone(),
            positive: args.positive.clone(),
        }),
        sensitive: args.sensitive.clone(),
        seed: ctx.seed,
        tsne_rows: if args.no_tsne { 0 } else { 1_000 },
        ..EvalOptions::default()
    };
    let inputs = EvalInputs {
        train: &train,
        holdout: &holdout,
        synthetic: &synthetic,
        schema: &schema,
    };
    ctx.info(format!(
        "evaluating {} synthetic rows against {} train and {} holdout rows",
        synthetic.n_rows(),
        train.n_rows(),
        holdout.n_rows()
    ));
    let metrics = evaluate(&inputs, &options).context("evaluating the synthetic table")?;
    let json = metrics.to_json()?;
    let html = render_report(&metrics, &inputs)?;
    std::fs::create_dir_all(&args.output)
        .with_context(|| format!("creating directory {}", args.output.display()))?;
    let metrics_path = args.output.join("metrics.json");
    let report_path = args.output.join("report.html");
    write_atomically(&metrics_path, |w| w.write_all(json.as_bytes()))?;
    write_atomically(&report_path, |w| w.write_all(html.as_bytes()))?;
    for line in [
        &metrics.summary.fidelity,
        &metrics.summary.utility,
        &metrics.summary.privacy,
        &metrics.summary.fairness,
    ] {
        ctx.info(line);
    }
    ctx.event(
        "evaluated",
        serde_json::json!({
            "quality": metrics.fidelity.quality,
            "tstr_lr_auc": metrics.utility.as_ref().and_then(|u| u.tstr.logistic_regression.roc_auc),
            "share_closer_to_train": metrics.privacy.dcr.share_closer_to_train,
            "mia_distance_auc": metrics.privacy.mia.distance.auc,
            "seconds": metrics.timings.total,
        }),
    );
    ctx.wrote("metrics", &metrics_path);
    ctx.wrote("report", &report_path);
    Ok(())
}
