//! The built-in cohort: determinism, clinical relations, missingness, and
//! that identifier detection finds exactly its identifier columns.

use medsynth_data::identify::detect_column;
use medsynth_data::simulate::{CLINICAL_COLUMNS, IDENTIFIER_COLUMNS, cohort};
use medsynth_data::{Column, Table, Value};

const N: usize = 20_000;

fn nums(c: &Column) -> Vec<Option<f64>> {
    (0..c.len()).map(|r| c.get(r).as_f64()).collect()
}

fn labels(c: &Column) -> Vec<Option<String>> {
    (0..c.len()).map(|r| c.label(r)).collect()
}

fn col<'a>(t: &'a Table, name: &str) -> &'a Column {
    t.column(name)
        .unwrap_or_else(|| panic!("cohort lacks {name}"))
}

fn pearson(x: &[Option<f64>], y: &[Option<f64>]) -> f64 {
    let pairs: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter_map(|(a, b)| Some(((*a)?, (*b)?)))
        .collect();
    let n = pairs.len() as f64;
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(sx, sy), (a, b)| (sx + a / n, sy + b / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in &pairs {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Outcome rate among rows where `pred` holds for the label of `column`.
fn rate(t: &Table, column: &str, pred: impl Fn(&str) -> bool) -> f64 {
    let c = labels(col(t, column));
    let y = labels(col(t, "heart_disease"));
    let (mut k, mut n) = (0usize, 0usize);
    for (v, o) in c.iter().zip(&y) {
        if v.as_deref().is_some_and(&pred) {
            n += 1;
            k += usize::from(o.as_deref() == Some("yes"));
        }
    }
    k as f64 / n as f64
}

#[test]
fn same_seed_same_table_other_seed_other_table() {
    assert_eq!(cohort(2_000, 42), cohort(2_000, 42));
    assert_ne!(cohort(2_000, 42), cohort(2_000, 43));
    // A prefix of a longer run is not required, but row count must be exact.
    assert_eq!(cohort(0, 1).n_rows(), 0);
    assert_eq!(cohort(1, 1).n_rows(), 1);
}

#[test]
fn clinical_relations_hold() {
    let t = cohort(N, 7);
    let age = nums(col(&t, "age"));
    let r = pearson(&age, &nums(col(&t, "systolic_bp")));
    assert!(r > 0.2, "corr(age, sbp) = {r}");
    let r = pearson(&age, &nums(col(&t, "max_heart_rate")));
    assert!(r < -0.4, "corr(age, max_hr) = {r}");

    let diab = labels(col(&t, "diabetes"));
    let glu = nums(col(&t, "fasting_glucose"));
    let mean = |want: &str| {
        let v: Vec<f64> = diab
            .iter()
            .zip(&glu)
            .filter(|(d, _)| d.as_deref() == Some(want))
            .filter_map(|(_, g)| *g)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean("yes") > mean("no") + 30.0,
        "glucose yes {} no {}",
        mean("yes"),
        mean("no")
    );

    let prevalence = rate(&t, "heart_disease", |_| true);
    assert!(
        (0.30..=0.45).contains(&prevalence),
        "prevalence {prevalence}"
    );
    assert!(rate(&t, "sex", |s| s == "M") > rate(&t, "sex", |s| s == "F") + 0.05);
    assert!(rate(&t, "smoking", |s| s == "current") > rate(&t, "smoking", |s| s == "never") + 0.05);
    let old = rate(&t, "age", |a| a.parse::<i64>().is_ok_and(|a| a >= 65));
    let young = rate(&t, "age", |a| a.parse::<i64>().is_ok_and(|a| a < 50));
    assert!(old > young + 0.15, "old {old} young {young}");
    assert!(
        rate(&t, "chest_pain", |s| s == "asymptomatic")
            > rate(&t, "chest_pain", |s| s == "non-anginal")
    );

    // Sex-specific lipids: women have higher HDL.
    let sex = labels(col(&t, "sex"));
    let hdl = nums(col(&t, "hdl"));
    let hdl_mean = |want: &str| {
        let v: Vec<f64> = sex
            .iter()
            .zip(&hdl)
            .filter(|(s, _)| s.as_deref() == Some(want))
            .filter_map(|(_, h)| *h)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(hdl_mean("F") > hdl_mean("M") + 5.0);
}

#[test]
fn values_are_rounded_like_lab_reports() {
    let t = cohort(2_000, 3);
    for name in ["st_depression", "bmi", "hba1c"] {
        for v in nums(col(&t, name)).into_iter().flatten() {
            assert!(((v * 10.0).round() - v * 10.0).abs() < 1e-9, "{name} {v}");
        }
    }
    for name in [
        "age",
        "systolic_bp",
        "diastolic_bp",
        "cholesterol",
        "hdl",
        "fasting_glucose",
        "max_heart_rate",
    ] {
        assert!(
            matches!(col(&t, name).data, medsynth_data::ColumnData::Int(_)),
            "{name}"
        );
    }
    let sbp = nums(col(&t, "systolic_bp"));
    let dbp = nums(col(&t, "diastolic_bp"));
    for (s, d) in sbp.iter().zip(&dbp) {
        if let (Some(s), Some(d)) = (s, d) {
            assert!(d + 20.0 <= *s || *d <= 40.0, "bp {s}/{d}");
        }
    }
}

#[test]
fn missingness_matches_the_documented_rates() {
    let t = cohort(N, 11);
    let share = |name: &str| col(&t, name).missing_count() as f64 / N as f64;
    let near = |name: &str, want: f64, tol: f64| {
        let got = share(name);
        assert!(
            (got - want).abs() <= tol,
            "{name}: missing {got}, expected {want}±{tol}"
        );
    };
    near("phone", 0.04, 0.01);
    near("email", 0.25, 0.02);
    near("smoking", 0.04, 0.01);
    near("bmi", 0.03, 0.01);
    near("systolic_bp", 0.01, 0.005);
    near("clinical_note", 0.65, 0.02);
    for name in [
        "heart_disease",
        "age",
        "sex",
        "patient_name",
        "mrn",
        "date_of_birth",
        "chest_pain",
    ] {
        assert_eq!(share(name), 0.0, "{name}");
    }
    // MAR: cholesterol is missing more often in the young.
    let age = nums(col(&t, "age"));
    let chol = col(&t, "cholesterol");
    let miss_rate = |lo: f64, hi: f64| {
        let rows: Vec<usize> = (0..N)
            .filter(|&r| age[r].is_some_and(|a| a >= lo && a < hi))
            .collect();
        rows.iter().filter(|&&r| !chol.is_valid(r)).count() as f64 / rows.len() as f64
    };
    assert!(
        miss_rate(0.0, 40.0) > 2.0 * miss_rate(55.0, 200.0),
        "young {} old {}",
        miss_rate(0.0, 40.0),
        miss_rate(55.0, 200.0)
    );
    // The exercise test is missing as a block.
    let hr = col(&t, "max_heart_rate");
    let st = col(&t, "st_depression");
    assert!((0..N).all(|r| hr.is_valid(r) == st.is_valid(r)));
}

#[test]
fn detection_finds_exactly_the_identifier_columns() {
    let t = cohort(5_000, 5);
    for name in IDENTIFIER_COLUMNS {
        assert!(
            detect_column(col(&t, name)).is_some(),
            "{name} not detected"
        );
    }
    for name in CLINICAL_COLUMNS {
        let d = detect_column(col(&t, name));
        assert!(d.is_none(), "{name} wrongly flagged: {d:?}");
    }
}

#[test]
fn mrns_are_unique_and_dates_consistent() {
    let t = cohort(5_000, 9);
    let m = labels(col(&t, "mrn"));
    let set: std::collections::HashSet<_> = m.iter().collect();
    assert_eq!(set.len(), m.len());
    let dob = col(&t, "date_of_birth");
    let visit = col(&t, "visit_date");
    for r in 0..t.n_rows() {
        let (Value::DateTime(d), Value::DateTime(v)) = (dob.get(r), visit.get(r)) else {
            panic!("dates")
        };
        assert!(v > d);
    }
}
