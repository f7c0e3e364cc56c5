//! Ledger serialisation (the manifest format) and budget enforcement.

use medsynth_privacy::mechanisms::{
    HistogramDomain, Noise, dp_bounds, noisy_count, noisy_histogram,
};
use medsynth_privacy::{Budget, DpSgdPlan, Ledger, PrivacyError, SeededNoise};
use serde_json::json;

fn realistic_ledger(budget: &Budget) -> Ledger {
    let plan = budget.plan();
    let per = plan.per_preprocessing_release(3).unwrap();
    let mut src = SeededNoise::insecure_from_seed(1);
    let mut ledger = Ledger::new();
    let ages: Vec<f64> = (0..1000).map(|i| f64::from(i % 80 + 10)).collect();
    let grid: Vec<f64> = (0..=120).map(f64::from).collect();
    ledger.push(
        dp_bounds("age", &ages, &grid, per.epsilon, 0.01, &mut src)
            .unwrap()
            .entry,
    );
    let noise = Noise::gaussian_for(per.epsilon, per.delta, 1).unwrap();
    let cats = vec![("F".to_string(), 480u64), ("M".to_string(), 520)];
    ledger.push(
        noisy_histogram("sex", &cats, HistogramDomain::Public, noise, &mut src)
            .unwrap()
            .entry,
    );
    ledger.push(
        noisy_count(
            "rows",
            1000,
            Noise::laplace_for(per.epsilon, 1).unwrap(),
            &mut src,
        )
        .unwrap()
        .entry,
    );
    let sgd =
        DpSgdPlan::calibrate(plan.training.epsilon, plan.training.delta, 2000, 0.05, 1.0).unwrap();
    ledger.push(sgd.ledger_entry(plan.training.delta).unwrap());
    ledger
}

#[test]
fn ledger_json_round_trip_keeps_manifest_shape() {
    let budget = Budget::new(3.0, 1e-5, 1000).unwrap();
    let ledger = realistic_ledger(&budget);
    let text = serde_json::to_string_pretty(&ledger).unwrap();
    let back: Ledger = serde_json::from_str(&text).unwrap();
    // serde_json's default float parser may differ in the last ulp (exact
    // round-trip needs its `float_roundtrip` feature), hence the tolerance.
    assert_eq!(back.entries.len(), ledger.entries.len());
    for (a, b) in back.entries.iter().zip(&ledger.entries) {
        assert_eq!(a.mechanism, b.mechanism);
        assert!((a.epsilon - b.epsilon).abs() <= 1e-14 * b.epsilon.abs());
        assert!((a.delta - b.delta).abs() <= 1e-14 * b.delta.abs());
        assert_eq!(
            a.params.keys().collect::<Vec<_>>(),
            b.params.keys().collect::<Vec<_>>()
        );
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sgd = &v["entries"][3];
    assert_eq!(sgd["mechanism"], "dp_sgd");
    assert!(sgd["epsilon"].as_f64().unwrap() > 0.0);
    assert_eq!(sgd["delta"], json!(9e-6));
    for key in ["noise_multiplier", "sampling_rate", "steps"] {
        assert!(sgd["params"][key].is_number(), "missing {key}");
    }
    // Re-accounting from the deserialised ledger gives the same total.
    let (x, y) = (back.total(1e-5).unwrap(), ledger.total(1e-5).unwrap());
    assert!((x.epsilon - y.epsilon).abs() < 1e-12 && x.composition == y.composition);
}

#[test]
fn planned_run_fits_its_budget_and_composes_below_the_sum() {
    let budget = Budget::new(3.0, 1e-5, 1000).unwrap();
    let ledger = realistic_ledger(&budget);
    let spent = budget.check(&ledger).unwrap();
    let (sum_eps, _) = ledger.basic_total();
    assert!(spent.epsilon <= sum_eps + 1e-12);
    assert!(spent.epsilon <= 3.0);
}

#[test]
fn budget_refuses_an_overspending_ledger() {
    let budget = Budget::new(1.0, 1e-5, 1000).unwrap();
    let mut ledger = Ledger::new();
    let plan = DpSgdPlan::new(0.7, 0.1, 5000, 1.0).unwrap();
    ledger.push(plan.ledger_entry(1e-5).unwrap());
    match budget.check(&ledger) {
        Err(PrivacyError::BudgetExceeded {
            spent_epsilon,
            budget_epsilon,
            ..
        }) => {
            assert!(spent_epsilon > budget_epsilon);
        }
        other => panic!("expected BudgetExceeded, got {other:?}"),
    }
    let msg = budget.check(&ledger).unwrap_err().to_string();
    assert!(msg.contains("budget is ε = 1"), "{msg}");
}

#[test]
fn tampered_manifest_is_rejected_clearly() {
    let text = r#"{"entries":[{"mechanism":"dp_sgd","epsilon":0.1,"delta":1e-5,
        "params":{"accounting":"poisson_subsampled_gaussian","noise_multiplier":-1,"sampling_rate":0.1,"steps":10}}]}"#;
    let ledger: Ledger = serde_json::from_str(text).unwrap();
    let err = ledger.total(1e-5).unwrap_err().to_string();
    assert!(
        err.contains("entry 0") && err.contains("noise_multiplier"),
        "{err}"
    );
}
