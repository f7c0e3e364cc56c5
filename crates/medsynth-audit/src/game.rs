//! The membership game and its report.
//!
//! For trial t in 0..T a balanced, seeded coin b_t says whether the canary
//! joins the table (exactly half the trials of each phase get it, in
//! shuffled order, so that neither rate is estimated from a handful of
//! trials). The synthesizer is fitted on D or D ∪ {canary} with a seed
//! derived from (seed, t), `rows` synthetic rows are sampled, and a
//! [`Distinguisher`] scores them; the guess is "in" when the score exceeds a
//! threshold. The threshold is never tuned on the trials that feed the
//! bound: by default it is fixed before any training (score > 0, which both
//! distinguishers define as "the synthetic rows show something no real row
//! of D explains"); with [`AuditOptions::calibrate`] the first half of the
//! trials chooses the threshold that maximises the point estimate and only
//! the second half is counted.

use std::time::Instant;

use medsynth_data::{DomainSource, Schema, Table};
use medsynth_model::dp::DpOptions;
use medsynth_model::fit::{FitOptions, RareCategories, fit};
use medsynth_model::model_file::TrainingInfo;
use medsynth_model::{Model, ModelKind};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::bounds::{epsilon_lower_bound, epsilon_point_estimate};
use crate::canary::{
    Canary, CanaryValue, craft_canary, label_at, number_of, observed_range, with_canary,
};
use crate::error::AuditError;

/// Fewest trials accepted: with fewer, no outcome can give a bound above 0.
pub const MIN_TRIALS: usize = 4;

/// How the synthetic rows are turned into a score (higher = "the canary was in").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Distinguisher {
    /// Share of synthetic rows with a numeric value beyond the real table's
    /// maximum in a column where the canary lies beyond it. Without the
    /// canary a model whose bounds come from D never produces such a value,
    /// so a positive share is the range leak of a non-DP encoder.
    #[default]
    Range,
    /// How much closer the nearest synthetic row is to the canary than the
    /// nearest real row of D (range-normalised distance averaged over the
    /// canary's columns; a category counts 0 if equal, 1 if not). Positive
    /// means some synthetic row resembles the canary more than any real
    /// patient does: the memorisation a GAN shows.
    Nearest,
}

impl Distinguisher {
    /// Parses `range` or `nearest`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "range" => Some(Distinguisher::Range),
            "nearest" | "distance" => Some(Distinguisher::Nearest),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Distinguisher::Range => "range",
            Distinguisher::Nearest => "nearest",
        }
    }
}

/// What to audit and how hard.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    /// The synthesizer of a non-DP fit (ignored when `privacy` is set).
    pub kind: ModelKind,
    /// Fit under DP with these options (the claim being audited).
    pub privacy: Option<DpOptions>,
    /// Number of trainings (≥ 4; ≥ 8 with `calibrate`).
    pub trials: usize,
    /// CTGAN / DP-SGD steps per training (`None` = the fit's default).
    pub steps: Option<u64>,
    /// Synthetic rows drawn per trial (`None` = as many as D has).
    pub rows: Option<usize>,
    /// Confidence of the lower bound, in (0, 1).
    pub confidence: f64,
    /// δ used in the bound; `None` = the δ the DP models claim (0 for non-DP).
    pub delta: Option<f64>,
    /// Seed of the coins, the fits (except DP noise) and the sampling.
    pub seed: u64,
    pub distinguisher: Distinguisher,
    /// Choose the threshold on the first half of the trials, count the second.
    pub calibrate: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            kind: ModelKind::Ctgan,
            privacy: None,
            trials: 40,
            steps: None,
            rows: None,
            confidence: 0.95,
            delta: None,
            seed: 0,
            distinguisher: Distinguisher::default(),
            calibrate: false,
        }
    }
}

impl AuditOptions {
    /// Refuses parameters under which the audit means nothing.
    pub fn validate(&self) -> Result<(), AuditError> {
        if self.trials < MIN_TRIALS {
            return Err(AuditError::invalid(format!(
                "--trials must be at least {MIN_TRIALS} (got {}); a useful audit needs dozens",
                self.trials
            )));
        }
        if self.calibrate && self.trials < 2 * MIN_TRIALS {
            return Err(AuditError::invalid(format!(
                "with calibration, --trials must be at least {} (half choose the threshold, half are counted; got {})",
                2 * MIN_TRIALS,
                self.trials
            )));
        }
        if !(self.confidence.is_finite() && self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(AuditError::invalid(format!(
                "--confidence must be strictly between 0 and 1 (got {})",
                self.confidence
            )));
        }
        if let Some(dp) = &self.privacy
            && !(dp.epsilon.is_finite() && dp.epsilon > 0.0)
        {
            return Err(AuditError::invalid(format!(
                "--epsilon must be a finite number greater than 0 (got {})",
                dp.epsilon
            )));
        }
        if let Some(d) = self.delta
            && !(d.is_finite() && (0.0..1.0).contains(&d))
        {
            return Err(AuditError::invalid(format!(
                "--delta must be in [0, 1) (got {d})"
            )));
        }
        if self.rows == Some(0) {
            return Err(AuditError::invalid("--rows must be at least 1"));
        }
        if self.steps == Some(0) {
            return Err(AuditError::invalid("--steps must be at least 1"));
        }
        Ok(())
    }
}

/// Which part of the game a trial served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Chose the threshold (only with calibration); not in the bound.
    Calibration,
    /// Counted in the bound.
    Test,
}

/// One training of the game.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialRecord {
    pub trial: usize,
    /// Whether the canary was in the training table.
    pub member: bool,
    pub score: f64,
    pub phase: Phase,
    pub seconds: f64,
}

/// The outcome of an audit (written as `audit.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    /// ε the models claim (the DP ledger's total); `None` for non-DP models.
    pub claimed_epsilon: Option<f64>,
    /// δ used in the bound.
    pub delta: f64,
    /// Counted trials with the canary.
    pub trials_in: u64,
    /// Counted trials without it.
    pub trials_out: u64,
    /// Counted trials with the canary that the distinguisher called "in".
    pub true_positives: u64,
    /// Counted trials without the canary that it called "in".
    pub false_positives: u64,
    /// ε ≥ this with probability `confidence` (Clopper–Pearson, Bonferroni).
    pub epsilon_lower_bound: f64,
    /// ε implied by the raw rates (not a guarantee).
    pub epsilon_point_estimate: f64,
    pub confidence: f64,
    pub distinguisher: Distinguisher,
    pub model_kind: ModelKind,
    /// Wall time of the whole audit.
    pub seconds: f64,
    /// Guess "in" when the score is above this.
    pub threshold: f64,
    /// Trials spent choosing the threshold (0 when fixed a priori).
    pub calibration_trials: usize,
    /// Rows of D (without the canary).
    pub training_rows: usize,
    /// Synthetic rows drawn per trial.
    pub synthetic_rows: usize,
    pub canary: Canary,
    pub trials: Vec<TrialRecord>,
}

impl AuditReport {
    /// The one-paragraph verdict for people.
    pub fn summary(&self) -> String {
        let claimed = match self.claimed_epsilon {
            Some(e) => format!("claimed ε = {e:.2}"),
            None => "no DP claim (non-private model)".to_string(),
        };
        let counted = self.trials_in + self.trials_out;
        let verdict = match self.claimed_epsilon {
            Some(e) if self.epsilon_lower_bound > e => {
                "\nTHE BOUND EXCEEDS THE CLAIM: the model leaks more than its ε allows (a bug in the mechanism, the accountant or the code around them)."
            }
            _ => "",
        };
        format!(
            "{claimed}; empirical lower bound ε ≥ {:.2} ({:.0} % confidence, {counted} trainings{}; point estimate {:.2}; {} of {} in-trials and {} of {} out-trials guessed \"in\").\n\
             The bound is a lower bound from one canary and one distinguisher ({}): it can show leakage, never prove privacy.{verdict}",
            self.epsilon_lower_bound,
            self.confidence * 100.0,
            if self.calibration_trials > 0 {
                format!(
                    " counted after {} calibration trainings",
                    self.calibration_trials
                )
            } else {
                String::new()
            },
            self.epsilon_point_estimate,
            self.true_positives,
            self.trials_in,
            self.false_positives,
            self.trials_out,
            self.distinguisher.as_str(),
        )
    }
}

/// Plays the membership game on `table` (the D of the game) and bounds ε.
/// `progress` sees each trial as it finishes.
pub fn run_audit(
    table: &Table,
    schema: &Schema,
    opts: &AuditOptions,
    progress: &mut dyn FnMut(&TrialRecord),
) -> Result<AuditReport, AuditError> {
    opts.validate()?;
    let started = Instant::now();
    let canary = craft_canary(table, schema)?;
    let with = with_canary(table, &canary)?;
    let train_schema = training_schema(schema);
    let scorer = Scorer::new(table, &canary, opts.distinguisher);
    let synthetic_rows = opts.rows.unwrap_or(table.n_rows()).max(1);

    let calibration_trials = if opts.calibrate { opts.trials / 2 } else { 0 };
    let mut coin = ChaCha8Rng::seed_from_u64(derive(opts.seed, u64::MAX, 0));
    let mut members = balanced(calibration_trials, &mut coin);
    members.extend(balanced(opts.trials - calibration_trials, &mut coin));

    let mut records = Vec::with_capacity(opts.trials);
    let mut claimed: Option<(f64, f64)> = None;
    let mut model_kind = opts.kind;
    for (t, &member) in members.iter().enumerate() {
        let trial_started = Instant::now();
        let data = if member { &with } else { table };
        let model = train(data, &train_schema, opts, t)?;
        model_kind = model.kind();
        if let Some(p) = &model.manifest.privacy {
            let (e, d) = claimed.unwrap_or((0.0, 0.0));
            claimed = Some((e.max(p.epsilon), d.max(p.delta)));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(derive(opts.seed, t as u64, 1));
        let synthetic = model
            .sample(synthetic_rows, &[], &mut rng)
            .map_err(|source| AuditError::Model { trial: t, source })?;
        let record = TrialRecord {
            trial: t,
            member,
            score: scorer.score(&synthetic),
            phase: if t < calibration_trials {
                Phase::Calibration
            } else {
                Phase::Test
            },
            seconds: trial_started.elapsed().as_secs_f64(),
        };
        progress(&record);
        records.push(record);
    }

    let delta = opts.delta.or(claimed.map(|c| c.1)).unwrap_or(0.0);
    let threshold = if calibration_trials > 0 {
        calibrate(&records[..calibration_trials], delta)?
    } else {
        0.0
    };
    let test = &records[calibration_trials..];
    let count = |member: bool| test.iter().filter(|r| r.member == member).count() as u64;
    let guessed = |member: bool| {
        test.iter()
            .filter(|r| r.member == member && r.score > threshold)
            .count() as u64
    };
    let (trials_in, trials_out) = (count(true), count(false));
    let (true_positives, false_positives) = (guessed(true), guessed(false));
    let fn_ = trials_in - true_positives;
    Ok(AuditReport {
        claimed_epsilon: claimed.map(|c| c.0),
        delta,
        trials_in,
        trials_out,
        true_positives,
        false_positives,
        epsilon_lower_bound: epsilon_lower_bound(
            false_positives,
            trials_out,
            fn_,
            trials_in,
            delta,
            opts.confidence,
        )?,
        epsilon_point_estimate: epsilon_point_estimate(
            false_positives,
            trials_out,
            fn_,
            trials_in,
            delta,
        )?,
        confidence: opts.confidence,
        distinguisher: opts.distinguisher,
        model_kind,
        seconds: started.elapsed().as_secs_f64(),
        threshold,
        calibration_trials,
        training_rows: table.n_rows(),
        synthetic_rows,
        canary,
        trials: records,
    })
}

/// The schema each fit sees: bounds that were read off D (not declared
/// public) are forgotten, so that every fit reads them from its own training
/// table, as a real fit does. Keeping D's bounds would clip the canary onto
/// them and hide exactly the leak a non-DP encoder has.
fn training_schema(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for c in &mut s.columns {
        if c.domain != DomainSource::Public && c.kind.is_numeric() {
            c.min = None;
            c.max = None;
        }
    }
    s
}

fn train(
    data: &Table,
    schema: &Schema,
    opts: &AuditOptions,
    t: usize,
) -> Result<Model, AuditError> {
    let fit_opts = FitOptions {
        kind: opts.kind,
        seed: derive(opts.seed, t as u64, 0),
        steps: opts.steps,
        training: TrainingInfo {
            rows: data.n_rows(),
            ..TrainingInfo::default()
        },
        // A category seen once in D but twice in D ∪ {canary} must not make
        // one world refuse to fit: merge, as a user of such a table would.
        rare_categories: RareCategories::Merge,
        privacy: opts.privacy.clone(),
        ..FitOptions::default()
    };
    fit(data, schema, &fit_opts, &mut |_| {})
        .map(|(m, _)| m)
        .map_err(|source| AuditError::Model { trial: t, source })
}

/// `n` membership bits, exactly half true (an odd one out decided by the
/// coin), in shuffled order.
fn balanced(n: usize, rng: &mut ChaCha8Rng) -> Vec<bool> {
    use rand::Rng;
    let mut ins = n / 2;
    if n % 2 == 1 && rng.random_bool(0.5) {
        ins += 1;
    }
    let mut v: Vec<bool> = (0..n).map(|i| i < ins).collect();
    v.shuffle(rng);
    v
}

/// A seed for stream `stream` of trial `t` (SplitMix64 finaliser, so nearby
/// inputs give unrelated seeds).
fn derive(seed: u64, t: u64, stream: u64) -> u64 {
    let mut z =
        seed ^ t.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The threshold with the best point estimate on the calibration trials:
/// candidates lie between consecutive distinct scores (and below all).
fn calibrate(records: &[TrialRecord], delta: f64) -> Result<f64, AuditError> {
    let mut scores: Vec<f64> = records.iter().map(|r| r.score).collect();
    scores.sort_by(f64::total_cmp);
    scores.dedup();
    let mut candidates = vec![scores.first().map_or(0.0, |s| s - 1.0)];
    candidates.extend(scores.windows(2).map(|w| (w[0] + w[1]) / 2.0));
    let n_in = records.iter().filter(|r| r.member).count() as u64;
    let n_out = records.len() as u64 - n_in;
    let mut best = (f64::NEG_INFINITY, 0.0);
    for th in candidates {
        let tp = records.iter().filter(|r| r.member && r.score > th).count() as u64;
        let fp = records.iter().filter(|r| !r.member && r.score > th).count() as u64;
        let est = epsilon_point_estimate(fp, n_out, n_in - tp, n_in, delta)?;
        if est > best.0 {
            best = (est, th);
        }
    }
    Ok(best.1)
}

/// Scores a synthetic table against the canary, knowing D.
struct Scorer {
    distinguisher: Distinguisher,
    /// (column, canary value, D's maximum) for numeric columns where the
    /// canary lies above D's maximum.
    above: Vec<(String, f64, f64)>,
    /// (column, canary value, span used to normalise) per canary column.
    cells: Vec<(String, CanaryValue, f64)>,
    /// Distance from the canary to its nearest real row of D.
    nearest_real: f64,
}

impl Scorer {
    fn new(table: &Table, canary: &Canary, distinguisher: Distinguisher) -> Self {
        let mut above = Vec::new();
        let mut cells = Vec::new();
        for cell in &canary.cells {
            let Some(col) = table.column(&cell.column) else {
                continue;
            };
            let mut span = 1.0;
            if let (Some(c), Some((lo, hi))) = (number_of(&cell.value), observed_range(col)) {
                if c > hi {
                    above.push((cell.column.clone(), c, hi));
                }
                span = (hi.max(c) - lo.min(c)).max(f64::MIN_POSITIVE);
            }
            cells.push((cell.column.clone(), cell.value.clone(), span));
        }
        let mut s = Scorer {
            distinguisher,
            above,
            cells,
            nearest_real: f64::INFINITY,
        };
        s.nearest_real = s.nearest(table);
        s
    }

    fn score(&self, synthetic: &Table) -> f64 {
        match self.distinguisher {
            Distinguisher::Range => self.beyond_share(synthetic),
            Distinguisher::Nearest => self.nearest_real - self.nearest(synthetic),
        }
    }

    /// Share of rows with some value above D's maximum where the canary is.
    fn beyond_share(&self, t: &Table) -> f64 {
        if t.n_rows() == 0 {
            return 0.0;
        }
        let cols: Vec<_> = self
            .above
            .iter()
            .filter_map(|(name, _, hi)| t.column(name).map(|c| (c, *hi)))
            .collect();
        let hits = (0..t.n_rows())
            .filter(|&r| {
                cols.iter().any(|(c, hi)| {
                    c.get(r)
                        .as_f64()
                        .is_some_and(|x| x > hi + 1e-9 * hi.abs().max(1.0))
                })
            })
            .count();
        hits as f64 / t.n_rows() as f64
    }

    /// Distance from the canary to the nearest row of `t`.
    fn nearest(&self, t: &Table) -> f64 {
        let cols: Vec<_> = self
            .cells
            .iter()
            .map(|(name, v, span)| (t.column(name), v, *span))
            .collect();
        if cols.is_empty() {
            return f64::INFINITY;
        }
        (0..t.n_rows())
            .map(|r| {
                let total: f64 = cols
                    .iter()
                    .map(|(col, v, span)| {
                        let Some(col) = col else { return 1.0 };
                        match v {
                            CanaryValue::Number(c) => col
                                .get(r)
                                .as_f64()
                                .map_or(1.0, |x| ((x - c).abs() / span).min(1.0)),
                            CanaryValue::Label(l) => {
                                if label_at(col, r).as_deref() == Some(l.as_str()) {
                                    0.0
                                } else {
                                    1.0
                                }
                            }
                        }
                    })
                    .sum();
                total / cols.len() as f64
            })
            .fold(f64::INFINITY, f64::min)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coins_are_balanced_and_seeded() {
        let mut a = ChaCha8Rng::seed_from_u64(1);
        let mut b = ChaCha8Rng::seed_from_u64(1);
        let x = balanced(40, &mut a);
        assert_eq!(x.iter().filter(|&&m| m).count(), 20);
        assert_eq!(x, balanced(40, &mut b));
        let odd = balanced(7, &mut a);
        let ins = odd.iter().filter(|&&m| m).count();
        assert!(ins == 3 || ins == 4);
    }

    #[test]
    fn derived_seeds_differ_per_trial_and_stream() {
        let mut seen = std::collections::HashSet::new();
        for t in 0..100 {
            for s in 0..2 {
                assert!(seen.insert(derive(7, t, s)));
            }
        }
    }

    #[test]
    fn calibration_picks_a_separating_threshold() {
        let rec = |member, score| TrialRecord {
            trial: 0,
            member,
            score,
            phase: Phase::Calibration,
            seconds: 0.0,
        };
        let r = vec![
            rec(true, 0.9),
            rec(true, 0.8),
            rec(false, 0.1),
            rec(false, 0.3),
        ];
        let th = calibrate(&r, 0.0).unwrap();
        assert!(th > 0.3 && th < 0.8, "{th}");
    }

    fn scorer_fixture() -> (Table, Canary) {
        use medsynth_data::{Column, ColumnSchema, Kind};
        let x: Vec<Option<f64>> = vec![Some(0.0), Some(5.0), Some(10.0)];
        let g: Vec<Option<&str>> = vec![Some("a"), Some("a"), Some("b")];
        let t = Table::new(vec![Column::from_f64("x", &x), Column::from_strs("g", &g)]).unwrap();
        let s = Schema {
            columns: vec![
                ColumnSchema::new("x", Kind::Continuous),
                ColumnSchema::new("g", Kind::Categorical),
            ],
        };
        let c = craft_canary(&t, &s).unwrap();
        (t, c)
    }

    fn synthetic(x: &[f64], g: &[&str]) -> Table {
        use medsynth_data::Column;
        let x: Vec<Option<f64>> = x.iter().map(|&v| Some(v)).collect();
        let g: Vec<Option<&str>> = g.iter().map(|&v| Some(v)).collect();
        Table::new(vec![Column::from_f64("x", &x), Column::from_strs("g", &g)]).unwrap()
    }

    #[test]
    fn the_range_score_counts_rows_beyond_the_real_maximum() {
        let (t, c) = scorer_fixture();
        // Canary: x = 12.5 (10 + 25 % of 10), g = "b".
        assert_eq!(c.cell("x").unwrap().value, CanaryValue::Number(12.5));
        let s = Scorer::new(&t, &c, Distinguisher::Range);
        assert_eq!(s.score(&synthetic(&[1.0, 9.9, 10.0, 3.0], &["a"; 4])), 0.0);
        assert_eq!(s.score(&synthetic(&[11.0, 9.9, 12.5, 3.0], &["a"; 4])), 0.5);
    }

    #[test]
    fn the_nearest_score_is_positive_only_when_a_synthetic_row_beats_every_real_one() {
        let (t, c) = scorer_fixture();
        let s = Scorer::new(&t, &c, Distinguisher::Nearest);
        // Nearest real row (10, "b"): distance (2.5/12.5 + 0)/2 = 0.1.
        assert!((s.nearest_real - 0.1).abs() < 1e-12, "{}", s.nearest_real);
        assert!(s.score(&synthetic(&[10.0, 0.0], &["b", "a"])).abs() < 1e-12);
        assert!(s.score(&synthetic(&[12.0, 0.0], &["b", "a"])) > 0.0);
        assert!(s.score(&synthetic(&[12.5, 0.0], &["a", "a"])) < 0.0);
    }

    #[test]
    fn bad_options_are_user_errors() {
        let bad = [
            AuditOptions {
                trials: 3,
                ..AuditOptions::default()
            },
            AuditOptions {
                confidence: 1.0,
                ..AuditOptions::default()
            },
            AuditOptions {
                privacy: Some(DpOptions::new(0.0)),
                ..AuditOptions::default()
            },
            AuditOptions {
                calibrate: true,
                trials: 6,
                ..AuditOptions::default()
            },
        ];
        for o in bad {
            let e = o.validate().unwrap_err();
            assert!(e.is_user_error(), "{e}");
        }
        assert!(AuditOptions::default().validate().is_ok());
    }
}
