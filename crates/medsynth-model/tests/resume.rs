//! An interrupted CTGAN fit resumed from its checkpoint ends with exactly
//! the same model as an uninterrupted one.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use medsynth_data::infer::{InferOptions, infer};
use medsynth_data::io::{ReadOptions, read_table};
use medsynth_model::fit::{FitOptions, fit};
use medsynth_model::{CtganConfig, ModelError, ModelKind};

const HEART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/heart_cleveland.csv"
);

#[test]
fn resume_continues_bit_identically() {
    let table = read_table(Path::new(HEART), &ReadOptions::default())
        .expect("heart_cleveland.csv must exist");
    let schema = infer(&table, &InferOptions::default()).schema;
    let mut cfg = CtganConfig::for_rows(table.n_rows());
    cfg.steps = 50;
    cfg.eval_every = 10;
    cfg.eval_rows = 200;
    cfg.checkpoint_every = 20;
    cfg.generator_hidden = vec![32, 32];
    cfg.critic_hidden = vec![32, 32];
    let base = FitOptions {
        kind: ModelKind::Ctgan,
        seed: 5,
        ctgan: Some(cfg),
        ..FitOptions::default()
    };
    let (straight, _) = fit(&table, &schema, &base, &mut |_| {}).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let stop = AtomicBool::new(false);
    let interrupted = FitOptions {
        checkpoint_dir: Some(dir.path()),
        stop: Some(&stop),
        ..base.clone()
    };
    let err = fit(&table, &schema, &interrupted, &mut |p| {
        if p.step == 27 {
            stop.store(true, Ordering::Relaxed);
        }
    })
    .unwrap_err();
    assert!(matches!(err, ModelError::Interrupted { step: 27 }), "{err}");
    assert!(dir.path().join("checkpoint.json").exists());

    let resumed_opts = FitOptions {
        checkpoint_dir: Some(dir.path()),
        resume: true,
        ..base.clone()
    };
    let mut first_step = None;
    let (resumed, notes) = fit(&table, &schema, &resumed_opts, &mut |p| {
        first_step.get_or_insert(p.step);
    })
    .unwrap();
    assert_eq!(notes.resumed_from, Some(27));
    assert_eq!(first_step, Some(28));
    assert_eq!(
        resumed.manifest.weights_sha256,
        straight.manifest.weights_sha256
    );
    assert_eq!(resumed.curve, straight.curve);
    assert!(
        !dir.path().join("checkpoint.json").exists(),
        "checkpoint removed after success"
    );
}
