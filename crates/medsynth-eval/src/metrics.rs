//! Everything at once: the [`Metrics`] that `medsynth evaluate` writes as
//! `metrics.json` and renders as `report.html`.
//!
//! The JSON keys are a stable interface (scripts and the benchmark harness
//! read them); `docs/report.md` documents every one. New keys may be added;
//! existing ones are never renamed. Guaranteed paths: `fidelity.quality`,
//! `fidelity.column_shapes`, `fidelity.column_pair_trends`,
//! `utility.tstr.logistic_regression.roc_auc`,
//! `utility.trtr.logistic_regression.roc_auc`,
//! `privacy.dcr.share_closer_to_train`, `privacy.mia.distance.auc`,
//! `privacy.mia.density_ratio.auc` (the `utility` ones when a target is
//! known, from the options or the schema's `role: target`).

use std::time::Instant;

use medsynth_data::{Schema, Table};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::error::EvalError;
use crate::fairness::{FairnessReport, fairness_from_prepared};
use crate::fidelity::{QualityOptions, QualityReport, quality_from_prepared};
use crate::prepare::{PreparedData, prepare};
use crate::privacy::dcr::subset;
use crate::privacy::{PrivacyOptions, PrivacyReport, prepare_three, privacy_from_prepared};
use crate::target::TargetSpec;
use crate::tsne::{TsneOptions, tsne};
use crate::utility::{UtilityOptions, UtilityReport, utility_from_prepared};

/// The three tables and the schema they share.
#[derive(Debug, Clone, Copy)]
pub struct EvalInputs<'a> {
    /// Real rows the generator was trained on.
    pub train: &'a Table,
    /// Real rows the generator never saw (same population).
    pub holdout: &'a Table,
    pub synthetic: &'a Table,
    pub schema: &'a Schema,
}

/// What to evaluate and how.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// The outcome for utility and fairness; `None` uses the schema's
    /// `role: target` column, and without one utility is skipped.
    pub target: Option<TargetSpec>,
    /// Sensitive attributes for the fairness section (e.g. sex, race).
    pub sensitive: Vec<String>,
    pub seed: u64,
    pub utility: UtilityOptions,
    pub privacy: PrivacyOptions,
    /// Rows per side in the t-SNE map (0 = no map).
    pub tsne_rows: usize,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            target: None,
            sensitive: Vec::new(),
            seed: 0,
            utility: UtilityOptions::default(),
            privacy: PrivacyOptions::default(),
            tsne_rows: 1_000,
        }
    }
}

/// Row counts of the inputs.
#[derive(Debug, Clone, Serialize)]
pub struct Rows {
    pub train: usize,
    pub holdout: usize,
    pub synthetic: usize,
}

/// One line per section for the top of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub fidelity: String,
    pub utility: String,
    pub privacy: String,
    pub fairness: String,
}

/// Wall-clock seconds per section (`privacy_*` split the privacy time by
/// attack; `prepare` is the shared encoding of the three tables).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Timings {
    pub prepare: f64,
    pub fidelity: f64,
    pub utility: f64,
    pub privacy: f64,
    pub privacy_dcr: f64,
    pub privacy_mia: f64,
    pub privacy_anonymeter: f64,
    pub fairness: f64,
    pub tsne: f64,
    pub total: f64,
}

/// The t-SNE map (not written to JSON: it is a picture, not a metric).
#[derive(Debug, Clone, Default)]
pub struct TsneMap {
    pub real: Vec<[f32; 2]>,
    pub synthetic: Vec<[f32; 2]>,
}

/// Everything `medsynth evaluate` computes; serialises to `metrics.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    /// Version of the metrics.json layout (bumped only on breaking change).
    pub format_version: u32,
    pub medsynth_version: String,
    pub seed: u64,
    pub rows: Rows,
    pub summary: Summary,
    pub fidelity: QualityReport,
    /// `null` without a target.
    pub utility: Option<UtilityReport>,
    pub privacy: PrivacyReport,
    /// `null` without sensitive attributes (or without a target).
    pub fairness: Option<FairnessReport>,
    pub timings: Timings,
    #[serde(skip)]
    pub tsne: TsneMap,
}

impl Metrics {
    /// Pretty JSON, as written to `metrics.json`.
    pub fn to_json(&self) -> Result<String, EvalError> {
        serde_json::to_string_pretty(self)
            .map_err(|e| EvalError::Internal(format!("serialising metrics: {e}")))
    }
}

fn check_inputs(inputs: &EvalInputs, options: &EvalOptions) -> Result<(), EvalError> {
    for (name, t) in [
        ("train", inputs.train),
        ("holdout", inputs.holdout),
        ("synthetic", inputs.synthetic),
    ] {
        if t.n_rows() == 0 {
            return Err(EvalError::Invalid(format!("the {name} table has no rows")));
        }
    }
    // Same evaluated columns in all three tables: a mismatch usually means
    // the wrong file, and comparing half the columns would mislead.
    // Identifier and text columns are never evaluated, so they may differ
    // (masking keeps a pseudonymized MRN in the real tables, sampling adds
    // fake names to the synthetic one).
    let evaluated = |name: &str| {
        inputs
            .schema
            .column(name)
            .is_none_or(|c| c.kind.is_modelled())
    };
    let names = |t: &Table| {
        t.names()
            .filter(|n| evaluated(n))
            .map(str::to_string)
            .collect::<std::collections::BTreeSet<String>>()
    };
    let reference = names(inputs.train);
    for (name, t) in [("holdout", inputs.holdout), ("synthetic", inputs.synthetic)] {
        let other = names(t);
        let missing: Vec<String> = reference.difference(&other).cloned().collect();
        if !missing.is_empty() {
            return Err(EvalError::MissingColumns {
                table: name.to_string(),
                columns: missing,
            });
        }
        let extra: Vec<String> = other.difference(&reference).cloned().collect();
        if !extra.is_empty() {
            return Err(EvalError::Invalid(format!(
                "the {name} table has column(s) the train table lacks: {}",
                extra
                    .iter()
                    .map(|c| format!("'{c}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    for s in &options.sensitive {
        if inputs.train.column(s).is_none() {
            return Err(EvalError::MissingColumns {
                table: "train (sensitive attribute)".into(),
                columns: vec![s.clone()],
            });
        }
    }
    Ok(())
}

/// Runs every section. Errors name the table and column at fault; nothing is
/// computed partially (the caller writes files only after this returns).
pub fn evaluate(inputs: &EvalInputs, options: &EvalOptions) -> Result<Metrics, EvalError> {
    let start = Instant::now();
    check_inputs(inputs, options)?;
    let mut timings = Timings::default();
    let target = options
        .target
        .clone()
        .or_else(|| TargetSpec::from_schema(inputs.schema));

    let tables = [
        ("train", inputs.train),
        ("holdout", inputs.holdout),
        ("synthetic", inputs.synthetic),
    ];
    // One encoding of the three tables for every metric: categories and
    // missing cells are decided once (see `prepare`).
    let t = Instant::now();
    let p = prepare_three(
        inputs.train,
        inputs.holdout,
        inputs.synthetic,
        inputs.schema,
    )?;
    timings.prepare = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let fidelity = quality_from_prepared(&p, 0, 2, &QualityOptions::default())?;
    timings.fidelity = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let utility = match &target {
        Some(spec) => Some(utility_from_prepared(
            &p,
            &tables,
            inputs.schema,
            spec,
            options.seed,
            &options.utility,
        )?),
        None => None,
    };
    timings.utility = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut privacy_options = options.privacy.clone();
    privacy_options.seed = options.seed;
    if privacy_options.anonymeter.secrets.is_empty() {
        // Attack the columns a researcher would most want protected first.
        let mut secrets: Vec<String> = target.iter().map(|t| t.column.clone()).collect();
        secrets.extend(options.sensitive.iter().cloned());
        for c in inputs.schema.modelled() {
            if !secrets.contains(&c.name) {
                secrets.push(c.name.clone());
            }
        }
        secrets.truncate(privacy_options.anonymeter.max_secrets);
        privacy_options.anonymeter.secrets = secrets;
    }
    let privacy = privacy_from_prepared(&p, &privacy_options)?;
    timings.privacy = t.elapsed().as_secs_f64();
    timings.privacy_dcr = privacy.timings.dcr;
    timings.privacy_mia = privacy.timings.mia;
    timings.privacy_anonymeter = privacy.timings.anonymeter;

    let t = Instant::now();
    let fairness = match (&target, options.sensitive.is_empty()) {
        (Some(spec), false) => Some(fairness_from_prepared(
            &p,
            &tables,
            inputs.schema,
            spec,
            &options.sensitive,
        )?),
        _ => None,
    };
    timings.fairness = t.elapsed().as_secs_f64();
    drop(p);

    let t = Instant::now();
    let tsne_map = if options.tsne_rows > 0 {
        tsne_map(inputs, options.tsne_rows, options.seed)?
    } else {
        TsneMap::default()
    };
    timings.tsne = t.elapsed().as_secs_f64();

    let summary = summarise(
        &fidelity,
        utility.as_ref(),
        &privacy,
        fairness.as_ref(),
        &options.sensitive,
    );
    timings.total = start.elapsed().as_secs_f64();
    Ok(Metrics {
        format_version: 1,
        medsynth_version: env!("CARGO_PKG_VERSION").to_string(),
        seed: options.seed,
        rows: Rows {
            train: inputs.train.n_rows(),
            holdout: inputs.holdout.n_rows(),
            synthetic: inputs.synthetic.n_rows(),
        },
        summary,
        fidelity,
        utility,
        privacy,
        fairness,
        timings,
        tsne: tsne_map,
    })
}

fn summarise(
    f: &QualityReport,
    u: Option<&UtilityReport>,
    p: &PrivacyReport,
    fair: Option<&FairnessReport>,
    sensitive: &[String],
) -> Summary {
    let q = f.quality * 100.0;
    let fidelity = if f.quality >= 0.85 {
        format!(
            "Quality {q:.1} %: the synthetic columns and their pairwise relations closely follow the real data."
        )
    } else if f.quality >= 0.7 {
        format!(
            "Quality {q:.1} %: broadly faithful, with visible differences in some columns or pairs (see the tables)."
        )
    } else {
        format!(
            "Quality {q:.1} %: the synthetic data departs markedly from the real data; do not use it for analysis as is."
        )
    };
    let utility = match u {
        None => "Not measured: no target column was given (--target) or marked in the schema."
            .to_string(),
        Some(u) => {
            let (s, r) = (
                u.tstr.logistic_regression.roc_auc,
                u.trtr.logistic_regression.roc_auc,
            );
            match (s, r) {
                (Some(s), Some(r)) => {
                    let gap = r - s;
                    let reading = if gap <= 0.02 {
                        "as good as training on real data"
                    } else if gap <= 0.05 {
                        "slightly worse than training on real data"
                    } else {
                        "clearly worse than training on real data"
                    };
                    format!(
                        "Models trained on synthetic data reach ROC AUC {s:.3} on real holdout rows vs {r:.3} when trained on real data: {reading}."
                    )
                }
                _ => match (u.tstr.logistic_regression.r2, u.trtr.logistic_regression.r2) {
                    (Some(s), Some(r)) => format!(
                        "R² on real holdout rows: {s:.3} trained on synthetic vs {r:.3} trained on real data."
                    ),
                    _ => "Utility scores are undefined for this target.".to_string(),
                },
            }
        }
    };
    let worst_mia = p.mia.distance.auc.max(p.mia.density_ratio.auc);
    let leak = p.mia.distance.auc_ci[0] > 0.6
        || p.mia.density_ratio.auc_ci[0] > 0.6
        || p.dcr.share_closer_to_train > 0.6
        || p.anonymeter.singling_out.ci[0] > 0.05
        || p.anonymeter.linkability.ci[0] > 0.05
        || p.anonymeter.inference.iter().any(|r| r.risk.ci[0] > 0.05);
    let privacy = if leak {
        format!(
            "Warning: at least one attack succeeds beyond chance (share closer to train {:.3}, membership AUC up to {worst_mia:.3}); see the privacy section before sharing.",
            p.dcr.share_closer_to_train
        )
    } else {
        format!(
            "No sign of memorisation by these tests (share closer to train {:.3}, membership AUC up to {worst_mia:.3}, 0.5 = chance). This is not a privacy guarantee; only differential privacy gives one.",
            p.dcr.share_closer_to_train
        )
    };
    let fairness = match fair {
        None if sensitive.is_empty() => {
            "Not measured: no sensitive attribute was given (--sensitive).".to_string()
        }
        None => "Not measured: fairness needs a target column.".to_string(),
        Some(fr) => {
            let flagged: usize = fr.attributes.iter().map(|a| a.flagged_groups).sum();
            if flagged == 0 {
                "No group is under-represented or served markedly worse by the synthetic-trained model.".to_string()
            } else {
                format!(
                    "{flagged} group(s) flagged across the sensitive attributes; see the fairness section."
                )
            }
        }
    };
    Summary {
        fidelity,
        utility,
        privacy,
        fairness,
    }
}

/// The t-SNE map of up to `rows` real (train) and `rows` synthetic rows, in
/// the prepared space: numeric columns standardised by the train mean and
/// standard deviation (missing → mean), categorical columns one-hot (each
/// scaled by 1/√2 so that a category mismatch counts like one standard
/// deviation), at most 30 levels per column (rarer levels share no axis).
pub fn tsne_map(inputs: &EvalInputs, rows: usize, seed: u64) -> Result<TsneMap, EvalError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x75AE);
    let ri = subset(inputs.train.n_rows(), rows, &mut rng);
    let si = subset(inputs.synthetic.n_rows(), rows, &mut rng);
    let real = inputs.train.take_rows(&ri);
    let synth = inputs.synthetic.take_rows(&si);
    let p = prepare(&[("train", &real), ("synthetic", &synth)], inputs.schema)?;
    let n = ri.len() + si.len();
    let mut features: Vec<Vec<f32>> = vec![Vec::new(); n];
    for col in &p.columns {
        match &col.data {
            PreparedData::Numeric(d) => {
                let valid: Vec<f64> = d.values[0]
                    .iter()
                    .copied()
                    .filter(|v| !v.is_nan())
                    .collect();
                let mean = if valid.is_empty() {
                    0.0
                } else {
                    valid.iter().sum::<f64>() / valid.len() as f64
                };
                let var = if valid.len() > 1 {
                    valid.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (valid.len() - 1) as f64
                } else {
                    1.0
                };
                let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
                for (i, f) in features.iter_mut().enumerate() {
                    let v = if i < ri.len() {
                        d.values[0][i]
                    } else {
                        d.values[1][i - ri.len()]
                    };
                    f.push(if v.is_nan() {
                        0.0
                    } else {
                        ((v - mean) / sd) as f32
                    });
                }
            }
            PreparedData::Categorical(d) => {
                let k = d.n_codes().min(30);
                let w = std::f32::consts::FRAC_1_SQRT_2;
                for (i, f) in features.iter_mut().enumerate() {
                    let c = if i < ri.len() {
                        d.codes[0][i]
                    } else {
                        d.codes[1][i - ri.len()]
                    } as usize;
                    f.extend((0..k).map(|j| if j == c { w } else { 0.0 }));
                }
            }
        }
    }
    let dim = features.first().map_or(0, Vec::len);
    let flat: Vec<f32> = features.into_iter().flatten().collect();
    let opts = TsneOptions {
        seed,
        ..TsneOptions::default()
    };
    let y = tsne(&flat, n, dim, &opts);
    Ok(TsneMap {
        real: y[..ri.len()].to_vec(),
        synthetic: y[ri.len()..].to_vec(),
    })
}
