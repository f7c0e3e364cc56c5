//! `medsynth compare`: drift between two real extracts (two years, two
//! sites) with the same fidelity metrics the evaluation uses.

use std::path::PathBuf;

use anyhow::{Context, Result};
use medsynth_data::io::write_atomically;
use medsynth_eval::drift::{compare, render_drift};

use crate::cmd::common;
use crate::ctx::Ctx;

/// Compare two real extracts column by column (distribution, missing rate,
/// new and vanished categories) and pair by pair; flags drifting columns.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth compare admissions_2023.csv admissions_2024.csv -o drift/\n  medsynth compare site_a.parquet site_b.parquet > drift.json"
)]
pub struct CompareArgs {
    /// The first (reference) extract.
    pub first: PathBuf,
    /// The second extract, compared with the first.
    pub second: PathBuf,
    /// schema.json (or SDV metadata); inferred from the first extract when absent.
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// Directory for `drift.json` and `drift.html`; without it the JSON goes to stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

pub fn run(args: &CompareArgs, ctx: &Ctx) -> Result<()> {
    let (a, schema) = common::read_with_schema(ctx, &args.first, args.schema.as_deref())?;
    let b = common::read_table(ctx, &args.second, Some(&schema))?;
    let report = compare(&a, &b, &schema).with_context(|| {
        format!(
            "comparing {} with {}",
            args.second.display(),
            args.first.display()
        )
    })?;
    let json = serde_json::to_string_pretty(&report)?;
    match &args.output {
        Some(dir) => {
            let first = args.first.display().to_string();
            let second = args.second.display().to_string();
            let html = render_drift(&report, &a, &b, &schema, (&first, &second))?;
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating directory {}", dir.display()))?;
            let jp = dir.join("drift.json");
            let hp = dir.join("drift.html");
            write_atomically(&jp, |w| w.write_all(json.as_bytes()))?;
            write_atomically(&hp, |w| w.write_all(html.as_bytes()))?;
            ctx.info(&report.verdict);
            ctx.wrote("drift metrics", &jp);
            ctx.wrote("drift report", &hp);
        }
        None => {
            println!("{json}");
            ctx.info(&report.verdict);
        }
    }
    Ok(())
}
