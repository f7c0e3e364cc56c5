//! One column's distribution as a quantile function over `[0, 1)`, built
//! from its [`ColumnStats`]. Missing cells take the bottom interval
//! `[0, m)` (m = missing share), so that a Gaussian copula can correlate
//! missingness with the other columns like any other value. Categories take
//! consecutive intervals in label order, as SDV's Gaussian copula does.

use crate::spec::MISSING;
use crate::stats::ColumnStats;

/// A column's quantile function and its inverse.
#[derive(Debug, Clone)]
pub struct Marginal {
    /// Share of missing cells (bottom of the unit interval).
    missing: f64,
    /// Cumulative shares of the bins / labels, `0 = cum[0] ≤ … ≤ cum[n] = 1`.
    cum: Vec<f64>,
    shape: Shape,
}

#[derive(Debug, Clone)]
enum Shape {
    Numeric { lo: f64, width: f64, integer: bool },
    Discrete,
}

/// A value in internal form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Number(f64),
    Category(u32),
}

impl Marginal {
    pub fn new(stats: &ColumnStats) -> Self {
        let missing = stats.missing_share();
        match stats {
            ColumnStats::Numeric { histogram, .. } => Marginal {
                missing,
                cum: histogram.cumulative(),
                shape: Shape::Numeric {
                    lo: histogram.lo,
                    width: histogram.width(),
                    integer: histogram.integer,
                },
            },
            ColumnStats::Discrete { counts, .. } => {
                let total: f64 = counts.iter().map(|c| c.max(0.0)).sum();
                let mut cum = Vec::with_capacity(counts.len() + 1);
                let mut acc = 0.0;
                cum.push(0.0);
                for c in counts {
                    acc += c.max(0.0);
                    cum.push(if total > 0.0 { acc / total } else { 0.0 });
                }
                if let Some(l) = cum.last_mut() {
                    *l = 1.0;
                }
                Marginal {
                    missing,
                    cum,
                    shape: Shape::Discrete,
                }
            }
        }
    }

    /// Maps a numeric value (NaN = missing) to `[0, 1)`. `r ∈ [0, 1)` places
    /// the value inside its interval where the data cannot (ties of whole
    /// numbers, missing cells); real values use their position in the bin.
    pub fn uniform_of_number(&self, x: f64, r: f64) -> f64 {
        let m = self.missing;
        if !x.is_finite() {
            return r * m;
        }
        let Shape::Numeric { lo, width, integer } = self.shape else {
            return m;
        };
        let n = self.cum.len() - 1;
        let pos = (x - lo) / width;
        let b = if pos.is_nan() || pos < 0.0 {
            0
        } else {
            (pos.floor() as usize).min(n - 1)
        };
        let within = if integer {
            r
        } else {
            (pos - b as f64).clamp(0.0, 1.0)
        };
        m + (1.0 - m) * (self.cum[b] + within * (self.cum[b + 1] - self.cum[b]))
    }

    /// Maps a category index (or [`MISSING`]) to `[0, 1)`, uniformly inside
    /// its interval.
    pub fn uniform_of_category(&self, i: u32, r: f64) -> f64 {
        let m = self.missing;
        if i == MISSING || (i as usize) + 1 >= self.cum.len() {
            return r * m;
        }
        let b = i as usize;
        m + (1.0 - m) * (self.cum[b] + r * (self.cum[b + 1] - self.cum[b]))
    }

    /// The value at quantile `u`.
    pub fn value_at(&self, u: f64) -> Cell {
        let m = self.missing;
        let missing = u < m;
        let v = if m < 1.0 {
            ((u - m) / (1.0 - m)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let n = self.cum.len() - 1;
        // First bin whose upper edge is above v (skips empty bins).
        let b = self.cum[1..]
            .partition_point(|&c| c <= v)
            .min(n.saturating_sub(1));
        match self.shape {
            Shape::Discrete => Cell::Category(if missing { MISSING } else { b as u32 }),
            Shape::Numeric { lo, width, integer } => {
                if missing {
                    return Cell::Number(f64::NAN);
                }
                let mass = self.cum[b + 1] - self.cum[b];
                let within = if mass > 0.0 {
                    ((v - self.cum[b]) / mass).clamp(0.0, 1.0)
                } else {
                    0.5
                };
                let x = if integer {
                    lo + (b as f64 + 0.5) * width
                } else {
                    lo + (b as f64 + within) * width
                };
                Cell::Number(x)
            }
        }
    }

    /// Interval `[a, b)` of the unit line that category `i` (or missing) occupies.
    pub fn category_interval(&self, i: u32) -> (f64, f64) {
        let m = self.missing;
        if i == MISSING {
            return (0.0, m);
        }
        let b = (i as usize).min(self.cum.len() - 2);
        (m + (1.0 - m) * self.cum[b], m + (1.0 - m) * self.cum[b + 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Histogram;

    #[test]
    fn numeric_round_trip_through_the_unit_interval() {
        let mut h = Histogram::new(0.0, 10.0, false);
        for i in 0..100 {
            h.add(i as f64 / 10.0, 1.0);
        }
        let m = Marginal::new(&ColumnStats::Numeric {
            histogram: h,
            missing: 10.0,
        });
        // Values seen in the data come back within one bin (10/1024).
        for x in [0.1, 2.5, 7.7, 9.9] {
            let u = m.uniform_of_number(x, 0.3);
            let Cell::Number(y) = m.value_at(u) else {
                panic!("numeric")
            };
            assert!((x - y).abs() < 0.011, "{x} -> {u} -> {y}");
        }
        assert!(matches!(m.value_at(0.05), Cell::Number(v) if v.is_nan()));
    }

    #[test]
    fn categories_map_to_their_intervals() {
        let s = ColumnStats::Discrete {
            labels: vec!["a".into(), "b".into()],
            counts: vec![1.0, 3.0],
            missing: 0.0,
        };
        let m = Marginal::new(&s);
        assert_eq!(m.category_interval(0), (0.0, 0.25));
        for r in [0.0, 0.5, 0.99] {
            assert_eq!(m.value_at(m.uniform_of_category(1, r)), Cell::Category(1));
            assert_eq!(m.value_at(m.uniform_of_category(0, r)), Cell::Category(0));
        }
    }
}
