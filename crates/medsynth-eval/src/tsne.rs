//! A small exact t-SNE (van der Maaten & Hinton, 2008) for the report's
//! "real vs synthetic" map.
//!
//! Why hand-written: the map is drawn from at most a few thousand rows, where
//! an exact O(n²) gradient on two cores takes a second or two, and the t-SNE
//! crates on crates.io either pull in heavy linear-algebra stacks or are not
//! deterministic given a seed. Exactness also means no Barnes-Hut accuracy
//! knob to explain in the report.
//!
//! The recipe follows scikit-learn's defaults where they matter for the look
//! of the picture: perplexity 30, early exaggeration 12 for the first 250
//! iterations, momentum 0.5 then 0.8, per-coordinate gains, learning rate
//! `max(n / 12 / 4, 50)` ("auto"). Input affinities use the `3·perplexity`
//! nearest neighbours of each point, as Barnes-Hut t-SNE does; that keeps the
//! conditional distributions identical in practice while bounding the cost of
//! the perplexity search.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Settings of a t-SNE run.
#[derive(Debug, Clone)]
pub struct TsneOptions {
    /// Effective number of neighbours each point "sees" (5–50 is usual).
    pub perplexity: f32,
    /// Total gradient steps, including the exaggeration phase.
    pub iterations: usize,
    /// Steps with exaggerated attraction, which lets clusters form early.
    pub exaggeration_iterations: usize,
    /// Seed for the random start, so the same inputs give the same map.
    pub seed: u64,
}

impl Default for TsneOptions {
    fn default() -> Self {
        TsneOptions {
            perplexity: 30.0,
            iterations: 500,
            exaggeration_iterations: 250,
            seed: 0,
        }
    }
}

const EXAGGERATION: f32 = 12.0;

/// Embeds `n` points of dimension `dim` (row-major in `data`) in the plane.
///
/// Returns one `[x, y]` per input row. Degenerate inputs (fewer than three
/// points, or `data.len() != n * dim`) give the origin for every point rather
/// than an error: the map is an illustration, and the report states how many
/// rows it shows.
pub fn tsne(data: &[f32], n: usize, dim: usize, options: &TsneOptions) -> Vec<[f32; 2]> {
    if n < 3 || data.len() != n * dim {
        return vec![[0.0, 0.0]; n];
    }
    let p = affinities(data, n, dim, options.perplexity);
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut y: Vec<f32> = (0..2 * n)
        .map(|_| 1e-4 * standard_normal(&mut rng))
        .collect();
    let mut update = vec![0.0f32; 2 * n];
    let mut gains = vec![1.0f32; 2 * n];
    let learning_rate = (n as f32 / EXAGGERATION / 4.0).max(50.0);
    let (mut xs, mut ys) = (vec![0.0f32; n], vec![0.0f32; n]);
    for iter in 0..options.iterations {
        let exaggerating = iter < options.exaggeration_iterations;
        let exaggeration = if exaggerating { EXAGGERATION } else { 1.0 };
        let momentum = if exaggerating { 0.5 } else { 0.8 };
        for i in 0..n {
            xs[i] = y[2 * i];
            ys[i] = y[2 * i + 1];
        }
        let grad = gradient(&p, &xs, &ys, exaggeration);
        for k in 0..2 * n {
            // Gains grow when the gradient keeps its sign relative to the
            // previous step and shrink otherwise (Jacobs 1988), as in sklearn.
            let same_direction = (grad[k] > 0.0) == (update[k] > 0.0);
            gains[k] = if same_direction {
                (gains[k] * 0.8).max(0.01)
            } else {
                gains[k] + 0.2
            };
            update[k] = momentum * update[k] - learning_rate * gains[k] * grad[k];
            y[k] += update[k];
        }
        // Re-centre so that the coordinates stay small and comparable.
        let (mx, my) = (0..n).fold((0.0f32, 0.0f32), |(sx, sy), i| {
            (sx + y[2 * i], sy + y[2 * i + 1])
        });
        let (mx, my) = (mx / n as f32, my / n as f32);
        for i in 0..n {
            y[2 * i] -= mx;
            y[2 * i + 1] -= my;
        }
    }
    (0..n).map(|i| [y[2 * i], y[2 * i + 1]]).collect()
}

/// Runs `f(i)` for every row `i < n` on two threads (contiguous halves) and
/// returns the results in row order. Each row's result depends on that row
/// alone, so the output does not depend on the split.
fn per_row<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let half = n.div_ceil(2);
    std::thread::scope(|s| {
        let f = &f;
        let second = s.spawn(move || (half..n).map(f).collect::<Vec<T>>());
        let mut out: Vec<T> = (0..half).map(f).collect();
        match second.join() {
            Ok(rest) => out.extend(rest),
            // Unreachable in practice (`f` does not panic); recompute rather
            // than lose rows.
            Err(_) => out.extend((half..n).map(f)),
        }
        out
    })
}

/// A standard normal draw (Box-Muller); enough for a random start.
fn standard_normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f32 = rng.random::<f32>().max(1e-7);
    let u2: f32 = rng.random::<f32>();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Sparse rows of P: `(j, p_ij)` for the pairs with p_ij > 0.
type SparseRows = Vec<Vec<(u32, f32)>>;

/// Symmetric joint probabilities P (zero diagonal, sums to 1), as sparse
/// rows: each row has at most `2 · 3 · perplexity` non-zeros, so the
/// attraction term of the gradient costs O(n) instead of O(n²).
fn affinities(data: &[f32], n: usize, dim: usize, perplexity: f32) -> SparseRows {
    let k = ((3.0 * perplexity) as usize).clamp(1, n - 1);
    let perplexity = perplexity.min((n - 1) as f32 / 3.0).max(1.0);
    let target_entropy = perplexity.ln();
    let cond: Vec<Vec<(usize, f32)>> = per_row(n, |i| {
        let xi = &data[i * dim..(i + 1) * dim];
        let mut dist: Vec<(f32, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| {
                let xj = &data[j * dim..(j + 1) * dim];
                let d: f32 = xi.iter().zip(xj).map(|(a, b)| (a - b) * (a - b)).sum();
                (d, j)
            })
            .collect();
        if k < dist.len() {
            dist.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
            dist.truncate(k);
        }
        let row = conditional_row(&dist, target_entropy);
        dist.iter().map(|&(_, j)| j).zip(row).collect()
    });
    let norm = 1.0 / (2.0 * n as f32);
    let mut p: SparseRows = vec![Vec::new(); n];
    for (i, row) in cond.iter().enumerate() {
        for &(j, c) in row {
            p[i].push((j as u32, c));
            p[j].push((i as u32, c));
        }
    }
    for row in &mut p {
        row.sort_by_key(|e| e.0);
        let mut merged: Vec<(u32, f32)> = Vec::with_capacity(row.len());
        for &(j, c) in row.iter() {
            match merged.last_mut() {
                Some(last) if last.0 == j => last.1 += c,
                _ => merged.push((j, c)),
            }
        }
        for e in &mut merged {
            e.1 *= norm;
        }
        *row = merged;
    }
    p
}

/// Gaussian conditional probabilities over `dist` whose entropy matches
/// `target_entropy` (binary search on the precision, 64 steps at most).
fn conditional_row(dist: &[(f32, usize)], target_entropy: f32) -> Vec<f32> {
    let min_d = dist.iter().map(|d| d.0).fold(f32::INFINITY, f32::min);
    let (mut lo, mut hi, mut beta) = (0.0f64, f64::INFINITY, 1.0f64);
    let mut row = vec![0.0f32; dist.len()];
    for _ in 0..64 {
        let mut sum = 0.0f64;
        let mut weighted = 0.0f64;
        for (r, &(d, _)) in row.iter_mut().zip(dist) {
            // Shifting by the smallest distance avoids underflow to all zeros.
            let w = (-(f64::from(d - min_d)) * beta).exp();
            *r = w as f32;
            sum += w;
            weighted += w * f64::from(d - min_d);
        }
        let sum = sum.max(1e-12);
        let entropy = sum.ln() + beta * weighted / sum;
        let diff = entropy - f64::from(target_entropy);
        for r in row.iter_mut() {
            *r = (f64::from(*r) / sum) as f32;
        }
        if diff.abs() < 1e-5 {
            break;
        }
        if diff > 0.0 {
            lo = beta;
            beta = if hi.is_finite() {
                (beta + hi) / 2.0
            } else {
                beta * 2.0
            };
        } else {
            hi = beta;
            beta = (beta + lo) / 2.0;
        }
    }
    row
}

/// Lanes of the repulsion sums: eight independent accumulators let the
/// compiler use SIMD (it may not reorder a single floating-point sum).
const LANES: usize = 8;

/// The t-SNE gradient for the layout (`xs`, `ys`), interleaved `[x, y]` per
/// point. Repulsion is exact over all pairs, row by row (no writes to other
/// rows, so the rows run in parallel and vectorise); attraction runs over
/// the sparse non-zeros of P.
fn gradient(p: &SparseRows, xs: &[f32], ys: &[f32], exaggeration: f32) -> Vec<f32> {
    let n = xs.len();
    // Per row: attraction (x, y), repulsion (x, y), Σ_j q_ij.
    let rows: Vec<([f32; 4], f64)> = per_row(n, |i| {
        let (xi, yi) = (xs[i], ys[i]);
        let (mut z, mut rx, mut ry) = ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
        let (cx, cy) = (xs.chunks_exact(LANES), ys.chunks_exact(LANES));
        let (tx, ty) = (cx.remainder(), cy.remainder());
        for (bx, by) in cx.zip(cy) {
            for l in 0..LANES {
                let dx = xi - bx[l];
                let dy = yi - by[l];
                let q = 1.0 / (1.0 + dx * dx + dy * dy);
                z[l] += q;
                rx[l] += q * q * dx;
                ry[l] += q * q * dy;
            }
        }
        for (&x, &y) in tx.iter().zip(ty) {
            let dx = xi - x;
            let dy = yi - y;
            let q = 1.0 / (1.0 + dx * dx + dy * dy);
            z[0] += q;
            rx[0] += q * q * dx;
            ry[0] += q * q * dy;
        }
        // The loop included j = i, which adds q = 1 to Z and nothing else.
        let zi = z.iter().map(|&v| f64::from(v)).sum::<f64>() - 1.0;
        let (mut ax, mut ay) = (0.0f32, 0.0f32);
        for &(j, pij) in &p[i] {
            let dx = xi - xs[j as usize];
            let dy = yi - ys[j as usize];
            let q = 1.0 / (1.0 + dx * dx + dy * dy);
            ax += pij * q * dx;
            ay += pij * q * dy;
        }
        ([ax, ay, rx.iter().sum(), ry.iter().sum()], zi)
    });
    let z: f64 = rows.iter().map(|r| r.1).sum::<f64>().max(1e-12);
    let inv_z = (1.0 / z) as f32;
    let mut grad = vec![0.0f32; 2 * n];
    for (i, (r, _)) in rows.iter().enumerate() {
        grad[2 * i] = 4.0 * (exaggeration * r[0] - r[2] * inv_z);
        grad[2 * i + 1] = 4.0 * (exaggeration * r[1] - r[3] * inv_z);
    }
    grad
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two well-separated Gaussian blobs in 5-D must stay separated in 2-D.
    fn blobs(n_each: usize, seed: u64) -> Vec<f32> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut v = Vec::new();
        for c in 0..2 {
            for _ in 0..n_each {
                for _ in 0..5 {
                    v.push(standard_normal(&mut rng) + if c == 0 { 0.0 } else { 10.0 });
                }
            }
        }
        v
    }

    fn quick() -> TsneOptions {
        TsneOptions {
            perplexity: 10.0,
            iterations: 300,
            exaggeration_iterations: 100,
            seed: 3,
        }
    }

    #[test]
    fn separates_two_blobs() {
        let n_each = 60;
        let data = blobs(n_each, 1);
        let y = tsne(&data, 2 * n_each, 5, &quick());
        let centre = |r: std::ops::Range<usize>| {
            let len = r.len() as f32;
            let (sx, sy) = r.fold((0.0, 0.0), |(a, b), i| (a + y[i][0], b + y[i][1]));
            [sx / len, sy / len]
        };
        let c0 = centre(0..n_each);
        let c1 = centre(n_each..2 * n_each);
        let spread = |r: std::ops::Range<usize>, c: [f32; 2]| {
            let len = r.len() as f32;
            r.map(|i| ((y[i][0] - c[0]).powi(2) + (y[i][1] - c[1]).powi(2)).sqrt())
                .sum::<f32>()
                / len
        };
        let between = ((c0[0] - c1[0]).powi(2) + (c0[1] - c1[1]).powi(2)).sqrt();
        let within = spread(0..n_each, c0).max(spread(n_each..2 * n_each, c1));
        assert!(between > 2.0 * within, "between {between} within {within}");
        assert!(y.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
    }

    #[test]
    fn deterministic_given_seed() {
        let data = blobs(30, 2);
        let a = tsne(&data, 60, 5, &quick());
        let b = tsne(&data, 60, 5, &quick());
        assert_eq!(a, b);
        let other = TsneOptions { seed: 4, ..quick() };
        assert_ne!(a, tsne(&data, 60, 5, &other));
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert_eq!(tsne(&[], 0, 3, &quick()), Vec::<[f32; 2]>::new());
        assert_eq!(tsne(&[1.0, 2.0], 2, 1, &quick()), vec![[0.0, 0.0]; 2]);
        // Identical points: finite output.
        let same = vec![1.0f32; 20 * 3];
        assert!(
            tsne(&same, 20, 3, &quick())
                .iter()
                .all(|p| p[0].is_finite())
        );
    }
}
