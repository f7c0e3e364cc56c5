//! Finite-difference helpers shared by the unit tests (f64 throughout).

/// Central differences of `f` at `x`, step 1e-6.
pub(crate) fn numeric_grad(x: &[f64], f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let h = 1e-6;
    let mut y = x.to_vec();
    (0..x.len())
        .map(|i| {
            y[i] = x[i] + h;
            let up = f(&y);
            y[i] = x[i] - h;
            let down = f(&y);
            y[i] = x[i];
            (up - down) / (2.0 * h)
        })
        .collect()
}

/// |a − b| ≤ tol · max(1, |a|, |b|) element-wise.
pub(crate) fn assert_grad_close(analytic: &[f64], numeric: &[f64], tol: f64) {
    assert_eq!(analytic.len(), numeric.len());
    for (i, (a, n)) in analytic.iter().zip(numeric).enumerate() {
        let scale = 1f64.max(a.abs()).max(n.abs());
        assert!(
            (a - n).abs() <= tol * scale,
            "gradient {i}: analytic {a} vs numeric {n}"
        );
    }
}
