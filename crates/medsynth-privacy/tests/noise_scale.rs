//! The noise actually added has the calibrated distribution: one-sample
//! Kolmogorov–Smirnov test of 20,000 draws against N(0, σ²) / Laplace(0, b),
//! and the sample standard deviation against the theoretical one.

use medsynth_privacy::mechanisms::{GaussianMechanism, LaplaceMechanism};
use medsynth_privacy::{NoiseSource, OsNoise, SeededNoise};
use statrs::function::erf::erfc;

const N: usize = 20_000;

/// Asymptotic p-value of the KS statistic (Kolmogorov distribution with the
/// Stephens small-sample correction).
fn ks_p_value(mut xs: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    let mut d: f64 = 0.0;
    for (i, x) in xs.iter().enumerate() {
        let c = cdf(*x);
        d = d.max((i as f64 + 1.0) / n - c).max(c - i as f64 / n);
    }
    let lambda = (n.sqrt() + 0.12 + 0.11 / n.sqrt()) * d;
    let mut p = 0.0;
    for k in 1..200 {
        let k = k as f64;
        let sign = if k as i64 % 2 == 1 { 1.0 } else { -1.0 };
        p += sign * 2.0 * (-2.0 * k * k * lambda * lambda).exp();
    }
    p.clamp(0.0, 1.0)
}

fn std_dev(xs: &[f64]) -> f64 {
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

fn normal_cdf(sigma: f64) -> impl Fn(f64) -> f64 {
    move |x| 0.5 * erfc(-x / (sigma * std::f64::consts::SQRT_2))
}

fn laplace_cdf(b: f64) -> impl Fn(f64) -> f64 {
    move |x| {
        if x < 0.0 {
            0.5 * (x / b).exp()
        } else {
            1.0 - 0.5 * (-x / b).exp()
        }
    }
}

fn gaussian_draws(src: &mut impl NoiseSource, sigma: f64) -> Vec<f64> {
    // Through the mechanism, so the test covers the code that releases data.
    let m = GaussianMechanism::new(2.0, sigma, 1e-5).unwrap();
    m.release("zeros", &vec![0.0; N], src).unwrap().value
}

fn laplace_draws(src: &mut impl NoiseSource, b: f64) -> Vec<f64> {
    let m = LaplaceMechanism::new(1.0, b).unwrap();
    m.release("zeros", &vec![0.0; N], src).unwrap().value
}

#[test]
fn gaussian_noise_has_calibrated_scale() {
    let sigma = 3.7;
    let xs = gaussian_draws(&mut SeededNoise::insecure_from_seed(20_240_101), sigma);
    assert!(
        (std_dev(&xs) / sigma - 1.0).abs() < 0.02,
        "std {}",
        std_dev(&xs)
    );
    let p = ks_p_value(xs, normal_cdf(sigma));
    assert!(p > 0.001, "KS p = {p}");
}

#[test]
fn gaussian_ks_detects_wrong_scale() {
    // The test has power: the same draws are rejected against σ × 1.05.
    let xs = gaussian_draws(&mut SeededNoise::insecure_from_seed(7), 1.0);
    assert!(ks_p_value(xs, normal_cdf(1.05)) < 0.001);
}

#[test]
fn laplace_noise_has_calibrated_scale() {
    let b = 2.5;
    let xs = laplace_draws(&mut SeededNoise::insecure_from_seed(99), b);
    let expect = std::f64::consts::SQRT_2 * b;
    assert!(
        (std_dev(&xs) / expect - 1.0).abs() < 0.03,
        "std {}",
        std_dev(&xs)
    );
    let p = ks_p_value(xs, laplace_cdf(b));
    assert!(p > 0.001, "KS p = {p}");
    let ys = laplace_draws(&mut SeededNoise::insecure_from_seed(98), b);
    assert!(
        ks_p_value(ys, normal_cdf(expect)) < 0.001,
        "Laplace draws must not look Gaussian"
    );
}

/// The production source goes through the same code; its draws are not
/// reproducible, so the threshold is set where a false alarm has
/// probability 1e-6.
#[test]
fn os_noise_has_calibrated_scale() {
    let mut os = OsNoise::new().unwrap();
    let xs = gaussian_draws(&mut os, 0.8);
    assert!(ks_p_value(xs, normal_cdf(0.8)) > 1e-6);
    let ys = laplace_draws(&mut os, 0.8);
    assert!(ks_p_value(ys, laplace_cdf(0.8)) > 1e-6);
}

/// Largest absolute difference between the empirical and the exact pmf over
/// |k| ≤ 60, and the empirical variance, for N integer draws.
fn pmf_check(draws: &[i64], pmf: impl Fn(i64) -> f64) -> (f64, f64) {
    let mut worst: f64 = 0.0;
    for k in -60..=60 {
        let emp = draws.iter().filter(|&&d| d == k).count() as f64 / draws.len() as f64;
        worst = worst.max((emp - pmf(k)).abs());
    }
    let xs: Vec<f64> = draws.iter().map(|&d| d as f64).collect();
    (worst, std_dev(&xs).powi(2))
}

#[test]
fn discrete_laplace_has_exact_pmf_and_variance() {
    let t = 3.0;
    let mut src = SeededNoise::insecure_from_seed(31);
    let draws: Vec<i64> = (0..N).map(|_| src.discrete_laplace(t)).collect();
    let p = (-1.0f64 / t).exp();
    let pmf = |k: i64| (1.0 - p) / (1.0 + p) * p.powi(k.unsigned_abs() as i32);
    let var = 2.0 * p / (1.0 - p).powi(2);
    let (worst, emp_var) = pmf_check(&draws, pmf);
    // pmf values are ≤ 0.17; their standard error at N = 20,000 is ≤ 0.0027.
    assert!(worst < 0.012, "max pmf error {worst}");
    assert!(
        (emp_var / var - 1.0).abs() < 0.05,
        "variance {emp_var} vs {var}"
    );
}

#[test]
fn discrete_gaussian_has_exact_pmf_and_variance() {
    let sigma = 2.5;
    let mut src = SeededNoise::insecure_from_seed(32);
    let draws: Vec<i64> = (0..N).map(|_| src.discrete_gaussian(sigma)).collect();
    let w = |k: i64| (-(k * k) as f64 / (2.0 * sigma * sigma)).exp();
    let z: f64 = (-200..=200).map(w).sum();
    let var: f64 = (-200..=200).map(|k| (k * k) as f64 * w(k)).sum::<f64>() / z;
    let (worst, emp_var) = pmf_check(&draws, |k| w(k) / z);
    assert!(worst < 0.012, "max pmf error {worst}");
    assert!(
        (emp_var / var - 1.0).abs() < 0.04,
        "variance {emp_var} vs {var}"
    );
    // A wrong σ is detected: σ = 2.5 vs the pmf of σ = 2.8.
    let w2 = |k: i64| (-(k * k) as f64 / (2.0 * 2.8 * 2.8)).exp();
    let z2: f64 = (-200..=200).map(w2).sum();
    let (worst2, _) = pmf_check(&draws, |k| w2(k) / z2);
    assert!(worst2 > 0.012, "test has no power: {worst2}");
}
