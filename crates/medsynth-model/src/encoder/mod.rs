//! The reversible encoder between table columns and the GAN's data vector.
//!
//! Layout per column, in schema order:
//! - numeric (continuous, integer, datetime as seconds): one `tanh` scalar
//!   α = (x − μ_k)/(4σ_k) followed by a softmax block over the mixture modes
//!   k (CTGAN's mode-specific normalisation), plus one extra slot meaning
//!   "missing" when the column has missing cells;
//! - discrete (categorical, boolean): a softmax block over the labels, plus a
//!   "missing" slot when needed.
//!
//! The encoder is built from [`ColumnStats`] only (histograms and counts),
//! never from rows, so that it can come from merged federated statistics or
//! from DP-noised ones. Rows are kept compactly (one slot and one α per
//! column) and expanded into dense batches on demand: a dense copy of
//! diabetes130 would take gigabytes.

pub mod gmm;

use medsynth_nn::{CondColumn, Matrix, OutputSpan, SpanActivation};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::spec::{MISSING, RawColumn};
use crate::stats::ColumnStats;
use gmm::{Gmm, GmmOptions};

/// α is clipped inside tanh's range so the generator can reach it.
const ALPHA_CLIP: f64 = 0.99;

/// How one column is encoded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnEncoding {
    Numeric { gmm: Gmm, has_missing: bool },
    Discrete { n_labels: usize, has_missing: bool },
}

impl ColumnEncoding {
    /// Width of the softmax block.
    pub fn slots(&self) -> usize {
        match self {
            ColumnEncoding::Numeric { gmm, has_missing } => {
                gmm.n_modes() + usize::from(*has_missing)
            }
            ColumnEncoding::Discrete {
                n_labels,
                has_missing,
            } => n_labels + usize::from(*has_missing),
        }
    }

    /// Width in the data vector.
    pub fn width(&self) -> usize {
        match self {
            ColumnEncoding::Numeric { .. } => 1 + self.slots(),
            ColumnEncoding::Discrete { .. } => self.slots(),
        }
    }
}

/// The encoder: per-column encodings plus the derived layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoder {
    pub columns: Vec<ColumnEncoding>,
    /// Start of each column's block in the data vector.
    pub offsets: Vec<usize>,
    pub data_dim: usize,
    /// For each column, its index into `cond_columns` (discrete columns only).
    pub cond_index: Vec<Option<usize>>,
    pub cond_columns: Vec<CondColumn>,
    pub cond_dim: usize,
    pub spans: Vec<OutputSpan>,
}

/// Rows in encoded, compact form: for each column the softmax slot and (for
/// numeric columns) α.
#[derive(Debug, Clone)]
pub struct EncodedRows {
    pub n: usize,
    pub slots: Vec<Vec<u32>>,
    pub alphas: Vec<Vec<f32>>,
}

impl Encoder {
    /// Builds the encoder from column statistics.
    pub fn from_stats(stats: &[ColumnStats], opts: GmmOptions) -> Self {
        let columns = stats
            .iter()
            .map(|s| match s {
                ColumnStats::Numeric { histogram, missing } => ColumnEncoding::Numeric {
                    gmm: gmm::fit(histogram, opts),
                    has_missing: *missing > 0.0,
                },
                ColumnStats::Discrete {
                    labels, missing, ..
                } => ColumnEncoding::Discrete {
                    n_labels: labels.len().max(1),
                    has_missing: *missing > 0.0,
                },
            })
            .collect();
        Self::from_columns(columns)
    }

    /// Derives the layout from the per-column encodings (used when loading a model).
    pub fn from_columns(columns: Vec<ColumnEncoding>) -> Self {
        let mut offsets = Vec::new();
        let mut spans = Vec::new();
        let mut cond_index = Vec::new();
        let mut cond_columns = Vec::new();
        let mut at = 0;
        let mut cond_at = 0;
        for c in &columns {
            offsets.push(at);
            match c {
                ColumnEncoding::Numeric { .. } => {
                    spans.push(OutputSpan {
                        start: at,
                        width: 1,
                        activation: SpanActivation::Tanh,
                    });
                    spans.push(OutputSpan {
                        start: at + 1,
                        width: c.slots(),
                        activation: SpanActivation::Softmax,
                    });
                    cond_index.push(None);
                }
                ColumnEncoding::Discrete { .. } => {
                    spans.push(OutputSpan {
                        start: at,
                        width: c.slots(),
                        activation: SpanActivation::Softmax,
                    });
                    cond_index.push(Some(cond_columns.len()));
                    cond_columns.push(CondColumn {
                        output_start: at,
                        cond_start: cond_at,
                        width: c.slots(),
                    });
                    cond_at += c.slots();
                }
            }
            at += c.width();
        }
        Encoder {
            columns,
            offsets,
            data_dim: at,
            cond_index,
            cond_columns,
            cond_dim: cond_at,
            spans,
        }
    }

    /// The slot of a category index (missing → the extra slot).
    pub fn discrete_slot(&self, column: usize, category: u32) -> u32 {
        match &self.columns[column] {
            ColumnEncoding::Discrete { n_labels, .. } if category == MISSING => *n_labels as u32,
            _ => category,
        }
    }

    /// Encodes rows; a numeric value's mode is drawn from its posterior (as
    /// CTGAN does), which is why this takes an RNG.
    pub fn encode(&self, raw: &[RawColumn], rng: &mut impl Rng) -> EncodedRows {
        let n = raw.first().map_or(0, RawColumn::len);
        let mut slots = Vec::with_capacity(raw.len());
        let mut alphas = Vec::with_capacity(raw.len());
        let mut post = vec![0.0; 16];
        for (c, col) in self.columns.iter().zip(raw) {
            match (c, col) {
                (ColumnEncoding::Numeric { gmm, .. }, RawColumn::Numeric(values)) => {
                    let mut s = Vec::with_capacity(n);
                    let mut a = Vec::with_capacity(n);
                    post.resize(gmm.n_modes().max(1), 0.0);
                    for &x in values {
                        if !x.is_finite() {
                            s.push(gmm.n_modes() as u32);
                            a.push(0.0);
                            continue;
                        }
                        gmm.posterior(x, &mut post);
                        // Modes that would clip α cannot reproduce x: leave them out
                        // (unless every mode would, then keep the nearest one).
                        let fits = |k: usize| {
                            ((x - gmm.means[k]) / (4.0 * gmm.sds[k])).abs() <= ALPHA_CLIP
                        };
                        if (0..gmm.n_modes()).any(fits) {
                            let mut total = 0.0;
                            for (k, p) in post.iter_mut().enumerate().take(gmm.n_modes()) {
                                if !fits(k) {
                                    *p = 0.0;
                                }
                                total += *p;
                            }
                            if total > 0.0 {
                                post.iter_mut().for_each(|p| *p /= total);
                            } else if let Some(k) = (0..gmm.n_modes()).find(|&k| fits(k)) {
                                post.iter_mut()
                                    .enumerate()
                                    .for_each(|(j, p)| *p = if j == k { 1.0 } else { 0.0 });
                            }
                        }
                        let r: f64 = rng.random();
                        let mut acc = 0.0;
                        let mut k = gmm.n_modes() - 1;
                        for (j, p) in post.iter().enumerate().take(gmm.n_modes()) {
                            acc += p;
                            if r < acc {
                                k = j;
                                break;
                            }
                        }
                        let alpha = ((x - gmm.means[k]) / (4.0 * gmm.sds[k]))
                            .clamp(-ALPHA_CLIP, ALPHA_CLIP);
                        s.push(k as u32);
                        a.push(alpha as f32);
                    }
                    slots.push(s);
                    alphas.push(a);
                }
                (ColumnEncoding::Discrete { n_labels, .. }, RawColumn::Discrete(idx)) => {
                    slots.push(
                        idx.iter()
                            .map(|&i| if i == MISSING { *n_labels as u32 } else { i })
                            .collect(),
                    );
                    alphas.push(Vec::new());
                }
                // Statistics and rows come from the same `prepare`, so kinds agree;
                // a mismatch encodes as missing rather than panicking.
                (c, _) => {
                    slots.push(vec![(c.slots().saturating_sub(1)) as u32; n]);
                    alphas.push(vec![0.0; n]);
                }
            }
        }
        EncodedRows { n, slots, alphas }
    }

    /// Writes the dense data vectors of `rows` into `out` (rows × data_dim).
    pub fn fill(&self, enc: &EncodedRows, rows: &[usize], out: &mut Matrix) {
        out.data.iter_mut().for_each(|v| *v = 0.0);
        let d = self.data_dim;
        for (i, &r) in rows.iter().enumerate() {
            let row = &mut out.data[i * d..(i + 1) * d];
            for (c, col) in self.columns.iter().enumerate() {
                let at = self.offsets[c];
                let slot = enc.slots[c][r] as usize;
                match col {
                    ColumnEncoding::Numeric { .. } => {
                        row[at] = enc.alphas[c][r];
                        row[at + 1 + slot] = 1.0;
                    }
                    ColumnEncoding::Discrete { .. } => row[at + slot] = 1.0,
                }
            }
        }
    }

    /// Decodes generated rows (argmax of each softmax block; α mapped back
    /// through the chosen mode). `forced` pins discrete columns to a slot.
    pub fn decode(&self, m: &Matrix, forced: &[(usize, u32)], out: &mut [RawColumn]) {
        let d = self.data_dim;
        for i in 0..m.rows {
            let row = &m.data[i * d..(i + 1) * d];
            for (c, col) in self.columns.iter().enumerate() {
                let at = self.offsets[c];
                match (col, &mut out[c]) {
                    (ColumnEncoding::Numeric { gmm, has_missing }, RawColumn::Numeric(v)) => {
                        let k = argmax(&row[at + 1..at + 1 + col.slots()]);
                        if *has_missing && k == gmm.n_modes() {
                            v.push(f64::NAN);
                        } else {
                            let alpha = (row[at] as f64).clamp(-1.0, 1.0);
                            v.push(gmm.means[k] + 4.0 * gmm.sds[k] * alpha);
                        }
                    }
                    (ColumnEncoding::Discrete { n_labels, .. }, RawColumn::Discrete(v)) => {
                        let slot = match forced.iter().find(|f| f.0 == c) {
                            Some(&(_, s)) => s as usize,
                            None => argmax(&row[at..at + col.slots()]),
                        };
                        v.push(if slot >= *n_labels {
                            MISSING
                        } else {
                            slot as u32
                        });
                    }
                    (_, RawColumn::Numeric(v)) => v.push(f64::NAN),
                    (_, RawColumn::Discrete(v)) => v.push(MISSING),
                }
            }
        }
    }

    /// Empty output columns of the right kinds.
    pub fn empty_output(&self, capacity: usize) -> Vec<RawColumn> {
        self.columns
            .iter()
            .map(|c| match c {
                ColumnEncoding::Numeric { .. } => RawColumn::Numeric(Vec::with_capacity(capacity)),
                ColumnEncoding::Discrete { .. } => {
                    RawColumn::Discrete(Vec::with_capacity(capacity))
                }
            })
            .collect()
    }
}

fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Histogram;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn stats_for(xs: &[f64], cats: &[u32], n_labels: usize) -> Vec<ColumnStats> {
        let mut h = Histogram::new(-50.0, 150.0, false);
        let mut missing = 0.0;
        for &x in xs {
            if x.is_finite() {
                h.add(x, 1.0)
            } else {
                missing += 1.0
            }
        }
        let mut counts = vec![0.0; n_labels];
        let mut cm = 0.0;
        for &c in cats {
            if c == MISSING {
                cm += 1.0
            } else {
                counts[c as usize] += 1.0
            }
        }
        vec![
            ColumnStats::Numeric {
                histogram: h,
                missing,
            },
            ColumnStats::Discrete {
                labels: (0..n_labels).map(|i| i.to_string()).collect(),
                counts,
                missing: cm,
            },
        ]
    }

    proptest! {
        #[test]
        fn encode_decode_round_trips(
            rows in prop::collection::vec((prop::option::of(-50.0f64..150.0), prop::option::of(0u32..5)), 1..60),
            seed in 0u64..1000,
        ) {
            let xs: Vec<f64> = rows.iter().map(|r| r.0.unwrap_or(f64::NAN)).collect();
            let cats: Vec<u32> = rows.iter().map(|r| r.1.unwrap_or(MISSING)).collect();
            let stats = stats_for(&xs, &cats, 5);
            let enc = Encoder::from_stats(&stats, GmmOptions::default());
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let raw = vec![RawColumn::Numeric(xs.clone()), RawColumn::Discrete(cats.clone())];
            let e = enc.encode(&raw, &mut rng);
            let idx: Vec<usize> = (0..e.n).collect();
            let mut m = Matrix::zeros(e.n, enc.data_dim);
            enc.fill(&e, &idx, &mut m);
            let mut out = enc.empty_output(e.n);
            enc.decode(&m, &[], &mut out);
            let (RawColumn::Numeric(x2), RawColumn::Discrete(c2)) = (&out[0], &out[1]) else { panic!() };
            prop_assert_eq!(c2, &cats);
            for (a, b) in xs.iter().zip(x2) {
                if a.is_finite() {
                    // α is clipped at 0.99, so values beyond ~4σ of their mode are
                    // pulled in; within the data's range the f32 round trip is tight.
                    prop_assert!((a - b).abs() < 1e-3 * 200.0 || (a - b).abs() / a.abs().max(1.0) < 0.05, "{} vs {}", a, b);
                } else {
                    prop_assert!(b.is_nan());
                }
            }
        }
    }

    #[test]
    fn layout_lists_spans_and_cond_columns_in_order() {
        let stats = stats_for(&[1.0, 2.0, f64::NAN], &[0, 1, 1], 2);
        let enc = Encoder::from_stats(&stats, GmmOptions::default());
        let modes = match &enc.columns[0] {
            ColumnEncoding::Numeric { gmm, .. } => gmm.n_modes(),
            _ => unreachable!(),
        };
        assert_eq!(enc.spans[0].activation, SpanActivation::Tanh);
        assert_eq!(enc.spans[1].width, modes + 1);
        assert_eq!(enc.cond_columns.len(), 1);
        assert_eq!(enc.cond_columns[0].output_start, 2 + modes);
        assert_eq!(enc.cond_dim, 2);
        assert_eq!(enc.data_dim, 2 + modes + 2);
    }
}
