//! CTGAN's training-by-sampling: conditional vectors pick a discrete column
//! uniformly and one of its categories with probability ∝ log(1 + count),
//! so rare categories are trained on far more often than their frequency;
//! real rows are then drawn among the rows holding that category.

use medsynth_nn::Matrix;
use rand::Rng;

use crate::encoder::{EncodedRows, Encoder};

/// Precomputed category distributions and row lists.
#[derive(Debug, Clone)]
pub struct CondSampler {
    /// Per cond column: the (model) column index it encodes.
    columns: Vec<usize>,
    /// Per cond column: cumulative log-frequency probabilities over slots.
    log_cum: Vec<Vec<f64>>,
    /// Per cond column: cumulative empirical probabilities (for sampling).
    freq_cum: Vec<Vec<f64>>,
    /// Per cond column and slot: the training rows holding it.
    rows: Vec<Vec<Vec<u32>>>,
    n_rows: usize,
    /// Cond column of the outcome and the share of training conditions on it.
    target: Option<(usize, f64)>,
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let w: Vec<f64> = weights.collect();
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x;
            if total > 0.0 { acc / total } else { 1.0 }
        })
        .collect()
}

fn draw(cum: &[f64], r: f64) -> usize {
    cum.partition_point(|&c| c <= r)
        .min(cum.len().saturating_sub(1))
}

impl CondSampler {
    pub fn new(encoder: &Encoder, enc: &EncodedRows) -> Self {
        let mut columns = Vec::new();
        let mut log_cum = Vec::new();
        let mut freq_cum = Vec::new();
        let mut rows = Vec::new();
        for (c, ci) in encoder.cond_index.iter().enumerate() {
            if ci.is_none() {
                continue;
            }
            let width = encoder.columns[c].slots();
            let mut lists: Vec<Vec<u32>> = vec![Vec::new(); width];
            for (r, &s) in enc.slots[c].iter().enumerate() {
                if let Some(l) = lists.get_mut(s as usize) {
                    l.push(r as u32);
                }
            }
            log_cum.push(cumulative(
                lists.iter().map(|l| (1.0 + l.len() as f64).ln()),
            ));
            freq_cum.push(cumulative(lists.iter().map(|l| l.len() as f64)));
            columns.push(c);
            rows.push(lists);
        }
        CondSampler {
            columns,
            log_cum,
            freq_cum,
            rows,
            n_rows: enc.n,
            target: None,
        }
    }

    /// Conditions on the outcome column (model column `column`) in `share`
    /// of the training rows and in every sampled row (see
    /// [`crate::ctgan::CtganConfig::target_column`]). No effect when the column is not
    /// discrete or `column` is `None`.
    pub fn with_target(mut self, encoder: &Encoder, column: Option<usize>, share: f32) -> Self {
        self.target = column
            .filter(|_| share > 0.0)
            .and_then(|c| encoder.cond_index.get(c).copied().flatten())
            .map(|k| (k, f64::from(share)));
        self
    }

    /// Empirical-frequency sampler from category counts alone (what a saved
    /// model needs at sampling time; no rows).
    pub fn for_sampling(encoder: &Encoder, counts: &[Vec<f64>]) -> Self {
        let mut columns = Vec::new();
        let mut freq_cum = Vec::new();
        let mut k = 0;
        for (c, ci) in encoder.cond_index.iter().enumerate() {
            if ci.is_some() {
                columns.push(c);
                freq_cum.push(cumulative(
                    counts
                        .get(k)
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|x| x.max(0.0)),
                ));
                k += 1;
            }
        }
        CondSampler {
            columns,
            log_cum: Vec::new(),
            freq_cum,
            rows: Vec::new(),
            n_rows: 0,
            target: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Fills `cond` (batch × cond_dim) for training; returns the selected cond
    /// column and slot of each row (`None` when the table has no discrete column).
    pub fn training_conds(
        &self,
        encoder: &Encoder,
        cond: &mut Matrix,
        selected: &mut [Option<usize>],
        slots: &mut [u32],
        rng: &mut impl Rng,
    ) {
        cond.data.iter_mut().for_each(|v| *v = 0.0);
        if self.columns.is_empty() {
            selected.iter_mut().for_each(|s| *s = None);
            return;
        }
        let cd = encoder.cond_dim;
        for i in 0..selected.len() {
            let k = match self.target {
                Some((t, share)) if rng.random::<f64>() < share => t,
                _ => rng.random_range(0..self.columns.len()),
            };
            let slot = draw(&self.log_cum[k], rng.random());
            cond.data[i * cd + encoder.cond_columns[k].cond_start + slot] = 1.0;
            selected[i] = Some(k);
            slots[i] = slot as u32;
        }
    }

    /// A random training row holding `slot` of cond column `k` (any row when
    /// `k` is `None`).
    pub fn real_row(&self, k: Option<usize>, slot: u32, rng: &mut impl Rng) -> usize {
        if let Some(k) = k
            && let Some(list) = self.rows.get(k).and_then(|l| l.get(slot as usize))
            && !list.is_empty()
        {
            return list[rng.random_range(0..list.len())] as usize;
        }
        rng.random_range(0..self.n_rows.max(1))
    }

    /// Fills `cond` for sampling: each row conditions on one discrete column
    /// (the outcome when one is set, else one drawn uniformly) and a category
    /// drawn by its real frequency (CTGAN's `sample_original_condvec`),
    /// unless `fixed` pins (cond column, slot).
    pub fn sampling_conds(
        &self,
        encoder: &Encoder,
        cond: &mut Matrix,
        fixed: Option<(usize, u32)>,
        rng: &mut impl Rng,
    ) {
        cond.data.iter_mut().for_each(|v| *v = 0.0);
        let cd = encoder.cond_dim;
        if cd == 0 {
            return;
        }
        for i in 0..cond.rows {
            let (k, slot) = match fixed {
                Some(f) => (f.0, f.1 as usize),
                None => {
                    let k = match self.target {
                        Some((t, _)) => t,
                        None => rng.random_range(0..self.columns.len()),
                    };
                    (k, draw(&self.freq_cum[k], rng.random()))
                }
            };
            cond.data[i * cd + encoder.cond_columns[k].cond_start + slot] = 1.0;
        }
    }
}
