//! `medsynth split`: the real train/holdout split every evaluation starts
//! from. The generator may only ever see the train part; the holdout is
//! what "unseen patients" look like to the utility and privacy metrics.

use std::path::PathBuf;

use anyhow::{Context, Result};
use medsynth_data::io::write_table;

use crate::cmd::common;
use crate::ctx::Ctx;
use crate::exit::usage;

/// Split a table into train and holdout rows (stratified on a column, like
/// scikit-learn's `train_test_split(stratify=...)`), deterministic given `--seed`.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth split heart.csv --holdout 0.3 --stratify num --seed 0 -o split/\n  medsynth split adult.csv --stratify income --train-out train.csv --holdout-out holdout.csv"
)]
pub struct SplitArgs {
    /// The table to split (.csv, .tsv or .parquet).
    pub data: PathBuf,
    /// Share of rows that go to the holdout (between 0 and 1).
    #[arg(long, default_value_t = 0.3)]
    pub holdout: f64,
    /// Keep the class shares of this column equal in both parts.
    #[arg(long)]
    pub stratify: Option<String>,
    /// Directory for `train.csv` and `holdout.csv` (created if needed).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Path of the train part (instead of `-o`).
    #[arg(long, requires = "holdout_out", conflicts_with = "output")]
    pub train_out: Option<PathBuf>,
    /// Path of the holdout part (instead of `-o`).
    #[arg(long, requires = "train_out", conflicts_with = "output")]
    pub holdout_out: Option<PathBuf>,
}

pub fn run(args: &SplitArgs, ctx: &Ctx) -> Result<()> {
    if !(args.holdout > 0.0 && args.holdout < 1.0) {
        usage!(
            "--holdout must be strictly between 0 and 1, got {}",
            args.holdout
        );
    }
    let (train_path, holdout_path) = match (&args.output, &args.train_out, &args.holdout_out) {
        (Some(dir), _, _) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating directory {}", dir.display()))?;
            (dir.join("train.csv"), dir.join("holdout.csv"))
        }
        (None, Some(t), Some(h)) => (t.clone(), h.clone()),
        _ => usage!("say where to write the parts: -o DIR, or --train-out FILE --holdout-out FILE"),
    };
    let table = common::read_table(ctx, &args.data, None)?;
    if let Some(col) = &args.stratify
        && table.column(col).is_none()
    {
        usage!(
            "--stratify: column '{col}' is not in {}",
            args.data.display()
        );
    }
    let (train, holdout) =
        medsynth_eval::split(&table, args.holdout, args.stratify.as_deref(), ctx.seed)
            .with_context(|| format!("splitting {}", args.data.display()))?;
    write_table(&train, &train_path)?;
    write_table(&holdout, &holdout_path)?;
    ctx.event(
        "split",
        serde_json::json!({"train_rows": train.n_rows(), "holdout_rows": holdout.n_rows(), "seed": ctx.seed}),
    );
    ctx.info(format!(
        "{} train rows, {} holdout rows (seed {})",
        train.n_rows(),
        holdout.n_rows(),
        ctx.seed
    ));
    ctx.wrote("train part", &train_path);
    ctx.wrote("holdout part", &holdout_path);
    Ok(())
}
