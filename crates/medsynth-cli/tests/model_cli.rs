//! `medsynth fit` / `medsynth sample` end to end: outputs, exit codes and
//! "no partial output" on bad input.

use std::path::{Path, PathBuf};
mod common;
use common::{HEART, medsynth, p, stderr};

fn fit_copula(dir: &Path) -> PathBuf {
    let model = dir.join("heart.model");
    let o = medsynth(&[
        "fit",
        HEART,
        "-o",
        p(&model),
        "--model",
        "copula",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    model
}

#[test]
fn fit_then_sample_csv_and_parquet() {
    assert!(Path::new(HEART).exists(), "shared heart data must exist");
    let dir = tempfile::tempdir().unwrap();
    let model = fit_copula(dir.path());
    assert!(model.join("manifest.json").exists() && model.join("model.safetensors").exists());
    let csv = dir.path().join("s.csv");
    let o = medsynth(&[
        "sample",
        p(&model),
        "--rows",
        "250",
        "-o",
        p(&csv),
        "--seed",
        "3",
        "--where",
        "sex=0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "age");
    let sex = header.iter().position(|h| *h == "sex").unwrap();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 250);
    assert!(rows.iter().all(|r| r.split(',').nth(sex) == Some("0")));
    let pq = dir.path().join("s.parquet");
    let o = medsynth(&["sample", p(&model), "--rows", "120", "-o", p(&pq)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(&std::fs::read(&pq).unwrap()[..4], b"PAR1");
    // Same seed, same sample.
    let again = dir.path().join("again.csv");
    let o = medsynth(&[
        "sample",
        p(&model),
        "--rows",
        "250",
        "-o",
        p(&again),
        "--seed",
        "3",
        "--where",
        "sex=0",
    ]);
    assert!(o.status.success());
    assert_eq!(std::fs::read(&csv).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn ctgan_fit_writes_a_loss_curve() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m");
    let o = medsynth(&["fit", HEART, "-o", p(&model), "--steps", "40", "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let curve = std::fs::read_to_string(model.join("loss_curve.csv")).unwrap();
    assert_eq!(curve.lines().count(), 41);
    assert!(!model.join("checkpoint").exists());
    let out = dir.path().join("s.csv");
    let o = medsynth(&["sample", p(&model), "--rows", "10", "-o", p(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn bad_fit_inputs_exit_2_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("one row", "a,b\n1,x\n".into(), vec![]),
        (
            "one column",
            format!(
                "a\n{}",
                (0..50).map(|i| format!("{i}\n")).collect::<String>()
            ),
            vec![],
        ),
        (
            "all-missing column",
            format!(
                "a,b,c\n{}",
                (0..50)
                    .map(|i| format!("{i},{},\n", i % 3))
                    .collect::<String>()
            ),
            vec![],
        ),
        (
            "target with one class",
            format!(
                "a,b,t\n{}",
                (0..50)
                    .map(|i| format!("{i},{},yes\n", i % 3))
                    .collect::<String>()
            ),
            vec!["--target", "t"],
        ),
    ];
    for (what, content, extra) in cases {
        let data = dir.path().join(format!("{}.csv", what.replace(' ', "_")));
        std::fs::write(&data, content).unwrap();
        let model = dir.path().join(format!("{}.model", what.replace(' ', "_")));
        let mut args = vec!["fit", p(&data), "-o", p(&model), "--model", "copula"];
        args.extend(extra.iter());
        let o = medsynth(&args);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        assert!(stderr(&o).contains("error"), "{what}: {}", stderr(&o));
        assert!(!model.exists(), "{what}: partial output left behind");
    }
}

#[test]
fn a_category_seen_once_is_refused_or_merged_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.csv");
    let mut s = String::from("x,g\n");
    for i in 0..60 {
        s.push_str(&format!(
            "{},{}\n",
            i % 20,
            if i == 7 {
                "unicorn"
            } else if i % 2 == 0 {
                "a"
            } else {
                "b"
            }
        ));
    }
    std::fs::write(&data, s).unwrap();
    let model = dir.path().join("m");
    // By default the table is refused, naming column, value and row, and
    // saying how to proceed; nothing is written.
    let o = medsynth(&["fit", p(&data), "-o", p(&model), "--model", "marginals"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("row 8, column 'g': value 'unicorn'")
            && err.contains("--rare-categories merge"),
        "{err}"
    );
    assert!(!model.exists(), "partial output left behind");
    let o = medsynth(&[
        "fit",
        p(&data),
        "-o",
        p(&model),
        "--model",
        "marginals",
        "--rare-categories",
        "typo",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("error or merge"), "{}", stderr(&o));
    // Opting in merges it away with a warning.
    let o = medsynth(&[
        "fit",
        p(&data),
        "-o",
        p(&model),
        "--model",
        "marginals",
        "--rare-categories",
        "merge",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("seen only once"), "{}", stderr(&o));
    let out = dir.path().join("s.csv");
    assert!(
        medsynth(&["sample", p(&model), "--rows", "2000", "-o", p(&out)])
            .status
            .success()
    );
    assert!(!std::fs::read_to_string(&out).unwrap().contains("unicorn"));
    let o = medsynth(&[
        "sample",
        p(&model),
        "--rows",
        "5",
        "-o",
        p(&out),
        "--where",
        "g=unicorn",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_sample_requests_exit_2_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let model = fit_copula(dir.path());
    let out = dir.path().join("out.csv");
    let check = |args: &[&str], needle: &str| {
        let o = medsynth(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert!(!out.exists(), "{args:?}: partial output");
    };
    check(
        &["sample", p(&model), "--rows", "0", "-o", p(&out)],
        "--rows",
    );
    check(
        &[
            "sample",
            p(&model),
            "--rows",
            "5",
            "-o",
            p(&out),
            "--where",
            "nope=1",
        ],
        "unknown column 'nope'",
    );
    check(
        &[
            "sample",
            p(&model),
            "--rows",
            "5",
            "-o",
            p(&out),
            "--where",
            "cp=9",
        ],
        "valid values",
    );
    check(
        &[
            "sample",
            p(&dir.path().join("missing")),
            "--rows",
            "5",
            "-o",
            p(&out),
        ],
        "model",
    );
    // Truncated weights.
    let w = model.join("model.safetensors");
    let bytes = std::fs::read(&w).unwrap();
    std::fs::write(&w, &bytes[..bytes.len() / 2]).unwrap();
    check(
        &["sample", p(&model), "--rows", "5", "-o", p(&out)],
        "checksum",
    );
    std::fs::write(&w, &bytes).unwrap();
    // Corrupted manifest and a future format version.
    let m = model.join("manifest.json");
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, &text[..text.len() / 2]).unwrap();
    check(
        &["sample", p(&model), "--rows", "5", "-o", p(&out)],
        "not valid JSON",
    );
    std::fs::write(
        &m,
        text.replace("\"format_version\": 1", "\"format_version\": 99"),
    )
    .unwrap();
    check(
        &["sample", p(&model), "--rows", "5", "-o", p(&out)],
        "format version 99",
    );
}
