//! `medsynth-bench`: the evaluation protocol of
//! `shared/benchmarks/peers.md` run on medsynth's synthesizers, printed as a
//! markdown table (mean ± sd over seeds) next to the peers' published figures.
//!
//! Protocol: split 70/30 stratified on the binary target (seed 0); fit on
//! train; sample as many rows as train; fidelity (SDMetrics QualityReport
//! definitions), TSTR logistic-regression AUC on the holdout, DCR share
//! closer to train; fit wall time, time to sample 100k rows, peak RSS.

mod datasets;
mod stats;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use medsynth_data::infer::{InferOptions, infer};
use medsynth_data::io::{ReadOptions, read_table};
use medsynth_data::{Kind, Role, Schema};
use medsynth_eval::TargetSpec;
use medsynth_model::fit::{FitOptions, fit};
use medsynth_model::{Model, ModelKind};

use datasets::Dataset;
use stats::{Summary, peak_rss_mib};

/// Run the peers' benchmark protocol on a medsynth synthesizer.
#[derive(Parser, Debug)]
#[command(after_help = "Example:\n  medsynth-bench --dataset heart --model ctgan --seeds 0,1,2")]
struct Args {
    /// heart, adult or diabetes.
    #[arg(long)]
    dataset: String,
    /// ctgan, copula or marginals.
    #[arg(long, default_value = "ctgan")]
    model: String,
    /// Synthesizer seeds (the split always uses seed 0).
    #[arg(long, value_delimiter = ',', default_value = "0,1,2")]
    seeds: Vec<u64>,
    /// Override the CTGAN step budget.
    #[arg(long)]
    steps: Option<u64>,
    /// Directory holding the data files (default: ../shared/data next to the repo).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Skip the 100k-row sampling timing.
    #[arg(long)]
    no_sample_timing: bool,
    /// Also print one JSON line per seed.
    #[arg(long)]
    json: bool,
}

/// Applies the protocol's column kinds and target role to an inferred schema.
fn protocol_schema(ds: &Dataset, mut schema: Schema) -> Schema {
    for c in &mut schema.columns {
        if ds.categorical.contains(&c.name.as_str()) {
            c.kind = Kind::Categorical;
            c.categories = None;
            c.min = None;
            c.max = None;
        } else if ds.numeric.contains(&c.name.as_str()) && !c.kind.is_numeric() {
            c.kind = Kind::Integer;
            c.categories = None;
        }
        if c.name == ds.target {
            c.role = Role::Target;
        }
    }
    schema
}

#[derive(Default)]
struct Results {
    fit_s: Vec<f64>,
    sample_100k_s: Vec<f64>,
    quality: Vec<f64>,
    shapes: Vec<f64>,
    pairs: Vec<f64>,
    tstr_lr_auc: Vec<f64>,
    share_closer: Vec<f64>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let Some(ds) = Dataset::by_name(&args.dataset) else {
        bail!("--dataset must be heart, adult or diabetes")
    };
    let Some(kind) = ModelKind::parse(&args.model) else {
        bail!("--model must be ctgan, copula or marginals")
    };
    let path = ds.path(args.data_dir.as_ref());
    let table = read_table(
        &path,
        &ReadOptions {
            string_columns: ds.categorical.iter().map(|s| s.to_string()).collect(),
            ..ReadOptions::default()
        },
    )
    .with_context(|| format!("reading {}", path.display()))?;
    let schema = protocol_schema(&ds, infer(&table, &InferOptions::default()).schema);
    let target = TargetSpec::binary(ds.target, ds.positive.iter().copied());
    let (train, holdout) = medsynth_eval::split::split_by_target(&table, 0.3, &target, &schema, 0)?;
    eprintln!(
        "{}: {} train / {} holdout rows, model {kind}",
        ds.name,
        train.n_rows(),
        holdout.n_rows()
    );
    let mut r = Results::default();
    for &seed in &args.seeds {
        let t0 = Instant::now();
        let opts = FitOptions {
            kind,
            seed,
            steps: args.steps,
            ..FitOptions::default()
        };
        let (model, _) = fit(&train, &schema, &opts, &mut |_| {})?;
        let fit_s = t0.elapsed().as_secs_f64();
        let synth = sample_all(&model, train.n_rows(), seed)?;
        let q = medsynth_eval::quality_report(&train, &synth, &schema)?;
        let auc = stats::tstr_lr_auc(&synth, &holdout, &schema, &target);
        let dcr = medsynth_eval::privacy::dcr_report(&train, &holdout, &synth, &schema, seed)?;
        let sample_s = if args.no_sample_timing {
            f64::NAN
        } else {
            let t = Instant::now();
            let mut rows = 0;
            model.sample_batches(100_000, &[], seed, 50_000, &mut |b| {
                rows += b.n_rows();
                Ok(())
            })?;
            debug_assert_eq!(rows, 100_000);
            t.elapsed().as_secs_f64()
        };
        eprintln!(
            "seed {seed}: fit {fit_s:.1}s quality {:.3} shapes {:.3} pairs {:.3} TSTR-LR {} closer-to-train {:.3} sample100k {sample_s:.2}s (selected step {:?})",
            q.quality,
            q.column_shapes,
            q.column_pair_trends,
            auc.map(|a| format!("{a:.3}"))
                .unwrap_or_else(|| "n/a".into()),
            dcr.share_closer_to_train,
            model.manifest.selected_step,
        );
        if args.json {
            println!(
                "{}",
                serde_json::json!({"dataset": ds.name, "model": kind.as_str(), "seed": seed, "fit_s": fit_s,
                    "quality": q.quality, "column_shapes": q.column_shapes, "column_pair_trends": q.column_pair_trends,
                    "tstr_lr_auc": auc, "share_closer_to_train": dcr.share_closer_to_train, "sample_100k_s": sample_s})
            );
        }
        r.fit_s.push(fit_s);
        r.sample_100k_s.push(sample_s);
        r.quality.push(q.quality);
        r.shapes.push(q.column_shapes);
        r.pairs.push(q.column_pair_trends);
        if let Some(a) = auc {
            r.tstr_lr_auc.push(a);
        }
        r.share_closer.push(dcr.share_closer_to_train);
    }
    let rss = peak_rss_mib();
    println!(
        "\n## {} ({} train rows / {} holdout), seeds {:?}\n",
        ds.name,
        train.n_rows(),
        holdout.n_rows(),
        args.seeds
    );
    println!(
        "| system | fit s | sample 100k s | peak RSS MiB | quality | shapes | pairs | TSTR LR AUC | share closer to train |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| medsynth {kind} | {} | {} | {} | {} | {} | {} | {} | {} |",
        Summary::of(&r.fit_s).fmt(1),
        Summary::of(&r.sample_100k_s).fmt(2),
        rss.map(|v| format!("{v:.0}")).unwrap_or_else(|| "–".into()),
        Summary::of(&r.quality).fmt(3),
        Summary::of(&r.shapes).fmt(3),
        Summary::of(&r.pairs).fmt(3),
        Summary::of(&r.tstr_lr_auc).fmt(3),
        Summary::of(&r.share_closer).fmt(3),
    );
    for line in stats::peer_rows(ds.name) {
        println!("{line}");
    }
    Ok(())
}

/// Samples `n` rows into one table.
fn sample_all(model: &Model, n: usize, seed: u64) -> Result<medsynth_data::Table> {
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed ^ 0x5A5A);
    Ok(model.sample(n, &[], &mut rng)?)
}
