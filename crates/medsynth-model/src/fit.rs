//! Fitting: checks the input, prepares statistics, trains the chosen
//! synthesizer and returns a [`Model`] ready to save or sample.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use medsynth_data::{MaskAction, Role, Schema, Table};
use medsynth_nn::NamedTensor;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::baselines::CopulaModel;
use crate::ctgan::CtganConfig;
use crate::ctgan::train::{self, TrainOptions, TrainProgress};
use crate::encoder::Encoder;
use crate::encoder::gmm::GmmOptions;
use crate::error::{ModelError, Result};
use crate::model_file::{
    FORMAT_VERSION, LOSS_CURVE, Manifest, Model, OutputColumn, Timings, TrainingInfo, WEIGHTS,
};
use crate::spec::{MISSING, RawColumn};
use crate::stats::{ColumnStats, Prepared, prepare};
use crate::synthesizer::ModelKind;

/// Fewest training rows accepted: below this no model learns anything and
/// every synthetic row would sit next to a real one.
pub const MIN_ROWS: usize = 10;

/// What `fit` does with a category seen in exactly one training row.
///
/// A one-off value singles out the one patient who has it (a synthetic row
/// carrying it points straight at them), and no model can learn anything
/// about it from one example. The default refuses the table and names the
/// value so that the user decides; `Merge` folds such values into their
/// column's most frequent category (for tables like adult, whose
/// `native-country` has a one-off value).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RareCategories {
    /// Refuse the table (a user error naming column, value and row).
    #[default]
    Error,
    /// Merge every category seen once into the column's most frequent category.
    Merge,
}

impl RareCategories {
    /// Parses the command-line spelling (`error` or `merge`).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "error" => Some(RareCategories::Error),
            "merge" => Some(RareCategories::Merge),
            _ => None,
        }
    }
}

/// How to fit.
#[derive(Debug, Clone)]
pub struct FitOptions<'a> {
    pub kind: ModelKind,
    pub seed: u64,
    /// CTGAN settings; `None` = defaults for the table size.
    pub ctgan: Option<CtganConfig>,
    /// Overrides the number of CTGAN steps.
    pub steps: Option<u64>,
    /// A target column to check (it must have at least two classes).
    pub target: Option<String>,
    pub training: TrainingInfo,
    pub checkpoint_dir: Option<&'a Path>,
    pub resume: bool,
    pub stop: Option<&'a AtomicBool>,
    /// Categories seen once: refuse (default) or merge.
    pub rare_categories: RareCategories,
    /// Fit under differential privacy (`--epsilon`); `kind` is then ignored
    /// in favour of `privacy.model`.
    pub privacy: Option<crate::dp::DpOptions>,
}

impl Default for FitOptions<'_> {
    fn default() -> Self {
        FitOptions {
            kind: ModelKind::Ctgan,
            seed: 0,
            ctgan: None,
            steps: None,
            target: None,
            training: TrainingInfo::default(),
            checkpoint_dir: None,
            resume: false,
            stop: None,
            rare_categories: RareCategories::default(),
            privacy: None,
        }
    }
}

/// What `fit` did besides training, for the user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitNotes {
    /// Columns not modelled and not regenerated.
    pub dropped: Vec<String>,
    /// Identifier columns regenerated with fake values at sample time.
    pub faked: Vec<String>,
    /// (column, number of categories) seen only once and merged into the
    /// column's most frequent category: reproducing a one-off value would
    /// single out the one patient who has it.
    pub rare_merged: Vec<(String, usize)>,
    /// Step the CTGAN run resumed from.
    pub resumed_from: Option<u64>,
    /// Budget split, ledger and model choice of a DP fit.
    pub dp: Option<crate::dp::DpSummary>,
}

/// Fits a model of `opts.kind` to `table` described by `schema`.
pub fn fit(
    table: &Table,
    schema: &Schema,
    opts: &FitOptions<'_>,
    progress: &mut dyn FnMut(&TrainProgress),
) -> Result<(Model, FitNotes)> {
    if let Some(dp) = &opts.privacy {
        return crate::dp::fit_dp(table, schema, opts, dp, progress);
    }
    let started = Instant::now();
    let mut notes = FitNotes::default();
    let output_columns = output_layout(table, schema, &mut notes)?;
    let mut prepared = prepare(table, schema)?;
    check_target(&prepared, schema, opts.target.as_deref())?;
    notes.rare_merged = match opts.rare_categories {
        RareCategories::Merge => merge_singletons(&mut prepared),
        RareCategories::Error => {
            refuse_singletons(&prepared)?;
            Vec::new()
        }
    };

    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut manifest = Manifest {
        format: "medsynth-model".into(),
        format_version: FORMAT_VERSION,
        medsynth_version: env!("CARGO_PKG_VERSION").into(),
        model: opts.kind,
        seed: opts.seed,
        schema: schema.clone(),
        columns: prepared.specs.clone(),
        output_columns,
        dropped_columns: notes.dropped.clone(),
        statistics: prepared.stats.clone(),
        encoder: None,
        ctgan: None,
        selected_step: None,
        selection_score: None,
        training: TrainingInfo {
            rows: table.n_rows(),
            ..opts.training.clone()
        },
        timings: Timings::default(),
        loss_curve: None,
        weights: WEIGHTS.into(),
        weights_sha256: String::new(),
        federated: None,
        privacy: None,
    };
    let mut curve = Vec::new();
    let weights: Vec<NamedTensor> = match opts.kind {
        ModelKind::Marginals => Vec::new(),
        ModelKind::Copula => {
            let c = CopulaModel::fit(&prepared.stats, &prepared.raw, &mut rng);
            let d = prepared.stats.len();
            vec![NamedTensor {
                name: "copula.correlation".into(),
                shape: vec![d, d],
                data: c.correlation.iter().map(|&v| v as f32).collect(),
            }]
        }
        ModelKind::Ctgan => {
            let mut cfg = opts
                .ctgan
                .clone()
                .unwrap_or_else(|| CtganConfig::for_rows(prepared.n_rows));
            if let Some(s) = opts.steps {
                cfg.set_steps(s);
            }
            if cfg.target_column.is_none() {
                cfg.target_column = target_name(schema, opts.target.as_deref())
                    .and_then(|t| prepared.specs.iter().position(|s| s.name == t));
            }
            cfg.validate().map_err(ModelError::input)?;
            let encoder = Encoder::from_stats_with_tails(
                &prepared.stats,
                GmmOptions {
                    max_modes: cfg.max_modes,
                    ..GmmOptions::default()
                },
                cfg.tail_options(),
            );
            let trained = train::train(
                &encoder,
                &prepared.raw,
                &prepared.stats,
                &cfg,
                opts.seed,
                TrainOptions {
                    checkpoint_dir: opts.checkpoint_dir,
                    resume: opts.resume,
                    stop: opts.stop,
                },
                progress,
            )?;
            if let Some(dir) = opts.checkpoint_dir {
                train::remove_checkpoint(dir);
            }
            notes.resumed_from = trained.resumed_from;
            manifest.encoder = Some(encoder.columns.clone());
            manifest.selected_step = Some(trained.best_step);
            manifest.selection_score = trained.best_score;
            manifest.loss_curve = Some(LOSS_CURVE.into());
            let secs = started.elapsed().as_secs_f64();
            manifest.timings.seconds_per_step = Some(secs / cfg.steps as f64);
            manifest.ctgan = Some(cfg);
            curve = trained.curve;
            trained.generator
        }
    };
    manifest.timings.fit_seconds = started.elapsed().as_secs_f64();
    let model = Model::from_parts(manifest, weights, curve)?;
    Ok((model, notes))
}

/// Which schema columns are modelled, regenerated (fake) or dropped, with
/// the checks every fit (DP or not) needs before reading any data: modelled
/// columns present, enough rows, at least two modelled columns.
pub(crate) fn output_layout(
    table: &Table,
    schema: &Schema,
    notes: &mut FitNotes,
) -> Result<Vec<OutputColumn>> {
    let mut output_columns = Vec::new();
    let mut index = 0;
    for c in &schema.columns {
        // Identifier and text columns are never modelled, so they may be
        // absent: masking removes `fake` columns (regenerated at sample time)
        // and `drop` columns from the table.
        if c.kind.is_modelled() && table.column(&c.name).is_none() {
            return Err(ModelError::input(format!(
                "the schema names column '{}' but the table has no such column",
                c.name
            )));
        }
        if c.kind.is_modelled() {
            output_columns.push(OutputColumn::Modelled {
                name: c.name.clone(),
                index,
            });
            index += 1;
        } else if let (Some(MaskAction::Fake), Some(id)) = (c.action, c.identifier) {
            output_columns.push(OutputColumn::Fake {
                name: c.name.clone(),
                identifier: id,
            });
            notes.faked.push(c.name.clone());
        } else {
            notes.dropped.push(c.name.clone());
        }
    }
    if table.n_rows() < MIN_ROWS {
        return Err(ModelError::input(format!(
            "the table has {} row(s); at least {MIN_ROWS} are needed to fit a model",
            table.n_rows()
        )));
    }
    if index < 2 {
        return Err(ModelError::input(format!(
            "the schema leaves {index} modelled column(s); at least 2 are needed (identifier and text columns are not modelled)"
        )));
    }
    Ok(output_columns)
}

/// The outcome column: `--target` if given, else the schema's target role.
fn target_name(schema: &Schema, explicit: Option<&str>) -> Option<String> {
    explicit.map(str::to_string).or_else(|| {
        schema
            .columns
            .iter()
            .find(|c| c.role == Role::Target && c.kind.is_modelled())
            .map(|c| c.name.clone())
    })
}

/// A declared target must have at least two classes, or no downstream
/// classifier (and no utility evaluation) can use the synthetic data.
fn check_target(p: &Prepared, schema: &Schema, explicit: Option<&str>) -> Result<()> {
    let name = match explicit {
        Some(t) => t.to_string(),
        None => match schema
            .columns
            .iter()
            .find(|c| c.role == Role::Target && c.kind.is_modelled())
        {
            Some(c) => c.name.clone(),
            None => return Ok(()),
        },
    };
    let Some(i) = p.specs.iter().position(|s| s.name == name) else {
        return Err(ModelError::input(format!(
            "target column '{name}' is not a modelled column of the table"
        )));
    };
    let classes = match &p.raw[i] {
        RawColumn::Discrete(v) => {
            let mut s: Vec<u32> = v.iter().copied().filter(|&x| x != MISSING).collect();
            s.sort_unstable();
            s.dedup();
            s.len()
        }
        RawColumn::Numeric(v) => {
            let mut s: Vec<u64> = v
                .iter()
                .filter(|x| x.is_finite())
                .map(|x| x.to_bits())
                .collect();
            s.sort_unstable();
            s.dedup();
            s.len()
        }
    };
    if classes < 2 {
        return Err(ModelError::input(format!(
            "target column '{name}' has {classes} class(es) in the training rows; at least 2 are needed"
        )));
    }
    Ok(())
}

/// Errors on the first category seen in exactly one training row, naming
/// the column, the value and its row (1-based, as in other errors), and how
/// to proceed.
fn refuse_singletons(p: &Prepared) -> Result<()> {
    for (j, stats) in p.stats.iter().enumerate() {
        let ColumnStats::Discrete { labels, counts, .. } = stats else {
            continue;
        };
        let Some(cat) = counts.iter().position(|&c| c == 1.0) else {
            continue;
        };
        let ones = counts.iter().filter(|&&c| c == 1.0).count();
        let row = match &p.raw[j] {
            RawColumn::Discrete(v) => v.iter().position(|&x| x == cat as u32),
            RawColumn::Numeric(_) => None,
        };
        let name = &p.specs[j].name;
        let value = labels.get(cat).map_or("", String::as_str);
        let others = if ones > 1 {
            format!(" ({} values of this column appear only once)", ones)
        } else {
            String::new()
        };
        let hint = if ones == counts.len() {
            "; every value is unique, so this looks like an identifier: declare it `identifier` or `text` in the schema"
        } else {
            ""
        };
        return Err(ModelError::input(format!(
            "{}column '{name}': value '{value}' appears in only one training row{others}; \
             a one-off category singles out that patient and cannot be learnt. \
             Recode or remove it, or pass `--rare-categories merge` to fold such values \
             into the column's most frequent category{hint}",
            row.map(|r| format!("row {}, ", r + 1)).unwrap_or_default()
        )));
    }
    Ok(())
}

/// Merges categories seen exactly once into the most frequent category of
/// their column (and removes them from the label list).
fn merge_singletons(p: &mut Prepared) -> Vec<(String, usize)> {
    let mut merged = Vec::new();
    for (j, stats) in p.stats.iter_mut().enumerate() {
        let ColumnStats::Discrete { labels, counts, .. } = stats else {
            continue;
        };
        let ones: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] == 1.0).collect();
        let mode =
            (0..counts.len()).max_by(|&a, &b| counts[a].total_cmp(&counts[b]).then(b.cmp(&a)));
        let (Some(mode), false) = (mode, ones.is_empty()) else {
            continue;
        };
        if counts[mode] <= 1.0 {
            continue; // every category is a one-off: nothing sensible to merge into
        }
        // New index of each old label (singletons → the mode).
        let mut map = vec![0u32; counts.len()];
        let mut next = 0u32;
        for (i, m) in map.iter_mut().enumerate() {
            if !ones.contains(&i) {
                *m = next;
                next += 1;
            }
        }
        for &i in &ones {
            map[i] = map[mode];
        }
        let mode_new = map[mode] as usize;
        let mut new_labels = Vec::new();
        let mut new_counts = Vec::new();
        for i in 0..counts.len() {
            if !ones.contains(&i) {
                new_labels.push(labels[i].clone());
                new_counts.push(counts[i]);
            }
        }
        new_counts[mode_new] += ones.len() as f64;
        *labels = new_labels;
        *counts = new_counts;
        if let RawColumn::Discrete(v) = &mut p.raw[j] {
            for x in v.iter_mut() {
                if *x != MISSING {
                    *x = map[*x as usize];
                }
            }
        }
        merged.push((p.specs[j].name.clone(), ones.len()));
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use medsynth_data::{Column, ColumnSchema, Kind};

    fn table(n: usize) -> (Table, Schema) {
        let x: Vec<Option<f64>> = (0..n).map(|i| Some((i % 17) as f64)).collect();
        let g: Vec<Option<String>> = (0..n)
            .map(|i| {
                Some(if i == 3 {
                    "rare".into()
                } else {
                    format!("g{}", i % 3)
                })
            })
            .collect();
        let t = Table::new(vec![Column::from_f64("x", &x), Column::from_strs("g", &g)]).unwrap();
        let s = Schema {
            columns: vec![
                ColumnSchema::new("x", Kind::Continuous),
                ColumnSchema::new("g", Kind::Categorical),
            ],
        };
        (t, s)
    }

    fn opts() -> FitOptions<'static> {
        FitOptions {
            kind: ModelKind::Marginals,
            rare_categories: RareCategories::Merge,
            ..FitOptions::default()
        }
    }

    #[test]
    fn too_few_rows_or_columns_are_refused() {
        let (t, s) = table(5);
        let err = fit(&t, &s, &opts(), &mut |_| {}).unwrap_err();
        assert!(
            err.is_user_error() && err.to_string().contains("5 row(s)"),
            "{err}"
        );
        let (t, mut s) = table(40);
        s.columns[1].kind = Kind::Text;
        let err = fit(&t, &s, &opts(), &mut |_| {}).unwrap_err();
        assert!(err.to_string().contains("at least 2"), "{err}");
    }

    #[test]
    fn a_one_class_target_is_refused() {
        let (t, s) = table(40);
        let mut s2 = s.clone();
        s2.columns[1].role = Role::Target;
        assert!(fit(&t, &s2, &opts(), &mut |_| {}).is_ok());
        let g: Vec<Option<&str>> = vec![Some("same"); 40];
        let t1 = Table::new(vec![t.columns()[0].clone(), Column::from_strs("g", &g)]).unwrap();
        let err = fit(&t1, &s2, &opts(), &mut |_| {}).unwrap_err();
        assert!(
            err.to_string().contains("target column 'g' has 1 class"),
            "{err}"
        );
    }

    #[test]
    fn singleton_categories_are_merged_away() {
        let (t, s) = table(60);
        let (model, notes) = fit(&t, &s, &opts(), &mut |_| {}).unwrap();
        assert_eq!(notes.rare_merged, vec![("g".to_string(), 1)]);
        assert!(
            !model.manifest.statistics[1]
                .labels()
                .contains(&"rare".to_string())
        );
        assert_eq!(model.manifest.statistics[1].present(), 60.0);
    }

    #[test]
    fn singleton_categories_are_refused_by_default_with_column_value_and_row() {
        let (t, s) = table(60);
        let o = FitOptions {
            rare_categories: RareCategories::Error,
            ..opts()
        };
        let err = fit(&t, &s, &o, &mut |_| {}).unwrap_err();
        let msg = err.to_string();
        assert!(err.is_user_error(), "{msg}");
        assert!(
            msg.contains("row 4, column 'g': value 'rare'")
                && msg.contains("--rare-categories merge"),
            "{msg}"
        );
    }

    #[test]
    fn schema_columns_missing_from_the_table_are_named() {
        let (t, mut s) = table(40);
        s.columns.push(ColumnSchema::new("ghost", Kind::Continuous));
        let err = fit(&t, &s, &opts(), &mut |_| {}).unwrap_err().to_string();
        assert!(err.contains("'ghost'"), "{err}");
    }
}
