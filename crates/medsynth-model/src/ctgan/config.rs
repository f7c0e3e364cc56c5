//! CTGAN hyper-parameters, with defaults chosen by table size.
//!
//! Training is budgeted in optimiser steps, not epochs: with CTGAN's batch of
//! 500 a 212-row table gets one step per "epoch", so SDV's 300 epochs are
//! 300 steps and the model stays near random. Small tables get small
//! batches, many steps and model selection; large tables get CTGAN's batch.

use serde::{Deserialize, Serialize};

/// Everything that shapes a CTGAN fit. Serialised into the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CtganConfig {
    /// Generator updates (each preceded by `critic_steps` critic updates).
    pub steps: u64,
    pub batch: usize,
    pub pac: usize,
    pub noise_dim: usize,
    pub generator_hidden: Vec<usize>,
    pub critic_hidden: Vec<usize>,
    pub critic_steps: usize,
    pub lr_generator: f32,
    pub lr_critic: f32,
    pub betas: (f32, f32),
    pub weight_decay: f32,
    pub critic_dropout: f32,
    pub gp_lambda: f32,
    pub gumbel_tau: f32,
    /// Decay of the exponential moving average of generator weights (0 = off).
    /// Averaging smooths the GAN's oscillation and is what gets sampled.
    pub ema_decay: f32,
    /// Evaluate the cheap fidelity score every this many steps (0 = never)
    /// and keep the best snapshot.
    pub eval_every: u64,
    /// Rows generated per evaluation.
    pub eval_rows: usize,
    /// Write a resumable checkpoint every this many steps (0 = never).
    pub checkpoint_every: u64,
    /// Most mixture modes per numeric column.
    pub max_modes: usize,
    /// GEMM threads (0 = all cores).
    pub threads: usize,
    /// The outcome column (model column index), when the schema or `--target`
    /// names one. Training conditions on it in `target_cond_share` of the
    /// rows (instead of 1/number-of-discrete-columns) and sampling draws every
    /// row's condition from it, so the generator is trained hardest on, and
    /// sampled through, P(features | outcome): the relation a downstream
    /// classifier needs.
    #[serde(default)]
    pub target_column: Option<usize>,
    /// Share of training conditions that pick the target column (0 = plain
    /// CTGAN: a uniformly drawn discrete column).
    #[serde(default)]
    pub target_cond_share: f32,
    /// Long-tailed discrete columns: labels under `tail_share` of a column's
    /// cells share one slot, decoded by drawing a label ∝ its count (see
    /// [`crate::encoder::CategoryTail`]); only in columns with more than
    /// `tail_min_labels` labels. `tail_share` 0 (and older model files) = off.
    #[serde(default)]
    pub tail_share: f64,
    #[serde(default)]
    pub tail_min_labels: usize,
}

impl CtganConfig {
    /// Training tables of at most this many rows get the small-table
    /// defaults (small batches, many steps, finer selection). Callers that
    /// tune around the same regime (single-threaded GEMM for batches of 50,
    /// federated learning-rate scaling) use this constant too.
    pub const SMALL_TABLE_ROWS: usize = 2_000;

    /// Defaults for a training table of `n_rows` rows.
    pub fn for_rows(n_rows: usize) -> Self {
        // Small tables: pac 2 and 6,000 steps of 50 rows (heart, seeds 0–2:
        // quality 0.906, pairs 0.855, TSTR AUC 0.880, vs 0.890 / 0.829 / 0.843
        // at CTGAN's pac 10 with 3,000 steps of 100, where the critic sees only
        // 10 samples per step; the same rows seen, in more, cheaper steps).
        //
        // Small tables also get 128-wide networks: on heart (seeds 0–5, pac 2,
        // 6,000 steps) 256-wide ones gave pairs 0.848, TSTR AUC 0.875, share
        // closer to train 0.623 in 20 s; 128-wide ones 0.847 / 0.885 / 0.607
        // in 9.5 s, and sampling is ~2× faster. 212 rows do not need the width.
        //
        // 5,000 steps rather than 6,000 since selection got finer (below):
        // heart, seeds 0–5, quality 0.903 / pairs 0.854 / AUC 0.885 against
        // 0.903 / 0.854 / 0.887 at 6,000, in 17 % less time.
        let (steps, batch, pac, width) = match n_rows {
            0..=Self::SMALL_TABLE_ROWS => (5_000, 50, 2, 128),
            n if n <= 20_000 => (4_000, 300, 10, 256),
            _ => (5_000, 500, 10, 256),
        };
        // Snapshot selection: small tables are scored twice as often and on
        // 5,000 generated rows instead of 1,000 (heart, seeds 0–5, 6,000
        // steps: pairs 0.854 vs 0.847, TSTR AUC 0.887 vs 0.885; the 30
        // evaluations take ~3 % of the fit). On 1,000 rows the score's
        // sampling noise is as large as the differences between late
        // snapshots, so selection partly picked at random.
        let (eval_every, eval_rows) = if n_rows <= Self::SMALL_TABLE_ROWS {
            ((steps / 30).max(1), 5_000)
        } else {
            ((steps / 15).max(1), n_rows.clamp(1_000, 5_000))
        };
        CtganConfig {
            steps,
            batch,
            pac,
            noise_dim: 128,
            generator_hidden: vec![width, width],
            critic_hidden: vec![width, width],
            critic_steps: 1,
            lr_generator: 2e-4,
            lr_critic: 2e-4,
            betas: (0.5, 0.9),
            weight_decay: 1e-6,
            critic_dropout: 0.5,
            gp_lambda: 10.0,
            gumbel_tau: 0.2,
            ema_decay: 0.995,
            eval_every,
            eval_rows,
            checkpoint_every: 500,
            max_modes: 10,
            threads: 0,
            target_column: None,
            // Off: on heart (pac 2, seeds 0–2) conditioning half the training
            // rows and every sampled row on the outcome lowered pairs to 0.815
            // and TSTR AUC to 0.857 (from 0.847 / 0.875).
            target_cond_share: 0.0,
            // Diabetes130's three diagnosis columns (716–789 codes each) would
            // otherwise take 2,200 of the data vector's 2,210 values, and
            // network time scales with that width. Measured on its 71k-row
            // protocol split (seed 0): tails at 0.1 % → fit 439 s, quality
            // 0.866, pairs 0.762; at 0.5 % → 265 s, 0.865, 0.759 (without
            // tails the full table took 2,003 s). Tables whose columns have
            // ≤ 50 labels (heart, adult) are unaffected.
            tail_share: 0.005,
            tail_min_labels: 50,
        }
    }

    /// Sets the step budget, keeping the number of selection evaluations
    /// (so that `--steps` does not change how finely snapshots are compared).
    pub fn set_steps(&mut self, steps: u64) {
        if let Some(evaluations) = self.steps.checked_div(self.eval_every) {
            self.eval_every = (steps / evaluations.max(1)).max(1);
        }
        self.steps = steps;
    }

    /// The long-tail rule of these settings, for the encoder.
    pub fn tail_options(&self) -> crate::encoder::TailOptions {
        crate::encoder::TailOptions {
            min_labels: self.tail_min_labels,
            share: self.tail_share,
        }
    }

    /// Checks the values a user can set.
    pub fn validate(&self) -> Result<(), String> {
        if self.steps == 0 {
            return Err("steps must be at least 1".into());
        }
        if self.pac == 0 || self.batch == 0 || !self.batch.is_multiple_of(self.pac) {
            return Err(format!(
                "batch ({}) must be a positive multiple of pac ({})",
                self.batch, self.pac
            ));
        }
        if !(0.0..1.0).contains(&self.ema_decay) {
            return Err(format!("ema_decay {} must be in [0, 1)", self.ema_decay));
        }
        if !(0.0..=1.0).contains(&self.target_cond_share) {
            return Err(format!(
                "target_cond_share {} must be in [0, 1]",
                self.target_cond_share
            ));
        }
        if !(0.0..0.5).contains(&self.tail_share) {
            return Err(format!(
                "tail_share {} must be in [0, 0.5)",
                self.tail_share
            ));
        }
        if self.max_modes == 0 {
            return Err("max_modes must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_step_budget_keeps_the_number_of_selection_evaluations() {
        let mut small = CtganConfig::for_rows(212);
        assert_eq!(
            (small.steps / small.eval_every, small.eval_rows),
            (30, 5_000)
        );
        small.set_steps(3_000);
        assert_eq!((small.steps, small.eval_every), (3_000, 100));
        let mut large = CtganConfig::for_rows(50_000);
        assert_eq!(large.steps / large.eval_every, 15);
        large.set_steps(10);
        assert_eq!(large.eval_every, 1);
        let mut never = CtganConfig {
            eval_every: 0,
            ..CtganConfig::for_rows(212)
        };
        never.set_steps(100);
        assert_eq!((never.steps, never.eval_every), (100, 0));
    }
}
