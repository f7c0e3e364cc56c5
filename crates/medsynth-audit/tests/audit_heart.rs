//! The audit on real data: it must find the leak of a non-DP model (so it
//! can fail), and must not "find" more than the claim of a DP model.

use std::path::Path;

use medsynth_audit::game::{AuditOptions, Distinguisher, Phase, run_audit};
use medsynth_data::io::{ReadOptions, read_table};
use medsynth_data::schema::{InferOptions, infer};
use medsynth_data::{DomainSource, Schema, Table};
use medsynth_model::ModelKind;
use medsynth_model::dp::{DpModel, DpOptions};

const HEART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/heart_cleveland.csv"
);

/// Heart with a handful of numeric and categorical columns, first `rows` rows.
fn heart(rows: usize) -> (Table, Schema) {
    assert!(Path::new(HEART).exists(), "shared heart data must exist");
    let t = read_table(Path::new(HEART), &ReadOptions::default()).unwrap();
    let keep = [
        "age", "sex", "cp", "trestbps", "chol", "thalach", "exang", "oldpeak",
    ];
    let drop: Vec<&str> = t.names().filter(|n| !keep.contains(n)).collect();
    let t = t.without_columns(&drop);
    let idx: Vec<usize> = (0..rows.min(t.n_rows())).collect();
    let t = t.take_rows(&idx);
    let schema = infer(&t, &InferOptions::default()).schema;
    (t, schema)
}

/// Declares clinical ranges and the observed category codes public, as a
/// data custodian would, so that a DP fit spends nothing on domains and the
/// canary sits on the declared maximum (inside the domain).
fn public(mut schema: Schema) -> Schema {
    let ranges = [
        ("age", 18.0, 100.0),
        ("trestbps", 80.0, 220.0),
        ("chol", 100.0, 600.0),
        ("thalach", 60.0, 220.0),
        ("oldpeak", 0.0, 7.0),
    ];
    for c in &mut schema.columns {
        if let Some(&(_, lo, hi)) = ranges.iter().find(|r| r.0 == c.name) {
            c.min = Some(lo);
            c.max = Some(hi);
        }
        c.domain = DomainSource::Public;
    }
    schema
}

#[test]
fn a_non_dp_copula_leaks_the_out_of_range_canary() {
    let (t, s) = heart(50);
    let opts = AuditOptions {
        kind: ModelKind::Copula,
        trials: 40,
        seed: 3,
        ..AuditOptions::default()
    };
    let r = run_audit(&t, &s, &opts, &mut |_| {}).unwrap();
    assert_eq!(r.trials_in + r.trials_out, 40);
    assert_eq!(r.trials_in, 20, "the coins are balanced");
    assert!(r.claimed_epsilon.is_none());
    assert_eq!(
        r.false_positives, 0,
        "no model without the canary goes beyond D's range"
    );
    assert!(
        r.epsilon_lower_bound >= 1.0,
        "bound {} ({} TP, {} FP)",
        r.epsilon_lower_bound,
        r.true_positives,
        r.false_positives
    );
    assert!(r.canary.cells.iter().any(|c| c.beyond_observed));
}

#[test]
fn a_non_dp_gan_leaks_the_canary_too() {
    let (t, s) = heart(50);
    let opts = AuditOptions {
        kind: ModelKind::Ctgan,
        trials: 20,
        steps: Some(300),
        seed: 5,
        ..AuditOptions::default()
    };
    let r = run_audit(&t, &s, &opts, &mut |_| {}).unwrap();
    assert!(
        r.epsilon_lower_bound >= 0.5,
        "bound {} ({} TP of {}, {} FP of {})",
        r.epsilon_lower_bound,
        r.true_positives,
        r.trials_in,
        r.false_positives,
        r.trials_out
    );
}

#[test]
fn a_dp_copula_stays_within_its_claim() {
    let (t, s) = heart(303);
    let s = public(s);
    for distinguisher in [Distinguisher::Range, Distinguisher::Nearest] {
        let opts = AuditOptions {
            privacy: Some(DpOptions {
                model: DpModel::Copula,
                strict: true,
                ..DpOptions::new(1.0)
            }),
            trials: 100,
            seed: 11,
            distinguisher,
            ..AuditOptions::default()
        };
        let r = run_audit(&t, &s, &opts, &mut |_| {}).unwrap();
        let claimed = r.claimed_epsilon.expect("a DP model claims an ε");
        assert!(claimed <= 1.0 + 1e-9 && claimed > 0.5, "{claimed}");
        assert!(r.delta > 0.0 && r.delta < 1.0 / 303.0, "{}", r.delta);
        assert!(
            r.epsilon_lower_bound <= claimed,
            "{distinguisher:?}: bound {} above the claim {claimed}",
            r.epsilon_lower_bound
        );
        assert!(
            r.canary.cells.iter().all(|c| !c.beyond_observed),
            "with public domains the canary sits inside them"
        );
    }
}

/// The control of the test above: the same table, schema, canary and
/// distinguisher without DP give a bound far above 1, so the DP test would
/// fail if the noise were missing (the canary's bin of a public-bounds
/// histogram is only ever filled by the canary).
#[test]
fn the_same_audit_without_dp_exceeds_the_dp_claim() {
    let (t, s) = heart(303);
    let opts = AuditOptions {
        kind: ModelKind::Copula,
        trials: 40,
        seed: 11,
        ..AuditOptions::default()
    };
    let r = run_audit(&t, &public(s), &opts, &mut |_| {}).unwrap();
    assert!(
        r.epsilon_lower_bound > 1.0,
        "bound {} ({} TP, {} FP)",
        r.epsilon_lower_bound,
        r.true_positives,
        r.false_positives
    );
}

#[test]
fn calibration_spends_half_the_trials_and_counts_the_rest() {
    let (t, s) = heart(40);
    let opts = AuditOptions {
        kind: ModelKind::Marginals,
        trials: 16,
        calibrate: true,
        distinguisher: Distinguisher::Nearest,
        ..AuditOptions::default()
    };
    let r = run_audit(&t, &s, &opts, &mut |_| {}).unwrap();
    assert_eq!(r.calibration_trials, 8);
    assert_eq!(r.trials_in + r.trials_out, 8);
    assert_eq!(
        r.trials
            .iter()
            .filter(|x| x.phase == Phase::Calibration)
            .count(),
        8
    );
    // Same seed, same game (no DP noise here).
    let again = run_audit(&t, &s, &opts, &mut |_| {}).unwrap();
    let scores =
        |r: &medsynth_audit::AuditReport| r.trials.iter().map(|x| x.score).collect::<Vec<_>>();
    assert_eq!(scores(&r), scores(&again));
}
