//! `medsynth audit`: the report file, the human verdict, per-trial progress
//! and exit-2 errors for parameters under which an audit means nothing.

use std::path::{Path, PathBuf};
mod common;
use common::{HEART, medsynth, p, public_domain_schema, stderr, stdout};

/// The first `rows` rows of heart with five numeric and three categorical
/// columns, written to `dir` (a temp dir: data is never committed).
fn small_heart(dir: &Path, rows: usize) -> PathBuf {
    assert!(Path::new(HEART).exists(), "shared heart data must exist");
    let text = std::fs::read_to_string(HEART).unwrap();
    let keep = [0usize, 1, 2, 3, 4, 7, 8, 9];
    let out: Vec<String> = text
        .lines()
        .take(rows + 1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            keep.iter().map(|&i| cells[i]).collect::<Vec<_>>().join(",")
        })
        .collect();
    let path = dir.join("small.csv");
    std::fs::write(&path, out.join("\n") + "\n").unwrap();
    path
}

#[test]
fn bad_parameters_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_heart(dir.path(), 40);
    let cases: [(&[&str], &str); 6] = [
        (&["--trials", "3"], "--trials must be at least 4"),
        (
            &["--confidence", "1.5"],
            "--confidence must be strictly between 0 and 1",
        ),
        (
            &["--confidence", "0"],
            "--confidence must be strictly between 0 and 1",
        ),
        (
            &["--epsilon", "0"],
            "--epsilon must be a finite number greater than 0",
        ),
        (
            &["--epsilon=-1"],
            "--epsilon must be a finite number greater than 0",
        ),
        (&["--model", "forest"], "--model must be"),
    ];
    for (extra, want) in cases {
        let out = dir.path().join("a.json");
        let mut args = vec!["audit", p(&data), "-o", p(&out)];
        args.extend_from_slice(extra);
        let o = medsynth(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{extra:?}: {}", stderr(&o));
        assert!(!out.exists(), "no report on bad input");
    }
}

#[test]
fn a_non_dp_audit_writes_the_report_and_shows_the_leak() {
    let dir = tempfile::tempdir().unwrap();
    let data = small_heart(dir.path(), 50);
    let out = dir.path().join("audit.json");
    let o = medsynth(&[
        "--seed",
        "2",
        "audit",
        p(&data),
        "--model",
        "marginals",
        "--trials",
        "20",
        "-o",
        p(&out),
    ]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("trial  20/20"), "per-trial progress: {err}");
    let summary = stdout(&o);
    assert!(
        summary.contains("empirical lower bound ε ≥")
            && summary.contains("95 % confidence, 20 trainings")
            && summary.contains("never prove privacy"),
        "{summary}"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        r["trials_in"].as_u64().unwrap() + r["trials_out"].as_u64().unwrap(),
        20
    );
    assert!(r["claimed_epsilon"].is_null());
    assert_eq!(r["model_kind"], "marginals");
    assert_eq!(r["distinguisher"], "range");
    let bound = r["epsilon_lower_bound"].as_f64().unwrap();
    assert!(
        bound >= 0.5,
        "marginals read their bounds from the data: {bound}"
    );
    assert_eq!(r["trials"].as_array().unwrap().len(), 20);

    // --quiet: nothing but the file.
    let quiet = dir.path().join("quiet.json");
    let o = medsynth(&[
        "--quiet",
        "audit",
        p(&data),
        "--model",
        "marginals",
        "--trials",
        "4",
        "-o",
        p(&quiet),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty() && o.stdout.is_empty());
    assert!(quiet.exists());
}

#[test]
fn a_dp_audit_reports_the_claim_and_stays_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let schema = public_domain_schema(dir.path());
    let out = dir.path().join("audit.json");
    let o = medsynth(&[
        "audit",
        HEART,
        "--schema",
        p(&schema),
        "--model",
        "copula",
        "--epsilon",
        "1",
        "--strict-dp",
        "--trials",
        "40",
        "-o",
        p(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = stdout(&o);
    assert!(summary.contains("claimed ε = 1.00"), "{summary}");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let claimed = r["claimed_epsilon"].as_f64().unwrap();
    assert!(claimed > 0.9 && claimed <= 1.0 + 1e-9, "{claimed}");
    assert!(r["delta"].as_f64().unwrap() > 0.0);
    assert!(r["epsilon_lower_bound"].as_f64().unwrap() <= claimed);
    assert_eq!(
        r["canary"]["cells"][0]["value"]["number"], 100.0,
        "age on its declared maximum"
    );
}
