//! `medsynth fit --epsilon`: the budget split and ledger on screen and in the
//! manifest, and clear exit-2 errors for bad privacy parameters.

use std::path::Path;
mod common;
use common::{HEART, medsynth, p, public_domain_schema, stderr};

#[test]
fn dp_fit_prints_the_split_and_stores_the_ledger() {
    assert!(Path::new(HEART).exists(), "shared heart data must exist");
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("heart.model");
    let schema = public_domain_schema(dir.path());
    let o = medsynth(&[
        "fit",
        HEART,
        "-o",
        p(&model),
        "--schema",
        p(&schema),
        "--epsilon",
        "1",
        "--target",
        "num",
    ]);
    let err = stderr(&o);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("budget split") && err.contains("ledger"),
        "{err}"
    );
    assert!(err.contains("auto:") && err.contains("copula"), "{err}");
    let text = std::fs::read_to_string(model.join("manifest.json")).unwrap();
    let m: serde_json::Value = serde_json::from_str(&text).unwrap();
    let privacy = &m["privacy"];
    let eps = privacy["epsilon"].as_f64().unwrap();
    assert!(eps <= 1.0 + 1e-9 && eps > 0.95, "{eps}");
    // Default δ for 303 rows: min(1e-5, 1/3030) = 1e-5.
    assert_eq!(privacy["delta"].as_f64(), Some(1e-5));
    let ledger = privacy["ledger"].as_array().unwrap();
    assert!(ledger.len() > 10);
    for e in ledger {
        assert!(e["mechanism"].is_string() && e["epsilon"].is_f64() && e["delta"].is_number());
        assert!(e["params"]["accounting"].is_string(), "{e}");
    }
    assert!(m["training"]["sha256"].is_null());
    // The model samples like any other.
    let out = dir.path().join("s.csv");
    let o = medsynth(&["sample", p(&model), "--rows", "100", "-o", p(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn bad_privacy_parameters_exit_2_with_clear_messages() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--epsilon", "0"],
            "--epsilon must be a finite number greater than 0",
        ),
        (
            &["--epsilon=-2"],
            "--epsilon must be a finite number greater than 0",
        ),
        (&["--epsilon", "1", "--delta", "0.01"], "1/n"),
        (
            &["--epsilon", "1", "--model", "marginals"],
            "auto, ctgan or copula",
        ),
        (&["--epsilon", "1", "--strict-dp"], "\"domain\": \"public\""),
        (&["--epsilon", "1", "--resume"], "--resume"),
    ];
    for (extra, needle) in cases {
        let mut args = vec!["fit", HEART, "-o", p(&model)];
        args.extend_from_slice(extra);
        let o = medsynth(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(needle), "{extra:?}: {err}");
        assert!(!model.join("manifest.json").exists());
    }
    // Strict mode names the columns to declare.
    let o = medsynth(&[
        "fit",
        HEART,
        "-o",
        p(&model),
        "--epsilon",
        "1",
        "--strict-dp",
    ]);
    let err = stderr(&o);
    assert!(err.contains("'age' (min and max)"), "{err}");
}
