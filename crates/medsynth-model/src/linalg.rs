//! The little dense linear algebra the Gaussian copula needs (matrices of at
//! most a few hundred columns): Cholesky factorisation and solves. Written by
//! hand because pulling in a linear-algebra crate for two 20-line routines
//! would add more compile time than the code it saves.

/// Lower-triangular Cholesky factor of the symmetric `n × n` matrix `a`
/// (row-major). Adds a growing ridge to the diagonal until the matrix is
/// positive definite, so that a nearly collinear correlation matrix (two
/// copies of one column) still factorises. Returns the factor and the ridge used.
pub fn cholesky_ridged(a: &[f64], n: usize) -> (Vec<f64>, f64) {
    let mut ridge = 0.0;
    loop {
        if let Some(l) = cholesky(a, n, ridge) {
            return (l, ridge);
        }
        ridge = if ridge == 0.0 { 1e-9 } else { ridge * 10.0 };
        if ridge > 1e3 {
            // Unreachable for a correlation matrix; return the identity as a safe fallback.
            let mut l = vec![0.0; n * n];
            for i in 0..n {
                l[i * n + i] = 1.0;
            }
            return (l, ridge);
        }
    }
}

/// Plain Cholesky with `ridge` added to the diagonal; `None` if not positive definite.
pub fn cholesky(a: &[f64], n: usize, ridge: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j] + if i == j { ridge } else { 0.0 };
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 1e-12 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solves `L Lᵀ x = b` in place for a Cholesky factor `l`.
pub fn cholesky_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// The sub-matrix of `a` (`n × n`) at rows `r` and columns `c`.
pub fn submatrix(a: &[f64], n: usize, r: &[usize], c: &[usize]) -> Vec<f64> {
    let mut out = Vec::with_capacity(r.len() * c.len());
    for &i in r {
        for &j in c {
            out.push(a[i * n + j]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reconstructs_and_solves() {
        let a = [4.0, 2.0, 0.4, 2.0, 3.0, 0.5, 0.4, 0.5, 1.0];
        let l = cholesky(&a, 3, 0.0).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((s - a[i * 3 + j]).abs() < 1e-12);
            }
        }
        let mut b = [1.0, 2.0, 3.0];
        cholesky_solve(&l, 3, &mut b);
        for i in 0..3 {
            let s: f64 = (0..3).map(|j| a[i * 3 + j] * b[j]).sum();
            assert!((s - [1.0, 2.0, 3.0][i]).abs() < 1e-10);
        }
    }

    #[test]
    fn singular_matrices_get_a_ridge() {
        let a = [1.0, 1.0, 1.0, 1.0];
        assert!(cholesky(&a, 2, 0.0).is_none());
        let (_, ridge) = cholesky_ridged(&a, 2);
        assert!(ridge > 0.0);
    }
}
