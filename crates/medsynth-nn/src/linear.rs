//! Fully connected layer `y = x·W + b` whose parameters live in a flat
//! per-network vector. A flat vector makes Adam one loop, makes clipping and
//! DP noise a single slice operation, and makes checkpoints trivial.
//!
//! `W` is stored `input × output` row-major so the forward pass is a plain
//! `x·W` on row-major batches (no transpose), unlike torch's `output × input`.

use rand::Rng;

use crate::gemm::{MatMut, MatRef, gemm};
use crate::real::Real;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Linear {
    pub input: usize,
    pub output: usize,
    /// Offset of `W` (input × output) in the flat parameter vector.
    pub w: usize,
    /// Offset of `b` (output) in the flat parameter vector.
    pub b: usize,
}

impl Linear {
    /// Lays out a new layer at `*offset`, advancing it past the layer.
    pub fn new(input: usize, output: usize, offset: &mut usize) -> Self {
        let w = *offset;
        let b = w + input * output;
        *offset = b + output;
        Linear {
            input,
            output,
            w,
            b,
        }
    }

    pub fn weight<'a, T>(&self, p: &'a [T]) -> MatRef<'a, T> {
        MatRef::new(&p[self.w..self.b], self.input, self.output)
    }

    pub fn bias<'a, T>(&self, p: &'a [T]) -> &'a [T] {
        &p[self.b..self.b + self.output]
    }

    /// torch's default: `U(-1/√in, 1/√in)` for weights and biases (kaiming
    /// uniform with a = √5), so our training curves are comparable with CTGAN's.
    pub fn init<T: Real, R: Rng + ?Sized>(&self, p: &mut [T], rng: &mut R) {
        let bound = 1.0 / (self.input.max(1) as f64).sqrt();
        for v in &mut p[self.w..self.b + self.output] {
            *v = T::from_f64((rng.random::<f64>() * 2.0 - 1.0) * bound);
        }
    }

    /// `y = x·W + b` (y may be a strided column block).
    pub fn forward<T: Real>(&self, p: &[T], x: MatRef<'_, T>, mut y: MatMut<'_, T>) {
        let bias = self.bias(p);
        for i in 0..y.rows {
            y.row_mut(i).copy_from_slice(bias);
        }
        gemm(T::ONE, x, self.weight(p), T::ONE, y);
    }

    /// `y = [x | s]·W + b` where `s` (rows × k, the last k inputs) is sparse:
    /// the conditional vector, one-hot per discrete column. The dense part is
    /// one GEMM; each non-zero of `s` adds one weight row. On diabetes130 the
    /// conditional vector is ~60 % of the generator's input width and holds
    /// one non-zero per row, so this skips most of the multiply-adds that a
    /// dense GEMM would spend on zeros.
    /// `s` is given by its non-zeros `(row, column, value)`.
    pub fn forward_sparse_tail<T: Real>(
        &self,
        p: &[T],
        x: MatRef<'_, T>,
        s: &[(u32, u32, T)],
        mut y: MatMut<'_, T>,
    ) {
        let bias = self.bias(p);
        for i in 0..y.rows {
            y.row_mut(i).copy_from_slice(bias);
        }
        let w = self.weight(p);
        gemm(T::ONE, x, w.rows(0, x.cols), T::ONE, y.reborrow());
        let wdata = &p[self.w..self.b];
        for &(i, j, v) in s {
            let r = (x.cols + j as usize) * self.output;
            let yrow = y.row_mut(i as usize);
            for (o, &wv) in yrow.iter_mut().zip(&wdata[r..r + self.output]) {
                *o += v * wv;
            }
        }
    }

    /// The parameter gradient of [`Linear::forward_sparse_tail`]:
    /// `dW += [x | s]ᵀ·dy`, `db += Σ_rows dy`, with `s`'s rows touched only
    /// at its non-zeros.
    pub fn backward_params_sparse_tail<T: Real>(
        &self,
        x: MatRef<'_, T>,
        s: &[(u32, u32, T)],
        dy: MatRef<'_, T>,
        grad: &mut [T],
    ) {
        let (gw, gb) = grad[self.w..self.b + self.output].split_at_mut(self.input * self.output);
        let (dense, sparse) = gw.split_at_mut(x.cols * self.output);
        gemm(
            T::ONE,
            x.t(),
            dy,
            T::ONE,
            MatMut::new(dense, x.cols, self.output),
        );
        for &(i, j, v) in s {
            let i = i as usize;
            let j = j as usize;
            let dyrow = &dy.data[i * dy.rs..i * dy.rs + self.output];
            let g = &mut sparse[j * self.output..(j + 1) * self.output];
            for (o, &d) in g.iter_mut().zip(dyrow) {
                *o += v * d;
            }
        }
        add_column_sums(dy, gb);
    }

    /// Accumulates `dW += xᵀ·dy` and `db += Σ_rows dy` into the flat gradient.
    pub fn backward_params<T: Real>(&self, x: MatRef<'_, T>, dy: MatRef<'_, T>, grad: &mut [T]) {
        let (gw, gb) = grad[self.w..self.b + self.output].split_at_mut(self.input * self.output);
        gemm(
            T::ONE,
            x.t(),
            dy,
            T::ONE,
            MatMut::new(gw, self.input, self.output),
        );
        add_column_sums(dy, gb);
    }

    /// `dx = dy·Wᵀ + β·dx`, restricted to the weight rows `rows` (the inputs whose
    /// gradient is wanted; e.g. the generator never needs d(noise)).
    pub fn backward_input<T: Real>(
        &self,
        p: &[T],
        dy: MatRef<'_, T>,
        beta: T,
        dx: MatMut<'_, T>,
        rows: std::ops::Range<usize>,
    ) {
        let w = self.weight(p).rows(rows.start, rows.end);
        gemm(T::ONE, dy, w.t(), beta, dx);
    }
}

pub(crate) fn add_column_sums<T: Real>(m: MatRef<'_, T>, out: &mut [T]) {
    debug_assert_eq!(m.cs, 1);
    for i in 0..m.rows {
        let row = &m.data[i * m.rs..i * m.rs + m.cols];
        for (o, &v) in out.iter_mut().zip(row) {
            *o += v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{assert_grad_close, numeric_grad};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// Loss = Σ c ⊙ (x·W + b) for a random c: its gradient w.r.t. every
    /// parameter and input is what backward_* must return.
    #[test]
    fn linear_backward_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut off = 0;
        let l = Linear::new(4, 3, &mut off);
        let mut p = vec![0.0f64; off];
        l.init(&mut p, &mut rng);
        let x: Vec<f64> = (0..5 * 4).map(|_| rng.random::<f64>() - 0.5).collect();
        let c: Vec<f64> = (0..5 * 3).map(|_| rng.random::<f64>() - 0.5).collect();
        let loss = |p: &[f64], x: &[f64]| {
            let mut y = vec![0.0; 15];
            l.forward(p, MatRef::new(x, 5, 4), MatMut::new(&mut y, 5, 3));
            y.iter().zip(&c).map(|(a, b)| a * b).sum::<f64>()
        };
        let mut g = vec![0.0; off];
        l.backward_params(MatRef::new(&x, 5, 4), MatRef::new(&c, 5, 3), &mut g);
        let num = numeric_grad(&p, |q| loss(q, &x));
        assert_grad_close(&g, &num, 1e-7);
        let mut dx = vec![0.0; 20];
        l.backward_input(
            &p,
            MatRef::new(&c, 5, 3),
            0.0,
            MatMut::new(&mut dx, 5, 4),
            0..4,
        );
        let numx = numeric_grad(&x, |xx| loss(&p, xx));
        assert_grad_close(&dx, &numx, 1e-7);
    }
}
