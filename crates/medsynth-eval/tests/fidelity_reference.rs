//! Agreement with the reference implementations: SDMetrics' QualityReport
//! and scikit-learn's logistic regression, on heart and adult, for three
//! synthetic variants each. The tables are rebuilt in-process with the code
//! `scripts/reference_eval.py` was fed (`tests/common/reference_inputs.rs`);
//! the reference figures are in `fixtures/reference_eval.json`.

mod common;

use common::{fixture, num};

use common::reference_inputs::{self as ri, VARIANTS};
use medsynth_eval::fidelity::{QualityOptions, quality_report_with};
use medsynth_eval::tstr_logistic_auc;

const TOL: f64 = 0.01;

fn close(failures: &mut Vec<String>, what: String, ours: f64, reference: f64) {
    eprintln!("{what:<50} ours {ours:.5} reference {reference:.5}");
    if (ours - reference).abs() > TOL || ours.is_nan() {
        failures.push(format!("{what}: ours {ours} vs reference {reference}"));
    }
}

fn check(dataset: &str) {
    let fx = fixture();
    let d = ri::datasets()
        .into_iter()
        .find(|d| d.name == dataset)
        .expect("known dataset");
    let inputs = ri::build(&d);
    let ds = &fx["datasets"][dataset];
    assert_eq!(
        ds["n_train"].as_u64(),
        Some(inputs.train.n_rows() as u64),
        "same split as the fixture"
    );
    let mut failures = Vec::new();
    let trtr =
        tstr_logistic_auc(&inputs.train, &inputs.holdout, &inputs.schema, &d.target).unwrap();
    close(
        &mut failures,
        format!("{dataset} TRTR LR AUC"),
        trtr,
        num(ds, &["trtr_lr_auc"]),
    );
    for (name, synth) in &inputs.synthetic {
        assert!(VARIANTS.contains(name));
        let v = &ds["synthetic"][*name];
        let q = quality_report_with(
            &inputs.train,
            synth,
            &inputs.schema,
            &QualityOptions::default(),
        )
        .unwrap();
        for key in ["quality", "column_shapes", "column_pair_trends"] {
            let ours = match key {
                "quality" => q.quality,
                "column_shapes" => q.column_shapes,
                _ => q.column_pair_trends,
            };
            close(
                &mut failures,
                format!("{dataset}/{name} {key}"),
                ours,
                num(v, &["sdmetrics", key]),
            );
        }
        let all = QualityOptions {
            real_correlation_threshold: 0.0,
            real_association_threshold: 0.0,
        };
        let qa = quality_report_with(&inputs.train, synth, &inputs.schema, &all).unwrap();
        close(
            &mut failures,
            format!("{dataset}/{name} quality (all pairs)"),
            qa.quality,
            num(v, &["sdmetrics_all_pairs", "quality"]),
        );
        close(
            &mut failures,
            format!("{dataset}/{name} pair trends (all pairs)"),
            qa.column_pair_trends,
            num(v, &["sdmetrics_all_pairs", "column_pair_trends"]),
        );
        assert!((qa.column_pair_trends - q.column_pair_trends_all_pairs).abs() < 1e-12);
        // Per column, much tighter: the definitions are the same.
        for s in &q.shapes {
            if let Some(r) = v["sdmetrics"]["shapes"][&s.column].as_f64() {
                let ours = s.score.unwrap_or(f64::NAN);
                if (ours - r).abs() > 1e-6 {
                    failures.push(format!(
                        "{dataset}/{name} shape {}: ours {ours} vs {r}",
                        s.column
                    ));
                }
            }
        }
        for pt in &qa.pairs {
            let key = format!("{}|{}", pt.column_1, pt.column_2);
            if let Some(r) = v["sdmetrics_all_pairs"]["pairs"][&key].as_f64() {
                let ours = pt.score.unwrap_or(f64::NAN);
                if (ours - r).abs() > 1e-6 {
                    failures.push(format!("{dataset}/{name} pair {key}: ours {ours} vs {r}"));
                }
            }
        }
        let tstr = tstr_logistic_auc(synth, &inputs.holdout, &inputs.schema, &d.target).unwrap();
        close(
            &mut failures,
            format!("{dataset}/{name} TSTR LR AUC"),
            tstr,
            num(v, &["tstr_lr_auc"]),
        );
    }
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn heart_matches_sdmetrics_and_sklearn() {
    check("heart");
}

#[test]
fn adult_matches_sdmetrics_and_sklearn() {
    check("adult");
}
