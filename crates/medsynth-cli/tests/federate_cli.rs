//! `medsynth federate` end to end on the Cleveland heart data: the
//! simulation writes a model `medsynth sample` reads, is deterministic for a
//! seed, and the per-round commands a Flower deployment calls (site-stats,
//! init, client-round, finish) produce a working model too.

use std::path::Path;
mod common;
use common::{HEART, medsynth, p, stderr};
use std::process::Output;

fn ok(args: &[&str]) -> Output {
    let o = medsynth(args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    o
}

fn manifest(model: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(model.join("manifest.json")).unwrap()).unwrap()
}

fn simulate(out: &Path, seed: &str, extra: &[&str]) {
    let mut args = vec![
        "federate",
        "simulate",
        HEART,
        "--sites",
        "3",
        "--split",
        "dirichlet=0.5",
        "--target",
        "num",
        "--rounds",
        "3",
        "--local-steps",
        "5",
        "--seed",
        seed,
        "--quiet",
        "-o",
        p(out),
    ];
    args.extend_from_slice(extra);
    ok(&args);
}

#[test]
fn simulate_writes_a_sampleable_federated_model_deterministically() {
    assert!(Path::new(HEART).exists(), "shared heart data must exist");
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.model"),
        dir.path().join("b.model"),
        dir.path().join("c.model"),
    );
    let sites = dir.path().join("sites");
    simulate(&a, "4", &["--sites-out", p(&sites)]);
    simulate(&b, "4", &[]);
    simulate(&c, "5", &[]);
    let wa = std::fs::read(a.join("model.safetensors")).unwrap();
    assert_eq!(wa, std::fs::read(b.join("model.safetensors")).unwrap());
    assert_ne!(wa, std::fs::read(c.join("model.safetensors")).unwrap());

    let m = manifest(&a);
    let fed = &m["federated"];
    assert_eq!(fed["sites"], 3);
    assert_eq!(fed["rounds"], 3);
    assert_eq!(fed["strategy"], "fedavg");
    assert_eq!(fed["split"], "dirichlet=0.5");
    let rows: Vec<u64> = fed["rows_per_site"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(rows.iter().sum::<u64>(), 303);
    // The site files hold exactly the rows the manifest counts.
    for (i, n) in rows.iter().enumerate() {
        let text = std::fs::read_to_string(sites.join(format!("site{i}.csv"))).unwrap();
        assert_eq!(text.lines().count() as u64, n + 1, "site {i}");
    }
    // One JSON record per round, each accepting all three sites.
    let log = std::fs::read_to_string(a.join("rounds.jsonl")).unwrap();
    let records: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3);
    for r in &records {
        assert_eq!(r["accepted"], serde_json::json!([0, 1, 2]), "{r}");
        assert_eq!(r["rows"], 303);
    }

    let out = dir.path().join("synth.csv");
    ok(&["sample", p(&a), "--rows", "120", "-o", p(&out), "--quiet"]);
    let text = std::fs::read_to_string(&out).unwrap();
    let header = std::fs::read_to_string(HEART)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(text.lines().next().unwrap(), header);
    assert_eq!(text.lines().count(), 121);
}

#[test]
fn per_round_commands_build_a_model_from_site_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sites = d.join("sites");
    // The simulation's split gives the site files; the agreed schema is the
    // federation's data dictionary.
    simulate(&d.join("sim.model"), "1", &["--sites-out", p(&sites)]);
    let schema = d.join("schema.json");
    ok(&["schema", HEART, "-o", p(&schema), "--quiet"]);
    let mut stats = Vec::new();
    for i in 0..3 {
        let s = d.join(format!("s{i}.json"));
        ok(&[
            "federate",
            "site-stats",
            "--data",
            p(&sites.join(format!("site{i}.csv"))),
            "--schema",
            p(&schema),
            "-o",
            p(&s),
            "--quiet",
        ]);
        stats.push(s);
    }
    let fed = d.join("fed");
    let mut init = vec![
        "federate",
        "init",
        "--schema",
        p(&schema),
        "--strategy",
        "shared-generator",
        "--local-steps",
        "4",
        "-o",
        p(&fed),
        "--quiet",
        "--stats",
    ];
    init.extend(stats.iter().map(|s| p(s)));
    ok(&init);
    let fedjson = fed.join("federation.json");
    let global0 = fed.join("global0.safetensors");
    let f: serde_json::Value = serde_json::from_slice(&std::fs::read(&fedjson).unwrap()).unwrap();
    assert_eq!(f["rows_per_site"].as_array().unwrap().len(), 3);
    assert_eq!(f["strategy"]["name"], "shared-generator");

    let round = |site: usize, state: &Path, out: &Path, metrics: &Path, r: &str| {
        ok(&[
            "federate",
            "client-round",
            "--federation",
            p(&fedjson),
            "--params-in",
            p(&global0),
            "--data",
            p(&sites.join(format!("site{site}.csv"))),
            "--params-out",
            p(out),
            "--metrics",
            p(metrics),
            "--state",
            p(state),
            "--round",
            r,
            "--quiet",
        ]);
    };
    let (q, m, st) = (d.join("q.safetensors"), d.join("m.json"), d.join("st0"));
    round(0, &st, &q, &m, "1");
    assert!(st.join("site_state.safetensors").exists());
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(&m).unwrap()).unwrap();
    let sizes = f["rows_per_site"].as_array().unwrap();
    assert_eq!(metrics["rows"], sizes[0]);
    assert_eq!(metrics["steps"], 4);
    assert!(metrics["loss"].as_f64().unwrap().is_finite());
    // The site's selection score of the parameters it received.
    let score = metrics["score"].as_f64().unwrap();
    assert!(score > 0.0 && score < 1.0, "{score}");
    // Same inputs and state → same parameters.
    let (q2, st2) = (d.join("q2.safetensors"), d.join("st0b"));
    round(0, &st2, &q2, &d.join("m2.json"), "1");
    assert_eq!(std::fs::read(&q).unwrap(), std::fs::read(&q2).unwrap());

    let model = d.join("flower.model");
    ok(&[
        "federate",
        "finish",
        "--federation",
        p(&fedjson),
        "--params",
        p(&q),
        "--rounds",
        "1",
        "--selected-round",
        "0",
        "--selection-score",
        "0.75",
        "-o",
        p(&model),
        "--quiet",
    ]);
    let fed_info = &manifest(&model)["federated"];
    assert_eq!(fed_info["strategy"], "shared-generator");
    assert_eq!(fed_info["selected_round"], 0);
    assert_eq!(fed_info["selection_score"], 0.75);
    let out = d.join("s.csv");
    ok(&[
        "sample",
        p(&model),
        "--rows",
        "50",
        "-o",
        p(&out),
        "--quiet",
    ]);
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 51);
}

#[test]
fn bad_flags_are_user_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.model");
    for (extra, needle) in [
        (vec!["--split", "by=nope"], "no column 'nope'"),
        (vec!["--split", "by=sex"], "only 2 distinct values"),
        (
            vec!["--split", "halves"],
            "iid, by=COLUMN or dirichlet=ALPHA",
        ),
        (
            vec!["--strategy", "median"],
            "fedavg, fedprox or shared-generator",
        ),
        (vec!["--epsilon", "1"], "declared public"),
        (vec!["--epsilon", "0"], "greater than 0"),
        (vec!["--rounds", "0"], "at least 1"),
        (
            vec!["--lr-scale", "0"],
            "--lr-scale must be a positive number",
        ),
        (
            vec!["--lr-scale", "nan"],
            "--lr-scale must be a positive number",
        ),
    ] {
        let mut args = vec!["federate", "simulate", HEART, "--sites", "3", "-o", p(&out)];
        args.extend(extra.iter().copied());
        let o = medsynth(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{extra:?}: {}", stderr(&o));
        assert!(!out.join("manifest.json").exists());
    }
}
