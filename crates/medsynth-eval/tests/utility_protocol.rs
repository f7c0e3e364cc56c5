//! TSTR/TRTR behaviour on the real heart data: what must hold whatever the
//! exact figures (a bootstrap of train is as useful as train; a column-wise
//! shuffle destroys the signal), the other target kinds, and the errors.

mod common;

use common::reference_inputs as ri;
use medsynth_data::{Column, Table};
use medsynth_eval::utility::{TaskKind, UtilityOptions, utility_report_with};
use medsynth_eval::{TargetSpec, utility_report};

fn heart() -> (ri::Dataset, ri::Inputs) {
    let d = ri::datasets()
        .into_iter()
        .find(|d| d.name == "heart")
        .expect("heart");
    let inputs = ri::build(&d);
    (d, inputs)
}

fn synth<'a>(inputs: &'a ri::Inputs, name: &str) -> &'a Table {
    &inputs
        .synthetic
        .iter()
        .find(|(n, _)| *n == name)
        .expect("variant")
        .1
}

#[test]
fn bootstrap_keeps_utility_and_shuffle_destroys_it() {
    let (d, inputs) = heart();
    let good = utility_report(
        &inputs.train,
        &inputs.holdout,
        synth(&inputs, "bootstrap"),
        &inputs.schema,
        &d.target,
        0,
    )
    .expect("utility");
    assert_eq!(good.task, TaskKind::Binary);
    let trtr_lr = good.trtr.logistic_regression.roc_auc.expect("auc");
    let trtr_rf = good
        .trtr
        .random_forest
        .as_ref()
        .and_then(|s| s.roc_auc)
        .expect("auc");
    let tstr_lr = good.tstr.logistic_regression.roc_auc.expect("auc");
    eprintln!("TRTR LR {trtr_lr:.3} RF {trtr_rf:.3}; TSTR(bootstrap) LR {tstr_lr:.3}");
    assert!(
        trtr_lr > 0.85 && trtr_rf > 0.85,
        "heart disease is predictable from these columns"
    );
    assert!((tstr_lr - trtr_lr).abs() < 0.06);
    let agree = good
        .importance_agreement
        .logistic_regression
        .expect("agreement");
    assert!(
        agree > 0.5,
        "a bootstrap ranks columns like the original: {agree}"
    );
    let report = good
        .trtr
        .logistic_regression
        .report
        .as_ref()
        .expect("report");
    assert_eq!(
        report.classes.iter().map(|c| c.support).sum::<usize>(),
        inputs.holdout.n_rows()
    );

    let bad = utility_report(
        &inputs.train,
        &inputs.holdout,
        synth(&inputs, "shuffle"),
        &inputs.schema,
        &d.target,
        0,
    )
    .expect("utility");
    let shuffled = bad.tstr.logistic_regression.roc_auc.expect("auc");
    eprintln!("TSTR(shuffle) LR {shuffled:.3}");
    assert!(
        shuffled < trtr_lr - 0.2,
        "no relation left to learn: {shuffled}"
    );
}

#[test]
fn multiclass_and_numeric_targets() {
    let (_, inputs) = heart();
    let fast = UtilityOptions {
        n_trees: 20,
        ..UtilityOptions::default()
    };
    let s = synth(&inputs, "noisy");
    let multi = utility_report_with(
        &inputs.train,
        &inputs.holdout,
        s,
        &inputs.schema,
        &TargetSpec::raw("num"),
        0,
        &fast,
    )
    .expect("multi-class");
    assert_eq!(multi.task, TaskKind::Multiclass);
    assert_eq!(multi.classes.len(), 5);
    let auc = multi.trtr.logistic_regression.roc_auc.expect("ovr auc");
    assert!(auc > 0.6 && auc < 1.0, "{auc}");

    let reg = utility_report_with(
        &inputs.train,
        &inputs.holdout,
        s,
        &inputs.schema,
        &TargetSpec::raw("thalach"),
        0,
        &fast,
    )
    .expect("regression");
    assert_eq!(reg.task, TaskKind::Regression);
    assert_eq!(reg.trtr.logistic_regression.model, "linear_regression");
    assert!(reg.trtr.logistic_regression.roc_auc.is_none());
    let r2 = reg.trtr.logistic_regression.r2.expect("r2");
    assert!(
        r2 > 0.1 && r2 < 0.9,
        "max heart rate is partly predictable: {r2}"
    );
    assert!(
        reg.trtr
            .random_forest
            .as_ref()
            .and_then(|s| s.mae)
            .expect("mae")
            > 0.0
    );
}

#[test]
fn clear_errors_for_unusable_targets() {
    let (d, inputs) = heart();
    let no_target = synth(&inputs, "bootstrap").without_columns(&["num"]);
    let e = utility_report(
        &inputs.train,
        &inputs.holdout,
        &no_target,
        &inputs.schema,
        &d.target,
        0,
    )
    .unwrap_err();
    assert!(e.is_user_error());
    assert_eq!(
        e.to_string(),
        "target 'num': column is absent from the synthetic table"
    );

    let mut one_class = synth(&inputs, "bootstrap").clone();
    let n = one_class.n_rows();
    one_class
        .set_column(Column::from_i64("num", &vec![Some(0); n]))
        .expect("same length");
    let e = utility_report(
        &inputs.train,
        &inputs.holdout,
        &one_class,
        &inputs.schema,
        &d.target,
        0,
    )
    .unwrap_err();
    assert!(e.is_user_error());
    assert!(e.to_string().contains("synthetic table has 1 class"), "{e}");

    let e = utility_report(
        &inputs.train,
        &inputs.holdout,
        &one_class,
        &inputs.schema,
        &TargetSpec::raw("nope"),
        0,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("'nope'") && e.to_string().contains("absent from the train table"),
        "{e}"
    );

    let lacks_feature = synth(&inputs, "bootstrap").without_columns(&["thal"]);
    let e = utility_report(
        &inputs.train,
        &inputs.holdout,
        &lacks_feature,
        &inputs.schema,
        &d.target,
        0,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "the synthetic table lacks column(s) 'thal'");
}
