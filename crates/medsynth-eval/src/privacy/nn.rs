//! Nearest neighbours under Gower's distance: the quadratic core of the
//! privacy metrics, tuned because it dominates the evaluation time.
//!
//! Why no k-d tree or ANN crate: Gower mixes 0/1 category mismatches with
//! capped absolute differences, which the usual index structures do not
//! support, and exactness matters (an exact copy must be found). A brute
//! force scan over precomputed f32/u32 rows with two cheap tricks is fast
//! enough: (1) the category mismatches are counted first and a reference row
//! is dropped as soon as that partial sum reaches the current k-th best;
//! (2) queries are split across cores with `std::thread::scope` (each query
//! is independent, so the result does not depend on the number of threads).

use super::encode::Encoded;

/// Which columns take part in a distance (for the anonymeter attacks, which
/// compare records on a subset of attributes). Indices into the numeric and
/// categorical parts of [`Encoded`].
#[derive(Debug, Clone)]
pub struct Subset {
    pub num: Vec<usize>,
    pub cat: Vec<usize>,
}

impl Subset {
    /// Every column.
    pub fn all(e: &Encoded) -> Subset {
        Subset {
            num: (0..e.pn).collect(),
            cat: (0..e.pc).collect(),
        }
    }

    pub fn width(&self) -> usize {
        self.num.len() + self.cat.len()
    }
}

/// The `k` nearest reference rows of each query row, as (Gower distance,
/// reference index) sorted by distance then index. Distances are the mean
/// over the subset's columns, in [0, 1].
pub fn knn(queries: &Encoded, refs: &Encoded, k: usize, subset: &Subset) -> Vec<Vec<(f32, u32)>> {
    let k = k.max(1).min(refs.n);
    if k == 0 || queries.n == 0 {
        return vec![Vec::new(); queries.n];
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .clamp(1, 16);
    let chunk = queries.n.div_ceil(threads).max(1);
    let scale = 1.0 / subset.width().max(1) as f32;
    let mut out: Vec<Vec<(f32, u32)>> = vec![Vec::new(); queries.n];
    std::thread::scope(|s| {
        for (t, slot) in out.chunks_mut(chunk).enumerate() {
            s.spawn(move || {
                let start = t * chunk;
                for (off, res) in slot.iter_mut().enumerate() {
                    *res = knn_one(queries, start + off, refs, k, subset);
                    for d in res.iter_mut() {
                        d.0 *= scale;
                    }
                }
            });
        }
    });
    out
}

/// Distance from each query row to its nearest reference row (all columns).
pub fn nearest_distance(queries: &Encoded, refs: &Encoded) -> Vec<f32> {
    let subset = Subset::all(refs);
    knn(queries, refs, 1, &subset)
        .into_iter()
        .map(|v| v.first().map_or(1.0, |d| d.0))
        .collect()
}

/// One query's k best, with early exit on the running k-th best distance.
fn knn_one(
    queries: &Encoded,
    q: usize,
    refs: &Encoded,
    k: usize,
    subset: &Subset,
) -> Vec<(f32, u32)> {
    let qn = queries.num_row(q);
    let qc = queries.cat_row(q);
    let full_cat = subset.cat.len() == refs.pc;
    let full_num = subset.num.len() == refs.pn;
    let mut best: Vec<(f32, u32)> = Vec::with_capacity(k + 1);
    let mut bound = f32::INFINITY;
    for r in 0..refs.n {
        let rc = refs.cat_row(r);
        let mut d: f32 = if full_cat {
            qc.iter()
                .zip(rc)
                .map(|(a, b)| u32::from(a != b) as f32)
                .sum()
        } else {
            subset
                .cat
                .iter()
                .map(|&j| u32::from(qc[j] != rc[j]) as f32)
                .sum()
        };
        // `>` (not `>=`) keeps ties, so that the lowest index wins them.
        if d > bound {
            continue;
        }
        let rn = refs.num_row(r);
        if full_num {
            for (a, b) in qn.iter().zip(rn) {
                d += (a - b).abs().min(1.0);
            }
        } else {
            for &j in &subset.num {
                d += (qn[j] - rn[j]).abs().min(1.0);
            }
        }
        if d > bound || (best.len() == k && d == bound) {
            continue;
        }
        let pos = best.partition_point(|&(bd, _)| bd <= d);
        best.insert(pos, (d, r as u32));
        if best.len() > k {
            best.pop();
        }
        if best.len() == k {
            bound = best[k - 1].0;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(num: &[f32], cat: &[u32], pn: usize, pc: usize) -> Encoded {
        let n = num.len().checked_div(pn).unwrap_or_else(|| cat.len() / pc);
        Encoded {
            n,
            pn,
            pc,
            num: num.to_vec(),
            cat: cat.to_vec(),
        }
    }

    /// The brute-force definition, for comparison.
    fn naive(q: &Encoded, r: &Encoded) -> Vec<f32> {
        (0..q.n)
            .map(|i| {
                (0..r.n)
                    .map(|j| {
                        let c: f32 = q
                            .cat_row(i)
                            .iter()
                            .zip(r.cat_row(j))
                            .map(|(a, b)| (a != b) as u32 as f32)
                            .sum();
                        let n: f32 = q
                            .num_row(i)
                            .iter()
                            .zip(r.num_row(j))
                            .map(|(a, b)| (a - b).abs().min(1.0))
                            .sum();
                        (c + n) / (q.pn + q.pc) as f32
                    })
                    .fold(f32::INFINITY, f32::min)
            })
            .collect()
    }

    #[test]
    fn matches_brute_force() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mk = |n: usize, rng: &mut rand_chacha::ChaCha8Rng| {
            let num: Vec<f32> = (0..n * 3).map(|_| rng.random::<f32>()).collect();
            let cat: Vec<u32> = (0..n * 2).map(|_| rng.random_range(0..3)).collect();
            enc(&num, &cat, 3, 2)
        };
        let q = mk(50, &mut rng);
        let r = mk(200, &mut rng);
        let fast = nearest_distance(&q, &r);
        let slow = naive(&q, &r);
        for (a, b) in fast.iter().zip(&slow) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
        let k3 = knn(&q, &r, 3, &Subset::all(&r));
        for v in &k3 {
            assert_eq!(v.len(), 3);
            assert!(v[0].0 <= v[1].0 && v[1].0 <= v[2].0);
        }
    }

    #[test]
    fn exact_copy_has_zero_distance_and_missing_conventions() {
        use super::super::encode::MISSING;
        let r = enc(&[0.2, MISSING, 0.9, 0.1], &[1, u32::MAX], 2, 1);
        let q = enc(&[0.2, MISSING], &[1], 2, 1);
        assert_eq!(nearest_distance(&q, &r), vec![0.0]);
        // One side missing costs a full 1 for that column: (0 + 1 + 1) / 3.
        let q2 = enc(&[0.2, 0.5], &[7], 2, 1);
        let d = nearest_distance(&q2, &r)[0];
        assert!((d - 2.0 / 3.0).abs() < 1e-6, "{d}");
    }

    #[test]
    fn subset_ignores_other_columns() {
        let r = enc(&[0.0, 1.0], &[0, 1], 1, 1);
        let q = enc(&[1.0], &[0], 1, 1);
        let only_cat = Subset {
            num: vec![],
            cat: vec![0],
        };
        assert_eq!(knn(&q, &r, 1, &only_cat)[0][0], (0.0, 0));
        let only_num = Subset {
            num: vec![0],
            cat: vec![],
        };
        assert_eq!(knn(&q, &r, 1, &only_num)[0][0], (0.0, 1));
    }
}
