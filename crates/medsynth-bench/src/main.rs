//! `medsynth-bench`: the evaluation protocol of
//! `shared/benchmarks/peers.md` run on medsynth's synthesizers, printed as a
//! markdown table (mean ± sd over seeds) next to the peers' published figures.
//!
//! Protocol: split 70/30 stratified on the binary target (seed 0); fit on
//! train; sample as many rows as train; fidelity (SDMetrics QualityReport
//! definitions), TSTR logistic-regression AUC on the holdout, DCR share
//! closer to train; fit wall time, time to sample 100k rows, peak RSS.

mod datasets;
mod dp_domain;
mod stats;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Parser;
use medsynth_data::infer::{InferOptions, infer};
use medsynth_data::io::{ReadOptions, read_table};
use medsynth_data::{Kind, Role, Schema, Table};
use medsynth_eval::TargetSpec;
use medsynth_model::ctgan::CtganConfig;
use medsynth_model::fit::{FitOptions, RareCategories, fit};
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
    /// `--dataset file`: the table to read (any table `medsynth` reads).
    #[arg(long)]
    data: Option<PathBuf>,
    /// `--dataset file`: a schema.json for `--data` (inferred when absent).
    #[arg(long)]
    schema: Option<PathBuf>,
    /// `--dataset file`: the binary target column.
    #[arg(long)]
    target: Option<String>,
    /// `--dataset file`: labels of the target counted as positive.
    #[arg(long, value_delimiter = ',')]
    positive: Vec<String>,
    /// CTGAN setting overrides as `field=json` (e.g. `--set batch=200 --set pac=5`),
    /// applied to the defaults for the training table's size.
    #[arg(long = "set")]
    overrides: Vec<String>,
    /// Fold categories seen once into their column's mode (always on for
    /// adult and diabetes, whose tables have one-off values).
    #[arg(long)]
    merge_rare: bool,
    /// Write each seed's synthetic rows to DIR/synth_<seed>.csv (and train/holdout).
    #[arg(long)]
    save: Option<PathBuf>,
    /// Fit under differential privacy with this ε (δ = 1e-5; `--model` ctgan or copula).
    #[arg(long)]
    epsilon: Option<f64>,
    /// With --epsilon: declare generic public bounds/categories (see dp_domain.rs)
    /// instead of estimating them under DP.
    #[arg(long)]
    public_domain: bool,
    /// A utility-vs-ε sweep: fit under DP at each of these budgets (e.g.
    /// `0.5,1,3,10`), print one table per ε and, with `--sweep-html`, the chart.
    #[arg(long, value_delimiter = ',', conflicts_with = "epsilon")]
    epsilons: Vec<f64>,
    /// With `--epsilons`: write the sweep page (charts + table + peers) here.
    #[arg(long, requires = "epsilons")]
    sweep_html: Option<PathBuf>,
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

impl Results {
    /// The runs as sweep points (one per seed, in seed order).
    fn sweep_points(
        &self,
        model: &str,
        epsilon: f64,
        seeds: &[u64],
    ) -> Vec<medsynth_eval::sweep::SweepPoint> {
        seeds
            .iter()
            .enumerate()
            .map(|(i, &seed)| medsynth_eval::sweep::SweepPoint {
                model: model.to_string(),
                epsilon,
                seed,
                quality: self.quality[i],
                pair_trends: self.pairs[i],
                tstr_lr_auc: self.tstr_lr_auc.get(i).copied().filter(|a| a.is_finite()),
            })
            .collect()
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let Some(kind) = ModelKind::parse(&args.model) else {
        bail!("--model must be ctgan, copula or marginals")
    };
    let (name, table, schema, target, merge_rare) = load(&args)?;
    let schema = if args.public_domain {
        dp_domain::declare(&name, schema)
    } else {
        schema
    };
    let (train, holdout) = medsynth_eval::split::split_by_target(&table, 0.3, &target, &schema, 0)?;
    if train.n_rows() <= medsynth_model::ctgan::CtganConfig::SMALL_TABLE_ROWS
        && std::env::var_os("MATMUL_NUM_THREADS").is_none()
    {
        // As `medsynth fit` does for small tables (batches of 50 rows gain
        // nothing from a second GEMM thread), so the bench times what users get.
        // SAFETY: loading and splitting run on this thread only; no other
        // thread exists yet that could read the environment.
        unsafe { std::env::set_var("MATMUL_NUM_THREADS", "1") };
    }
    eprintln!(
        "{name}: {} train / {} holdout rows, model {kind}",
        train.n_rows(),
        holdout.n_rows()
    );
    let ctgan = ctgan_config(&args.overrides, train.n_rows())?;
    if let Some(dir) = &args.save {
        std::fs::create_dir_all(dir)?;
        medsynth_data::io::write_table(&train, &dir.join("train.csv"))?;
        medsynth_data::io::write_table(&holdout, &dir.join("holdout.csv"))?;
    }
    let budgets: Vec<Option<f64>> = if args.epsilons.is_empty() {
        vec![args.epsilon]
    } else {
        args.epsilons.iter().copied().map(Some).collect()
    };
    let mut sweep = Vec::new();
    for epsilon in budgets {
        let r = run_seeds(
            &args, &name, kind, epsilon, &train, &holdout, &schema, &target, &ctgan, merge_rare,
        )?;
        print_table(&name, kind, epsilon, &train, &holdout, &args.seeds, &r);
        if let Some(e) = epsilon {
            sweep.extend(r.sweep_points(kind.as_str(), e, &args.seeds));
        }
    }
    if let Some(path) = &args.sweep_html {
        let title = format!("{name}: utility and fidelity against the privacy budget ε");
        let html = medsynth_eval::sweep::render_sweep(&title, &sweep, &stats::dp_peers(&name));
        medsynth_data::io::write_atomically(path, |w| w.write_all(html.as_bytes()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// Fits, samples and scores one model per seed at one budget (`None`: no DP).
#[allow(clippy::too_many_arguments)]
fn run_seeds(
    args: &Args,
    name: &str,
    kind: ModelKind,
    epsilon: Option<f64>,
    train: &Table,
    holdout: &Table,
    schema: &Schema,
    target: &TargetSpec,
    ctgan: &Option<CtganConfig>,
    merge_rare: bool,
) -> Result<Results> {
    let mut r = Results::default();
    for &seed in &args.seeds {
        let t0 = Instant::now();
        let opts = FitOptions {
            kind,
            seed,
            steps: args.steps,
            ctgan: ctgan.clone(),
            rare_categories: if merge_rare {
                RareCategories::Merge
            } else {
                RareCategories::Error
            },
            privacy: epsilon.map(|e| medsynth_model::dp::DpOptions {
                delta: Some(1e-5),
                model: medsynth_model::dp::DpModel::parse(&args.model).unwrap_or_default(),
                ..medsynth_model::dp::DpOptions::new(e)
            }),
            ..FitOptions::default()
        };
        let (model, _) = fit(train, schema, &opts, &mut |_| {})?;
        let fit_s = t0.elapsed().as_secs_f64();
        let synth = sample_all(&model, train.n_rows(), seed)?;
        if let Some(dir) = &args.save {
            medsynth_data::io::write_table(&synth, &dir.join(format!("synth_{seed}.csv")))?;
        }
        let q = medsynth_eval::quality_report(train, &synth, schema)?;
        let auc = stats::tstr_lr_auc(&synth, holdout, schema, target);
        let dcr = medsynth_eval::privacy::dcr_report(train, holdout, &synth, schema, seed)?;
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
                serde_json::json!({"dataset": name, "model": kind.as_str(), "epsilon": epsilon, "seed": seed, "fit_s": fit_s,
                    "quality": q.quality, "column_shapes": q.column_shapes, "column_pair_trends": q.column_pair_trends,
                    "tstr_lr_auc": auc, "share_closer_to_train": dcr.share_closer_to_train, "sample_100k_s": sample_s})
            );
        }
        r.fit_s.push(fit_s);
        r.sample_100k_s.push(sample_s);
        r.quality.push(q.quality);
        r.shapes.push(q.column_shapes);
        r.pairs.push(q.column_pair_trends);
        r.tstr_lr_auc.push(auc.unwrap_or(f64::NAN));
        r.share_closer.push(dcr.share_closer_to_train);
    }
    Ok(r)
}

/// The markdown table of one budget's runs beside the peers' figures.
fn print_table(
    name: &str,
    kind: ModelKind,
    epsilon: Option<f64>,
    train: &Table,
    holdout: &Table,
    seeds: &[u64],
    r: &Results,
) {
    let rss = peak_rss_mib();
    let budget = epsilon.map(|e| format!(", ε = {e}")).unwrap_or_default();
    println!(
        "\n## {} ({} train rows / {} holdout){budget}, seeds {:?}\n",
        name,
        train.n_rows(),
        holdout.n_rows(),
        seeds
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
    for line in stats::peer_rows(name) {
        println!("{line}");
    }
}

/// The table, protocol schema and target of `--dataset` (or of `--data` with
/// `--dataset file`).
fn load(args: &Args) -> Result<(String, Table, Schema, TargetSpec, bool)> {
    if args.dataset == "file" {
        let (Some(path), Some(target)) = (&args.data, &args.target) else {
            bail!("--dataset file needs --data FILE and --target COLUMN")
        };
        let table = read_table(path, &ReadOptions::default())
            .with_context(|| format!("reading {}", path.display()))?;
        let schema = match &args.schema {
            Some(s) => Schema::load_with_data(s, &table)
                .with_context(|| format!("reading {}", s.display()))?,
            None => infer(&table, &InferOptions::default()).schema,
        };
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        return Ok((
            name,
            table,
            schema,
            TargetSpec::binary(target, args.positive.iter().cloned()),
            args.merge_rare,
        ));
    }
    let Some(ds) = Dataset::by_name(&args.dataset) else {
        bail!("--dataset must be heart, adult, diabetes or file")
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
    Ok((
        ds.name.to_string(),
        table,
        schema,
        target,
        ds.merge_rare || args.merge_rare,
    ))
}

/// The CTGAN defaults for `rows` training rows with `field=json` overrides
/// applied (`None` when there are none, so that `fit` picks its defaults).
fn ctgan_config(overrides: &[String], rows: usize) -> Result<Option<CtganConfig>> {
    if overrides.is_empty() {
        return Ok(None);
    }
    let mut value = serde_json::to_value(CtganConfig::for_rows(rows))?;
    for o in overrides {
        let Some((k, v)) = o.split_once('=') else {
            bail!("--set expects field=value, got '{o}'")
        };
        let v: serde_json::Value =
            serde_json::from_str(v).with_context(|| format!("--set {k}: value is not JSON"))?;
        match value.get_mut(k) {
            Some(slot) => *slot = v,
            None => bail!("--set: CtganConfig has no field '{k}'"),
        }
    }
    Ok(Some(serde_json::from_value(value)?))
}

/// Samples `n` rows into one table.
fn sample_all(model: &Model, n: usize, seed: u64) -> Result<medsynth_data::Table> {
    let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed ^ 0x5A5A);
    Ok(model.sample(n, &[], &mut rng)?)
}
