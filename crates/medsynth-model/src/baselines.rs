//! The two baselines: independent marginals and a Gaussian copula.
//!
//! Both are built from the mergeable [`ColumnStats`]; the copula adds one
//! more mergeable statistic, the correlation of normal scores (sums of
//! products over rows), kept separate from the marginals so that a DP
//! copula can noise each part with its own budget.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::error::{ModelError, Result};
use crate::linalg::{cholesky_ridged, cholesky_solve, submatrix};
use crate::marginal::{Cell, Marginal};
use crate::spec::{MISSING, RawColumn};
use crate::stats::ColumnStats;
use crate::synthesizer::{Condition, ModelKind, Synthesizer};

/// Keeps normal scores finite: Φ⁻¹ of exactly 0 or 1 is ±∞.
const U_EPS: f64 = 1e-6;

fn std_normal() -> Normal {
    // Parameters are constants, so construction cannot fail; fall back defensively.
    Normal::new(0.0, 1.0).unwrap_or_else(|_| Normal::standard())
}

fn push_cell(out: &mut RawColumn, cell: Cell) {
    match (out, cell) {
        (RawColumn::Numeric(v), Cell::Number(x)) => v.push(x),
        (RawColumn::Discrete(v), Cell::Category(c)) => v.push(c),
        (RawColumn::Numeric(v), Cell::Category(_)) => v.push(f64::NAN),
        (RawColumn::Discrete(v), Cell::Number(_)) => v.push(MISSING),
    }
}

fn empty_columns(stats: &[ColumnStats], n: usize) -> Vec<RawColumn> {
    stats
        .iter()
        .map(|s| match s {
            ColumnStats::Numeric { .. } => RawColumn::Numeric(Vec::with_capacity(n)),
            ColumnStats::Discrete { .. } => RawColumn::Discrete(Vec::with_capacity(n)),
        })
        .collect()
}

/// Every column drawn on its own from its histogram or category counts.
#[derive(Debug, Clone)]
pub struct MarginalsModel {
    stats: Vec<ColumnStats>,
    marginals: Vec<Marginal>,
}

impl MarginalsModel {
    pub fn new(stats: &[ColumnStats]) -> Self {
        MarginalsModel {
            stats: stats.to_vec(),
            marginals: stats.iter().map(Marginal::new).collect(),
        }
    }
}

impl Synthesizer for MarginalsModel {
    fn kind(&self) -> ModelKind {
        ModelKind::Marginals
    }

    fn sample_raw(
        &self,
        n: usize,
        conditions: &[Condition],
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<RawColumn>> {
        let mut out = empty_columns(&self.stats, n);
        for _ in 0..n {
            for (j, (m, col)) in self.marginals.iter().zip(out.iter_mut()).enumerate() {
                let cell = match conditions.iter().find(|c| c.column == j) {
                    Some(c) => Cell::Category(c.category),
                    None => m.value_at(rng.random::<f64>()),
                };
                push_cell(col, cell);
            }
        }
        Ok(out)
    }
}

/// Gaussian copula: marginals from the histograms, dependence from the
/// correlation matrix of normal scores `z = Φ⁻¹(F(x))`.
#[derive(Debug, Clone)]
pub struct CopulaModel {
    stats: Vec<ColumnStats>,
    marginals: Vec<Marginal>,
    /// Correlation of normal scores, `d × d` row-major.
    pub correlation: Vec<f64>,
    /// Cholesky factor of `correlation` (with a small ridge if needed).
    chol: Vec<f64>,
}

/// Running sums for the copula's correlation: mergeable across sites
/// (add the sums) and noisable under DP (bounded contribution per row once
/// scores are clipped).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreSums {
    pub n: f64,
    pub sum: Vec<f64>,
    /// Upper triangle incl. diagonal stored as a full `d × d` matrix.
    pub cross: Vec<f64>,
}

impl ScoreSums {
    /// Normal scores of every row (ties and missing cells placed at random
    /// inside their interval) summed up.
    pub fn from_rows(raw: &[RawColumn], marginals: &[Marginal], rng: &mut ChaCha8Rng) -> Self {
        let d = raw.len();
        let n = raw.first().map_or(0, RawColumn::len);
        let normal = std_normal();
        let mut sum = vec![0.0; d];
        let mut cross = vec![0.0; d * d];
        let mut z = vec![0.0; d];
        for row in 0..n {
            for j in 0..d {
                let r: f64 = rng.random();
                let u = match &raw[j] {
                    RawColumn::Numeric(v) => marginals[j].uniform_of_number(v[row], r),
                    RawColumn::Discrete(v) => marginals[j].uniform_of_category(v[row], r),
                };
                z[j] = normal.inverse_cdf(u.clamp(U_EPS, 1.0 - U_EPS));
            }
            for i in 0..d {
                sum[i] += z[i];
                let zi = z[i];
                let rowc = &mut cross[i * d..(i + 1) * d];
                for k in i..d {
                    rowc[k] += zi * z[k];
                }
            }
        }
        ScoreSums {
            n: n as f64,
            sum,
            cross,
        }
    }

    /// The correlation matrix of the scores.
    pub fn correlation(&self) -> Vec<f64> {
        let d = self.sum.len();
        let n = self.n.max(1.0);
        let mean: Vec<f64> = self.sum.iter().map(|s| s / n).collect();
        let mut cov = vec![0.0; d * d];
        for i in 0..d {
            for k in i..d {
                let c = self.cross[i * d + k] / n - mean[i] * mean[k];
                cov[i * d + k] = c;
                cov[k * d + i] = c;
            }
        }
        let sd: Vec<f64> = (0..d).map(|i| cov[i * d + i].max(1e-12).sqrt()).collect();
        let mut corr = vec![0.0; d * d];
        for i in 0..d {
            for k in 0..d {
                corr[i * d + k] = if i == k {
                    1.0
                } else {
                    (cov[i * d + k] / (sd[i] * sd[k])).clamp(-1.0, 1.0)
                };
            }
        }
        corr
    }
}

impl CopulaModel {
    /// Fits the copula from the statistics and the rows in internal form.
    pub fn fit(stats: &[ColumnStats], raw: &[RawColumn], rng: &mut ChaCha8Rng) -> Self {
        let marginals: Vec<Marginal> = stats.iter().map(Marginal::new).collect();
        let sums = ScoreSums::from_rows(raw, &marginals, rng);
        Self::from_parts(stats, sums.correlation())
    }

    /// Rebuilds the model from its two separable parts (marginals, correlation).
    pub fn from_parts(stats: &[ColumnStats], correlation: Vec<f64>) -> Self {
        let d = stats.len();
        let (chol, _) = cholesky_ridged(&correlation, d);
        CopulaModel {
            stats: stats.to_vec(),
            marginals: stats.iter().map(Marginal::new).collect(),
            correlation,
            chol,
        }
    }

    /// Checks a correlation matrix read from a model file.
    pub fn check_correlation(correlation: &[f64], d: usize) -> Result<()> {
        if correlation.len() != d * d
            || correlation
                .iter()
                .any(|v| !v.is_finite() || v.abs() > 1.0 + 1e-9)
        {
            return Err(ModelError::input(format!(
                "copula correlation must be a finite {d}×{d} matrix with entries in [-1, 1]"
            )));
        }
        Ok(())
    }

    fn sample_conditioned(
        &self,
        n: usize,
        conditions: &[Condition],
        rng: &mut ChaCha8Rng,
    ) -> Vec<RawColumn> {
        let d = self.stats.len();
        let normal = std_normal();
        let sigma = &self.correlation;
        let cidx: Vec<usize> = conditions.iter().map(|c| c.column).collect();
        let ridx: Vec<usize> = (0..d).filter(|j| !cidx.contains(j)).collect();
        // Sequential conditionals for the conditioned scores: z_c | z_{earlier c}.
        let mut seq: Vec<(Vec<f64>, f64, f64, f64)> = Vec::new(); // (beta, sd, a, b)
        for (k, cond) in conditions.iter().enumerate() {
            let g = &cidx[..k];
            let (beta, var) = if g.is_empty() {
                (Vec::new(), 1.0)
            } else {
                let sgg = submatrix(sigma, d, g, g);
                let (lg, _) = cholesky_ridged(&sgg, g.len());
                let mut beta = submatrix(sigma, d, g, &[cond.column]);
                cholesky_solve(&lg, g.len(), &mut beta);
                let sgc = submatrix(sigma, d, g, &[cond.column]);
                let var = 1.0 - beta.iter().zip(&sgc).map(|(a, b)| a * b).sum::<f64>();
                (beta, var.max(1e-9))
            };
            let (ua, ub) = self.marginals[cond.column].category_interval(cond.category);
            let a = normal.inverse_cdf(ua.clamp(U_EPS, 1.0 - U_EPS));
            let b = normal.inverse_cdf(ub.clamp(U_EPS, 1.0 - U_EPS));
            seq.push((beta, var.sqrt(), a, b));
        }
        // The rest given all conditioned scores.
        let nc = cidx.len();
        let nr = ridx.len();
        let scc = submatrix(sigma, d, &cidx, &cidx);
        let (lc, _) = cholesky_ridged(&scc, nc);
        // B = Σ_CC⁻¹ Σ_CR  (nc × nr), stored column by column of R.
        let mut bcols: Vec<Vec<f64>> = Vec::with_capacity(nr);
        for &r in &ridx {
            let mut col = submatrix(sigma, d, &cidx, &[r]);
            cholesky_solve(&lc, nc, &mut col);
            bcols.push(col);
        }
        let mut cond_cov = vec![0.0; nr * nr];
        for (i, &ri) in ridx.iter().enumerate() {
            for (k, &rk) in ridx.iter().enumerate() {
                let src = submatrix(sigma, d, &cidx, &[rk]);
                let adj: f64 = bcols[i].iter().zip(&src).map(|(a, b)| a * b).sum();
                cond_cov[i * nr + k] = sigma[ri * d + rk] - adj;
            }
        }
        let (lr, _) = cholesky_ridged(&cond_cov, nr);
        let mut out = empty_columns(&self.stats, n);
        let mut z = vec![0.0; d];
        let mut zc = vec![0.0; nc];
        let mut eps = vec![0.0; nr];
        for _ in 0..n {
            for (k, (beta, sd, a, b)) in seq.iter().enumerate() {
                let mean: f64 = beta.iter().zip(&zc[..k]).map(|(x, y)| x * y).sum();
                let lo = normal.cdf((a - mean) / sd);
                let hi = normal.cdf((b - mean) / sd);
                let u = lo + rng.random::<f64>() * (hi - lo);
                zc[k] = mean + sd * normal.inverse_cdf(u.clamp(U_EPS, 1.0 - U_EPS));
                z[cidx[k]] = zc[k];
            }
            for e in eps.iter_mut() {
                *e = rng.sample(StandardNormal);
            }
            for (i, &r) in ridx.iter().enumerate() {
                let mean: f64 = bcols[i].iter().zip(&zc).map(|(x, y)| x * y).sum();
                let noise: f64 = (0..=i).map(|k| lr[i * nr + k] * eps[k]).sum();
                z[r] = mean + noise;
            }
            for (j, col) in out.iter_mut().enumerate() {
                let cell = match conditions.iter().find(|c| c.column == j) {
                    Some(c) => Cell::Category(c.category),
                    None => self.marginals[j].value_at(normal.cdf(z[j])),
                };
                push_cell(col, cell);
            }
        }
        out
    }
}

impl Synthesizer for CopulaModel {
    fn kind(&self) -> ModelKind {
        ModelKind::Copula
    }

    fn sample_raw(
        &self,
        n: usize,
        conditions: &[Condition],
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<RawColumn>> {
        if !conditions.is_empty() {
            return Ok(self.sample_conditioned(n, conditions, rng));
        }
        let d = self.stats.len();
        let normal = std_normal();
        let mut out = empty_columns(&self.stats, n);
        let mut eps = vec![0.0; d];
        for _ in 0..n {
            for e in eps.iter_mut() {
                *e = rng.sample(StandardNormal);
            }
            for (j, col) in out.iter_mut().enumerate() {
                let row = &self.chol[j * d..j * d + j + 1];
                let z: f64 = row.iter().zip(&eps).map(|(a, b)| a * b).sum();
                push_cell(col, self.marginals[j].value_at(normal.cdf(z)));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Histogram;
    use rand::SeedableRng;

    fn correlated(n: usize, rng: &mut ChaCha8Rng) -> (Vec<ColumnStats>, Vec<RawColumn>) {
        let mut xs = Vec::new();
        let mut cats = Vec::new();
        for _ in 0..n {
            let x: f64 = rng.random::<f64>() * 10.0;
            xs.push(x);
            cats.push(if x > 5.0 { 1u32 } else { 0 });
        }
        let mut h = Histogram::new(0.0, 10.0, false);
        for &x in &xs {
            h.add(x, 1.0);
        }
        let ones = cats.iter().filter(|&&c| c == 1).count() as f64;
        let stats = vec![
            ColumnStats::Numeric {
                histogram: h,
                missing: 0.0,
            },
            ColumnStats::Discrete {
                labels: vec!["lo".into(), "hi".into()],
                counts: vec![n as f64 - ones, ones],
                missing: 0.0,
            },
        ];
        (
            stats,
            vec![RawColumn::Numeric(xs), RawColumn::Discrete(cats)],
        )
    }

    #[test]
    fn copula_learns_a_strong_dependence_and_marginals_do_not() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let (stats, raw) = correlated(2000, &mut rng);
        let copula = CopulaModel::fit(&stats, &raw, &mut rng);
        // A hard threshold is not Gaussian and ties are spread inside each
        // category's interval (as SDV does), so rho is about 0.65, not 1.
        assert!(
            copula.correlation[1] > 0.55,
            "corr {}",
            copula.correlation[1]
        );
        let agree = |cols: &[RawColumn]| {
            let (RawColumn::Numeric(x), RawColumn::Discrete(c)) = (&cols[0], &cols[1]) else {
                panic!()
            };
            x.iter()
                .zip(c)
                .filter(|(x, c)| (**x > 5.0) == (**c == 1))
                .count() as f64
                / x.len() as f64
        };
        let s = copula.sample_raw(2000, &[], &mut rng).unwrap();
        assert!(agree(&s) > 0.68, "copula agreement {}", agree(&s));
        let m = MarginalsModel::new(&stats)
            .sample_raw(2000, &[], &mut rng)
            .unwrap();
        assert!(agree(&m) < 0.6, "marginals agreement {}", agree(&m));
    }

    #[test]
    fn conditions_hold_exactly_and_shift_the_rest() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let (stats, raw) = correlated(2000, &mut rng);
        let copula = CopulaModel::fit(&stats, &raw, &mut rng);
        let s = copula
            .sample_raw(
                500,
                &[Condition {
                    column: 1,
                    category: 1,
                }],
                &mut rng,
            )
            .unwrap();
        let (RawColumn::Numeric(x), RawColumn::Discrete(c)) = (&s[0], &s[1]) else {
            panic!()
        };
        assert!(c.iter().all(|&c| c == 1));
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        assert!(mean > 6.5, "conditional mean {mean}");
    }
}
