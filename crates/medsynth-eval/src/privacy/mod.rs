//! Privacy attacks on synthetic data: distance to closest record,
//! membership inference and anonymeter-style singling-out, linkability and
//! inference risks.
//!
//! All of them compare records in one Gower space ([`encode`]) built from
//! the train table, and use the real holdout as the "never seen" yardstick:
//! a synthetic table is allowed to resemble the population (that is its
//! job), not its training rows in particular. None of these tests proves
//! privacy; they find some failures. Only differential privacy gives a
//! guarantee, and the report says so in every verdict.

pub mod anonymeter;
pub mod dcr;
pub mod encode;
pub mod mia;
pub mod nn;

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

/// Everything the privacy section of the report shows.
#[derive(Debug, Clone, Serialize)]
pub struct PrivacyReport {
    /// Columns compared (identifiers and free text are left out).
    pub columns: Vec<String>,
    pub dcr: DcrReport,
    pub mia: MiaReport,
    pub anonymeter: AnonymeterReport,
}

/// The contract's DCR entry point: distance-to-closest-record metrics alone.
pub fn dcr_report(
    train: &Table,
    holdout: &Table,
    synthetic: &Table,
    schema: &Schema,
    seed: u64,
) -> Result<DcrReport, EvalError> {
    let (_, tr, ho, sy) = encode_all(train, holdout, synthetic, schema)?;
    Ok(dcr::dcr_encoded(
        &tr,
        &ho,
        &sy,
        seed,
        PrivacyOptions::default().max_dcr_rows,
    ))
}

fn encode_all(
    train: &Table,
    holdout: &Table,
    synthetic: &Table,
    schema: &Schema,
) -> Result<(GowerSpace, Encoded, Encoded, Encoded), EvalError> {
    for (name, t) in [
        ("train", train),
        ("holdout", holdout),
        ("synthetic", synthetic),
    ] {
        if t.n_rows() == 0 {
            return Err(EvalError::Invalid(format!("the {name} table has no rows")));
        }
    }
    let mut space = GowerSpace::fit(
        train,
        schema,
        &[("holdout", holdout), ("synthetic", synthetic)],
    )?;
    let tr = space.encode(train, "train")?;
    let ho = space.encode(holdout, "holdout")?;
    let sy = space.encode(synthetic, "synthetic")?;
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
    let (space, tr, ho, sy) = encode_all(train, holdout, synthetic, schema)?;
    // Each step spreads its nearest-neighbour scans over all cores itself.
    let dcr = dcr::dcr_encoded(&tr, &ho, &sy, options.seed, options.max_dcr_rows);
    let mia = mia_encoded(&tr, &ho, &sy, options.seed, options.max_attack_rows);
    let anon_opts = AnonymeterOptions {
        seed: options.seed,
        ..options.anonymeter.clone()
    };
    let anonymeter = anonymeter::anonymeter_encoded(&tr, &ho, &sy, &space, &anon_opts);
    Ok(PrivacyReport {
        columns: space.column_names(),
        dcr,
        mia,
        anonymeter,
    })
}
