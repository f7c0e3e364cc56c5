pub mod reference_inputs;

/// The reference figures written by `scripts/reference_eval.py`.
#[allow(dead_code)]
pub fn fixture() -> serde_json::Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/reference_eval.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("valid JSON fixture")
}

/// The number at `path` in the fixture (panics naming the path if absent).
#[allow(dead_code)]
pub fn num(v: &serde_json::Value, path: &[&str]) -> f64 {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_f64()
        .unwrap_or_else(|| panic!("fixture lacks {}", path.join(".")))
}
