//! Mergeable summary statistics: everything the encoder and the baseline
//! models learn about single columns.
//!
//! Why summaries rather than rows: federated sites can each compute them and
//! add them up (histograms over agreed bounds and category counts are sums),
//! and differential privacy can noise them (one row changes one bin of each
//! column by one). They are aggregate counts, never rows — see
//! `docs/model.md` for what they do and do not reveal.
//!
//! Per numeric column: a fixed-width histogram over `[lo, hi]` plus the
//! missing count. Whole-number columns with at most [`MAX_BINS`] distinct
//! integers get one bin per integer (exact counts); other columns get
//! [`FLOAT_BINS`] bins. Per discrete column: the count of each label plus the
//! missing count.

use medsynth_data::{ColumnSchema, Kind, Table};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::spec::{ColumnSpec, MISSING, RawColumn, discrete_indices, labels_of, numeric_values};

/// Bins of a real-valued column's histogram.
pub const FLOAT_BINS: usize = 1024;
/// Widest integer range given one bin per integer.
pub const MAX_BINS: usize = 2048;

/// A fixed-width histogram over `[lo, hi]`; counts are `f64` so that noisy
/// (DP) or merged counts fit the same type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<f64>,
    /// Bins are centred on whole numbers (one bin per integer).
    #[serde(default)]
    pub integer: bool,
}

impl Histogram {
    /// Empty histogram over the bounds; integer columns with a small range
    /// get one bin per integer.
    pub fn new(min: f64, max: f64, integer: bool) -> Self {
        let (min, max) = if max > min {
            (min, max)
        } else {
            (min, min + 1.0)
        };
        let span = (max.round() - min.round()) as usize + 1;
        if integer && span <= MAX_BINS {
            let lo = min.round() - 0.5;
            Histogram {
                lo,
                hi: lo + span as f64,
                counts: vec![0.0; span],
                integer: true,
            }
        } else {
            Histogram {
                lo: min,
                hi: max,
                counts: vec![0.0; FLOAT_BINS],
                integer: false,
            }
        }
    }

    pub fn n_bins(&self) -> usize {
        self.counts.len()
    }

    pub fn width(&self) -> f64 {
        (self.hi - self.lo) / self.counts.len() as f64
    }

    /// Bin of `x` (values outside the bounds go to the edge bins).
    pub fn bin(&self, x: f64) -> usize {
        let b = ((x - self.lo) / self.width()).floor();
        if b.is_nan() || b < 0.0 {
            0
        } else {
            (b as usize).min(self.counts.len() - 1)
        }
    }

    pub fn center(&self, b: usize) -> f64 {
        self.lo + (b as f64 + 0.5) * self.width()
    }

    pub fn add(&mut self, x: f64, weight: f64) {
        let b = self.bin(x);
        self.counts[b] += weight;
    }

    pub fn total(&self) -> f64 {
        self.counts.iter().map(|c| c.max(0.0)).sum()
    }

    /// Adds another histogram over the same bins (another site's counts).
    pub fn merge(&mut self, other: &Histogram) -> Result<()> {
        if self.lo != other.lo || self.hi != other.hi || self.counts.len() != other.counts.len() {
            return Err(ModelError::input(format!(
                "histograms over different bins cannot be merged ([{}, {}] × {} vs [{}, {}] × {}); agree on public bounds first",
                self.lo,
                self.hi,
                self.counts.len(),
                other.lo,
                other.hi,
                other.counts.len()
            )));
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        Ok(())
    }

    /// Cumulative distribution: `cdf[b]` is the share of mass below bin `b`
    /// (length `n_bins + 1`, ending at 1). Negative (noisy) counts count as 0.
    pub fn cumulative(&self) -> Vec<f64> {
        let total = self.total();
        let mut out = Vec::with_capacity(self.counts.len() + 1);
        let mut acc = 0.0;
        out.push(0.0);
        for c in &self.counts {
            acc += c.max(0.0);
            out.push(if total > 0.0 { acc / total } else { 0.0 });
        }
        if let Some(last) = out.last_mut() {
            *last = 1.0;
        }
        out
    }
}

/// Summary of one modelled column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ColumnStats {
    Numeric {
        histogram: Histogram,
        missing: f64,
    },
    Discrete {
        labels: Vec<String>,
        counts: Vec<f64>,
        missing: f64,
    },
}

impl ColumnStats {
    pub fn missing(&self) -> f64 {
        match self {
            ColumnStats::Numeric { missing, .. } | ColumnStats::Discrete { missing, .. } => {
                *missing
            }
        }
    }

    /// Non-missing count.
    pub fn present(&self) -> f64 {
        match self {
            ColumnStats::Numeric { histogram, .. } => histogram.total(),
            ColumnStats::Discrete { counts, .. } => counts.iter().map(|c| c.max(0.0)).sum(),
        }
    }

    /// Share of missing cells.
    pub fn missing_share(&self) -> f64 {
        let m = self.missing().max(0.0);
        let t = m + self.present();
        if t > 0.0 { m / t } else { 0.0 }
    }

    /// Labels of a discrete column (empty for numeric).
    pub fn labels(&self) -> &[String] {
        match self {
            ColumnStats::Discrete { labels, .. } => labels,
            ColumnStats::Numeric { .. } => &[],
        }
    }

    /// Clipping bounds of a numeric column (the histogram's range, which is
    /// the schema's declared range or the observed one).
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match self {
            ColumnStats::Numeric { histogram, .. } if histogram.integer => {
                Some((histogram.lo + 0.5, histogram.hi - 0.5))
            }
            ColumnStats::Numeric { histogram, .. } => Some((histogram.lo, histogram.hi)),
            ColumnStats::Discrete { .. } => None,
        }
    }

    /// Adds another site's statistics for the same column.
    pub fn merge(&mut self, other: &ColumnStats) -> Result<()> {
        match (self, other) {
            (
                ColumnStats::Numeric { histogram, missing },
                ColumnStats::Numeric {
                    histogram: h2,
                    missing: m2,
                },
            ) => {
                histogram.merge(h2)?;
                *missing += m2;
                Ok(())
            }
            (
                ColumnStats::Discrete {
                    labels,
                    counts,
                    missing,
                },
                ColumnStats::Discrete {
                    labels: l2,
                    counts: c2,
                    missing: m2,
                },
            ) if labels == l2 => {
                for (a, b) in counts.iter_mut().zip(c2) {
                    *a += b;
                }
                *missing += m2;
                Ok(())
            }
            _ => Err(ModelError::input(
                "statistics of different column types or label lists cannot be merged",
            )),
        }
    }
}

/// The modelled columns of a table: output rules, statistics and the rows
/// in internal form (the rows stay in memory only while fitting).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub specs: Vec<ColumnSpec>,
    pub stats: Vec<ColumnStats>,
    pub raw: Vec<RawColumn>,
    pub n_rows: usize,
}

/// Sorts labels numerically when they all read as numbers (so ordinal codes
/// such as `0 < 1 < 2 < 3` keep their order), else alphabetically.
pub fn sort_labels(labels: &mut [String]) {
    let all_numeric = labels.iter().all(|l| l.trim().parse::<f64>().is_ok());
    if all_numeric {
        labels.sort_by(|a, b| {
            let x = a.trim().parse::<f64>().unwrap_or(0.0);
            let y = b.trim().parse::<f64>().unwrap_or(0.0);
            x.total_cmp(&y)
        });
    } else {
        labels.sort();
    }
}

/// Checks the modelled columns of `table` against `schema`, builds their
/// statistics and internal form. Errors name the column (and row) at fault.
pub fn prepare(table: &Table, schema: &medsynth_data::Schema) -> Result<Prepared> {
    let mut specs = Vec::new();
    let mut stats = Vec::new();
    let mut raw = Vec::new();
    for col in schema.modelled() {
        let data = table.column(&col.name).ok_or_else(|| {
            ModelError::input(format!(
                "the schema names column '{}' but the table has no such column",
                col.name
            ))
        })?;
        let spec = ColumnSpec::from_schema(col, data)?;
        if data.missing_count() == data.len() {
            return Err(ModelError::input(format!(
                "column '{}' is missing in every row: there is nothing to learn; drop it (schema kind \"text\") or fill it",
                col.name
            )));
        }
        let (s, r) = if spec.is_discrete() {
            discrete_stats(col, data)?
        } else {
            numeric_stats(col, data)?
        };
        specs.push(spec);
        stats.push(s);
        raw.push(r);
    }
    Ok(Prepared {
        specs,
        stats,
        raw,
        n_rows: table.n_rows(),
    })
}

fn discrete_stats(
    col: &ColumnSchema,
    data: &medsynth_data::Column,
) -> Result<(ColumnStats, RawColumn)> {
    let labels = match &col.categories {
        Some(c) if !c.is_empty() => c.clone(),
        _ => {
            let mut seen: Vec<String> = labels_of(data).into_iter().flatten().collect();
            seen.sort();
            seen.dedup();
            sort_labels(&mut seen);
            seen
        }
    };
    let idx = discrete_indices(data, &labels)?;
    let mut counts = vec![0.0; labels.len()];
    let mut missing = 0.0;
    for &i in &idx {
        if i == MISSING {
            missing += 1.0
        } else {
            counts[i as usize] += 1.0
        }
    }
    Ok((
        ColumnStats::Discrete {
            labels,
            counts,
            missing,
        },
        RawColumn::Discrete(idx),
    ))
}

fn numeric_stats(
    col: &ColumnSchema,
    data: &medsynth_data::Column,
) -> Result<(ColumnStats, RawColumn)> {
    let values = numeric_values(data)?;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in values.iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    // Declared bounds win (they are public domain knowledge or the inferred range).
    let lo = col.min.filter(|m| m.is_finite()).unwrap_or(lo);
    let hi = col.max.filter(|m| m.is_finite()).unwrap_or(hi);
    if lo > hi {
        return Err(ModelError::input(format!(
            "column '{}': schema min {lo} is above max {hi}",
            col.name
        )));
    }
    let integer = matches!(col.kind, Kind::Integer)
        || values.iter().all(|v| !v.is_finite() || v.fract() == 0.0);
    let integer =
        integer && !matches!(col.kind, Kind::Continuous if col.decimals.is_some_and(|d| d > 0));
    let mut histogram = Histogram::new(lo, hi, integer);
    let mut missing = 0.0;
    for &v in &values {
        if v.is_finite() {
            histogram.add(v, 1.0)
        } else {
            missing += 1.0
        }
    }
    Ok((
        ColumnStats::Numeric { histogram, missing },
        RawColumn::Numeric(values),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use medsynth_data::{Column, Schema};

    #[test]
    fn integer_histograms_have_one_bin_per_value() {
        let mut h = Histogram::new(29.0, 77.0, true);
        assert_eq!(h.n_bins(), 49);
        h.add(29.0, 1.0);
        h.add(77.0, 1.0);
        assert_eq!(h.counts[0], 1.0);
        assert_eq!(h.counts[48], 1.0);
        assert_eq!(h.center(0), 29.0);
    }

    #[test]
    fn merged_histograms_equal_the_pooled_one() {
        let mut a = Histogram::new(0.0, 10.0, false);
        let mut b = a.clone();
        let mut pooled = a.clone();
        for x in [0.5, 3.2, 9.9] {
            a.add(x, 1.0);
            pooled.add(x, 1.0);
        }
        for x in [1.5, 3.3] {
            b.add(x, 1.0);
            pooled.add(x, 1.0);
        }
        a.merge(&b).unwrap();
        assert_eq!(a, pooled);
        assert!(a.merge(&Histogram::new(0.0, 5.0, false)).is_err());
    }

    #[test]
    fn prepare_rejects_all_missing_columns() {
        let t = Table::new(vec![
            Column::from_f64("x", &[None, None]),
            Column::from_f64("y", &[Some(1.0), Some(2.0)]),
        ])
        .unwrap();
        let schema = Schema {
            columns: vec![
                ColumnSchema::new("x", Kind::Continuous),
                ColumnSchema::new("y", Kind::Continuous),
            ],
        };
        let err = prepare(&t, &schema).unwrap_err().to_string();
        assert!(err.contains("'x'") && err.contains("every row"), "{err}");
    }

    #[test]
    fn labels_sort_numerically() {
        let mut l: Vec<String> = ["10", "2", "1"].iter().map(|s| s.to_string()).collect();
        sort_labels(&mut l);
        assert_eq!(l, ["1", "2", "10"]);
    }
}
