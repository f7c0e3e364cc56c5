//! `medsynth split`, `evaluate` and `compare` end to end, including the bad
//! inputs that must exit with code 2 and leave no report behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_medsynth"))
}

fn heart() -> PathBuf {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/heart_cleveland.csv"
    ));
    assert!(
        p.exists(),
        "the real data file {} is required for this test",
        p.display()
    );
    p
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("running medsynth")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Splits heart into `dir/train.csv` and `dir/holdout.csv`.
fn split(dir: &Path) -> (PathBuf, PathBuf) {
    let o = run(bin()
        .args(["split"])
        .arg(heart())
        .args(["--holdout", "0.3", "--stratify", "num", "--seed", "0", "-o"])
        .arg(dir));
    assert!(o.status.success(), "{}", stderr(&o));
    (dir.join("train.csv"), dir.join("holdout.csv"))
}

fn lines(p: &Path) -> usize {
    std::fs::read_to_string(p).unwrap().lines().count()
}

#[test]
fn split_writes_both_parts() {
    let d = tempfile::tempdir().unwrap();
    let (t, h) = split(d.path());
    assert_eq!(lines(&t), 212 + 1);
    assert_eq!(lines(&h), 91 + 1);
    let bad = run(bin()
        .args(["split"])
        .arg(heart())
        .args(["--holdout", "1.5", "-o"])
        .arg(d.path()));
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    let bad = run(bin()
        .args(["split"])
        .arg(heart())
        .args(["--stratify", "nope", "-o"])
        .arg(d.path()));
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("'nope'"), "{}", stderr(&bad));
}

fn evaluate(train: &Path, holdout: &Path, synth: &Path, out: &Path, extra: &[&str]) -> Output {
    run(bin()
        .args(["evaluate", "--train"])
        .arg(train)
        .arg("--holdout")
        .arg(holdout)
        .arg("--synthetic")
        .arg(synth)
        .arg("-o")
        .arg(out)
        .args(extra))
}

#[test]
fn evaluate_writes_metrics_and_report() {
    let d = tempfile::tempdir().unwrap();
    let (t, h) = split(d.path());
    let out = d.path().join("report");
    // The holdout as "synthetic" data: real rows the attacks cannot link to train.
    let o = evaluate(
        &t,
        &h,
        &h,
        &out,
        &[
            "--target",
            "num",
            "--positive",
            "1,2,3,4",
            "--sensitive",
            "sex",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    for key in [
        "fidelity.quality",
        "fidelity.column_shapes",
        "fidelity.column_pair_trends",
        "utility.tstr.logistic_regression.roc_auc",
        "utility.trtr.logistic_regression.roc_auc",
        "privacy.dcr.share_closer_to_train",
        "privacy.mia.distance.auc",
        "privacy.mia.density_ratio.auc",
    ] {
        let x = key.split('.').fold(&v, |v, k| &v[k]);
        assert!(x.as_f64().is_some(), "{key} missing or not a number: {x}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
}

/// Runs a failing evaluation and checks exit code 2, the message, and that
/// no report file was written.
fn expect_user_error(train: &Path, holdout: &Path, synth: &Path, extra: &[&str], needle: &str) {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("report");
    let o = evaluate(train, holdout, synth, &out, extra);
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit 2; stderr: {}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(needle),
        "stderr lacks '{needle}': {}",
        stderr(&o)
    );
    assert!(
        !out.join("metrics.json").exists() && !out.join("report.html").exists(),
        "partial report written"
    );
}

#[test]
fn bad_inputs_exit_2_without_report() {
    let d = tempfile::tempdir().unwrap();
    let (t, h) = split(d.path());
    let text = std::fs::read_to_string(&h).unwrap();

    // Synthetic file without the `thal` column.
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let thal = header.iter().position(|c| *c == "thal").unwrap();
    let dropped: String = text
        .lines()
        .map(|l| {
            l.split(',')
                .enumerate()
                .filter(|(i, _)| *i != thal)
                .map(|(_, c)| c)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let missing_col = d.path().join("missing_col.csv");
    std::fs::write(&missing_col, dropped).unwrap();
    expect_user_error(&t, &h, &missing_col, &[], "thal");

    // Target absent.
    expect_user_error(&t, &h, &h, &["--target", "outcome"], "'outcome'");

    // Target with one class in the synthetic data: keep only num = 0 rows.
    let num = header.iter().position(|c| *c == "num").unwrap();
    let one_class: String = text
        .lines()
        .enumerate()
        .filter(|(i, l)| *i == 0 || l.split(',').nth(num) == Some("0"))
        .map(|(_, l)| l)
        .collect::<Vec<_>>()
        .join("\n");
    let one = d.path().join("one_class.csv");
    std::fs::write(&one, one_class).unwrap();
    expect_user_error(
        &t,
        &h,
        &one,
        &["--target", "num", "--positive", "1,2,3,4"],
        "class",
    );

    // Sensitive attribute absent.
    expect_user_error(&t, &h, &h, &["--sensitive", "race"], "'race'");

    // Empty synthetic file.
    let empty = d.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    expect_user_error(&t, &h, &empty, &[], "empty.csv");

    // Header but no rows.
    let header_only = d.path().join("header_only.csv");
    std::fs::write(&header_only, format!("{}\n", header.join(","))).unwrap();
    expect_user_error(&t, &h, &header_only, &[], "header_only.csv");

    // A synthetic column the real tables lack (mismatch the other way).
    let extra: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l},bmi")
            } else {
                format!("{l},{}", 20 + i % 10)
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let extra_col = d.path().join("extra_col.csv");
    std::fs::write(&extra_col, extra).unwrap();
    expect_user_error(&t, &h, &extra_col, &[], "'bmi'");
}

#[test]
fn compare_writes_drift_report() {
    let d = tempfile::tempdir().unwrap();
    let (t, h) = split(d.path());
    let out = d.path().join("drift");
    let o = run(bin().arg("compare").arg(&t).arg(&h).arg("-o").arg(&out));
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("drift.json")).unwrap()).unwrap();
    let overall = v["overall"].as_f64().unwrap();
    assert!(overall > 0.7, "two halves of one table agree: {overall}");
    assert!(v["columns"].as_array().unwrap().len() >= 13);
    assert!(
        std::fs::read_to_string(out.join("drift.html"))
            .unwrap()
            .contains("Drift between two extracts")
    );
    let o = run(bin().arg("compare").arg(&t).arg(d.path().join("nope.csv")));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
