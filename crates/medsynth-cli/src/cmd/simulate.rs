//! `medsynth simulate`: the rule-based cardiology cohort (the built-in data).

use std::path::PathBuf;

use anyhow::Result;
use medsynth_data::{io, simulate};

use crate::ctx::Ctx;
use crate::exit::usage;

/// Make a realistic synthetic cardiology cohort from documented clinical rules.
///
/// Relations: age raises blood pressure, sex-specific cholesterol, diabetes
/// with glucose, an outcome from a logistic risk model; realistic
/// missingness; and identifier columns (fake names, MRNs, dates of birth) so
/// that masking has something to do. The rules are in docs/cohort.md.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth simulate --rows 2000 --seed 7 -o cohort.csv\n  medsynth simulate --rows 100000 -o cohort.parquet"
)]
pub struct SimulateArgs {
    /// Number of patients.
    #[arg(long, default_value_t = 2000)]
    pub rows: usize,
    /// Output file (.csv or .parquet).
    #[arg(short, long)]
    pub output: PathBuf,
}

pub fn run(args: &SimulateArgs, ctx: &Ctx) -> Result<()> {
    if args.rows == 0 {
        usage!("--rows must be at least 1");
    }
    let table = simulate::cohort(args.rows, ctx.seed);
    io::write_table(&table, &args.output)?;
    ctx.info(format!(
        "simulated {} patients x {} columns (seed {})",
        table.n_rows(),
        table.n_cols(),
        ctx.seed
    ));
    ctx.wrote("cohort", &args.output);
    Ok(())
}
