//! Utility: is the synthetic table as good as the real one for learning the
//! outcome? Models are trained on synthetic data and tested on the real
//! holdout (TSTR), and trained on real train data and tested on the same
//! holdout (TRTR, the ceiling). The gap between the two is what a
//! researcher loses by working on synthetic data.
//!
//! Models follow the protocol of `shared/benchmarks/peers.md`:
//! - logistic regression (linear regression for a numeric target) on
//!   median-imputed, standardised numerics and one-hot categoricals, L2
//!   with C = 1 (scikit-learn `LogisticRegression(max_iter=1000)`); see
//!   [`design`] and [`logistic`];
//! - a random forest of 200 trees ([`forest`]).
//!
//! Besides ROC AUC and the full classification report, the report says
//! whether both models rely on the same columns: the Spearman correlation
//! between per-column importances of the real-trained and the
//! synthetic-trained model. For the linear model a column's importance is
//! the standard deviation, over the holdout rows, of its contribution to the
//! linear score (|coefficient| for a standardised numeric column; the
//! spread of the level coefficients for a one-hot column), so numeric and
//! categorical columns are on one scale; for the forest it is the mean
//! decrease in impurity.

pub mod design;
pub mod forest;
pub mod logistic;
pub mod scores;

use std::time::Instant;

use medsynth_data::{Schema, Table};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::EvalError;
use crate::prepare::{Prepared, prepare_columns};
use crate::target::{TargetSpec, TargetValues, read_target, require_two_classes};
use design::Encoder;
use scores::ClassificationReport;

/// Knobs of the utility evaluation; `Default` is the benchmark protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UtilityOptions {
    /// Trees in the random forest (protocol: 200).
    pub n_trees: usize,
    /// Inverse L2 strength of the logistic regression (protocol: 1).
    pub c: f64,
    /// Fit on at most this many rows (a seeded random subset) to bound the
    /// time on very large tables; `None` uses every row. AUC estimated from
    /// 50,000 rows is typically within ±0.005 of the full-data value.
    pub max_fit_rows: Option<usize>,
    /// Skip the random forest (the benchmark harness's fast path).
    pub skip_forest: bool,
}

impl Default for UtilityOptions {
    fn default() -> Self {
        UtilityOptions {
            n_trees: 200,
            c: 1.0,
            max_fit_rows: None,
            skip_forest: false,
        }
    }
}

/// What kind of prediction the target asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    Binary,
    Multiclass,
    Regression,
}

/// Importance of one column to one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnImportance {
    pub column: String,
    pub importance: f64,
}

/// Test scores of one model. Classification fields are `None` for a numeric
/// target and regression fields `None` for a class target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// `logistic_regression`, `linear_regression` or `random_forest`.
    pub model: String,
    /// Binary: AUC of the positive class; multi-class: one-vs-rest macro.
    pub roc_auc: Option<f64>,
    pub accuracy: Option<f64>,
    pub macro_f1: Option<f64>,
    pub report: Option<ClassificationReport>,
    pub r2: Option<f64>,
    pub mae: Option<f64>,
    /// Per-column importance (see the module docs), in column order.
    pub importance: Vec<ColumnImportance>,
    /// Rows the model was trained on.
    pub fit_rows: usize,
    /// Wall-clock seconds to fit the model (where evaluation time goes).
    #[serde(default)]
    pub fit_seconds: f64,
}

/// The two models trained on one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScores {
    pub logistic_regression: Scores,
    pub random_forest: Option<Scores>,
}

/// Spearman correlation of column importances, real-trained vs
/// synthetic-trained (1 = same ranking).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportanceAgreement {
    pub logistic_regression: Option<f64>,
    pub random_forest: Option<f64>,
}

/// TSTR against TRTR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UtilityReport {
    pub target: String,
    pub task: TaskKind,
    /// Class names (binary: `negative`, `positive`); empty for regression.
    pub classes: Vec<String>,
    pub n_train: usize,
    pub n_holdout: usize,
    pub n_synthetic: usize,
    /// Rows left out because their target is missing (train, holdout,
    /// synthetic).
    pub rows_without_target: [usize; 3],
    /// Trained on synthetic, tested on the real holdout.
    pub tstr: ModelScores,
    /// Trained on real train, tested on the real holdout.
    pub trtr: ModelScores,
    pub importance_agreement: ImportanceAgreement,
    pub options: UtilityOptions,
}

/// TSTR and TRTR with the protocol's defaults (see [`UtilityOptions`]).
pub fn utility_report(
    train: &Table,
    holdout: &Table,
    synthetic: &Table,
    schema: &Schema,
    target: &TargetSpec,
    seed: u64,
) -> Result<UtilityReport, EvalError> {
    utility_report_with(
        train,
        holdout,
        synthetic,
        schema,
        target,
        seed,
        &UtilityOptions::default(),
    )
}

/// [`utility_report`] with explicit options.
pub fn utility_report_with(
    train: &Table,
    holdout: &Table,
    synthetic: &Table,
    schema: &Schema,
    target: &TargetSpec,
    seed: u64,
    options: &UtilityOptions,
) -> Result<UtilityReport, EvalError> {
    let tables = [
        ("train", train),
        ("holdout", holdout),
        ("synthetic", synthetic),
    ];
    let values = read_target(&tables, schema, target)?;
    for (t, (name, _)) in tables.iter().enumerate() {
        require_two_classes(&values, t, name, &target.column)?;
    }
    let p = prepare_columns(&tables, schema, &[target.column.as_str()])?;
    utility_from_values(&p, &values, target, seed, options)
}

/// [`utility_report_with`] on tables already prepared as (train, holdout,
/// synthetic), e.g. by a full evaluation that prepares them once for every
/// metric; the target column, if prepared, is left out of the features.
pub fn utility_from_prepared(
    p: &Prepared,
    tables: &[(&str, &Table); 3],
    schema: &Schema,
    target: &TargetSpec,
    seed: u64,
    options: &UtilityOptions,
) -> Result<UtilityReport, EvalError> {
    let values = read_target(tables, schema, target)?;
    for (t, (name, _)) in tables.iter().enumerate() {
        require_two_classes(&values, t, name, &target.column)?;
    }
    utility_from_values(p, &values, target, seed, options)
}

fn utility_from_values(
    p: &Prepared,
    values: &TargetValues,
    target: &TargetSpec,
    seed: u64,
    options: &UtilityOptions,
) -> Result<UtilityReport, EvalError> {
    let cols = p.feature_columns(&target.column);
    if cols.is_empty() {
        return Err(EvalError::target(
            &target.column,
            "no feature column left besides the target",
        ));
    }
    let labelled: Vec<Vec<usize>> = (0..3).map(|t| labelled_rows(values, t)).collect();
    let tstr = fit_and_score(p, values, &cols, 2, 1, &labelled, seed, options)?;
    let trtr = fit_and_score(p, values, &cols, 0, 1, &labelled, seed, options)?;
    let agree = |a: &Scores, b: &Scores| {
        let x: Vec<f64> = a.importance.iter().map(|c| c.importance).collect();
        let y: Vec<f64> = b.importance.iter().map(|c| c.importance).collect();
        scores::spearman(&x, &y)
    };
    let importance_agreement = ImportanceAgreement {
        logistic_regression: agree(&tstr.logistic_regression, &trtr.logistic_regression),
        random_forest: match (&tstr.random_forest, &trtr.random_forest) {
            (Some(a), Some(b)) => agree(a, b),
            _ => None,
        },
    };
    let (task, classes) = match values {
        TargetValues::Classes { classes, .. } if classes.len() == 2 => {
            (TaskKind::Binary, classes.clone())
        }
        TargetValues::Classes { classes, .. } => (TaskKind::Multiclass, classes.clone()),
        TargetValues::Numeric { .. } => (TaskKind::Regression, Vec::new()),
    };
    Ok(UtilityReport {
        target: target.column.clone(),
        task,
        classes,
        n_train: p.n_rows[0],
        n_holdout: p.n_rows[1],
        n_synthetic: p.n_rows[2],
        rows_without_target: [0, 1, 2].map(|t| p.n_rows[t] - labelled[t].len()),
        tstr,
        trtr,
        importance_agreement,
        options: options.clone(),
    })
}

/// ROC AUC of the logistic regression trained on `train_like` and tested on
/// `test`: the cheap utility figure a training loop can afford per
/// checkpoint.
pub fn tstr_logistic_auc(
    train_like: &Table,
    test: &Table,
    schema: &Schema,
    target: &TargetSpec,
) -> Result<f64, EvalError> {
    let tables = [("training", train_like), ("test", test)];
    let values = read_target(&tables, schema, target)?;
    if matches!(values, TargetValues::Numeric { .. }) {
        return Err(EvalError::target(
            &target.column,
            "ROC AUC needs a class target, not a numeric one",
        ));
    }
    for (t, (name, _)) in tables.iter().enumerate() {
        require_two_classes(&values, t, name, &target.column)?;
    }
    let p = prepare_columns(&tables, schema, &[target.column.as_str()])?;
    let labelled: Vec<Vec<usize>> = (0..2).map(|t| labelled_rows(&values, t)).collect();
    let options = UtilityOptions {
        skip_forest: true,
        ..UtilityOptions::default()
    };
    let cols: Vec<usize> = (0..p.columns.len()).collect();
    let s = fit_and_score(&p, &values, &cols, 0, 1, &labelled, 0, &options)?;
    s.logistic_regression
        .roc_auc
        .ok_or_else(|| EvalError::target(&target.column, "ROC AUC is undefined on this test table"))
}

fn labelled_rows(values: &TargetValues, t: usize) -> Vec<usize> {
    match values {
        TargetValues::Classes { y, .. } => (0..y[t].len()).filter(|&r| y[t][r].is_some()).collect(),
        TargetValues::Numeric { y } => (0..y[t].len()).filter(|&r| !y[t][r].is_nan()).collect(),
    }
}

/// Trains both models on table `f` and scores them on table `e`, with the
/// prepared columns `cols` as features.
#[allow(clippy::too_many_arguments)]
fn fit_and_score(
    p: &Prepared,
    values: &TargetValues,
    cols: &[usize],
    f: usize,
    e: usize,
    labelled: &[Vec<usize>],
    seed: u64,
    o: &UtilityOptions,
) -> Result<ModelScores, EvalError> {
    let mut fit_rows = labelled[f].clone();
    if let Some(m) = o.max_fit_rows.filter(|&m| m < fit_rows.len()) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5EED);
        fit_rows.shuffle(&mut rng);
        fit_rows.truncate(m);
        fit_rows.sort_unstable();
    }
    if fit_rows.len() < 2 || labelled[e].is_empty() {
        return Err(EvalError::Invalid(format!(
            "too few rows to train and test a model ({} to fit, {} to test)",
            fit_rows.len(),
            labelled[e].len()
        )));
    }
    let test_rows = &labelled[e];
    let enc = Encoder::fit(p, f, &fit_rows, cols);
    let xf = enc.encode(p, f, &fit_rows);
    let xe = enc.encode(p, e, test_rows);
    let names: Vec<String> = cols.iter().map(|&c| p.columns[c].name.clone()).collect();
    match values {
        TargetValues::Classes { classes, y } => {
            let k = classes.len();
            // Classes present in the fit data, in global order: the model
            // only knows these; absent ones get probability 0.
            let mut present = vec![false; k];
            for &r in &fit_rows {
                if let Some(c) = y[f][r] {
                    present[c as usize] = true;
                }
            }
            let local: Vec<usize> = (0..k).filter(|&c| present[c]).collect();
            let mut to_local = vec![usize::MAX; k];
            for (i, &c) in local.iter().enumerate() {
                to_local[c] = i;
            }
            let yf: Vec<f64> = fit_rows
                .iter()
                .map(|&r| y[f][r].map_or(0.0, |c| to_local[c as usize] as f64))
                .collect();
            let truth: Vec<usize> = test_rows
                .iter()
                .map(|&r| y[e][r].map_or(0, |c| c as usize))
                .collect();
            let loss = if local.len() == 2 {
                logistic::Loss::Binary
            } else {
                logistic::Loss::Multinomial(local.len())
            };
            let t = Instant::now();
            let lr = logistic::fit(&xf, &yf, loss, o.c, 1.0);
            let lr_seconds = t.elapsed().as_secs_f64();
            let proba = widen(&lr.predict_proba(&xe), &local, k);
            let lr_imp = linear_importance(&lr, &enc, &xe, cols, &names);
            let mut logistic_regression = class_scores(
                "logistic_regression",
                &truth,
                &proba,
                classes,
                lr_imp,
                fit_rows.len(),
            );
            logistic_regression.fit_seconds = lr_seconds;
            let random_forest = if o.skip_forest {
                None
            } else {
                let t = Instant::now();
                let binning = forest::Binning::fit(p, f, &fit_rows, cols);
                let bf = binning.transform(p, f, &fit_rows);
                let be = binning.transform(p, e, test_rows);
                let rf = forest::fit(
                    &binning,
                    &bf,
                    &yf,
                    forest::Task::Classify(local.len()),
                    o.n_trees,
                    seed,
                )?;
                let rf_seconds = t.elapsed().as_secs_f64();
                let proba = widen(&rf.predict(&be), &local, k);
                let imp = named(&names, &rf.importance);
                let mut scores = class_scores(
                    "random_forest",
                    &truth,
                    &proba,
                    classes,
                    imp,
                    fit_rows.len(),
                );
                scores.fit_seconds = rf_seconds;
                Some(scores)
            };
            Ok(ModelScores {
                logistic_regression,
                random_forest,
            })
        }
        TargetValues::Numeric { y } => {
            let yf: Vec<f64> = fit_rows.iter().map(|&r| y[f][r]).collect();
            let truth: Vec<f64> = test_rows.iter().map(|&r| y[e][r]).collect();
            // A tiny ridge term makes the one-hot + intercept system
            // well-posed without visibly changing the least-squares fit.
            let t = Instant::now();
            let lin = logistic::fit(&xf, &yf, logistic::Loss::Squared, 1.0, 1e-6);
            let lin_seconds = t.elapsed().as_secs_f64();
            let pred = lin.scores(&xe);
            let imp = linear_importance(&lin, &enc, &xe, cols, &names);
            let mut logistic_regression =
                reg_scores("linear_regression", &truth, &pred, imp, fit_rows.len());
            logistic_regression.fit_seconds = lin_seconds;
            let random_forest = if o.skip_forest {
                None
            } else {
                let t = Instant::now();
                let binning = forest::Binning::fit(p, f, &fit_rows, cols);
                let bf = binning.transform(p, f, &fit_rows);
                let be = binning.transform(p, e, test_rows);
                let rf = forest::fit(&binning, &bf, &yf, forest::Task::Regress, o.n_trees, seed)?;
                let rf_seconds = t.elapsed().as_secs_f64();
                let pred: Vec<f64> = rf.predict(&be).into_iter().map(|v| v[0]).collect();
                let imp = named(&names, &rf.importance);
                let mut scores = reg_scores("random_forest", &truth, &pred, imp, fit_rows.len());
                scores.fit_seconds = rf_seconds;
                Some(scores)
            };
            Ok(ModelScores {
                logistic_regression,
                random_forest,
            })
        }
    }
}

/// Probabilities over the fit classes → over all `k` classes.
fn widen(proba: &[Vec<f64>], local: &[usize], k: usize) -> Vec<Vec<f64>> {
    proba
        .iter()
        .map(|p| {
            let mut out = vec![0.0; k];
            for (i, &c) in local.iter().enumerate() {
                out[c] = p[i];
            }
            out
        })
        .collect()
}

fn class_scores(
    model: &str,
    truth: &[usize],
    proba: &[Vec<f64>],
    classes: &[String],
    importance: Vec<ColumnImportance>,
    fit_rows: usize,
) -> Scores {
    let pred: Vec<usize> = proba
        .iter()
        .map(|p| (0..p.len()).fold(0, |best, c| if p[c] > p[best] { c } else { best }))
        .collect();
    let report = scores::classification_report(truth, &pred, classes);
    Scores {
        model: model.to_string(),
        roc_auc: scores::auc_from_proba(truth, proba, classes.len()),
        accuracy: Some(report.accuracy),
        macro_f1: Some(report.macro_avg.f1),
        report: Some(report),
        r2: None,
        mae: None,
        importance,
        fit_rows,
        fit_seconds: 0.0,
    }
}

fn reg_scores(
    model: &str,
    truth: &[f64],
    pred: &[f64],
    importance: Vec<ColumnImportance>,
    fit_rows: usize,
) -> Scores {
    Scores {
        model: model.to_string(),
        roc_auc: None,
        accuracy: None,
        macro_f1: None,
        report: None,
        r2: scores::r2(truth, pred),
        mae: Some(scores::mae(truth, pred)),
        importance,
        fit_rows,
        fit_seconds: 0.0,
    }
}

fn named(names: &[String], v: &[f64]) -> Vec<ColumnImportance> {
    names
        .iter()
        .zip(v)
        .map(|(n, &i)| ColumnImportance {
            column: n.clone(),
            importance: i,
        })
        .collect()
}

/// Per-column spread of the linear score's contribution over the test rows
/// (see the module docs), summed over outputs. `cols` are the prepared
/// columns the features come from, in the order of `names`.
fn linear_importance(
    m: &logistic::Linear,
    enc: &Encoder,
    x: &design::Encoded,
    cols: &[usize],
    names: &[String],
) -> Vec<ColumnImportance> {
    let mut imp = vec![0.0; names.len()];
    let mut pos = vec![usize::MAX; cols.iter().max().map_or(0, |&m| m + 1)];
    for (i, &c) in cols.iter().enumerate() {
        pos[c] = i;
    }
    let n = x.n.max(1) as f64;
    for k in 0..m.k {
        let w = m.weights(k);
        for (j, &(ci, ..)) in enc.numeric.iter().enumerate() {
            let vals = (0..x.n).map(|i| x.num[i * x.n_num + j] * w[j]);
            imp[pos[ci]] += std_dev(vals, n);
        }
        for (c, (ci, _)) in enc.categorical.iter().enumerate() {
            let vals = (0..x.n).map(|i| {
                let f = x.cat[i * x.n_cat + c];
                if f == design::NONE {
                    0.0
                } else {
                    w[f as usize]
                }
            });
            imp[pos[*ci]] += std_dev(vals, n);
        }
    }
    named(names, &imp)
}

fn std_dev(v: impl Iterator<Item = f64> + Clone, n: f64) -> f64 {
    let mean = v.clone().sum::<f64>() / n;
    (v.map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt()
}
