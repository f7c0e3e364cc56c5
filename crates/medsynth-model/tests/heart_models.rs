//! End-to-end tests on the real heart table: fit every model kind, save,
//! load, sample; determinism; no rows in the model directory.

use std::path::Path;

use medsynth_data::infer::{InferOptions, infer};
use medsynth_data::io::{ReadOptions, read_table};
use medsynth_data::{Schema, Table};
use medsynth_model::fit::{FitOptions, fit};
use medsynth_model::{CtganConfig, Model, ModelKind};

const HEART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/heart_cleveland.csv"
);

fn heart() -> (Table, Schema) {
    let table = read_table(Path::new(HEART), &ReadOptions::default())
        .expect("heart_cleveland.csv must exist");
    let schema = infer(&table, &InferOptions::default()).schema;
    (table, schema)
}

fn quick_ctgan() -> CtganConfig {
    let mut c = CtganConfig::for_rows(303);
    c.steps = 60;
    c.eval_every = 20;
    c.eval_rows = 300;
    c.generator_hidden = vec![64, 64];
    c.critic_hidden = vec![64, 64];
    c
}

fn fit_kind(kind: ModelKind, seed: u64) -> Model {
    let (table, schema) = heart();
    let opts = FitOptions {
        kind,
        seed,
        ctgan: Some(quick_ctgan()),
        ..FitOptions::default()
    };
    fit(&table, &schema, &opts, &mut |_| {}).expect("fit").0
}

#[test]
fn every_model_round_trips_through_its_directory_and_samples_valid_rows() {
    let (table, _) = heart();
    for kind in [ModelKind::Marginals, ModelKind::Copula, ModelKind::Ctgan] {
        let model = fit_kind(kind, 1);
        let dir = tempfile::tempdir().unwrap();
        model.save(dir.path()).unwrap();
        let loaded = Model::load(dir.path()).unwrap();
        assert_eq!(loaded.manifest.model, kind);
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(5);
        let s = loaded.sample(400, &[], &mut rng).unwrap();
        assert_eq!(s.n_rows(), 400);
        assert_eq!(
            s.names().collect::<Vec<_>>(),
            table.names().collect::<Vec<_>>()
        );
        for (a, b) in s.columns().iter().zip(table.columns()) {
            assert_eq!(
                a.physical_type(),
                b.physical_type(),
                "{kind}: column {}",
                a.name
            );
        }
        // Values stay inside the training range (clipping to the schema bounds).
        let age = s.column("age").unwrap();
        for r in 0..s.n_rows() {
            if let Some(v) = age.get(r).as_f64() {
                assert!((29.0..=77.0).contains(&v), "{kind}: age {v}");
            }
        }
        // In-memory and reloaded models sample identically.
        let mut r1 = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(9);
        let mut r2 = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(9);
        assert_eq!(
            model.sample(50, &[], &mut r1).unwrap(),
            loaded.sample(50, &[], &mut r2).unwrap(),
            "{kind}"
        );
    }
}

#[test]
fn same_seed_gives_identical_model_bytes_and_samples() {
    for kind in [ModelKind::Copula, ModelKind::Ctgan] {
        let a = fit_kind(kind, 3);
        let b = fit_kind(kind, 3);
        let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        a.save(da.path()).unwrap();
        b.save(db.path()).unwrap();
        let wa = std::fs::read(da.path().join("model.safetensors")).unwrap();
        let wb = std::fs::read(db.path().join("model.safetensors")).unwrap();
        assert_eq!(wa, wb, "{kind}: weights differ");
        let strip = |p: &Path| {
            let mut v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(p.join("manifest.json")).unwrap()).unwrap();
            v.as_object_mut().unwrap().remove("timings");
            v
        };
        assert_eq!(
            strip(da.path()),
            strip(db.path()),
            "{kind}: manifests differ beyond timings"
        );
        let mut out_a = Vec::new();
        let mut out_b = Vec::new();
        a.sample_batches(300, &[], 11, 128, &mut |t| {
            out_a.push(t);
            Ok(())
        })
        .unwrap();
        b.sample_batches(300, &[], 11, 128, &mut |t| {
            out_b.push(t);
            Ok(())
        })
        .unwrap();
        assert_eq!(out_a, out_b);
        assert_eq!(out_a.iter().map(Table::n_rows).sum::<usize>(), 300);
    }
    // A different seed gives a different model.
    let c = fit_kind(ModelKind::Ctgan, 4);
    let d = fit_kind(ModelKind::Ctgan, 3);
    assert_ne!(c.manifest.weights_sha256, d.manifest.weights_sha256);
}

#[test]
fn conditions_hold_exactly_and_unknown_values_list_the_valid_ones() {
    for kind in [ModelKind::Marginals, ModelKind::Copula, ModelKind::Ctgan] {
        let model = fit_kind(kind, 2);
        let conds = model
            .resolve_conditions(&[("sex".into(), "0".into()), ("cp".into(), "4".into())])
            .unwrap();
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(1);
        let s = model.sample(200, &conds, &mut rng).unwrap();
        let sex = s.column("sex").unwrap();
        let cp = s.column("cp").unwrap();
        for r in 0..200 {
            assert_eq!(sex.label(r).as_deref(), Some("0"), "{kind}");
            assert_eq!(cp.label(r).as_deref(), Some("4"), "{kind}");
        }
        let err = model
            .resolve_conditions(&[("cp".into(), "9".into())])
            .unwrap_err()
            .to_string();
        assert!(err.contains("'9'") && err.contains("'4'"), "{err}");
        let err = model
            .resolve_conditions(&[("nope".into(), "1".into())])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown column 'nope'") && err.contains("'sex'"),
            "{err}"
        );
    }
}

#[test]
fn the_copula_keeps_relations_that_independent_marginals_lose() {
    let (table, schema) = heart();
    let agreement = |kind| {
        let model = fit_kind(kind, 0);
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
        let s = model.sample(3000, &[], &mut rng).unwrap();
        // Correlation between age and max heart rate (about -0.4 in the real data).
        let corr = |t: &Table| {
            let a = t.column("age").unwrap();
            let h = t.column("thalach").unwrap();
            let pts: Vec<(f64, f64)> = (0..t.n_rows())
                .filter_map(|r| Some((a.get(r).as_f64()?, h.get(r).as_f64()?)))
                .collect();
            let n = pts.len() as f64;
            let (mx, my) = (
                pts.iter().map(|p| p.0).sum::<f64>() / n,
                pts.iter().map(|p| p.1).sum::<f64>() / n,
            );
            let cov = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>();
            let vx = pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
            let vy = pts.iter().map(|p| (p.1 - my).powi(2)).sum::<f64>();
            cov / (vx * vy).sqrt()
        };
        (corr(&table), corr(&s))
    };
    let _ = &schema;
    let (real, copula) = agreement(ModelKind::Copula);
    let (_, marg) = agreement(ModelKind::Marginals);
    assert!(real < -0.3, "real correlation {real}");
    assert!(
        (copula - real).abs() < 0.12,
        "copula {copula} vs real {real}"
    );
    assert!(marg.abs() < 0.1, "marginals {marg}");
}

#[test]
fn the_model_directory_holds_no_rows() {
    // A distinctive value in the middle of a float column and a text column
    // that is not modelled must not appear anywhere in the model directory.
    let n = 60;
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| {
            Some(if i == 17 {
                48.123_456_7
            } else {
                10.0 + i as f64 * 1.5
            })
        })
        .collect();
    let g: Vec<Option<&str>> = (0..n)
        .map(|i| Some(if i % 3 == 0 { "a" } else { "b" }))
        .collect();
    let notes: Vec<Option<String>> = (0..n)
        .map(|i| Some(format!("patient note zebra{i}")))
        .collect();
    let table = Table::new(vec![
        medsynth_data::Column::from_f64("x", &x),
        medsynth_data::Column::from_strs("g", &g),
        medsynth_data::Column::new(
            "note",
            medsynth_data::ColumnData::Text(
                notes
                    .iter()
                    .map(|s| s.clone().unwrap_or_default())
                    .collect(),
            ),
            vec![true; n],
        ),
    ])
    .unwrap();
    let schema = Schema {
        columns: vec![
            medsynth_data::ColumnSchema::new("x", medsynth_data::Kind::Continuous),
            medsynth_data::ColumnSchema::new("g", medsynth_data::Kind::Categorical),
            medsynth_data::ColumnSchema::new("note", medsynth_data::Kind::Text),
        ],
    };
    for kind in [ModelKind::Marginals, ModelKind::Copula, ModelKind::Ctgan] {
        let opts = FitOptions {
            kind,
            ctgan: Some(quick_ctgan()),
            ..FitOptions::default()
        };
        let (model, notes) = fit(&table, &schema, &opts, &mut |_| {}).unwrap();
        assert_eq!(notes.dropped, vec!["note".to_string()]);
        let dir = tempfile::tempdir().unwrap();
        model.save(dir.path()).unwrap();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("48.123"), "{kind}: distinctive value leaked");
            assert!(!text.contains("zebra"), "{kind}: text column leaked");
        }
    }
}
