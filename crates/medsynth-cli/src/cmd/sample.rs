//! `medsynth sample`: draw synthetic rows from a model directory into a
//! CSV or Parquet file, streamed in batches.

use std::path::PathBuf;

use anyhow::{Context, Result};
use medsynth_data::io::TableWriter;
use medsynth_model::{Model, ModelError};

use crate::ctx::Ctx;
use crate::exit::usage;

/// Draw synthetic rows from a fitted model.
///
/// Rows are generated and written in batches, so a million rows never sit in
/// memory at once; the output file appears only when complete. `--where`
/// conditions hold exactly on categorical and boolean columns.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth sample heart.model --rows 1000 -o synthetic.csv\n  medsynth sample heart.model --rows 500 -o women.parquet --where sex=0 --where cp=4 --seed 3"
)]
pub struct SampleArgs {
    /// A model directory written by `medsynth fit`.
    pub model: PathBuf,
    /// Number of rows to generate.
    #[arg(long)]
    pub rows: usize,
    /// Output file (.csv, .tsv or .parquet).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Condition COLUMN=VALUE on a categorical or boolean column (repeatable).
    #[arg(long = "where", value_name = "COLUMN=VALUE")]
    pub conditions: Vec<String>,
    /// Rows per batch (memory bound).
    #[arg(long, default_value_t = 50_000, hide = true)]
    pub batch_rows: usize,
}

pub fn run(args: &SampleArgs, ctx: &Ctx) -> Result<()> {
    if args.rows == 0 {
        usage!("--rows must be at least 1");
    }
    let mut clauses = Vec::new();
    for c in &args.conditions {
        let Some((k, v)) = c.split_once('=') else {
            usage!("--where expects COLUMN=VALUE (got '{c}')");
        };
        clauses.push((k.trim().to_string(), v.trim().to_string()));
    }
    let model = Model::load(&args.model)?;
    let conditions = model.resolve_conditions(&clauses)?;
    let started = std::time::Instant::now();
    let bar = ctx.progress(args.rows as u64, "sampling");
    let mut writer: Option<TableWriter> = None;
    let mut sink = |batch: medsynth_data::Table| -> Result<(), ModelError> {
        let w = match &mut writer {
            Some(w) => w,
            None => writer.insert(TableWriter::create(&args.output, &batch)?),
        };
        w.write_batch(&batch)?;
        bar.inc(batch.n_rows() as u64);
        Ok(())
    };
    let result = model.sample_batches(args.rows, &conditions, ctx.seed, args.batch_rows, &mut sink);
    bar.finish_and_clear();
    result.with_context(|| format!("sampling from {}", args.model.display()))?;
    if let Some(w) = writer {
        w.finish()?;
    }
    let secs = started.elapsed().as_secs_f64();
    ctx.event(
        "sample",
        serde_json::json!({"rows": args.rows, "seconds": secs, "model": model.kind().as_str()}),
    );
    ctx.info(format!(
        "sampled {} rows from the {} model in {secs:.2} s",
        args.rows,
        model.kind()
    ));
    ctx.wrote("synthetic table", &args.output);
    Ok(())
}
