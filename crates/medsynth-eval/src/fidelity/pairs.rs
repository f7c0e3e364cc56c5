//! Column-pair comparisons: SDMetrics' `CorrelationSimilarity` (numeric ×
//! numeric) and `ContingencySimilarity` (every other pair), with the exact
//! preprocessing of SDMetrics' `ColumnPairTrends` property.
//!
//! SDMetrics rules mirrored here (sdmetrics 0.32,
//! `reports/single_table/_properties/column_pair_trends.py`):
//! - a numeric (or datetime) column paired with a discrete one is
//!   discretised into 10 equal-width bins spanning *that table's own*
//!   min..max (`np.histogram_bin_edges` on the real and on the synthetic
//!   data separately), bin index = `np.digitize`: values at the maximum and
//!   missing values both land in index 11;
//! - discrete columns keep missing as a level of its own
//!   (`groupby(dropna=False)`);
//! - correlation is Pearson on the rows where both values are present; a
//!   column with a single distinct value in either table makes the pair
//!   incomputable;
//! - a pair contributes to the average only when the real data shows a
//!   relation: |Pearson| above `real_correlation_threshold`, or Cramér's V
//!   (chi-square without continuity correction, on the real contingency
//!   table with missing as a level) above `real_association_threshold`.

use std::collections::HashMap;

use crate::prepare::{CategoricalData, NumericData, PreparedData};

/// Number of equal-width bins SDMetrics uses for a numeric column in a
/// mixed pair.
pub const N_BINS: usize = 10;

/// The discrete view of one column in one table: codes in `0..n_codes`.
pub(crate) struct DiscreteView {
    pub codes: Vec<u32>,
    pub n_codes: usize,
}

/// Discrete view of column data for table `t`.
pub(crate) fn discrete_view(data: &PreparedData, t: usize) -> DiscreteView {
    match data {
        PreparedData::Categorical(c) => categorical_view(c, t),
        PreparedData::Numeric(n) => numeric_view(n, t),
    }
}

fn categorical_view(c: &CategoricalData, t: usize) -> DiscreteView {
    DiscreteView {
        codes: c.codes[t].clone(),
        n_codes: c.n_codes(),
    }
}

fn numeric_view(n: &NumericData, t: usize) -> DiscreteView {
    let edges = histogram_bin_edges(&n.values[t]);
    let codes = n.values[t].iter().map(|&v| digitize(v, &edges)).collect();
    DiscreteView {
        codes,
        n_codes: N_BINS + 2,
    }
}

/// `np.histogram_bin_edges(values_without_nan, bins=10)`: 11 edges from min
/// to max (widened by ±0.5 for a constant column; 0..1 for no value), built
/// as numpy's `linspace` does (`start + i·step`, last edge exactly `stop`).
pub fn histogram_bin_edges(values: &[f64]) -> [f64; N_BINS + 1] {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in values {
        if !v.is_nan() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo > hi {
        lo = 0.0;
        hi = 1.0;
    }
    if lo == hi {
        lo -= 0.5;
        hi += 0.5;
    }
    let step = (hi - lo) / N_BINS as f64;
    let mut edges = [0.0; N_BINS + 1];
    for (i, e) in edges.iter_mut().enumerate() {
        *e = i as f64 * step + lo;
    }
    edges[N_BINS] = hi;
    edges
}

/// `np.digitize(v, edges)` for increasing edges: the number of edges `<= v`
/// (NaN sorts after everything, giving `edges.len()`).
pub fn digitize(v: f64, edges: &[f64]) -> u32 {
    if v.is_nan() {
        return edges.len() as u32;
    }
    edges.partition_point(|&e| e <= v) as u32
}

/// Joint counts of two discrete views over the same rows.
pub(crate) enum JointCounts {
    Dense { counts: Vec<u32>, n2: usize },
    Sparse(HashMap<(u32, u32), u32>),
}

/// Dense tables up to this many cells; beyond (diagnosis × diagnosis codes)
/// a hash map of the observed cells is smaller and faster to sweep.
const DENSE_LIMIT: usize = 1 << 20;

pub(crate) fn joint_counts(a: &DiscreteView, b: &DiscreteView) -> JointCounts {
    let cells = a.n_codes.saturating_mul(b.n_codes);
    if cells <= DENSE_LIMIT {
        let mut counts = vec![0u32; cells];
        for (&x, &y) in a.codes.iter().zip(&b.codes) {
            counts[x as usize * b.n_codes + y as usize] += 1;
        }
        JointCounts::Dense {
            counts,
            n2: b.n_codes,
        }
    } else {
        let mut map = HashMap::new();
        for (&x, &y) in a.codes.iter().zip(&b.codes) {
            *map.entry((x, y)).or_insert(0u32) += 1;
        }
        JointCounts::Sparse(map)
    }
}

impl JointCounts {
    fn cells(&self) -> Vec<((u32, u32), u32)> {
        match self {
            JointCounts::Dense { counts, n2 } => counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(i, &c)| (((i / n2) as u32, (i % n2) as u32), c))
                .collect(),
            JointCounts::Sparse(m) => m.iter().map(|(&k, &c)| (k, c)).collect(),
        }
    }

    fn get(&self, key: (u32, u32)) -> u32 {
        match self {
            JointCounts::Dense { counts, n2 } => counts[key.0 as usize * n2 + key.1 as usize],
            JointCounts::Sparse(m) => m.get(&key).copied().unwrap_or(0),
        }
    }
}

/// `1 − TVD` of the two joint frequency tables (SDMetrics'
/// `ContingencySimilarity` score), over the union of observed cells.
pub(crate) fn contingency_similarity(
    real: &JointCounts,
    n_real: usize,
    synth: &JointCounts,
    n_synth: usize,
) -> Option<f64> {
    if n_real == 0 || n_synth == 0 {
        return None;
    }
    let (nr, ns) = (n_real as f64, n_synth as f64);
    let mut tv = 0.0;
    for (k, c) in real.cells() {
        tv += (c as f64 / nr - synth.get(k) as f64 / ns).abs();
    }
    for (k, c) in synth.cells() {
        if real.get(k) == 0 {
            tv += c as f64 / ns;
        }
    }
    Some(1.0 - 0.5 * tv)
}

/// Cramér's V of the real contingency table (`scipy.stats.contingency.
/// association(method="cramer")`, no continuity correction), over the
/// levels that occur; `None` when either side has fewer than two levels.
pub(crate) fn cramers_v(real: &JointCounts) -> Option<f64> {
    let cells = real.cells();
    let mut rows: HashMap<u32, f64> = HashMap::new();
    let mut cols: HashMap<u32, f64> = HashMap::new();
    let mut n = 0.0;
    for &((a, b), c) in &cells {
        *rows.entry(a).or_insert(0.0) += c as f64;
        *cols.entry(b).or_insert(0.0) += c as f64;
        n += c as f64;
    }
    let k = rows.len().min(cols.len());
    if k < 2 || n == 0.0 {
        return None;
    }
    // chi2 = Σ (O − E)² / E over all cells, E = r·c/n; cells with O = 0
    // contribute E, so sum E over all cells (= n) minus the observed ones.
    let mut chi2 = 0.0;
    let mut e_observed = 0.0;
    for &((a, b), c) in &cells {
        let e = rows[&a] * cols[&b] / n;
        chi2 += (c as f64 - e).powi(2) / e;
        e_observed += e;
    }
    chi2 += n - e_observed;
    Some((chi2 / n / (k - 1) as f64).max(0.0).sqrt())
}

/// Pearson correlation over the rows where both values are present
/// (`None` with fewer than two such rows or zero variance).
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let (mut n, mut sx, mut sy) = (0usize, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        if !a.is_nan() && !b.is_nan() {
            n += 1;
            sx += a;
            sy += b;
        }
    }
    if n < 2 {
        return None;
    }
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        if !a.is_nan() && !b.is_nan() {
            let (da, db) = (a - mx, b - my);
            sxy += da * db;
            sxx += da * da;
            syy += db * db;
        }
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// True when the non-missing values hold exactly one distinct value
/// (pandas `nunique() == 1`), which SDMetrics rejects for correlation.
pub fn is_constant(v: &[f64]) -> bool {
    let mut first = None;
    for &x in v {
        if x.is_nan() {
            continue;
        }
        match first {
            None => first = Some(x),
            Some(f) if f != x => return false,
            _ => {}
        }
    }
    first.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digitize_matches_numpy_conventions() {
        let e = histogram_bin_edges(&[0.0, 10.0, f64::NAN]);
        assert_eq!(e[1], 1.0);
        assert_eq!(digitize(0.0, &e), 1);
        assert_eq!(digitize(0.5, &e), 1);
        assert_eq!(digitize(1.0, &e), 2);
        assert_eq!(
            digitize(10.0, &e),
            11,
            "the maximum falls past the last edge"
        );
        assert_eq!(digitize(f64::NAN, &e), 11, "NaN shares the maximum's index");
        let c = histogram_bin_edges(&[3.0, 3.0]);
        assert_eq!((c[0], c[10]), (2.5, 3.5));
        assert_eq!(digitize(3.0, &c), 6);
    }

    #[test]
    fn cramers_v_of_perfect_and_no_association() {
        let a = DiscreteView {
            codes: vec![0, 0, 1, 1],
            n_codes: 2,
        };
        let b = DiscreteView {
            codes: vec![1, 1, 0, 0],
            n_codes: 2,
        };
        let v = cramers_v(&joint_counts(&a, &b)).unwrap();
        assert!((v - 1.0).abs() < 1e-12);
        let c = DiscreteView {
            codes: vec![0, 1, 0, 1],
            n_codes: 2,
        };
        assert!(cramers_v(&joint_counts(&a, &c)).unwrap().abs() < 1e-12);
        // scipy docs example: obs4x2 -> 0.18617813077483678
        let obs = [[100u32, 150], [203, 322], [420, 700], [320, 210]];
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for (i, row) in obs.iter().enumerate() {
            for (j, &n) in row.iter().enumerate() {
                for _ in 0..n {
                    x.push(i as u32);
                    y.push(j as u32);
                }
            }
        }
        let v = cramers_v(&joint_counts(
            &DiscreteView {
                codes: x,
                n_codes: 4,
            },
            &DiscreteView {
                codes: y,
                n_codes: 2,
            },
        ));
        assert!((v.unwrap() - 0.186_178_130_774_836_78).abs() < 1e-12);
    }

    #[test]
    fn contingency_similarity_counts_new_cells() {
        let a = DiscreteView {
            codes: vec![0, 1],
            n_codes: 3,
        };
        let b = DiscreteView {
            codes: vec![0, 0],
            n_codes: 3,
        };
        let c = DiscreteView {
            codes: vec![0, 2],
            n_codes: 3,
        };
        let s = contingency_similarity(&joint_counts(&a, &b), 2, &joint_counts(&a, &c), 2).unwrap();
        assert!((s - 0.5).abs() < 1e-12);
    }

    #[test]
    fn pearson_pairwise_complete() {
        let x = [1.0, 2.0, 3.0, f64::NAN];
        let y = [2.0, 4.0, 6.0, 1.0];
        assert!((pearson(&x, &y).unwrap() - 1.0).abs() < 1e-12);
        assert!(is_constant(&[1.0, f64::NAN, 1.0]));
        assert!(!is_constant(&[f64::NAN]));
    }
}
