//! The feature matrix of the linear models, as scikit-learn's usual
//! pipeline builds it: numeric columns median-imputed then standardised
//! (`SimpleImputer(strategy="median")` + `StandardScaler`), categorical
//! columns one-hot encoded with missing as a category of its own and levels
//! unseen at fit time encoded as all zeros (`OneHotEncoder(
//! handle_unknown="ignore")`).
//!
//! One-hot rows are stored sparsely (one feature index per categorical
//! column) because adult has ~100 one-hot features but only 8 non-zeros per
//! row; every product below costs O(non-zeros), not O(features).

use crate::prepare::{Prepared, PreparedData};

/// No feature: a level the fitted encoder has not seen.
pub(crate) const NONE: u32 = u32::MAX;

/// How to encode each column, learnt from the fit table.
#[derive(Debug, Clone)]
pub(crate) struct Encoder {
    /// Prepared column indices of numeric features, with (median, mean, sd).
    pub numeric: Vec<(usize, f64, f64, f64)>,
    /// Prepared column indices of categorical features, with the feature
    /// index of each code (`NONE` when unseen at fit time).
    pub categorical: Vec<(usize, Vec<u32>)>,
    /// Total number of features (numeric first, then one-hot).
    pub n_features: usize,
}

/// Rows encoded by an [`Encoder`]: dense standardised numerics (row-major)
/// and one feature index per categorical column.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    pub n: usize,
    pub n_num: usize,
    pub n_cat: usize,
    pub num: Vec<f64>,
    pub cat: Vec<u32>,
    pub n_features: usize,
}

impl Encoder {
    /// Learns medians, means, standard deviations and one-hot levels from
    /// the rows `rows` of table `t`, over the prepared columns `cols`.
    pub fn fit(p: &Prepared, t: usize, rows: &[usize], cols: &[usize]) -> Encoder {
        let mut numeric = Vec::new();
        let mut categorical = Vec::new();
        for &ci in cols {
            if let PreparedData::Numeric(nd) = &p.columns[ci].data {
                let v = &nd.values[t];
                let mut valid: Vec<f64> =
                    rows.iter().map(|&r| v[r]).filter(|x| !x.is_nan()).collect();
                valid.sort_unstable_by(f64::total_cmp);
                let median = match valid.len() {
                    0 => 0.0,
                    m if m % 2 == 1 => valid[m / 2],
                    m => 0.5 * (valid[m / 2 - 1] + valid[m / 2]),
                };
                let n = rows.len().max(1) as f64;
                let imputed = |r: usize| if v[r].is_nan() { median } else { v[r] };
                let mean = rows.iter().map(|&r| imputed(r)).sum::<f64>() / n;
                let var = rows
                    .iter()
                    .map(|&r| (imputed(r) - mean).powi(2))
                    .sum::<f64>()
                    / n;
                // StandardScaler leaves constant columns unscaled.
                let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
                numeric.push((ci, median, mean, sd));
            }
        }
        let mut n_features = numeric.len();
        for &ci in cols {
            if let PreparedData::Categorical(cd) = &p.columns[ci].data {
                let mut seen = vec![false; cd.n_codes()];
                for &r in rows {
                    seen[cd.codes[t][r] as usize] = true;
                }
                let map: Vec<u32> = seen
                    .iter()
                    .map(|&s| {
                        if s {
                            n_features += 1;
                            (n_features - 1) as u32
                        } else {
                            NONE
                        }
                    })
                    .collect();
                categorical.push((ci, map));
            }
        }
        Encoder {
            numeric,
            categorical,
            n_features,
        }
    }

    /// Encodes rows `rows` of table `t`.
    pub fn encode(&self, p: &Prepared, t: usize, rows: &[usize]) -> Encoded {
        let n_num = self.numeric.len();
        let n_cat = self.categorical.len();
        let mut num = Vec::with_capacity(rows.len() * n_num);
        let mut cat = Vec::with_capacity(rows.len() * n_cat);
        for &r in rows {
            for &(ci, median, mean, sd) in &self.numeric {
                let v = match &p.columns[ci].data {
                    PreparedData::Numeric(nd) => nd.values[t][r],
                    PreparedData::Categorical(_) => f64::NAN,
                };
                let v = if v.is_nan() { median } else { v };
                num.push((v - mean) / sd);
            }
            for (ci, map) in &self.categorical {
                let code = match &p.columns[*ci].data {
                    PreparedData::Categorical(cd) => cd.codes[t][r] as usize,
                    PreparedData::Numeric(_) => usize::MAX,
                };
                cat.push(map.get(code).copied().unwrap_or(NONE));
            }
        }
        Encoded {
            n: rows.len(),
            n_num,
            n_cat,
            num,
            cat,
            n_features: self.n_features,
        }
    }
}

impl Encoded {
    /// `x_i · w` for row `i` (without intercept).
    #[inline]
    pub fn dot(&self, i: usize, w: &[f64]) -> f64 {
        let mut s = 0.0;
        let num = &self.num[i * self.n_num..(i + 1) * self.n_num];
        for (x, wj) in num.iter().zip(w) {
            s += x * wj;
        }
        for &f in &self.cat[i * self.n_cat..(i + 1) * self.n_cat] {
            if f != NONE {
                s += w[f as usize];
            }
        }
        s
    }

    /// `out += a · x_i²` (element-wise square), for the Hessian diagonal.
    #[inline]
    pub fn axpy_sq(&self, i: usize, a: f64, out: &mut [f64]) {
        let num = &self.num[i * self.n_num..(i + 1) * self.n_num];
        for (x, o) in num.iter().zip(out.iter_mut()) {
            *o += a * x * x;
        }
        for &f in &self.cat[i * self.n_cat..(i + 1) * self.n_cat] {
            if f != NONE {
                out[f as usize] += a;
            }
        }
    }

    /// `out += a · x_i`.
    #[inline]
    pub fn axpy(&self, i: usize, a: f64, out: &mut [f64]) {
        let num = &self.num[i * self.n_num..(i + 1) * self.n_num];
        for (x, o) in num.iter().zip(out.iter_mut()) {
            *o += a * x;
        }
        for &f in &self.cat[i * self.n_cat..(i + 1) * self.n_cat] {
            if f != NONE {
                out[f as usize] += a;
            }
        }
    }
}
