//! The CTGAN training loop: budgeted in optimiser steps, with an exponential
//! moving average of the generator weights, periodic snapshot selection by a
//! cheap fidelity score, loss curves, and resumable checkpoints.
//!
//! Randomness comes from independent ChaCha8 streams derived from the seed
//! (initialisation, encoding, training, evaluation), so that resuming from a
//! checkpoint only has to restore the training stream's position to continue
//! bit-identically.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use medsynth_nn::{Gan, Matrix, NamedTensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::config::CtganConfig;
use super::gan_config;
use super::sampler::CondSampler;
use super::selection::{Binner, score_generator};
use crate::encoder::Encoder;
use crate::error::{ModelError, Result};
use crate::spec::RawColumn;
use crate::stats::ColumnStats;
use crate::tensors;

/// Sent to the caller's callback after every step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainProgress {
    pub step: u64,
    pub total_steps: u64,
    pub critic_loss: f32,
    pub generator_loss: f32,
    /// Best selection score so far (higher is better).
    pub best_score: Option<f64>,
}

/// One point of the loss curve (every step is recorded; the curve file is
/// small: ~60 bytes per step).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub step: u64,
    pub critic_loss: f32,
    pub wasserstein: f32,
    pub penalty: f32,
    pub generator_loss: f32,
    pub cond_loss: f32,
    /// Selection score when evaluated at this step.
    pub score: Option<f64>,
}

/// Where checkpoints go and whether to resume; `stop` lets the caller
/// interrupt (a checkpoint is written first).
#[derive(Debug, Default, Clone, Copy)]
pub struct TrainOptions<'a> {
    pub checkpoint_dir: Option<&'a Path>,
    pub resume: bool,
    pub stop: Option<&'a AtomicBool>,
}

/// The result of training.
#[derive(Debug, Clone)]
pub struct Trained {
    /// Generator tensors of the selected snapshot.
    pub generator: Vec<NamedTensor>,
    pub curve: Vec<CurvePoint>,
    pub best_step: u64,
    pub best_score: Option<f64>,
    /// Step the run resumed from, if any.
    pub resumed_from: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CheckpointMeta {
    step: u64,
    /// Word position of the training RNG stream (u128 as text: JSON numbers are f64).
    rng_word_pos: String,
    seed: u64,
    config: CtganConfig,
    data_dim: usize,
    best_step: u64,
    best_score: Option<f64>,
    curve: Vec<CurvePoint>,
}

const CKPT_WEIGHTS: &str = "checkpoint.safetensors";
const CKPT_META: &str = "checkpoint.json";

fn stream(seed: u64, purpose: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(purpose);
    r
}

/// `ema ← decay·ema + (1 − decay)·current` over the flat generator vector
/// (no tensor allocation per step).
fn ema_update(ema: &mut [f32], current: &[f32], decay: f32) {
    for (a, b) in ema.iter_mut().zip(current) {
        *a = decay * *a + (1.0 - decay) * b;
    }
}

/// Named generator tensors of a flat parameter vector, through `scratch`
/// (a generator of the same layout whose parameters may be overwritten).
fn tensors_of(scratch: &mut Gan, flat: &[f32]) -> Result<Vec<NamedTensor>> {
    scratch.set_generator_parameters(flat)?;
    Ok(scratch.export_parameters(false))
}

/// The flat generator vector of named tensors, through `scratch`.
fn flat_of(scratch: &mut Gan, tensors: &[NamedTensor]) -> Result<Vec<f32>> {
    scratch.import_parameters(tensors)?;
    Ok(scratch.generator_parameters().to_vec())
}

fn prefixed(prefix: &str, t: &[NamedTensor]) -> Vec<NamedTensor> {
    t.iter()
        .map(|x| NamedTensor {
            name: format!("{prefix}{}", x.name),
            shape: x.shape.clone(),
            data: x.data.clone(),
        })
        .collect()
}

/// `tensors` rearranged into the order (and checked against the names and
/// shapes) of `reference`: files store tensors sorted by name, while the EMA
/// update pairs tensors by position.
fn in_order_of(
    reference: &[NamedTensor],
    tensors: Vec<NamedTensor>,
    dir: &Path,
) -> Result<Vec<NamedTensor>> {
    let mut by_name: std::collections::HashMap<String, NamedTensor> =
        tensors.into_iter().map(|t| (t.name.clone(), t)).collect();
    reference
        .iter()
        .map(|r| match by_name.remove(&r.name) {
            Some(t) if t.shape == r.shape => Ok(t),
            _ => Err(ModelError::corrupt(
                dir.join(CKPT_WEIGHTS),
                format!("checkpoint lacks a valid tensor {}", r.name),
            )),
        })
        .collect()
}

fn unprefixed(prefix: &str, t: &[NamedTensor]) -> Vec<NamedTensor> {
    t.iter()
        .filter_map(|x| {
            x.name.strip_prefix(prefix).map(|n| NamedTensor {
                name: n.to_string(),
                shape: x.shape.clone(),
                data: x.data.clone(),
            })
        })
        .collect()
}

/// Trains the GAN on `raw` (rows in internal form) and returns the selected
/// generator. `progress` is called after every step.
pub fn train(
    encoder: &Encoder,
    raw: &[RawColumn],
    stats: &[ColumnStats],
    cfg: &CtganConfig,
    seed: u64,
    opts: TrainOptions<'_>,
    progress: &mut dyn FnMut(&TrainProgress),
) -> Result<Trained> {
    cfg.validate().map_err(ModelError::input)?;
    let gcfg = gan_config(encoder, cfg);
    let mut gan = Gan::new(gcfg.clone(), &mut stream(seed, 1))?;
    let encoded = encoder.encode(raw, &mut stream(seed, 2));
    let sampler = CondSampler::new(encoder, &encoded).with_target(
        encoder,
        cfg.target_column,
        cfg.target_cond_share,
    );
    let mut rng = stream(seed, 3);

    // Selection: compare generated rows with the training rows on binned
    // marginals and pairs.
    let binner = Binner::new(stats);
    let reference = binner.codes(raw);
    let mut eval_gan = gan.clone();

    let b = cfg.batch;
    let cd = encoder.cond_dim;
    let mut real = Matrix::zeros(b, encoder.data_dim);
    let mut cond_fake = Matrix::zeros(b, cd);
    let mut cond_real = Matrix::zeros(b, cd);
    let mut cond_gen = Matrix::zeros(b, cd);
    let mut selected = vec![None; b];
    let mut slots = vec![0u32; b];
    let mut rows = vec![0usize; b];
    let mut perm: Vec<usize> = (0..b).collect();

    let mut ema: Vec<f32> = gan.generator_parameters().to_vec();
    let mut best = ema.clone();
    let mut best_step = 0;
    let mut best_score: Option<f64> = None;
    let mut curve: Vec<CurvePoint> = Vec::with_capacity(cfg.steps as usize);
    let mut start = 0;
    let mut resumed_from = None;

    if let (Some(dir), true) = (opts.checkpoint_dir, opts.resume)
        && let Some((meta, saved)) = load_checkpoint(dir)?
    {
        if meta.seed != seed || meta.config != *cfg || meta.data_dim != encoder.data_dim {
            return Err(ModelError::input(format!(
                "checkpoint in {} was made with other data, seed or settings; remove it or fit without --resume",
                dir.display()
            )));
        }
        let core: Vec<NamedTensor> = saved
            .iter()
            .filter(|t| !t.name.starts_with("ema.") && !t.name.starts_with("best."))
            .cloned()
            .collect();
        gan.import_parameters(&core)?;
        let layout = gan.export_parameters(false);
        let saved_ema = in_order_of(&layout, unprefixed("ema.", &saved), dir)?;
        let saved_best = in_order_of(&layout, unprefixed("best.", &saved), dir)?;
        ema = flat_of(&mut eval_gan, &saved_ema)?;
        best = flat_of(&mut eval_gan, &saved_best)?;
        let pos: u128 = meta.rng_word_pos.parse().map_err(|_| {
            ModelError::corrupt(dir.join(CKPT_META), "rng_word_pos is not a number")
        })?;
        rng.set_word_pos(pos);
        start = meta.step;
        best_step = meta.best_step;
        best_score = meta.best_score;
        curve = meta.curve;
        resumed_from = Some(start);
    }

    for step in start + 1..=cfg.steps {
        if opts.stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            if let Some(dir) = opts.checkpoint_dir {
                let meta = meta_of(
                    step - 1,
                    &rng,
                    seed,
                    cfg,
                    encoder,
                    best_step,
                    best_score,
                    &curve,
                );
                let (e, b) = (
                    tensors_of(&mut eval_gan, &ema)?,
                    tensors_of(&mut eval_gan, &best)?,
                );
                save_checkpoint(dir, &gan, &e, &b, &meta)?;
            }
            return Err(ModelError::Interrupted { step: step - 1 });
        }
        let mut cstats = Default::default();
        for _ in 0..cfg.critic_steps {
            sampler.training_conds(encoder, &mut cond_fake, &mut selected, &mut slots, &mut rng);
            // Restart from the identity so that a step depends only on the RNG
            // position (what a checkpoint restores), not on earlier shuffles.
            perm.iter_mut().enumerate().for_each(|(i, p)| *p = i);
            rand::seq::SliceRandom::shuffle(perm.as_mut_slice(), &mut rng);
            for i in 0..b {
                let p = perm[i];
                rows[i] = sampler.real_row(selected[p], slots[p], &mut rng);
                if cd > 0 {
                    let (dst, src) = (i * cd, p * cd);
                    cond_real.data[dst..dst + cd].copy_from_slice(&cond_fake.data[src..src + cd]);
                }
            }
            encoder.fill(&encoded, &rows, &mut real);
            cstats = gan.critic_step(&real, &cond_real, &cond_fake, &mut rng)?;
        }
        sampler.training_conds(encoder, &mut cond_gen, &mut selected, &mut slots, &mut rng);
        let gstats = gan.generator_step(&cond_gen, &selected, &mut rng)?;
        if cfg.ema_decay > 0.0 {
            ema_update(&mut ema, gan.generator_parameters(), cfg.ema_decay);
        } else {
            ema.copy_from_slice(gan.generator_parameters());
        }
        let mut point = CurvePoint {
            step,
            critic_loss: cstats.loss,
            wasserstein: cstats.wasserstein,
            penalty: cstats.penalty,
            generator_loss: gstats.loss,
            cond_loss: gstats.cond_loss,
            score: None,
        };
        let evaluate = cfg.eval_every > 0 && (step % cfg.eval_every == 0 || step == cfg.steps);
        if evaluate {
            eval_gan.set_generator_parameters(&ema)?;
            let mut erng = stream(seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15), 4);
            let score = score_generator(
                &eval_gan,
                encoder,
                &sampler,
                &binner,
                &reference,
                cfg.eval_rows,
                &mut erng,
            )?;
            point.score = Some(score);
            if best_score.is_none_or(|b| score > b) {
                best_score = Some(score);
                best_step = step;
                best.clone_from(&ema);
            }
        }
        curve.push(point);
        progress(&TrainProgress {
            step,
            total_steps: cfg.steps,
            critic_loss: cstats.loss,
            generator_loss: gstats.loss,
            best_score,
        });
        if let Some(dir) = opts.checkpoint_dir
            && cfg.checkpoint_every > 0
            && step % cfg.checkpoint_every == 0
            && step < cfg.steps
        {
            let meta = meta_of(
                step, &rng, seed, cfg, encoder, best_step, best_score, &curve,
            );
            let (e, b) = (
                tensors_of(&mut eval_gan, &ema)?,
                tensors_of(&mut eval_gan, &best)?,
            );
            save_checkpoint(dir, &gan, &e, &b, &meta)?;
        }
    }
    if best_score.is_none() {
        best = ema;
        best_step = cfg.steps;
    }
    Ok(Trained {
        generator: tensors_of(&mut eval_gan, &best)?,
        curve,
        best_step,
        best_score,
        resumed_from,
    })
}

#[allow(clippy::too_many_arguments)]
fn meta_of(
    step: u64,
    rng: &ChaCha8Rng,
    seed: u64,
    cfg: &CtganConfig,
    encoder: &Encoder,
    best_step: u64,
    best_score: Option<f64>,
    curve: &[CurvePoint],
) -> CheckpointMeta {
    CheckpointMeta {
        step,
        rng_word_pos: rng.get_word_pos().to_string(),
        seed,
        config: cfg.clone(),
        data_dim: encoder.data_dim,
        best_step,
        best_score,
        curve: curve.to_vec(),
    }
}

fn save_checkpoint(
    dir: &Path,
    gan: &Gan,
    ema: &[NamedTensor],
    best: &[NamedTensor],
    meta: &CheckpointMeta,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, e))?;
    let mut all = gan.export_parameters(true);
    all.extend(prefixed("ema.", ema));
    all.extend(prefixed("best.", best));
    let bytes = tensors::to_bytes(&all)?;
    let json = serde_json::to_vec(meta)
        .map_err(|e| ModelError::input(format!("checkpoint metadata: {e}")))?;
    // Weights first, metadata last: the metadata file marks a complete checkpoint.
    medsynth_data::io::write_atomically(&dir.join(CKPT_WEIGHTS), |w| w.write_all(&bytes))?;
    medsynth_data::io::write_atomically(&dir.join(CKPT_META), |w| w.write_all(&json))?;
    Ok(())
}

fn load_checkpoint(dir: &Path) -> Result<Option<(CheckpointMeta, Vec<NamedTensor>)>> {
    let meta_path = dir.join(CKPT_META);
    if !meta_path.exists() {
        return Ok(None);
    }
    let text = std::fs::read(&meta_path).map_err(|e| ModelError::io(&meta_path, e))?;
    let meta: CheckpointMeta = serde_json::from_slice(&text)
        .map_err(|e| ModelError::corrupt(&meta_path, format!("unreadable checkpoint: {e}")))?;
    let wpath = dir.join(CKPT_WEIGHTS);
    let bytes = std::fs::read(&wpath).map_err(|e| ModelError::io(&wpath, e))?;
    let t = tensors::from_bytes(&bytes, &wpath)?;
    Ok(Some((meta, t)))
}

/// Removes the checkpoint files after a successful fit.
pub fn remove_checkpoint(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(CKPT_WEIGHTS));
    let _ = std::fs::remove_file(dir.join(CKPT_META));
}
