//! Differentially private fitting: `medsynth fit --epsilon E`.
//!
//! Everything the model learns from the rows goes through a mechanism of
//! `medsynth-privacy` and leaves an entry in the ledger, which is stored in
//! `manifest.json` under `privacy` and checked against the budget before the
//! model is returned:
//!
//! 1. a noisy row count (2 % of ε; it also picks the model for `auto`);
//! 2. per-column statistics ([`preprocess`]): bounds, categories, histograms,
//!    missing shares — free when the schema declares them public;
//! 3. the model: a noisy correlation of normal scores for the Gaussian
//!    copula ([`copula`]), or DP-SGD on the critic for the GAN ([`ctgan`]).
//!
//! All releases are calibrated jointly to the budget in RDP (see
//! `medsynth_privacy::allocation`), so the ledger's total lands on ε instead
//! of a loose sum of parts. Noise comes from an OS-seeded CSPRNG; `--seed`
//! fixes everything else. Nothing is selected on real data (no snapshot
//! selection, no early stopping): the last state is the model.

pub mod copula;
pub mod ctgan;
pub mod preprocess;
pub mod site;

use std::time::Instant;

use medsynth_data::{Role, Schema, Table};
use medsynth_nn::NamedTensor;
use medsynth_privacy::{
    Budget, Composition, Ledger, LedgerEntry, NoiseSource, OsNoise, PlannedKind, PlannedRelease,
    PrivacyError, SeededNoise, allocate, allocate_after, default_delta,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::ctgan::train::TrainProgress;
use crate::error::{ModelError, Result};
use crate::fit::{FitNotes, FitOptions};
use crate::model_file::{FORMAT_VERSION, Manifest, Model, Timings, TrainingInfo, WEIGHTS};
use crate::synthesizer::ModelKind;
use preprocess::{Calibrated, Domain, Release};

/// Which synthesizer a DP fit trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DpModel {
    /// By table size: the copula unless there are enough rows for DP-SGD.
    #[default]
    Auto,
    Ctgan,
    Copula,
}

impl DpModel {
    /// Parses `auto`, `ctgan` or `copula`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Some(DpModel::Auto),
            "ctgan" | "gan" => Some(DpModel::Ctgan),
            "copula" | "gaussian_copula" => Some(DpModel::Copula),
            _ => None,
        }
    }
}

/// Fewest (noisy) rows for which `auto` picks the DP GAN: below this, DP-SGD
/// noise swamps the gradient of a batch and published comparisons find
/// marginal/copula methods better at ε ≈ 1.
pub const AUTO_GAN_MIN_ROWS: f64 = 20_000.0;
/// Smallest ε at which `auto` picks the DP GAN.
pub const AUTO_GAN_MIN_EPSILON: f64 = 1.0;
/// Share of ε given to the row count.
const COUNT_SHARE: f64 = 0.02;

/// Options of a DP fit (the `privacy` field of [`FitOptions`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DpOptions {
    /// Total ε of the fit (> 0).
    pub epsilon: f64,
    /// Total δ; default min(1e-5, 1/(10·n)).
    pub delta: Option<f64>,
    pub model: DpModel,
    /// Refuse to estimate any bound or category list from the data: every
    /// domain must be declared public in the schema.
    pub strict: bool,
    /// DP-SGD: share of ε for preprocessing (default 0.2).
    pub preprocessing_share: Option<f64>,
    /// **Tests and audits only**: reproducible noise from this seed. The
    /// result has *no* privacy (anyone knowing the seed can remove the
    /// noise); the manifest records that it was used.
    pub insecure_noise_seed: Option<u64>,
}

impl DpOptions {
    /// ε with the defaults for everything else.
    pub fn new(epsilon: f64) -> Self {
        DpOptions {
            epsilon,
            delta: None,
            model: DpModel::Auto,
            strict: false,
            preprocessing_share: None,
            insecure_noise_seed: None,
        }
    }
}

/// One phase of the budget split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetShare {
    /// e.g. "row count", "column bounds", "marginals", "correlation", "dp-sgd".
    pub phase: String,
    /// ε of this phase on its own, at the run's δ.
    pub epsilon: f64,
    /// Number of ledger entries of the phase.
    pub releases: usize,
}

/// The `privacy` section of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacySection {
    /// Total ε spent (composed over the ledger) at `delta`.
    pub epsilon: f64,
    /// The run's δ.
    pub delta: f64,
    /// ε the user allowed.
    pub budget_epsilon: f64,
    /// How the total was composed.
    pub composition: Composition,
    /// The model trained under DP and why it was chosen.
    pub model: ModelKind,
    pub model_reason: String,
    /// ε of each phase on its own (the phases compose to `epsilon`).
    pub split: Vec<BudgetShare>,
    /// Every release, in order, with the parameters to recompute its cost.
    pub ledger: Vec<LedgerEntry>,
    /// True when reproducible test noise was used: then there is NO privacy.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_noise: bool,
}

/// What a DP fit did, for the caller to print.
#[derive(Debug, Clone, PartialEq)]
pub struct DpSummary {
    pub section: PrivacySection,
    /// Released (noisy) number of rows.
    pub rows_released: f64,
    /// Columns whose rare categories were merged (names of those categories stay secret).
    pub merged_rare: Vec<String>,
    /// Columns whose bounds or categories were estimated under DP (not declared public).
    pub estimated_domains: Vec<String>,
}

impl DpSummary {
    /// The budget split and ledger as text for the CLI.
    pub fn describe(&self) -> String {
        let s = &self.section;
        let mut out = format!(
            "Privacy: ε = {:.4} spent of {:.4} at δ = {:.3e} ({} composition); model {} — {}\n  budget split (ε of each phase alone):\n",
            s.epsilon,
            s.budget_epsilon,
            s.delta,
            match s.composition {
                Composition::Rdp => "RDP",
                Composition::Basic => "basic",
            },
            s.model,
            s.model_reason
        );
        for b in &s.split {
            out.push_str(&format!(
                "    {:<22} ε = {:.4}  ({} release{})\n",
                b.phase,
                b.epsilon,
                b.releases,
                if b.releases == 1 { "" } else { "s" }
            ));
        }
        out.push_str("  ledger:\n");
        for e in &s.ledger {
            let what = e.params.get("query").and_then(|v| v.as_str()).unwrap_or("");
            let extra = match e.params.get("accounting").and_then(|v| v.as_str()) {
                Some("poisson_subsampled_gaussian") => format!(
                    " noise_multiplier={:.4} sampling_rate={:.5} steps={}",
                    e.params
                        .get("noise_multiplier")
                        .and_then(|v| v.as_f64())
                        .unwrap_or(f64::NAN),
                    e.params
                        .get("sampling_rate")
                        .and_then(|v| v.as_f64())
                        .unwrap_or(f64::NAN),
                    e.params.get("steps").and_then(|v| v.as_u64()).unwrap_or(0)
                ),
                Some("gaussian") => format!(
                    " noise_multiplier={:.3}",
                    e.params
                        .get("noise_multiplier")
                        .and_then(|v| v.as_f64())
                        .unwrap_or(f64::NAN)
                ),
                _ => String::new(),
            };
            out.push_str(&format!(
                "    {:<20} ε = {:.4} δ = {:.1e}  {what}{extra}\n",
                e.mechanism, e.epsilon, e.delta
            ));
        }
        if s.insecure_noise {
            out.push_str("  WARNING: reproducible test noise was used; this model has NO privacy guarantee\n");
        }
        out
    }
}

/// The noise source of a run: the OS-seeded CSPRNG, or (tests/audits) a
/// seeded one.
enum DpNoise {
    Os(OsNoise),
    Seeded(SeededNoise),
}

impl DpNoise {
    /// The OS CSPRNG, or reproducible test noise when a seed is given.
    fn new(insecure_seed: Option<u64>) -> Result<Self> {
        Ok(match insecure_seed {
            Some(s) => DpNoise::Seeded(SeededNoise::insecure_from_seed(s)),
            None => DpNoise::Os(OsNoise::new().map_err(privacy_error)?),
        })
    }
}

impl NoiseSource for DpNoise {
    fn standard_normal(&mut self) -> f64 {
        match self {
            DpNoise::Os(n) => n.standard_normal(),
            DpNoise::Seeded(n) => n.standard_normal(),
        }
    }
    fn standard_exponential(&mut self) -> f64 {
        match self {
            DpNoise::Os(n) => n.standard_exponential(),
            DpNoise::Seeded(n) => n.standard_exponential(),
        }
    }
    fn uniform(&mut self) -> f64 {
        match self {
            DpNoise::Os(n) => n.uniform(),
            DpNoise::Seeded(n) => n.uniform(),
        }
    }
}

pub(crate) fn privacy_error(e: PrivacyError) -> ModelError {
    ModelError::input(format!("differential privacy: {e}"))
}

/// Validates ε and δ for a table of `n` rows (δ defaults to min(1e-5, 1/(10n))).
pub fn budget_for(dp: &DpOptions, n: usize) -> Result<Budget> {
    let delta = dp.delta.unwrap_or_else(|| default_delta(n));
    Budget::new(dp.epsilon, delta, n).map_err(|e| match e {
        PrivacyError::InvalidParameter { name, value, hint } => {
            ModelError::input(format!("--{name} {value}: {hint}"))
        }
        other => privacy_error(other),
    })
}

/// The model `auto` picks for a released row count and ε, with the reason.
pub fn choose_model(requested: DpModel, rows_released: f64, epsilon: f64) -> (ModelKind, String) {
    match requested {
        DpModel::Copula => (ModelKind::Copula, "requested with --model copula".into()),
        DpModel::Ctgan => (ModelKind::Ctgan, "requested with --model ctgan".into()),
        DpModel::Auto if rows_released >= AUTO_GAN_MIN_ROWS && epsilon >= AUTO_GAN_MIN_EPSILON => (
            ModelKind::Ctgan,
            format!(
                "auto: ~{rows_released:.0} rows (noisy count) ≥ {AUTO_GAN_MIN_ROWS:.0} and ε ≥ {AUTO_GAN_MIN_EPSILON}: \
                 enough rows for DP-SGD noise to average out"
            ),
        ),
        DpModel::Auto => (
            ModelKind::Copula,
            format!(
                "auto: ~{rows_released:.0} rows (noisy count) at ε = {epsilon}: below {AUTO_GAN_MIN_ROWS:.0} rows or ε < {AUTO_GAN_MIN_EPSILON}, \
                 a DP Gaussian copula (noisy marginals + correlation) beats a DP GAN"
            ),
        ),
    }
}

/// The target column's index among the modelled columns.
fn target_index(schema: &Schema, explicit: Option<&str>) -> Option<usize> {
    let name = explicit.map(str::to_string).or_else(|| {
        schema
            .columns
            .iter()
            .find(|c| c.role == Role::Target && c.kind.is_modelled())
            .map(|c| c.name.clone())
    })?;
    schema.modelled().position(|c| c.name == name)
}

/// ε of a group of ledger entries on its own.
fn phase_epsilon(entries: &[LedgerEntry], delta: f64) -> f64 {
    let l = Ledger {
        entries: entries.to_vec(),
    };
    l.total(delta).map(|t| t.epsilon).unwrap_or(f64::NAN)
}

fn phase_of(mechanism: &str, query: &str) -> &'static str {
    if mechanism == "dp_sgd" {
        "dp-sgd (critic)"
    } else if mechanism == "copula_correlation" {
        "correlation"
    } else if query == "rows" {
        "row count"
    } else if query.starts_with("coarse range") || query.starts_with("bounds") {
        "column bounds"
    } else if query.starts_with("categories") || query.starts_with("category counts") {
        "categories + counts"
    } else {
        "numeric histograms"
    }
}

fn split_of(ledger: &Ledger, delta: f64) -> Vec<BudgetShare> {
    let mut phases: Vec<(&'static str, Vec<LedgerEntry>)> = Vec::new();
    for e in &ledger.entries {
        let q = e.params.get("query").and_then(|v| v.as_str()).unwrap_or("");
        let p = phase_of(&e.mechanism, q);
        match phases.iter_mut().find(|(n, _)| *n == p) {
            Some((_, v)) => v.push(e.clone()),
            None => phases.push((p, vec![e.clone()])),
        }
    }
    phases
        .into_iter()
        .map(|(p, v)| BudgetShare {
            phase: p.into(),
            epsilon: phase_epsilon(&v, delta),
            releases: v.len(),
        })
        .collect()
}

/// Fits under differential privacy (see module docs). Called by
/// [`crate::fit::fit`] when `opts.privacy` is set.
pub fn fit_dp(
    table: &Table,
    schema: &Schema,
    opts: &FitOptions<'_>,
    dp: &DpOptions,
    progress: &mut dyn FnMut(&TrainProgress),
) -> Result<(Model, FitNotes)> {
    let started = Instant::now();
    let mut notes = FitNotes::default();
    let output_columns = crate::fit::output_layout(table, schema, &mut notes)?;
    let n = table.n_rows();
    let budget = budget_for(dp, n)?;
    let delta = budget.delta;
    if let Some(t) = &opts.target
        && !schema.modelled().any(|c| &c.name == t)
    {
        return Err(ModelError::input(format!(
            "target column '{t}' is not a modelled column of the table"
        )));
    }
    let target = target_index(schema, opts.target.as_deref());
    let doms = preprocess::domains(schema, table);
    if dp.strict
        && let Some(e) = preprocess::strict_error(&doms, schema)
    {
        return Err(e);
    }
    let mut src = DpNoise::new(dp.insecure_noise_seed)?;
    let mut ledger = Ledger::new();

    // 1. The row count, with a fixed small share; it decides `auto`.
    let count_release = PlannedRelease::new("rows", 1.0, PlannedKind::Gaussian { count: 1 });
    let count_param = allocate(
        std::slice::from_ref(&count_release),
        COUNT_SHARE * budget.epsilon,
        delta,
    )
    .map_err(privacy_error)?
    .params[0];
    let n_private = private_count(table, count_param, delta, &mut src, &mut ledger)?;
    let (kind, reason) = choose_model(dp.model, n_private, budget.epsilon);

    // 2. The plan of everything else, calibrated jointly.
    let n_private_labels = doms
        .iter()
        .filter(|(_, d)| *d == Domain::PrivateLabels)
        .count();
    // A tenth of δ pays for the stability thresholds of data-derived categories.
    let threshold_delta = if n_private_labels > 0 {
        0.1 * delta / n_private_labels as f64
    } else {
        0.0
    };
    let pre_plan = preprocess::plan(&doms, target);
    let mut planned: Vec<PlannedRelease> = pre_plan
        .iter()
        .map(|&(r, w)| {
            let mut p =
                PlannedRelease::new(format!("{r:?}"), w, preprocess::release_kind(r, &doms));
            if matches!(r, Release::Categories(i) if doms[i].1 == Domain::PrivateLabels) {
                p.additional_delta = threshold_delta;
            }
            p
        })
        .collect();
    let d = doms.len() as f64;
    let pre_releases: Vec<Release> = pre_plan.iter().map(|(r, _)| *r).collect();
    let mut params: Vec<f64>;
    let corr_param;
    match kind {
        ModelKind::Copula | ModelKind::Marginals => {
            // The correlation is worth about as much as a third of the marginals together.
            planned.push(PlannedRelease::new(
                "correlation",
                0.5 * d,
                PlannedKind::Gaussian { count: 1 },
            ));
            params = allocate_after(&ledger, &planned, budget.epsilon, delta)
                .map_err(privacy_error)?
                .params;
            corr_param = params.pop();
        }
        ModelKind::Ctgan => {
            let share = dp.preprocessing_share.unwrap_or(0.2);
            if !(share > 0.0 && share < 1.0) {
                return Err(ModelError::input(format!(
                    "preprocessing share {share} must be strictly between 0 and 1"
                )));
            }
            params = allocate_after(&ledger, &planned, share * budget.epsilon, delta)
                .map_err(privacy_error)?
                .params;
            corr_param = None;
        }
    }
    let cal_plan: Vec<(Release, f64)> = pre_releases.iter().map(|&r| (r, 0.0)).collect();
    let cal = Calibrated {
        plan: &cal_plan,
        params: &params,
        report_delta: delta,
        threshold_delta,
    };
    let released =
        preprocess::release_stats(table, schema, &doms, &cal, n_private, &mut ledger, &mut src)?;

    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut manifest = Manifest {
        format: "medsynth-model".into(),
        format_version: FORMAT_VERSION,
        medsynth_version: env!("CARGO_PKG_VERSION").into(),
        model: kind,
        seed: opts.seed,
        schema: released.schema.clone(),
        columns: released.specs.clone(),
        output_columns,
        dropped_columns: notes.dropped.clone(),
        statistics: released.stats.clone(),
        encoder: None,
        ctgan: None,
        selected_step: None,
        selection_score: None,
        // The exact row count and the file's hash are functions of the data
        // with no noise: under DP only the released count is kept.
        training: TrainingInfo {
            file_name: opts.training.file_name.clone(),
            sha256: None,
            rows: released.n_est.round() as usize,
        },
        timings: Timings::default(),
        loss_curve: None,
        weights: WEIGHTS.into(),
        weights_sha256: String::new(),
        federated: None,
        privacy: None,
    };
    let weights: Vec<NamedTensor> = match kind {
        ModelKind::Copula | ModelKind::Marginals => {
            let m =
                corr_param.ok_or_else(|| ModelError::input("internal: correlation not planned"))?;
            let c = copula::noisy_correlation(
                &released.stats,
                &released.raw,
                target,
                m,
                delta,
                released.n_est,
                &mut rng,
                &mut src,
            )?;
            ledger.push(c.entry);
            let dd = released.stats.len();
            vec![NamedTensor {
                name: "copula.correlation".into(),
                shape: vec![dd, dd],
                data: c.correlation.iter().map(|&v| v as f32).collect(),
            }]
        }
        ModelKind::Ctgan => {
            let trained = ctgan::train_dp(
                &released,
                opts,
                budget,
                &mut ledger,
                dp.insecure_noise_seed,
                progress,
            )?;
            manifest.encoder = Some(trained.encoder.columns.clone());
            manifest.timings.seconds_per_step = Some(trained.seconds_per_step);
            manifest.ctgan = Some(trained.config);
            trained.generator
        }
    };
    let spent = budget.check(&ledger).map_err(privacy_error)?;
    let section = PrivacySection {
        epsilon: spent.epsilon,
        delta: spent.delta,
        budget_epsilon: budget.epsilon,
        composition: spent.composition,
        model: kind,
        model_reason: reason,
        split: split_of(&ledger, delta),
        ledger: ledger.entries.clone(),
        insecure_noise: dp.insecure_noise_seed.is_some(),
    };
    manifest.privacy = Some(section.clone());
    manifest.timings.fit_seconds = started.elapsed().as_secs_f64();
    notes.dp = Some(DpSummary {
        section,
        rows_released: released.n_est,
        merged_rare: released.merged_rare.clone(),
        estimated_domains: doms
            .iter()
            .filter(|(_, d)| !d.is_public())
            .map(|(n, _)| n.clone())
            .collect(),
    });
    let model = Model::from_parts(manifest, weights, Vec::new())?;
    Ok((model, notes))
}

fn private_count(
    table: &Table,
    noise_multiplier: f64,
    delta: f64,
    src: &mut impl NoiseSource,
    ledger: &mut Ledger,
) -> Result<f64> {
    let r = medsynth_privacy::mechanisms::noisy_count(
        "rows",
        table.n_rows() as u64,
        medsynth_privacy::mechanisms::Noise::Gaussian {
            noise_multiplier,
            report_delta: delta,
        },
        src,
    )
    .map_err(privacy_error)?;
    ledger.push(r.entry);
    Ok(r.value.max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CtganConfig;
    use crate::stats::{ColumnStats, prepare};
    use medsynth_data::{Column, ColumnSchema, DomainSource, Kind};
    use rand::Rng;

    /// 600 rows: a continuous column with awkward (non-grid) values, an
    /// integer column, a 3-category column with one-off values and a binary
    /// target related to `x`.
    fn data() -> (Table, Schema) {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let n = 600;
        let mut x = Vec::new();
        let mut age = Vec::new();
        let mut g = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let v: f64 = 10.123_456_7 + rng.random::<f64>() * 50.0;
            x.push(if i % 50 == 0 { None } else { Some(v) });
            age.push(Some(f64::from(20 + (i % 60) as u32)));
            g.push(Some(match i {
                7 => "one-off".to_string(),
                _ => format!("g{}", i % 3),
            }));
            y.push(Some(if v > 35.0 { "yes" } else { "no" }.to_string()));
        }
        let t = Table::new(vec![
            Column::from_f64("x", &x),
            Column::from_f64("age", &age),
            Column::from_strs("g", &g),
            Column::from_strs("y", &y),
        ])
        .unwrap();
        let mut y_schema = ColumnSchema::new("y", Kind::Categorical);
        y_schema.role = Role::Target;
        let s = Schema {
            columns: vec![
                ColumnSchema::new("x", Kind::Continuous),
                ColumnSchema::new("age", Kind::Integer),
                ColumnSchema::new("g", Kind::Categorical),
                y_schema,
            ],
        };
        (t, s)
    }

    fn opts(dp: DpOptions) -> FitOptions<'static> {
        FitOptions {
            seed: 1,
            privacy: Some(dp),
            ..FitOptions::default()
        }
    }

    fn seeded(epsilon: f64, model: DpModel) -> DpOptions {
        DpOptions {
            model,
            insecure_noise_seed: Some(5),
            ..DpOptions::new(epsilon)
        }
    }

    #[test]
    fn dp_copula_spends_exactly_the_budget_and_its_ledger_recomputes() {
        let (t, s) = data();
        let (model, notes) =
            crate::fit::fit(&t, &s, &opts(seeded(2.0, DpModel::Copula)), &mut |_| {}).unwrap();
        let p = model.manifest.privacy.clone().unwrap();
        assert_eq!(p.model, ModelKind::Copula);
        assert!(p.epsilon <= 2.0 + 1e-9 && p.epsilon > 1.95, "{}", p.epsilon);
        assert_eq!(p.delta, default_delta(t.n_rows()));
        // Anyone can recompose the ledger from the manifest alone.
        let l = Ledger {
            entries: p.ledger.clone(),
        };
        assert!((l.total(p.delta).unwrap().epsilon - p.epsilon).abs() < 1e-9);
        let text = notes.dp.unwrap().describe();
        assert!(
            text.contains("correlation") && text.contains("column bounds"),
            "{text}"
        );
        // The copula learnt the x–y relation despite the noise.
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let sample = model.sample(2000, &[], &mut rng).unwrap();
        let (xs, ys) = (sample.column("x").unwrap(), sample.column("y").unwrap());
        let (mut hi_yes, mut hi, mut lo_yes, mut lo) = (0.0, 0.0, 0.0, 0.0);
        for r in 0..sample.n_rows() {
            let (Some(x), Some(y)) = (xs.get(r).as_f64(), ys.label(r)) else {
                continue;
            };
            let yes = f64::from(u8::from(y == "yes"));
            if x > 35.0 {
                hi += 1.0;
                hi_yes += yes;
            } else {
                lo += 1.0;
                lo_yes += yes;
            }
        }
        assert!(
            hi_yes / hi > lo_yes / lo + 0.15,
            "{} vs {}",
            hi_yes / hi,
            lo_yes / lo
        );
    }

    #[test]
    fn manifest_of_a_dp_model_holds_no_exact_statistic() {
        let (t, s) = data();
        let (model, _) =
            crate::fit::fit(&t, &s, &opts(seeded(1.0, DpModel::Copula)), &mut |_| {}).unwrap();
        let m = &model.manifest;
        let exact = prepare(&t, &s).unwrap();
        // Row count: the released one; no file hash.
        assert_ne!(m.training.rows, t.n_rows());
        assert!(m.training.sha256.is_none());
        // Bounds: never the observed min/max (they are not on the public grids).
        let x = m.schema.column("x").unwrap();
        let (lo, hi) = exact.stats[0].bounds().unwrap();
        assert!(x.min != Some(lo) && x.max != Some(hi), "{x:?}");
        assert_eq!(x.domain, DomainSource::Data);
        // The one-off category is never named, and counts are noisy.
        let g = m.schema.column("g").unwrap();
        assert!(
            !g.categories
                .as_ref()
                .unwrap()
                .iter()
                .any(|c| c == "one-off")
        );
        for (noisy, real) in m.statistics.iter().zip(&exact.stats) {
            match (noisy, real) {
                (
                    ColumnStats::Discrete { counts: a, .. },
                    ColumnStats::Discrete { counts: b, .. },
                ) => assert!(a.iter().zip(b).any(|(a, b)| a != b)),
                (
                    ColumnStats::Numeric { histogram: a, .. },
                    ColumnStats::Numeric { histogram: b, .. },
                ) => assert!(a.counts != b.counts || a.lo != b.lo),
                _ => panic!("kinds differ"),
            }
        }
        // Missing shares are released ones, not the exact 12/600.
        assert_ne!(x.missing_share, 12.0 / 600.0);
        let json = serde_json::to_string(m).unwrap();
        assert!(!json.contains("one-off") && !json.contains("10.1234567"));
    }

    #[test]
    fn dp_sgd_entry_is_recomputable_from_the_manifest() {
        let (t, s) = data();
        let mut o = opts(seeded(3.0, DpModel::Ctgan));
        o.steps = Some(15);
        o.ctgan = Some(CtganConfig {
            generator_hidden: vec![16],
            critic_hidden: vec![16],
            noise_dim: 8,
            ..ctgan::dp_config(600.0, Some(15))
        });
        let (model, _) = crate::fit::fit(&t, &s, &o, &mut |_| {}).unwrap();
        let m = &model.manifest;
        assert!(m.selected_step.is_none() && m.loss_curve.is_none());
        let p = m.privacy.as_ref().unwrap();
        let v = serde_json::to_value(p).unwrap();
        let entry = v["ledger"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["mechanism"] == "dp_sgd")
            .unwrap();
        let params = &entry["params"];
        let (sigma, q, steps) = (
            params["noise_multiplier"].as_f64().unwrap(),
            params["sampling_rate"].as_f64().unwrap(),
            params["steps"].as_u64().unwrap(),
        );
        assert_eq!(steps, 15);
        let again = medsynth_privacy::accountant::dp_sgd_epsilon(q, sigma, steps, p.delta).unwrap();
        assert!((again - entry["epsilon"].as_f64().unwrap()).abs() < 1e-9);
        assert!(p.epsilon <= 3.0 + 1e-9 && p.epsilon > 2.9, "{}", p.epsilon);
        // The model loads back and samples.
        let dir = tempfile::tempdir().unwrap();
        model.save(dir.path()).unwrap();
        let back = Model::load(dir.path()).unwrap();
        let (a, b) = (
            back.manifest.privacy.as_ref().unwrap(),
            model.manifest.privacy.as_ref().unwrap(),
        );
        assert!((a.epsilon - b.epsilon).abs() < 1e-12 && a.ledger.len() == b.ledger.len());
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        assert_eq!(back.sample(50, &[], &mut rng).unwrap().n_rows(), 50);
    }

    #[test]
    fn strict_mode_names_the_columns_to_declare() {
        let (t, mut s) = data();
        s.columns[1].min = Some(0.0);
        s.columns[1].max = Some(120.0);
        s.columns[1].domain = DomainSource::Public;
        let dp = DpOptions {
            strict: true,
            ..seeded(1.0, DpModel::Copula)
        };
        let err = crate::fit::fit(&t, &s, &opts(dp), &mut |_| {}).unwrap_err();
        let msg = err.to_string();
        assert!(err.is_user_error());
        assert!(
            msg.contains("'x' (min and max)") && msg.contains("'g' (categories)"),
            "{msg}"
        );
        assert!(
            !msg.contains("'age'") && msg.contains("\"domain\": \"public\""),
            "{msg}"
        );
    }

    #[test]
    fn bad_budgets_are_user_errors() {
        let (t, s) = data();
        for (eps, delta, needle) in [
            (0.0, None, "--epsilon"),
            (-1.0, None, "--epsilon"),
            (1.0, Some(0.01), "1/n"),
        ] {
            let dp = DpOptions {
                delta,
                ..seeded(eps, DpModel::Copula)
            };
            let err = crate::fit::fit(&t, &s, &opts(dp), &mut |_| {}).unwrap_err();
            assert!(err.is_user_error(), "{err}");
            assert!(err.to_string().contains(needle), "{err}");
        }
    }

    #[test]
    fn auto_picks_by_size_and_says_why() {
        let (k, why) = choose_model(DpModel::Auto, 300.0, 1.0);
        assert_eq!(k, ModelKind::Copula);
        assert!(why.contains("300"));
        assert_eq!(
            choose_model(DpModel::Auto, 30_000.0, 1.0).0,
            ModelKind::Ctgan
        );
        assert_eq!(
            choose_model(DpModel::Auto, 30_000.0, 0.5).0,
            ModelKind::Copula
        );
        assert_eq!(choose_model(DpModel::Ctgan, 30.0, 0.1).0, ModelKind::Ctgan);
    }

    #[test]
    fn old_manifests_without_privacy_still_parse() {
        let (t, s) = data();
        let o = FitOptions {
            kind: ModelKind::Marginals,
            rare_categories: crate::fit::RareCategories::Merge,
            ..FitOptions::default()
        };
        let (m, _) = crate::fit::fit(&t, &s, &o, &mut |_| {}).unwrap();
        let v = serde_json::to_value(&m.manifest).unwrap();
        assert!(v.get("privacy").is_none());
        let back: Manifest = serde_json::from_value(v).unwrap();
        assert!(back.privacy.is_none());
    }
}
