//! Singling-out, linkability and attribute-inference risks in the manner of
//! anonymeter (Giomi et al. 2023, the framework reviewed by the French
//! regulator CNIL), the three criteria of the EU Article 29 Working Party.
//!
//! Each attack is run twice with the synthetic data as the attacker's
//! knowledge: against records used for training ("ori") and against the
//! holdout ("control"), which the generator never saw. Whatever works on the
//! control works because the synthetic data describes the population, which
//! is its purpose; only the excess is a privacy risk:
//! `risk = (attack rate − control rate) / (1 − control rate)`,
//! with success rates estimated by Wilson's score interval and the error
//! propagated to the risk, bounded to [0, 1] (anonymeter's definitions). A
//! random-guess baseline is reported too: an attack no better than the
//! baseline says nothing.
//!
//! Differences from anonymeter, all to keep a 60-second budget and a fair
//! comparison: the "ori" targets come from a train subset of the control's
//! size (so that "this predicate matches exactly one record" is equally
//! likely on both sides); the attacker's synthetic data is capped at 10,000
//! rows; the singling-out predicates combine up to three attributes
//! (multivariate mode) with `==` for categories and `<=`/`>=` for numbers;
//! linkability splits the columns into two halves (numeric and categorical
//! columns each split in schema order) and uses one neighbour.

use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::dcr::subset;
use super::encode::{Encoded, GowerSpace, MISSING};
use super::nn::{Subset, knn};

/// A privacy risk with its 95 % interval and the rates it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    /// Excess success on training records over the control, in [0, 1].
    pub value: f64,
    pub ci: [f64; 2],
    pub attack_rate: f64,
    pub control_rate: f64,
    pub baseline_rate: f64,
    pub n_attacks: usize,
    pub verdict: String,
}

/// Inference risk for one secret column.
#[derive(Debug, Clone, Serialize)]
pub struct InferenceRisk {
    pub column: String,
    #[serde(flatten)]
    pub risk: Risk,
}

/// All three anonymeter-style risks.
#[derive(Debug, Clone, Serialize)]
pub struct AnonymeterReport {
    pub singling_out: Risk,
    pub linkability: Risk,
    /// Per secret column, highest risk first.
    pub inference: Vec<InferenceRisk>,
    /// The highest inference risk (0 when no column was attacked).
    pub inference_max: f64,
}

/// Wilson point estimate and error bound (anonymeter's `success_rate`).
pub fn success_rate(n_total: usize, n_success: usize) -> (f64, f64) {
    if n_total == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_963_984_540_054_f64;
    let (n, k) = (n_total as f64, n_success as f64);
    let z2 = z * z;
    let var = k * (n - k) / n;
    let denom = n + z2;
    ((k + 0.5 * z2) / denom, z / denom * (var + 0.25 * z2).sqrt())
}

/// The residual risk over the control with propagated error, bounded.
pub fn risk(
    n: usize,
    success: usize,
    n_control: usize,
    control: usize,
    n_base: usize,
    base: usize,
    what: &str,
) -> Risk {
    let (a, ea) = success_rate(n, success);
    let (c, ec) = success_rate(n_control, control);
    let (b, _) = success_rate(n_base, base);
    let (value, err) = if c < 1.0 {
        let v = (a - c) / (1.0 - c);
        let da = 1.0 / (1.0 - c);
        let dc = (a - 1.0) / ((1.0 - c) * (1.0 - c));
        (v, ((ea * da).powi(2) + (ec * dc).powi(2)).sqrt())
    } else {
        (0.0, 1.0)
    };
    let bound = |x: f64| x.clamp(0.0, 1.0);
    let r = Risk {
        value: bound(value),
        ci: [bound(value - err), bound(value + err)],
        attack_rate: a,
        control_rate: c,
        baseline_rate: b,
        n_attacks: n,
        verdict: String::new(),
    };
    let verdict = risk_verdict(what, &r);
    Risk { verdict, ..r }
}

fn risk_verdict(what: &str, r: &Risk) -> String {
    let pct = |x: f64| x * 100.0;
    if r.n_attacks == 0 {
        return format!(
            "The {what} attack could not be run on this data (no usable attack was found)."
        );
    }
    if r.baseline_rate >= r.attack_rate {
        return format!(
            "The {what} attack did no better than random guessing ({:.1} % vs {:.1} %), so this test says little either way.",
            pct(r.attack_rate),
            pct(r.baseline_rate)
        );
    }
    if r.ci[0] > 0.05 {
        format!(
            "{} risk {:.1} % (interval {:.1}–{:.1} %): the synthetic data helps an attacker more on training patients than on unseen ones. Investigate before sharing.",
            capitalise(what),
            pct(r.value),
            pct(r.ci[0]),
            pct(r.ci[1])
        )
    } else {
        format!(
            "{} risk {:.1} % (interval {:.1}–{:.1} %): no excess success on training patients by this attack. This is not a privacy guarantee.",
            capitalise(what),
            pct(r.value),
            pct(r.ci[0]),
            pct(r.ci[1])
        )
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Settings of the anonymeter-style attacks.
#[derive(Debug, Clone)]
pub struct AnonymeterOptions {
    /// Attacks per risk (anonymeter's `n_attacks`).
    pub n_attacks: usize,
    /// Cap on the synthetic rows the attacker uses.
    pub max_synthetic: usize,
    /// Secret columns for the inference attack (names); empty = the first
    /// `max_secrets` columns.
    pub secrets: Vec<String>,
    pub max_secrets: usize,
    pub seed: u64,
}

impl Default for AnonymeterOptions {
    fn default() -> Self {
        AnonymeterOptions {
            n_attacks: 500,
            max_synthetic: 10_000,
            secrets: Vec::new(),
            max_secrets: 12,
            seed: 0,
        }
    }
}

/// One column of a singling-out predicate.
#[derive(Debug, Clone, Copy)]
enum Cond {
    CatEq(usize, u32),
    NumLe(usize, f32),
    NumGe(usize, f32),
    NumMissing(usize),
}

fn matches(e: &Encoded, i: usize, pred: &[Cond]) -> bool {
    pred.iter().all(|c| match *c {
        Cond::CatEq(j, v) => e.cat[i * e.pc + j] == v,
        Cond::NumLe(j, v) => {
            let x = e.num[i * e.pn + j];
            x != MISSING && x <= v
        }
        Cond::NumGe(j, v) => {
            let x = e.num[i * e.pn + j];
            x != MISSING && x >= v
        }
        Cond::NumMissing(j) => e.num[i * e.pn + j] == MISSING,
    })
}

/// True when exactly one row matches.
fn singles_out(e: &Encoded, pred: &[Cond]) -> bool {
    let mut count = 0;
    for i in 0..e.n {
        if matches(e, i, pred) {
            count += 1;
            if count > 1 {
                return false;
            }
        }
    }
    count == 1
}

/// Predicate built from row values: `row_of(j)` gives the row whose value
/// column `j` takes (the same row for the attack, random rows for the
/// baseline).
fn predicate(
    e: &Encoded,
    cols: &[usize],
    medians: &[f32],
    mut row_of: impl FnMut() -> usize,
) -> Vec<Cond> {
    cols.iter()
        .map(|&c| {
            let r = row_of();
            if c < e.pn {
                let v = e.num[r * e.pn + c];
                if v == MISSING {
                    Cond::NumMissing(c)
                } else if v >= medians[c] {
                    Cond::NumGe(c, v)
                } else {
                    Cond::NumLe(c, v)
                }
            } else {
                let j = c - e.pn;
                Cond::CatEq(j, e.cat[r * e.pc + j])
            }
        })
        .collect()
}

fn singling_out(
    ori: &Encoded,
    control: &Encoded,
    syn: &Encoded,
    opts: &AnonymeterOptions,
    rng: &mut ChaCha8Rng,
) -> Risk {
    let width = syn.pn + syn.pc;
    let medians: Vec<f32> = (0..syn.pn)
        .map(|j| {
            let mut v: Vec<f32> = (0..syn.n)
                .map(|i| syn.num[i * syn.pn + j])
                .filter(|&x| x != MISSING)
                .collect();
            v.sort_by(f32::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(0.0)
        })
        .collect();
    let n_cols = width.min(3);
    let mut queries = Vec::new();
    let mut tries = 0;
    while queries.len() < opts.n_attacks && tries < opts.n_attacks * 20 && syn.n > 0 && n_cols > 0 {
        tries += 1;
        let cols = sample(rng, width, n_cols).into_vec();
        let r = rng.random_range(0..syn.n);
        let pred = predicate(syn, &cols, &medians, || r);
        if singles_out(syn, &pred) {
            queries.push(pred);
        }
    }
    let mut baseline = Vec::new();
    for _ in 0..queries.len() {
        let cols = sample(rng, width, n_cols).into_vec();
        let rows: Vec<usize> = (0..n_cols).map(|_| rng.random_range(0..syn.n)).collect();
        let mut it = rows.into_iter();
        baseline.push(predicate(syn, &cols, &medians, || it.next().unwrap_or(0)));
    }
    let count = |e: &Encoded, qs: &[Vec<Cond>]| qs.iter().filter(|q| singles_out(e, q)).count();
    let n = queries.len();
    risk(
        n,
        count(ori, &queries),
        n,
        count(control, &queries),
        n,
        count(ori, &baseline),
        "singling-out",
    )
}

fn split_columns(e: &Encoded) -> (Subset, Subset) {
    let (hn, hc) = (e.pn / 2, e.pc.div_ceil(2));
    let a = Subset {
        num: (0..hn).collect(),
        cat: (0..hc).collect(),
    };
    let b = Subset {
        num: (hn..e.pn).collect(),
        cat: (hc..e.pc).collect(),
    };
    // A side without columns cannot link anything: give it one column.
    (a, b)
}

fn linkability(ori: &Encoded, control: &Encoded, syn: &Encoded, rng: &mut ChaCha8Rng) -> Risk {
    let (a, b) = split_columns(syn);
    if a.width() == 0 || b.width() == 0 || syn.n == 0 {
        return risk(0, 0, 0, 0, 0, 0, "linkability");
    }
    let links = |targets: &Encoded| {
        let na = knn(targets, syn, 1, &a);
        let nb = knn(targets, syn, 1, &b);
        na.iter()
            .zip(&nb)
            .filter(|(x, y)| x.iter().any(|p| y.iter().any(|q| q.1 == p.1)))
            .count()
    };
    let (n, nc) = (ori.n, control.n);
    let base = (0..n)
        .filter(|_| rng.random_range(0..syn.n) == rng.random_range(0..syn.n))
        .count();
    risk(n, links(ori), nc, links(control), n, base, "linkability")
}

fn inference(
    ori: &Encoded,
    control: &Encoded,
    syn: &Encoded,
    space: &GowerSpace,
    secret: usize,
    rng: &mut ChaCha8Rng,
) -> Risk {
    let mut aux = Subset::all(syn);
    if secret < syn.pn {
        aux.num.retain(|&j| j != secret);
    } else {
        aux.cat.retain(|&j| j != secret - syn.pn);
    }
    let correct = |truth_e: &Encoded, t: usize, guess_row: usize| -> bool {
        if secret < syn.pn {
            let (x, g) = (
                truth_e.num[t * truth_e.pn + secret],
                syn.num[guess_row * syn.pn + secret],
            );
            if x == MISSING || g == MISSING {
                return x == g;
            }
            let (lo, inv) = (space.numeric[secret].2, space.numeric[secret].3);
            let orig = f64::from(x) / inv + lo;
            // anonymeter's tolerance: within 5 % of the true value.
            (f64::from(g) - f64::from(x)).abs() / inv <= 0.05 * orig.abs()
        } else {
            let j = secret - syn.pn;
            truth_e.cat[t * truth_e.pc + j] == syn.cat[guess_row * syn.pc + j]
        }
    };
    let success = |targets: &Encoded| {
        knn(targets, syn, 1, &aux)
            .iter()
            .enumerate()
            .filter(|(t, nb)| {
                nb.first()
                    .is_some_and(|p| correct(targets, *t, p.1 as usize))
            })
            .count()
    };
    let base = (0..ori.n)
        .filter(|&t| correct(ori, t, rng.random_range(0..syn.n)))
        .count();
    risk(
        ori.n,
        success(ori),
        control.n,
        success(control),
        ori.n,
        base,
        "inference",
    )
}

/// Runs the three attacks. `train`, `holdout` and `synthetic` are encoded in
/// the same [`GowerSpace`].
pub fn anonymeter_encoded(
    train: &Encoded,
    holdout: &Encoded,
    synthetic: &Encoded,
    space: &GowerSpace,
    opts: &AnonymeterOptions,
) -> AnonymeterReport {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0xA40E);
    let syn = synthetic.take(&subset(synthetic.n, opts.max_synthetic, &mut rng));
    // Size-matched pools: a train subset as large as the holdout.
    let pool = train.take(&subset(train.n, holdout.n, &mut rng));
    let ori = pool.take(&subset(pool.n, opts.n_attacks, &mut rng));
    let control = holdout.take(&subset(holdout.n, opts.n_attacks, &mut rng));

    let singling = singling_out(&pool, holdout, &syn, opts, &mut rng);
    let link = linkability(&ori, &control, &syn, &mut rng);
    let names = space.column_names();
    let secrets: Vec<usize> = if opts.secrets.is_empty() {
        (0..names.len().min(opts.max_secrets)).collect()
    } else {
        opts.secrets
            .iter()
            .filter_map(|s| names.iter().position(|n| n == s))
            .collect()
    };
    let mut inf: Vec<InferenceRisk> = if syn.n == 0 {
        Vec::new()
    } else {
        secrets
            .into_iter()
            .map(|s| InferenceRisk {
                column: names[s].clone(),
                risk: inference(&ori, &control, &syn, space, s, &mut rng),
            })
            .collect()
    };
    for r in &mut inf {
        if !is_assessable(&r.risk) {
            r.risk.verdict = format!(
                "Not assessable: {:.0} % of unseen patients are already guessed right, so the \
                 risk formula (which divides by the share guessed wrong) only amplifies noise.",
                100.0 * r.risk.control_rate
            );
        }
    }
    inf.sort_by(|a, b| b.risk.value.total_cmp(&a.risk.value));
    let inference_max = inf
        .iter()
        .filter(|r| is_assessable(&r.risk))
        .map(|r| r.risk.value)
        .fold(0.0, f64::max);
    AnonymeterReport {
        singling_out: singling,
        linkability: link,
        inference: inf,
        inference_max,
    }
}

/// Above this control success rate an inference attack says nothing: the
/// risk `(attack - control) / (1 - control)` divides sampling noise by a
/// small number (a column that is 0 for 88 % of patients turns a 4-point
/// difference of 500 attacks into a "38 % risk").
pub const MAX_ASSESSABLE_CONTROL_RATE: f64 = 0.8;

/// Whether an inference risk can be read at all (see
/// [`MAX_ASSESSABLE_CONTROL_RATE`]).
pub fn is_assessable(risk: &Risk) -> bool {
    risk.control_rate <= MAX_ASSESSABLE_CONTROL_RATE
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wilson_matches_anonymeter() {
        // anonymeter.stats.confidence.success_rate(100, 30, 0.95)
        let (rate, err) = success_rate(100, 30);
        assert!((rate - 0.307_399).abs() < 1e-5, "{rate}");
        assert!((err - 0.088_450).abs() < 1e-5, "{err}");
    }

    #[test]
    fn residual_risk_bounds_and_sign() {
        let r = risk(500, 400, 500, 100, 500, 10, "inference");
        assert!(r.value > 0.6 && r.value < 0.8, "{}", r.value);
        assert!(r.ci[0] < r.value && r.value < r.ci[1]);
        assert!(r.verdict.contains("Investigate"), "{}", r.verdict);
        let none = risk(500, 100, 500, 120, 500, 10, "inference");
        assert_eq!(none.value, 0.0);
        assert!(
            none.verdict.contains("not a privacy guarantee"),
            "{}",
            none.verdict
        );
    }

    proptest! {
        /// The Wilson estimate stays in [0, 1], its interval covers the
        /// observed rate, and the bounded risk interval contains the risk.
        #[test]
        fn rates_and_risks_are_bounded(n in 1usize..2000, k_frac in 0.0f64..=1.0, c_frac in 0.0f64..=1.0) {
            let k = ((n as f64) * k_frac).round() as usize;
            let c = ((n as f64) * c_frac).round() as usize;
            let (rate, err) = success_rate(n, k);
            prop_assert!((0.0..=1.0).contains(&rate));
            prop_assert!(err >= 0.0);
            let observed = k as f64 / n as f64;
            prop_assert!(rate - err <= observed + 1e-9 && observed <= rate + err + 1e-9);
            let r = risk(n, k, n, c, n, 0, "x");
            prop_assert!((0.0..=1.0).contains(&r.value));
            prop_assert!(r.ci[0] <= r.value && r.value <= r.ci[1]);
        }
    }
}
