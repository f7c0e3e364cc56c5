//! Helpers shared by the binary's integration tests: run `medsynth`, read
//! its output, and the heart schema with its domain declared public. Each
//! test file uses a subset, hence `dead_code` is allowed here.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The Cleveland heart table in `../shared` (never copied into the repo).
pub const HEART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/heart_cleveland.csv"
);

/// Runs the binary under test.
pub fn medsynth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medsynth"))
        .args(args)
        .output()
        .expect("run medsynth")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The heart schema with its domains declared public, as a data custodian
/// would (clinical ranges and the UCI category codes, not the observed
/// min/max). Without it, the bounds and category lists are released under
/// DP from the data, and at ε = 1 on 303 rows that release fails now and
/// then with a clear "declare its categories" error, which would make a
/// test depend on the OS noise. Written to `dir/schema.json`.
pub fn public_domain_schema(dir: &Path) -> PathBuf {
    let path = dir.join("schema.json");
    let o = medsynth(&["--quiet", "schema", HEART, "-o", p(&path)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let ranges = [
        ("age", 18.0, 100.0),
        ("trestbps", 80.0, 220.0),
        ("chol", 100.0, 600.0),
        ("thalach", 60.0, 220.0),
        ("oldpeak", 0.0, 7.0),
    ];
    for c in s["columns"].as_array_mut().unwrap() {
        let name = c["name"].as_str().unwrap().to_string();
        if let Some(&(_, lo, hi)) = ranges.iter().find(|r| r.0 == name) {
            c["min"] = lo.into();
            c["max"] = hi.into();
        }
        c["domain"] = "public".into();
    }
    std::fs::write(&path, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    path
}
