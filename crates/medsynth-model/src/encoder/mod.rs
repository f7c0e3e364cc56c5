//! The reversible encoder between table columns and the GAN's data vector.
//!
//! Layout per column, in schema order:
//! - numeric (continuous, integer, datetime as seconds): one `tanh` scalar
//!   α = (x − μ_k)/(4σ_k) followed by a softmax block over the mixture modes
//!   k (CTGAN's mode-specific normalisation), plus one extra slot meaning
//!   "missing" when the column has missing cells;
//! - discrete (categorical, boolean): a softmax block over the labels, plus a
//!   "missing" slot when needed. A column with a long tail of rare labels
//!   (diagnosis codes: ~750 labels, ~710 of them under 0.5 % of rows) can give
//!   the rare ones one shared "tail" slot ([`CategoryTail`]): the generator
//!   learns when a row is "some rare code", and decoding draws which one from
//!   the tail's counts. Marginals stay right in expectation; relations of an
//!   individual rare code with other columns are not learned (and cannot be
//!   memorised). On diabetes130 this shrinks the data vector from 2,210 to
//!   353 values, which is what the network's cost scales with.
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
    Numeric {
        gmm: Gmm,
        has_missing: bool,
    },
    Discrete {
        n_labels: usize,
        has_missing: bool,
        /// Rare labels sharing one slot; `None` (and absent in older model
        /// files): one slot per label.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tail: Option<CategoryTail>,
    },
}

/// The labels of a discrete column that share one "tail" slot, with their
/// counts (what decoding draws from). Built from category counts only, so a
/// DP or federated encoder could use it on released counts too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryTail {
    /// Labels with a slot of their own, in slot order; the tail slot follows.
    pub head: Vec<u32>,
    /// Labels in the tail slot, and their counts.
    pub labels: Vec<u32>,
    pub counts: Vec<f64>,
}

/// When a discrete column's rare labels share a tail slot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TailOptions {
    /// Columns with at most this many labels keep one slot per label.
    pub min_labels: usize,
    /// Labels holding less than this share of the column's non-missing
    /// cells go to the tail (0 disables tails).
    pub share: f64,
}

impl TailOptions {
    /// No tails: one slot per label (the DP and federated encoders).
    pub const OFF: TailOptions = TailOptions {
        min_labels: usize::MAX,
        share: 0.0,
    };
}

impl CategoryTail {
    /// The tail for `counts` under `opts`, or `None` when the column keeps
    /// one slot per label (few labels, or fewer than two rare ones: a tail of
    /// one label would be a plain slot).
    pub fn from_counts(counts: &[f64], opts: TailOptions) -> Option<Self> {
        if counts.len() <= opts.min_labels || opts.share <= 0.0 {
            return None;
        }
        let total: f64 = counts.iter().sum();
        let rare = |c: f64| c < opts.share * total;
        let labels: Vec<u32> = (0..counts.len() as u32)
            .filter(|&i| rare(counts[i as usize]))
            .collect();
        if labels.len() < 2 {
            return None;
        }
        Some(CategoryTail {
            head: (0..counts.len() as u32)
                .filter(|&i| !rare(counts[i as usize]))
                .collect(),
            counts: labels.iter().map(|&i| counts[i as usize]).collect(),
            labels,
        })
    }

    /// Slot of each label (tail labels → the tail slot `head.len()`).
    fn slot_of_label(&self, n_labels: usize) -> Vec<u32> {
        let mut map = vec![self.head.len() as u32; n_labels];
        for (slot, &l) in self.head.iter().enumerate() {
            if let Some(m) = map.get_mut(l as usize) {
                *m = slot as u32;
            }
        }
        map
    }

    /// Cumulative tail probabilities ∝ counts (for drawing a label).
    fn cumulative(&self) -> Vec<f64> {
        let total: f64 = self.counts.iter().sum();
        let mut acc = 0.0;
        self.counts
            .iter()
            .map(|c| {
                acc += c;
                if total > 0.0 { acc / total } else { 1.0 }
            })
            .collect()
    }
}

impl ColumnEncoding {
    /// Width of the softmax block.
    pub fn slots(&self) -> usize {
        match self {
            ColumnEncoding::Numeric { gmm, has_missing } => {
                gmm.n_modes() + usize::from(*has_missing)
            }
            ColumnEncoding::Discrete { has_missing, .. } => {
                self.label_slots() + usize::from(*has_missing)
            }
        }
    }

    /// Slots of a discrete column that stand for labels (the missing slot,
    /// if any, follows them); 0 for numeric columns.
    pub fn label_slots(&self) -> usize {
        match self {
            ColumnEncoding::Numeric { .. } => 0,
            ColumnEncoding::Discrete { n_labels, tail, .. } => {
                tail.as_ref().map_or(*n_labels, |t| t.head.len() + 1)
            }
        }
    }

    /// Per-slot counts of a discrete column from its per-label counts and
    /// missing count (tail labels summed into the tail slot).
    pub fn slot_counts(&self, counts: &[f64], missing: f64) -> Vec<f64> {
        let mut out = vec![0.0; self.slots()];
        match self {
            ColumnEncoding::Discrete {
                n_labels,
                tail: Some(t),
                ..
            } => {
                let map = t.slot_of_label(*n_labels);
                for (l, &c) in counts.iter().enumerate() {
                    if let Some(&s) = map.get(l) {
                        out[s as usize] += c;
                    }
                }
            }
            _ => {
                for (o, &c) in out.iter_mut().zip(counts) {
                    *o = c;
                }
            }
        }
        let labels = self.label_slots();
        if let Some(m) = out.get_mut(labels) {
            *m = missing;
        }
        out
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
    /// Builds the encoder from column statistics, one slot per label.
    pub fn from_stats(stats: &[ColumnStats], opts: GmmOptions) -> Self {
        Self::from_stats_with_tails(stats, opts, TailOptions::OFF)
    }

    /// Builds the encoder from column statistics, giving the rare labels of
    /// long-tailed columns a shared slot as `tails` says.
    pub fn from_stats_with_tails(
        stats: &[ColumnStats],
        opts: GmmOptions,
        tails: TailOptions,
    ) -> Self {
        let columns = stats
            .iter()
            .map(|s| match s {
                ColumnStats::Numeric { histogram, missing } => ColumnEncoding::Numeric {
                    gmm: gmm::fit(histogram, opts),
                    has_missing: *missing > 0.0,
                },
                ColumnStats::Discrete {
                    labels,
                    counts,
                    missing,
                } => ColumnEncoding::Discrete {
                    n_labels: labels.len().max(1),
                    has_missing: *missing > 0.0,
                    tail: CategoryTail::from_counts(counts, tails),
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

    /// The slot of a category index (missing → the extra slot, a tail
    /// label → the tail slot).
    pub fn discrete_slot(&self, column: usize, category: u32) -> u32 {
        match &self.columns[column] {
            c @ ColumnEncoding::Discrete { .. } if category == MISSING => c.label_slots() as u32,
            ColumnEncoding::Discrete {
                n_labels,
                tail: Some(t),
                ..
            } => t
                .slot_of_label(*n_labels)
                .get(category as usize)
                .copied()
                .unwrap_or(t.head.len() as u32),
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
                (c @ ColumnEncoding::Discrete { n_labels, tail, .. }, RawColumn::Discrete(idx)) => {
                    let missing = c.label_slots() as u32;
                    let map = tail.as_ref().map(|t| t.slot_of_label(*n_labels));
                    slots.push(
                        idx.iter()
                            .map(|&i| match (&map, i) {
                                (_, MISSING) => missing,
                                (Some(m), i) => m.get(i as usize).copied().unwrap_or(missing),
                                (None, i) => i,
                            })
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
    /// through the chosen mode; a tail slot becomes one of its labels drawn
    /// ∝ count from `rng`, which is not touched when no column has a tail).
    /// `forced` pins discrete columns to a slot.
    pub fn decode(
        &self,
        m: &Matrix,
        forced: &[(usize, u32)],
        out: &mut [RawColumn],
        rng: &mut impl Rng,
    ) {
        let d = self.data_dim;
        let tails: Vec<Option<(&CategoryTail, Vec<f64>)>> = self
            .columns
            .iter()
            .map(|c| match c {
                ColumnEncoding::Discrete { tail: Some(t), .. } => Some((t, t.cumulative())),
                _ => None,
            })
            .collect();
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
                    (ColumnEncoding::Discrete { .. }, RawColumn::Discrete(v)) => {
                        let slot = match forced.iter().find(|f| f.0 == c) {
                            Some(&(_, s)) => s as usize,
                            None => argmax(&row[at..at + col.slots()]),
                        };
                        v.push(match &tails[c] {
                            Some((t, _)) if slot < t.head.len() => t.head[slot],
                            Some((t, cum)) if slot == t.head.len() => {
                                let r: f64 = rng.random();
                                let k = cum.partition_point(|&x| x <= r).min(cum.len() - 1);
                                t.labels[k]
                            }
                            Some(_) => MISSING,
                            None if slot >= col.label_slots() => MISSING,
                            None => slot as u32,
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
            enc.decode(&m, &[], &mut out, &mut rng);
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

    /// A discrete column with 60 labels: labels 0–9 common, 10–59 rare.
    fn long_tail_stats() -> (Vec<ColumnStats>, Vec<u32>) {
        let mut cats = Vec::new();
        for l in 0..60u32 {
            let n = if l < 10 { 500 } else { 1 + l % 3 };
            cats.extend(std::iter::repeat_n(l, n as usize));
        }
        cats.push(MISSING);
        let mut counts = vec![0.0; 60];
        for &c in cats.iter().filter(|&&c| c != MISSING) {
            counts[c as usize] += 1.0;
        }
        let stats = vec![ColumnStats::Discrete {
            labels: (0..60).map(|i| format!("L{i}")).collect(),
            counts,
            missing: 1.0,
        }];
        (stats, cats)
    }

    #[test]
    fn rare_labels_share_a_tail_slot_and_decode_in_proportion() {
        let (stats, cats) = long_tail_stats();
        let opts = TailOptions {
            min_labels: 50,
            share: 0.001,
        };
        let enc = Encoder::from_stats_with_tails(&stats, GmmOptions::default(), opts);
        // 10 common labels + tail + missing.
        assert_eq!(enc.data_dim, 12);
        assert_eq!(enc.columns[0].label_slots(), 11);
        let counts = match &stats[0] {
            ColumnStats::Discrete { counts, .. } => counts.clone(),
            _ => unreachable!(),
        };
        let slot_counts = enc.columns[0].slot_counts(&counts, 1.0);
        assert_eq!(slot_counts.len(), 12);
        assert_eq!(slot_counts[0], 500.0);
        let tail_total: f64 = counts[10..].iter().sum();
        assert_eq!(slot_counts[10], tail_total);
        assert_eq!(slot_counts[11], 1.0);
        assert_eq!(enc.discrete_slot(0, 3), 3);
        assert_eq!(enc.discrete_slot(0, 42), 10);
        assert_eq!(enc.discrete_slot(0, MISSING), 11);

        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let raw = vec![RawColumn::Discrete(cats.clone())];
        let e = enc.encode(&raw, &mut rng);
        let idx: Vec<usize> = (0..e.n).collect();
        let mut m = Matrix::zeros(e.n, enc.data_dim);
        enc.fill(&e, &idx, &mut m);
        let mut out = enc.empty_output(e.n);
        enc.decode(&m, &[], &mut out, &mut rng);
        let RawColumn::Discrete(back) = &out[0] else {
            panic!("discrete column expected")
        };
        for (a, b) in cats.iter().zip(back) {
            if *a == MISSING || *a < 10 {
                assert_eq!(a, b, "common labels and missing round-trip exactly");
            } else {
                assert!((10..60).contains(b), "a tail label decodes to a tail label");
            }
        }
        // Many draws from the tail slot follow the tail's counts.
        let n = 60_000;
        let mut only_tail = Matrix::zeros(n, enc.data_dim);
        for i in 0..n {
            only_tail.data[i * enc.data_dim + 10] = 1.0;
        }
        let mut out = enc.empty_output(n);
        enc.decode(&only_tail, &[], &mut out, &mut rng);
        let RawColumn::Discrete(drawn) = &out[0] else {
            panic!("discrete column expected")
        };
        let mut freq = vec![0.0; 60];
        drawn
            .iter()
            .for_each(|&l| freq[l as usize] += 1.0 / n as f64);
        for l in 10..60 {
            let expected = counts[l] / tail_total;
            assert!(
                (freq[l] - expected).abs() < 0.01,
                "label {l}: {} vs {expected}",
                freq[l]
            );
        }
    }

    #[test]
    fn columns_with_few_labels_or_tails_off_keep_one_slot_per_label() {
        let (stats, _) = long_tail_stats();
        let few = TailOptions {
            min_labels: 60,
            share: 0.001,
        };
        for opts in [few, TailOptions::OFF] {
            let enc = Encoder::from_stats_with_tails(&stats, GmmOptions::default(), opts);
            assert_eq!(enc.data_dim, 61);
            assert!(matches!(
                enc.columns[0],
                ColumnEncoding::Discrete { tail: None, .. }
            ));
        }
        // Older model files have no `tail` field.
        let old: ColumnEncoding =
            serde_json::from_str(r#"{"type":"discrete","n_labels":3,"has_missing":false}"#)
                .expect("old encoding parses");
        assert_eq!(old.slots(), 3);
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
