//! The dense row-major matrix that crosses the crate boundary. Rows are
//! examples, which is how the trainer's encoder lays out a batch and what a
//! `x·W` layer wants, so a batch is passed without any copy or transpose.

use crate::error::NnError;
use crate::real::Real;

/// Row-major matrix (rows = examples) over a scalar `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mat<T> {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<T>,
}

/// The `f32` matrix used by the public API.
pub type Matrix = Mat<f32>;

impl<T: Real> Mat<T> {
    /// A `rows × cols` matrix of zeros.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Mat {
            rows,
            cols,
            data: vec![T::ZERO; rows * cols],
        }
    }

    /// Wraps a row-major buffer, checking that its length is `rows × cols`.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<T>) -> Result<Self, NnError> {
        if data.len() != rows * cols {
            return Err(NnError::shape(
                "Matrix::from_vec data length",
                format!("{rows}×{cols} = {}", rows * cols),
                data.len(),
            ));
        }
        Ok(Mat { rows, cols, data })
    }

    /// Row `i` as a slice. Panics if `i >= rows` (an indexing bug, like `Vec`).
    pub fn row(&self, i: usize) -> &[T] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i` as a mutable slice. Panics if `i >= rows`.
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// True when `data.len() == rows × cols` (the fields are public, so a
    /// caller can break the invariant; every step checks it).
    pub fn is_consistent(&self) -> bool {
        self.data.len() == self.rows * self.cols
    }

    /// Errors if any value is NaN or infinite, naming the first bad cell.
    pub(crate) fn check_finite(&self, what: &str) -> Result<(), NnError> {
        match self.data.iter().position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(i) => Err(NnError::NonFinite(format!(
                "{what} row {} column {} is {:?}",
                i / self.cols.max(1),
                i % self.cols.max(1),
                self.data[i]
            ))),
        }
    }

    pub(crate) fn check(
        &self,
        what: &'static str,
        rows: usize,
        cols: usize,
    ) -> Result<(), NnError> {
        if self.rows != rows || self.cols != cols || !self.is_consistent() {
            return Err(NnError::shape(
                what,
                format!("{rows}×{cols}"),
                format!(
                    "{}×{} with {} values",
                    self.rows,
                    self.cols,
                    self.data.len()
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_checks_length() {
        assert!(Matrix::from_vec(2, 3, vec![0.0; 6]).is_ok());
        assert!(matches!(
            Matrix::from_vec(2, 3, vec![0.0; 5]),
            Err(NnError::Shape { .. })
        ));
    }

    #[test]
    fn rows_are_contiguous_slices() {
        let mut m = Matrix::from_vec(2, 2, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(m.row(1), &[3.0, 4.0]);
        m.row_mut(0)[1] = 9.0;
        assert_eq!(m.data, vec![1.0, 9.0, 3.0, 4.0]);
    }
}
