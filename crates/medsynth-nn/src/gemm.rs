//! Strided matrix views and a checked GEMM over `matrixmultiply`.
//!
//! Views carry a row stride so that a column block of a wider buffer (the
//! generator's concatenated residual activations, the data part of a critic
//! input row) can be multiplied in place, without copying it out. Transposes
//! are free: they swap the strides.

use crate::real::Real;

/// Immutable strided view: element (i, j) is `data[i*rs + j*cs]`.
#[derive(Clone, Copy)]
pub(crate) struct MatRef<'a, T> {
    pub data: &'a [T],
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

/// Mutable strided view.
pub(crate) struct MatMut<'a, T> {
    pub data: &'a mut [T],
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

fn extent(rows: usize, cols: usize, rs: usize, cs: usize) -> usize {
    if rows == 0 || cols == 0 {
        0
    } else {
        (rows - 1) * rs + (cols - 1) * cs + 1
    }
}

impl<'a, T> MatRef<'a, T> {
    /// Row-major `rows × cols` view of the start of `data`.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols)
    }

    /// Row-major view with row stride `rs` (a column block of a wider matrix).
    pub fn strided(data: &'a [T], rows: usize, cols: usize, rs: usize) -> Self {
        let v = MatRef {
            data,
            rows,
            cols,
            rs,
            cs: 1,
        };
        assert!(
            extent(rows, cols, rs, 1) <= v.data.len(),
            "view exceeds buffer"
        );
        v
    }

    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }

    /// Rows `r0..r1`.
    pub fn rows(self, r0: usize, r1: usize) -> Self {
        assert!(r0 <= r1 && r1 <= self.rows);
        let off = if r1 > r0 { r0 * self.rs } else { 0 };
        MatRef {
            data: &self.data[off.min(self.data.len())..],
            rows: r1 - r0,
            ..self
        }
    }
}

impl<'a, T> MatMut<'a, T> {
    pub fn new(data: &'a mut [T], rows: usize, cols: usize) -> Self {
        Self::strided(data, rows, cols, cols)
    }

    pub fn strided(data: &'a mut [T], rows: usize, cols: usize, rs: usize) -> Self {
        assert!(
            extent(rows, cols, rs, 1) <= data.len(),
            "view exceeds buffer"
        );
        MatMut {
            data,
            rows,
            cols,
            rs,
            cs: 1,
        }
    }

    /// Rows `r0..r1`, consuming the view.
    pub fn rows(self, r0: usize, r1: usize) -> Self {
        assert!(r0 <= r1 && r1 <= self.rows);
        let off = if r1 > r0 { r0 * self.rs } else { 0 };
        let len = self.data.len();
        MatMut {
            data: &mut self.data[off.min(len)..],
            rows: r1 - r0,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
        }
    }

    /// A shorter-lived view of the same matrix (to use it twice).
    pub fn reborrow(&mut self) -> MatMut<'_, T> {
        MatMut {
            data: &mut *self.data,
            rows: self.rows,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
        }
    }

    /// Row `i` as a slice (row-major views only).
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        debug_assert_eq!(self.cs, 1);
        &mut self.data[i * self.rs..i * self.rs + self.cols]
    }
}

/// `C ← α·A·B + β·C`. When `β == 0`, C's previous content is ignored (may be
/// garbage or NaN). Shape and extent checks are hard asserts: the views are
/// built by this crate from validated sizes, so a failure is an engine bug,
/// and the checks are what makes the `unsafe` call sound.
pub(crate) fn gemm<T: Real>(
    alpha: T,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    beta: T,
    c: MatMut<'_, T>,
) {
    assert_eq!(a.rows, c.rows, "gemm: A rows vs C rows");
    assert_eq!(b.cols, c.cols, "gemm: B cols vs C cols");
    assert_eq!(a.cols, b.rows, "gemm: inner dimensions");
    assert!(extent(a.rows, a.cols, a.rs, a.cs) <= a.data.len());
    assert!(extent(b.rows, b.cols, b.rs, b.cs) <= b.data.len());
    assert!(extent(c.rows, c.cols, c.rs, c.cs) <= c.data.len());
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        for i in 0..m {
            for j in 0..n {
                let v = &mut c.data[i * c.rs + j * c.cs];
                *v = if beta == T::ZERO { T::ZERO } else { beta * *v };
            }
        }
        return;
    }
    // SAFETY: the extents of all three views were checked against their slice
    // lengths above; `c` is a unique borrow so it cannot alias `a` or `b`.
    unsafe {
        T::gemm_raw(
            m,
            k,
            n,
            alpha,
            a.data.as_ptr(),
            a.rs as isize,
            a.cs as isize,
            b.data.as_ptr(),
            b.rs as isize,
            b.cs as isize,
            beta,
            c.data.as_mut_ptr(),
            c.rs as isize,
            c.cs as isize,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        c
    }

    #[test]
    fn gemm_matches_naive_with_transpose_and_column_blocks() {
        let (m, k, n) = (3, 4, 2);
        let a: Vec<f64> = (0..m * k).map(|x| x as f64 * 0.5 - 1.0).collect();
        let b: Vec<f64> = (0..k * n).map(|x| (x as f64).sin()).collect();
        let want = naive(&a, &b, m, k, n);
        // C stored as the right-hand column block (cols 1..3) of a 3×3 buffer.
        let mut buf = vec![7.0; m * 3];
        gemm(
            1.0,
            MatRef::new(&a, m, k),
            MatRef::new(&b, k, n),
            0.0,
            MatMut::strided(&mut buf[1..], m, n, 3),
        );
        for i in 0..m {
            assert_eq!(buf[i * 3], 7.0);
            for j in 0..n {
                assert!((buf[i * 3 + 1 + j] - want[i * n + j]).abs() < 1e-12);
            }
        }
        // (Bᵀ Aᵀ)ᵀ = A B: check transposed views with beta accumulation.
        let mut ct = vec![1.0; n * m];
        gemm(
            1.0,
            MatRef::new(&b, k, n).t(),
            MatRef::new(&a, m, k).t(),
            2.0,
            MatMut::new(&mut ct, n, m),
        );
        for i in 0..m {
            for j in 0..n {
                assert!((ct[j * m + i] - (want[i * n + j] + 2.0)).abs() < 1e-12);
            }
        }
    }
}
