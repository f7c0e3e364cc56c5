//! DP statistics: everything a model learns about single columns (bounds,
//! category lists and frequencies, histograms, missing shares, the row
//! count) either comes from the schema as declared public knowledge or is
//! released by a DP mechanism whose entry goes into the ledger.
//!
//! Per numeric column without public bounds (`"domain": "public"` with `min`
//! and `max`):
//! 1. a noisy histogram over a fixed, data-independent log-scale grid
//!    (±2ᵏ buckets, k = −8…62) gives a coarse range: the lowest and highest
//!    buckets whose noisy count clears 4 noise standard deviations, kept
//!    only when within 10 buckets of the fullest one;
//! 2. the 0.5 % and 99.5 % quantiles chosen by the exponential mechanism
//!    from a uniform grid inside that range refine it.
//!
//! Per discrete column: with public categories (declared, or a boolean
//! column), one noisy count per category plus one for "missing"; with
//! categories read from the data, the stability-based histogram releases
//! only categories whose noisy count clears a threshold (a category held by
//! one patient is never named), and the records of suppressed categories are
//! merged into the most frequent released one.
//!
//! Numeric columns then get a noisy histogram over the released bounds with
//! few bins when noise is large (every bin pays the same noise).

use medsynth_data::{ColumnData, DomainSource, Kind, Schema, Table};
use medsynth_privacy::mechanisms::{
    HistogramDomain, Noise, dp_bounds, noisy_cell_counts, noisy_histogram,
};
use medsynth_privacy::{Ledger, NoiseSource};

use crate::error::{ModelError, Result};
use crate::spec::{ColumnSpec, MISSING, RawColumn};
use crate::stats::{ColumnStats, Histogram, prepare, sort_labels};

/// Lowest / highest exponent of the log-scale bucket grid of stage 1.
const MIN_EXP: i32 = -8;
const MAX_EXP: i32 = 62;
const N_EXP: usize = (MAX_EXP - MIN_EXP + 1) as usize;
/// Buckets of the stage-1 grid: negative exponents, zero, positive exponents.
const N_LOG_BUCKETS: usize = 2 * N_EXP + 1;
/// Tail mass cut by the refined bounds (each side).
const BOUNDS_TAIL: f64 = 0.005;
/// Candidates of the refined-bounds grid.
const BOUNDS_GRID: usize = 256;
/// Name of the pseudo-category that counts missing cells in data-derived histograms.
const MISSING_KEY: &str = "\u{1}missing";

/// Where a column's domain comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Domain {
    /// Numeric with declared public bounds.
    PublicBounds(f64, f64),
    /// Numeric: bounds must be released under DP.
    PrivateBounds,
    /// Discrete with a public list of labels.
    PublicLabels(Vec<String>),
    /// Discrete: labels read from the data, released by a stability histogram.
    PrivateLabels,
    /// Discrete and stored as whole numbers (codes such as 1–4): the range
    /// of codes is released like numeric bounds, then every code in it is a
    /// candidate label with a noisy count (no threshold needed, so small
    /// tables keep their categories at small ε).
    IntegerCodes,
}

impl Domain {
    pub fn is_public(&self) -> bool {
        matches!(self, Domain::PublicBounds(..) | Domain::PublicLabels(_))
    }
}

/// The domain of every modelled column, from the schema only.
pub fn domains(schema: &Schema, table: &Table) -> Vec<(String, Domain)> {
    schema
        .modelled()
        .map(|c| {
            let public = c.domain == DomainSource::Public;
            let d = if c.kind.is_numeric() {
                match (c.min, c.max) {
                    (Some(lo), Some(hi))
                        if public && lo.is_finite() && hi.is_finite() && lo < hi =>
                    {
                        Domain::PublicBounds(lo, hi)
                    }
                    _ => Domain::PrivateBounds,
                }
            } else {
                match &c.categories {
                    Some(cats) if public && !cats.is_empty() => Domain::PublicLabels(cats.clone()),
                    _ => {
                        // A column stored as booleans can only hold two labels.
                        let is_bool = table
                            .column(&c.name)
                            .is_some_and(|col| matches!(col.data, ColumnData::Bool(_)));
                        let is_int = table
                            .column(&c.name)
                            .is_some_and(|col| matches!(col.data, ColumnData::Int(_)));
                        if is_bool {
                            Domain::PublicLabels(vec!["false".into(), "true".into()])
                        } else if is_int {
                            Domain::IntegerCodes
                        } else {
                            Domain::PrivateLabels
                        }
                    }
                }
            };
            (c.name.clone(), d)
        })
        .collect()
}

/// The error of `--strict-dp` when some domains are not declared: names
/// every column and shows what to add to schema.json.
pub fn strict_error(domains: &[(String, Domain)], schema: &Schema) -> Option<ModelError> {
    let missing: Vec<&(String, Domain)> = domains.iter().filter(|(_, d)| !d.is_public()).collect();
    if missing.is_empty() {
        return None;
    }
    let mut example = Vec::new();
    for (name, d) in missing.iter().take(2) {
        let kind = schema
            .column(name)
            .map_or("continuous", |c| c.kind.as_str());
        example.push(match d {
            Domain::PrivateBounds => format!(
                "{{\"name\": \"{name}\", \"kind\": \"{kind}\", \"min\": 0, \"max\": 120, \"domain\": \"public\"}}"
            ),
            _ => format!(
                "{{\"name\": \"{name}\", \"kind\": \"{kind}\", \"categories\": [\"a\", \"b\"], \"domain\": \"public\"}}"
            ),
        });
    }
    let list: Vec<String> = missing
        .iter()
        .map(|(n, d)| match d {
            Domain::PrivateBounds => format!("'{n}' (min and max)"),
            _ => format!("'{n}' (categories)"),
        })
        .collect();
    Some(ModelError::input(format!(
        "--strict-dp: the schema does not declare public domains for {}; declare them in schema.json \
         as public knowledge (not read off this data), e.g. {}",
        list.join(", "),
        example.join(", ")
    )))
}

/// The releases preprocessing makes, in order; data-independent, so the
/// plan can be calibrated before touching the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Release {
    /// Stage-1 log-bucket histogram of column `i`.
    CoarseRange(usize),
    /// Stage-2 refined bounds (two quantiles) of column `i`.
    Bounds(usize),
    /// Category counts of discrete column `i` (2 releases if data-derived).
    Categories(usize),
    /// Histogram of numeric column `i`.
    Histogram(usize),
}

/// Preprocessing releases for the given domains, with their relative
/// weights (`target` columns get twice the weight of the others: their
/// marginal matters most to whoever trains a classifier on the output).
pub fn plan(domains: &[(String, Domain)], target: Option<usize>) -> Vec<(Release, f64)> {
    let mut out = Vec::new();
    for (i, (_, d)) in domains.iter().enumerate() {
        let w = if Some(i) == target { 2.0 } else { 1.0 };
        match d {
            Domain::PrivateBounds => {
                out.push((Release::CoarseRange(i), 1.0));
                out.push((Release::Bounds(i), 0.3));
                out.push((Release::Histogram(i), w));
            }
            Domain::PublicBounds(..) => out.push((Release::Histogram(i), w)),
            Domain::IntegerCodes => {
                out.push((Release::CoarseRange(i), 1.0));
                out.push((Release::Bounds(i), 0.3));
                out.push((Release::Categories(i), w));
            }
            Domain::PublicLabels(_) | Domain::PrivateLabels => {
                out.push((Release::Categories(i), w))
            }
        }
    }
    out
}

/// Whether a release is accounted as `count` Gaussian releases or as pure DP.
pub fn release_kind(r: Release, domains: &[(String, Domain)]) -> medsynth_privacy::PlannedKind {
    use medsynth_privacy::PlannedKind;
    match r {
        Release::Bounds(_) => PlannedKind::PureDp { count: 2 },
        Release::Categories(i) if domains[i].1 == Domain::PrivateLabels => {
            PlannedKind::Gaussian { count: 2 }
        }
        _ => PlannedKind::Gaussian { count: 1 },
    }
}

/// Statistics released under DP, and the rows mapped onto them.
#[derive(Debug, Clone)]
pub struct DpStats {
    pub specs: Vec<ColumnSpec>,
    /// Noisy per-column statistics (what the manifest stores).
    pub stats: Vec<ColumnStats>,
    /// Rows in internal form against the released labels (never saved).
    pub raw: Vec<RawColumn>,
    /// Released number of records: the median of the columns' noisy totals.
    pub n_est: f64,
    /// The schema with every data-derived bound, category list and missing
    /// share replaced by its released value (what the manifest stores).
    pub schema: Schema,
    /// Columns whose suppressed (rare) categories were merged (how many is secret).
    pub merged_rare: Vec<String>,
}

/// Parameters of each planned release, in plan order.
pub struct Calibrated<'a> {
    pub plan: &'a [(Release, f64)],
    /// Noise multiplier (Gaussian) or ε per release (pure DP), from the allocation.
    pub params: &'a [f64],
    /// δ at which Gaussian entries state their standalone ε.
    pub report_delta: f64,
    /// Additive δ of each data-derived category histogram's threshold.
    pub threshold_delta: f64,
}

impl Calibrated<'_> {
    fn param(&self, r: Release) -> Result<f64> {
        self.plan
            .iter()
            .position(|(x, _)| *x == r)
            .map(|i| self.params[i])
            .ok_or_else(|| ModelError::input(format!("internal: release {r:?} was not planned")))
    }
    fn gaussian(&self, r: Release) -> Result<Noise> {
        Ok(Noise::Gaussian {
            noise_multiplier: self.param(r)?,
            report_delta: self.report_delta,
        })
    }
}

fn log_bucket(x: f64) -> usize {
    let a = x.abs();
    if a < 2f64.powi(MIN_EXP) {
        return N_EXP;
    }
    let e = (a.log2().floor() as i32).clamp(MIN_EXP, MAX_EXP);
    let k = (e - MIN_EXP) as usize;
    if x > 0.0 {
        N_EXP + 1 + k
    } else {
        N_EXP - 1 - k
    }
}

fn log_bucket_range(b: usize) -> (f64, f64) {
    if b == N_EXP {
        let z = 2f64.powi(MIN_EXP);
        return (-z, z);
    }
    if b > N_EXP {
        let e = MIN_EXP + (b - N_EXP - 1) as i32;
        (2f64.powi(e), 2f64.powi(e + 1))
    } else {
        let e = MIN_EXP + (N_EXP - 1 - b) as i32;
        (-(2f64.powi(e + 1)), -(2f64.powi(e)))
    }
}

/// Public grid of candidate bounds inside `[lo, hi]` (integers when the
/// column is whole-numbered and the range small).
fn bounds_grid(lo: f64, hi: f64, integer: bool) -> Vec<f64> {
    if integer && hi - lo <= BOUNDS_GRID as f64 {
        let (a, b) = (lo.floor() as i64, hi.ceil() as i64);
        return (a..=b).map(|v| v as f64).collect();
    }
    let step = (hi - lo) / (BOUNDS_GRID - 1) as f64;
    let mut g: Vec<f64> = (0..BOUNDS_GRID).map(|i| lo + step * i as f64).collect();
    g.dedup();
    g
}

/// Bins of a DP numeric histogram: few when the noise is large relative to
/// the table (each bin pays the same noise), at most 256.
pub fn histogram_bins(n_est: f64, noise_multiplier: f64) -> usize {
    ((n_est / (3.0 * noise_multiplier.max(1e-9))).round() as usize).clamp(4, 256)
}

/// Releases every per-column statistic of `table` under DP (see module docs),
/// pushing each mechanism's entry onto `ledger`. `n_est` is the released row
/// count (it sets the number of histogram bins).
pub fn release_stats(
    table: &Table,
    schema: &Schema,
    doms: &[(String, Domain)],
    cal: &Calibrated<'_>,
    n_est: f64,
    ledger: &mut Ledger,
    src: &mut impl NoiseSource,
) -> Result<DpStats> {
    let prepared = prepare(table, schema)?;

    let mut stats = Vec::with_capacity(doms.len());
    let mut raw = Vec::with_capacity(doms.len());
    let mut out_schema = schema.clone();
    let mut merged_rare = Vec::new();
    // Every column's noisy cells add up to a noisy row count: their median
    // (post-processing) is far more accurate than the 2 %-of-ε count alone.
    let mut totals: Vec<f64> = Vec::with_capacity(doms.len());
    for (i, (name, dom)) in doms.iter().enumerate() {
        let col_schema = schema.column(name);
        let integer = col_schema.is_some_and(|c| matches!(c.kind, Kind::Integer | Kind::Datetime));
        match (&prepared.raw[i], dom) {
            (RawColumn::Numeric(values), _) => {
                let (lo, hi) = match dom {
                    Domain::PublicBounds(lo, hi) => (*lo, *hi),
                    _ => numeric_bounds(name, values, integer, i, cal, ledger, src)?,
                };
                let noise = cal.gaussian(Release::Histogram(i))?;
                let m = cal.param(Release::Histogram(i))?;
                let bins = histogram_bins(n_est, m);
                let mut h = if integer && ((hi.round() - lo.round()) as usize) < bins {
                    Histogram::new(lo, hi, true)
                } else {
                    Histogram {
                        lo,
                        hi,
                        counts: vec![0.0; bins],
                        integer: false,
                    }
                };
                let mut cells = vec![0u64; h.n_bins() + 1];
                for &v in values {
                    if v.is_finite() {
                        cells[h.bin(v)] += 1;
                    } else {
                        cells[h.n_bins()] += 1;
                    }
                }
                let r = noisy_cell_counts(&format!("histogram of '{name}'"), &cells, noise, src)
                    .map_err(super::privacy_error)?;
                totals.push(r.value.iter().sum::<f64>());
                ledger.push(r.entry);
                // Post-processing: counts below 1.5 noise sd are indistinguishable
                // from empty bins; the missing cell needs 2 sd.
                let nb = h.n_bins();
                for (c, v) in h.counts.iter_mut().zip(&r.value[..nb]) {
                    *c = if *v < 1.5 * m { 0.0 } else { *v };
                }
                if h.counts.iter().all(|c| *c <= 0.0) {
                    h.counts.iter_mut().for_each(|c| *c = 1.0);
                }
                let missing = if r.value[nb] < 2.0 * m {
                    0.0
                } else {
                    r.value[nb]
                };
                if let Some(c) = out_schema.column_mut(name)
                    && c.domain != DomainSource::Public
                {
                    c.min = Some(lo);
                    c.max = Some(hi);
                }
                stats.push(ColumnStats::Numeric {
                    histogram: h,
                    missing,
                });
                raw.push(RawColumn::Numeric(values.clone()));
            }
            (RawColumn::Discrete(idx), _) => {
                let observed = prepared.stats[i].labels();
                let mut exact = vec![0u64; observed.len()];
                let mut n_missing = 0u64;
                for &x in idx {
                    if x == MISSING {
                        n_missing += 1;
                    } else if let Some(c) = exact.get_mut(x as usize) {
                        *c += 1;
                    }
                }
                let noise = cal.gaussian(Release::Categories(i))?;
                let m = cal.param(Release::Categories(i))?;
                let coded;
                let dom = if *dom == Domain::IntegerCodes {
                    coded = integer_code_labels(name, observed, &exact, i, cal, ledger, src)?;
                    &coded
                } else {
                    dom
                };
                let (labels, counts, missing, merged) = match dom {
                    Domain::PublicLabels(public) => {
                        let mut cells = vec![0u64; public.len() + 1];
                        let mut unknown = Vec::new();
                        for (o, &c) in observed.iter().zip(&exact) {
                            match label_slot(public, o) {
                                Some(k) => cells[k] += c,
                                None if c > 0 => unknown.push(o.clone()),
                                None => {}
                            }
                        }
                        if !unknown.is_empty() {
                            return Err(ModelError::input(format!(
                                "column '{name}': value '{}' is not one of the categories declared public in the schema",
                                unknown[0]
                            )));
                        }
                        cells[public.len()] = n_missing;
                        let r = noisy_cell_counts(
                            &format!("category counts of '{name}'"),
                            &cells,
                            noise,
                            src,
                        )
                        .map_err(super::privacy_error)?;
                        totals.push(r.value.iter().sum::<f64>());
                        ledger.push(r.entry);
                        let k = public.len();
                        let miss = if r.value[k] < 2.0 * m {
                            0.0
                        } else {
                            r.value[k]
                        };
                        // Codes released from a range: drop those whose noisy
                        // count is indistinguishable from empty (post-processing).
                        let keep: Vec<usize> = if doms[i].1 == Domain::IntegerCodes {
                            (0..k).filter(|&j| r.value[j] >= 1.5 * m).collect()
                        } else {
                            (0..k).collect()
                        };
                        if keep.is_empty() {
                            return Err(ModelError::input(format!(
                                "column '{name}': no code is frequent enough to be released under this ε; \
                                 declare the column's categories in schema.json (\"categories\": [...], \"domain\": \"public\") or raise --epsilon"
                            )));
                        }
                        let labels: Vec<String> = keep.iter().map(|&j| public[j].clone()).collect();
                        let counts: Vec<f64> = keep.iter().map(|&j| r.value[j]).collect();
                        (labels, counts, miss, false)
                    }
                    _ => {
                        let mut cells: Vec<(String, u64)> = observed
                            .iter()
                            .cloned()
                            .zip(exact.iter().copied())
                            .collect();
                        cells.push((MISSING_KEY.to_string(), n_missing));
                        let r = noisy_histogram(
                            &format!("categories of '{name}'"),
                            &cells,
                            HistogramDomain::DataDerived {
                                threshold_delta: cal.threshold_delta,
                            },
                            noise,
                            src,
                        )
                        .map_err(super::privacy_error)?;
                        ledger.push(r.entry);
                        let rel = r.value;
                        totals.push(rel.counts.iter().map(|c| c.1).sum::<f64>() + rel.other);
                        let mut miss = 0.0;
                        let mut pairs: Vec<(String, f64)> = Vec::new();
                        for (l, c) in rel.counts {
                            if l == MISSING_KEY {
                                miss = c;
                            } else {
                                pairs.push((l, c));
                            }
                        }
                        if pairs.is_empty() {
                            return Err(ModelError::input(format!(
                                "column '{name}': no category is frequent enough to be released under this ε; \
                                 declare the column's categories in schema.json (\"categories\": [...], \"domain\": \"public\") or raise --epsilon"
                            )));
                        }
                        let mut names: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
                        sort_labels(&mut names);
                        let mut counts: Vec<f64> = names
                            .iter()
                            .map(|l| pairs.iter().find(|p| &p.0 == l).map_or(0.0, |p| p.1))
                            .collect();
                        // Records of suppressed categories (their noisy total is
                        // `other`) join the most frequent released category.
                        let mode = (0..counts.len())
                            .max_by(|&a, &b| counts[a].total_cmp(&counts[b]))
                            .unwrap_or(0);
                        let merged = rel.other > 0.0 || names.len() < observed.len();
                        counts[mode] += rel.other;
                        (names, counts, miss, merged)
                    }
                };
                if merged {
                    merged_rare.push(name.clone());
                }
                // Map observed label indices onto the released labels.
                let mode = (0..counts.len())
                    .max_by(|&a, &b| counts[a].total_cmp(&counts[b]))
                    .unwrap_or(0) as u32;
                let map: Vec<u32> = observed
                    .iter()
                    .map(|o| label_slot(&labels, o).map_or(mode, |k| k as u32))
                    .collect();
                let remapped: Vec<u32> = idx
                    .iter()
                    .map(|&x| {
                        if x == MISSING {
                            if missing > 0.0 { MISSING } else { mode }
                        } else {
                            map.get(x as usize).copied().unwrap_or(mode)
                        }
                    })
                    .collect();
                if let Some(c) = out_schema.column_mut(name)
                    && c.domain != DomainSource::Public
                {
                    c.categories = Some(labels.clone());
                }
                stats.push(ColumnStats::Discrete {
                    labels,
                    counts,
                    missing,
                });
                raw.push(RawColumn::Discrete(remapped));
            }
        }
    }
    // No exact statistic of the data may reach the manifest: shares are the
    // released ones, and columns not modelled keep no data-derived domain.
    for c in &mut out_schema.columns {
        if let Some(k) = doms.iter().position(|(n, _)| n == &c.name) {
            c.missing_share = stats[k].missing_share();
        } else {
            c.missing_share = 0.0;
            if c.domain != DomainSource::Public {
                c.min = None;
                c.max = None;
                c.categories = None;
            }
        }
    }
    totals.sort_unstable_by(f64::total_cmp);
    let n_est = match totals.len() {
        0 => n_est,
        k => totals[k / 2].max(1.0),
    };
    Ok(DpStats {
        specs: prepared.specs,
        stats,
        raw,
        n_est,
        schema: out_schema,
        merged_rare,
    })
}

/// Index of `label` in `labels`; for whole-number labels, the nearest code
/// (a record outside a released range of codes joins the closest end).
fn label_slot(labels: &[String], label: &str) -> Option<usize> {
    if let Some(k) = labels.iter().position(|l| l == label) {
        return Some(k);
    }
    let v: i64 = label.trim().parse().ok()?;
    let codes: Option<Vec<i64>> = labels.iter().map(|l| l.trim().parse().ok()).collect();
    let codes = codes?;
    (0..codes.len()).min_by_key(|&k| (codes[k] - v).unsigned_abs())
}

/// Widest range of integer codes released as candidate labels.
const MAX_CODES: i64 = 128;

/// Releases the range of an integer-coded column's codes (stages 1 and 2)
/// and returns every code in it as a candidate label list.
fn integer_code_labels(
    name: &str,
    observed: &[String],
    exact: &[u64],
    i: usize,
    cal: &Calibrated<'_>,
    ledger: &mut Ledger,
    src: &mut impl NoiseSource,
) -> Result<Domain> {
    let mut values = Vec::new();
    for (o, &c) in observed.iter().zip(exact) {
        if let Ok(v) = o.trim().parse::<i64>() {
            values.extend(std::iter::repeat_n(v as f64, c as usize));
        }
    }
    let (lo, hi) = numeric_bounds(name, &values, true, i, cal, ledger, src)?;
    let (lo, hi) = (lo.round() as i64, hi.round() as i64);
    if hi - lo + 1 > MAX_CODES {
        return Err(ModelError::input(format!(
            "column '{name}': the released range of codes [{lo}, {hi}] is too wide for a categorical column; \
             declare its categories in schema.json (\"categories\": [...], \"domain\": \"public\") or model it as integer"
        )));
    }
    Ok(Domain::PublicLabels(
        (lo..=hi.max(lo)).map(|v| v.to_string()).collect(),
    ))
}

/// Stages 1 and 2 of the module docs for one numeric column.
fn numeric_bounds(
    name: &str,
    values: &[f64],
    integer: bool,
    i: usize,
    cal: &Calibrated<'_>,
    ledger: &mut Ledger,
    src: &mut impl NoiseSource,
) -> Result<(f64, f64)> {
    let mut cells = vec![0u64; N_LOG_BUCKETS];
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    for &v in &finite {
        cells[log_bucket(v)] += 1;
    }
    let m = cal.param(Release::CoarseRange(i))?;
    let r = noisy_cell_counts(
        &format!("coarse range of '{name}'"),
        &cells,
        cal.gaussian(Release::CoarseRange(i))?,
        src,
    )
    .map_err(super::privacy_error)?;
    ledger.push(r.entry);
    // The fullest noisy bucket anchors the range; passing buckets (4 noise
    // sd) join it when within GAP buckets of it, so a spurious bucket far
    // away (2⁴⁴, say) cannot blow the range up, while zeros and small codes
    // (bucket 0 and [1, 2), 8 buckets apart) stay together.
    const GAP: usize = 10;
    // 4 sd: with 143 buckets, a spurious bucket passes with probability ~0.5 %.
    let tau = 4.0 * m;
    let best = (0..N_LOG_BUCKETS)
        .max_by(|&a, &b| r.value[a].total_cmp(&r.value[b]))
        .unwrap_or(N_EXP);
    let passing = |b: usize| r.value[b] >= tau;
    if !passing(best) {
        // No bucket stands out of the noise: any range read from this
        // release would be noise (e.g. [124, 486] for a 0/1 column), and a
        // model fitted to it would silently collapse the column.
        return Err(ModelError::input(format!(
            "column '{name}': the privacy budget is too small to locate its range from the data \
             (no bucket of the noisy coarse histogram clears the noise); declare it in schema.json \
             (\"min\"/\"max\" or \"categories\", with \"domain\": \"public\"), or raise --epsilon"
        )));
    }
    let (mut first, mut last) = (best, best);
    loop {
        let below = (first.saturating_sub(GAP)..first).find(|&b| passing(b));
        let above = (last + 1..=(last + GAP).min(N_LOG_BUCKETS - 1))
            .rev()
            .find(|&b| passing(b));
        if below.is_none() && above.is_none() {
            break;
        }
        first = below.unwrap_or(first);
        last = above.unwrap_or(last);
    }
    let (lo, _) = log_bucket_range(first);
    let (_, hi) = log_bucket_range(last);
    let grid = bounds_grid(lo, hi, integer);
    let eps = cal.param(Release::Bounds(i))?;
    let released = dp_bounds(
        &format!("bounds of '{name}'"),
        &finite,
        &grid,
        2.0 * eps,
        BOUNDS_TAIL,
        src,
    )
    .map_err(super::privacy_error)?;
    ledger.push(released.entry);
    let (mut a, mut b) = released.value;
    if b <= a {
        // Post-processing: a degenerate range is widened to one grid step.
        let step = (hi - lo) / (BOUNDS_GRID - 1) as f64;
        b = a + step.max(if integer { 1.0 } else { 1e-9 });
        a = a.min(b);
    }
    Ok((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_buckets_cover_the_line_in_order() {
        let xs = [-1e6, -3.0, -0.5, 0.0, 0.001, 0.5, 1.0, 3.0, 77.0, 1.7e9];
        let mut last = 0;
        for (k, &x) in xs.iter().enumerate() {
            let b = log_bucket(x);
            let (lo, hi) = log_bucket_range(b);
            assert!(lo <= x && x <= hi, "{x} not in [{lo}, {hi}]");
            if k > 0 {
                assert!(b >= last, "{x}");
            }
            last = b;
        }
        assert_eq!(log_bucket(0.0), N_EXP);
    }

    #[test]
    fn codes_outside_a_released_range_join_the_nearest_end() {
        let labels: Vec<String> = ["1", "2", "4"].iter().map(|s| s.to_string()).collect();
        assert_eq!(label_slot(&labels, "2"), Some(1));
        assert_eq!(label_slot(&labels, "9"), Some(2));
        assert_eq!(label_slot(&labels, "-3"), Some(0));
        assert_eq!(label_slot(&labels, "x"), None);
    }

    #[test]
    fn histogram_bins_shrink_with_noise() {
        assert_eq!(histogram_bins(212.0, 20.0), 4);
        assert!(histogram_bins(20_000.0, 5.0) > 100);
    }
}
