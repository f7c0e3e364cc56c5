//! Privacy attacks on synthetic data: distance to closest record,
//! membership inference and anonymeter-style singling-out, linkability and
//! inference risks.
//!
//! All of them compare records in one Gower space ([`encode`]) derived from
//! the shared encoding of the tables ([`crate::prepare`]), scaled by the
//! train table, and use the real holdout as the "never seen" yardstick:
//! a synthetic table is allowed to resemble the population (that is its
//! job), not its training rows in particular. None of these tests proves
//! privacy; they find some failures. Only differential privacy gives a
//! guarantee, and the report says so in every verdict.

pub mod anonymeter;
pub mod dcr;
pub mod encode;
pub mod mia;
pub mod nn;

use std::time::Instant;

use medsynth_data::{Schema, Table};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

pub use anonymeter::{AnonymeterOptions, AnonymeterReport, InferenceRisk, Risk};
pub use dcr::{DcrReport, Quantiles};
pub use encode::{Encoded, GowerSpace};
pub use mia::AttackResult;

use crate::error::EvalError;
use crate::prepare::{Prepared, prepare};

/// Settings of the privacy evaluation.
#[derive(Debug, Clone)]
pub struct PrivacyOptions {
    pub seed: u64,
    /// Cap on synthetic/holdout rows whose DCR is computed (see [`dcr`]).
    pub max_dcr_rows: usize,
    /// Cap on members and on non-members in the membership attacks.
    pub max_attack_rows: usize,
    pub anonymeter: AnonymeterOptions,
}

impl Default for PrivacyOptions {
    fn default() -> Self {
        PrivacyOptions {
            seed: 0,
            max_dcr_rows: 25_000,
            max_attack_rows: 2_000,
            anonymeter: AnonymeterOptions::default(),
        }
    }
}

/// Both membership-inference attacks.
#[derive(Debug, Clone, Serialize)]
pub struct MiaReport {
    pub distance: AttackResult,
    pub density_ratio: AttackResult,
}

/// Wall-clock seconds of each privacy step (for `timings` in metrics.json:
/// the quadratic nearest-neighbour scans are where evaluation time goes).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct PrivacyTimings {
    pub dcr: f64,
    pub mia: f64,
    pub anonymeter: f64,
}

/// Everything the privacy section of the report shows.
#[derive(Debug, Clone, Serialize)]
pub struct PrivacyReport {
    /// Columns compared (identifiers and free text are left out).
    pub columns: Vec<String>,
    pub dcr: DcrReport,
    pub mia: MiaReport,
    pub anonymeter: AnonymeterReport,
    #[serde(skip)]
    pub timings: PrivacyTimings,
}

/// The contract's DCR entry point: distance-to-closest-record metrics alone.
pub fn dcr_report(
    train: &Table,
    holdout: &Table,
    synthetic: &Table,
    schema: &Schema,
    seed: u64,
) -> Result<DcrReport, EvalError> {
    let p = prepare_three(train, holdout, synthetic, schema)?;
    let (_, tr, ho, sy) = encode_all(&p)?;
    Ok(dcr::dcr_encoded(
        &tr,
        &ho,
        &sy,
        seed,
        PrivacyOptions::default().max_dcr_rows,
    ))
}

/// Prepares (train, holdout, synthetic) in that order, the layout
/// [`privacy_from_prepared`] expects; every table must have rows.
pub fn prepare_three(
    train: &Table,
    holdout: &Table,
    synthetic: &Table,
    schema: &Schema,
) -> Result<Prepared, EvalError> {
    for (name, t) in [
        ("train", train),
        ("holdout", holdout),
        ("synthetic", synthetic),
    ] {
        if t.n_rows() == 0 {
            return Err(EvalError::Invalid(format!("the {name} table has no rows")));
        }
    }
    prepare(
        &[
            ("train", train),
            ("holdout", holdout),
            ("synthetic", synthetic),
        ],
        schema,
    )
}

/// The Gower space and tables 0, 1, 2 (train, holdout, synthetic) in it.
fn encode_all(p: &Prepared) -> Result<(GowerSpace, Encoded, Encoded, Encoded), EvalError> {
    if p.n_rows.len() != 3 {
        return Err(EvalError::Internal(format!(
            "privacy metrics need train, holdout and synthetic tables, got {}",
            p.n_rows.len()
        )));
    }
    let space = GowerSpace::of(p)?;
    let (tr, ho, sy) = (space.encode(p, 0), space.encode(p, 1), space.encode(p, 2));
    Ok((space, tr, ho, sy))
}

/// Membership attacks on encoded tables (design in [`mia`]).
pub fn mia_encoded(
    train: &Encoded,
    holdout: &Encoded,
    synthetic: &Encoded,
    seed: u64,
    max_rows: usize,
) -> MiaReport {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x1A1A);
    let mut hold_idx: Vec<usize> = (0..holdout.n).collect();
    hold_idx.shuffle(&mut rng);
    // Half of the holdout is the reference population, half the non-members.
    let half = holdout.n / 2;
    let (ref_idx, non_idx) = hold_idx.split_at(half);
    let reference = holdout.take(ref_idx);
    let m = non_idx.len().min(max_rows).min(train.n);
    let non = holdout.take(&non_idx[..m]);
    let members = train.take(&dcr::subset(train.n, m, &mut rng));

    let d_mem = nn::nearest_distance(&members, synthetic);
    let d_non = nn::nearest_distance(&non, synthetic);
    let neg = |v: &[f32]| v.iter().map(|&d| -f64::from(d)).collect::<Vec<f64>>();
    let distance = mia::attack_result("distance", &neg(&d_mem), &neg(&d_non));

    const EPS: f64 = 1e-3;
    let density = |d_syn: &[f32], q: &Encoded| -> Vec<f64> {
        let d_ref = nn::nearest_distance(q, &reference);
        d_syn
            .iter()
            .zip(&d_ref)
            .map(|(&s, &r)| (f64::from(r) + EPS).ln() - (f64::from(s) + EPS).ln())
            .collect()
    };
    let density_ratio = if reference.n == 0 {
        mia::attack_result("density-ratio", &[], &[])
    } else {
        mia::attack_result(
            "density-ratio",
            &density(&d_mem, &members),
            &density(&d_non, &non),
        )
    };
    MiaReport {
        distance,
        density_ratio,
    }
}

/// Runs every privacy metric. `secrets` (for the inference attack) default
/// to the options' list; the evaluation passes the target and sensitive
/// columns first.
pub fn privacy_report(
    train: &Table,
    holdout: &Table,
    synthetic: &Table,
    schema: &Schema,
    options: &PrivacyOptions,
) -> Result<PrivacyReport, EvalError> {
    let p = prepare_three(train, holdout, synthetic, schema)?;
    privacy_from_prepared(&p, options)
}

/// [`privacy_report`] on tables already prepared as (train, holdout,
/// synthetic), so that a full evaluation encodes them only once.
pub fn privacy_from_prepared(
    p: &Prepared,
    options: &PrivacyOptions,
) -> Result<PrivacyReport, EvalError> {
    let (space, tr, ho, sy) = encode_all(p)?;
    let mut timings = PrivacyTimings::default();
    // Each step spreads its nearest-neighbour scans over all cores itself.
    let t = Instant::now();
    let dcr = dcr::dcr_encoded(&tr, &ho, &sy, options.seed, options.max_dcr_rows);
    timings.dcr = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mia = mia_encoded(&tr, &ho, &sy, options.seed, options.max_attack_rows);
    timings.mia = t.elapsed().as_secs_f64();
    let anon_opts = AnonymeterOptions {
        seed: options.seed,
        ..options.anonymeter.clone()
    };
    let t = Instant::now();
    let anonymeter = anonymeter::anonymeter_encoded(&tr, &ho, &sy, &space, &anon_opts);
    timings.anonymeter = t.elapsed().as_secs_f64();
    Ok(PrivacyReport {
        columns: space.column_names(),
        dcr,
        mia,
        anonymeter,
        timings,
    })
}
