//! Nearest neighbours under Gower's distance: the quadratic core of the
//! privacy metrics, tuned because it dominates the evaluation time.
//!
//! Why no k-d tree or ANN crate: Gower mixes 0/1 category mismatches with
//! capped absolute differences, which the usual index structures do not
//! support, and exactness matters (an exact copy must be found). A brute
//! force scan is fast enough when it is laid out for the CPU:
//! (1) the reference rows are stored column by column and scanned in blocks
//! of [`BLOCK`] rows, so each column's contribution to a whole block is one
//! tight loop the compiler turns into SIMD instructions (no branch per
//! cell); (2) the category mismatches are summed first, and a block whose
//! smallest partial distance already exceeds the current k-th best skips
//! its numeric columns; (3) queries are split across cores with
//! `std::thread::scope` (each query is independent, so the result does not
//! depend on the number of threads). Every distance is summed in the same
//! order as the one-row-at-a-time definition (categories, then numbers, in
//! column order), so the results are bit-identical to it.

use std::ops::Range;

use super::encode::Encoded;

/// Reference rows per block: 256 f32 partial sums stay in L1 cache.
const BLOCK: usize = 256;

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

/// Reference rows transposed: column `j` is `num[j * n..(j + 1) * n]`.
/// Category codes are narrowed to `u16` when every code fits (almost
/// always: a column with 65,535 levels is an identifier), which doubles
/// the rows one SIMD compare handles.
struct ColumnMajor {
    n: usize,
    num: Vec<f32>,
    cat: Codes,
}

enum Codes {
    U16(Vec<u16>),
    U32(Vec<u32>),
}

impl ColumnMajor {
    /// `narrow`: every code of `e` (and of the queries) is below `u16::MAX`.
    fn of(e: &Encoded, narrow: bool) -> ColumnMajor {
        let n = e.n;
        let mut num = vec![0.0f32; e.pn * n];
        for i in 0..n {
            for (j, &v) in e.num_row(i).iter().enumerate() {
                num[j * n + i] = v;
            }
        }
        fn transpose<T: Copy + Default>(e: &Encoded, f: impl Fn(u32) -> T) -> Vec<T> {
            let n = e.n;
            let mut out = vec![T::default(); e.pc * n];
            for i in 0..n {
                for (j, &v) in e.cat_row(i).iter().enumerate() {
                    out[j * n + i] = f(v);
                }
            }
            out
        }
        let cat = if narrow {
            Codes::U16(transpose(e, |v| v as u16))
        } else {
            Codes::U32(transpose(e, |v| v))
        };
        ColumnMajor { n, num, cat }
    }
}

/// The `k` nearest reference rows of each query row, as (Gower distance,
/// reference index) sorted by distance then index. Distances are the mean
/// over the subset's columns, in [0, 1].
pub fn knn(queries: &Encoded, refs: &Encoded, k: usize, subset: &Subset) -> Vec<Vec<(f32, u32)>> {
    search(queries, refs, k, subset, &[0, refs.n])
        .into_iter()
        .map(|mut parts| parts.pop().unwrap_or_default())
        .collect()
}

/// Distance from each query row to its nearest reference row (all columns).
pub fn nearest_distance(queries: &Encoded, refs: &Encoded) -> Vec<f32> {
    let subset = Subset::all(refs);
    knn(queries, refs, 1, &subset)
        .into_iter()
        .map(|v| v.first().map_or(1.0, |d| d.0))
        .collect()
}

/// Distance from each query row to its nearest row among `refs[..split]`
/// and among `refs[split..]` (all columns), in one scan: the DCR needs the
/// nearest row of a train subset and of the whole train table, and putting
/// the subset first answers both for the price of one pass. An empty part
/// gives distance 1 (the largest possible).
pub fn nearest_in_parts(queries: &Encoded, refs: &Encoded, split: usize) -> Vec<(f32, f32)> {
    let subset = Subset::all(refs);
    let split = split.min(refs.n);
    search(queries, refs, 1, &subset, &[0, split, refs.n])
        .into_iter()
        .map(|parts| {
            let d = |i: usize| {
                parts
                    .get(i)
                    .and_then(|p| p.first())
                    .map_or(1.0, |d: &(f32, u32)| d.0)
            };
            (d(0), d(1))
        })
        .collect()
}

/// The `k` best of each query within each part `cuts[i]..cuts[i + 1]` of
/// the reference rows; distances scaled to means.
fn search(
    queries: &Encoded,
    refs: &Encoded,
    k: usize,
    subset: &Subset,
    cuts: &[usize],
) -> Vec<Vec<Vec<(f32, u32)>>> {
    let n_parts = cuts.len().saturating_sub(1);
    if queries.n == 0 {
        return Vec::new();
    }
    if refs.n == 0 || k == 0 {
        return vec![vec![Vec::new(); n_parts]; queries.n];
    }
    let fits = |e: &Encoded| e.cat.iter().all(|&c| c < u32::from(u16::MAX));
    let cm = ColumnMajor::of(refs, fits(refs) && fits(queries));
    let avx2 = has_avx2();
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .clamp(1, 16);
    let chunk = queries.n.div_ceil(threads).max(1);
    let scale = 1.0 / subset.width().max(1) as f32;
    let mut out: Vec<Vec<Vec<(f32, u32)>>> = vec![Vec::new(); queries.n];
    std::thread::scope(|s| {
        for (t, slot) in out.chunks_mut(chunk).enumerate() {
            let cm = &cm;
            s.spawn(move || {
                let start = t * chunk;
                let mut buf = Scratch {
                    d: [0.0; BLOCK],
                    count: [0; BLOCK],
                };
                for (off, res) in slot.iter_mut().enumerate() {
                    let q = start + off;
                    *res = cuts
                        .windows(2)
                        .map(|w| {
                            let mut best = Vec::with_capacity(k + 1);
                            let rows = w[0]..w[1];
                            let args = (queries, q, cm, rows, k, subset);
                            scan(args, avx2, &mut buf, &mut best);
                            for d in best.iter_mut() {
                                d.0 *= scale;
                            }
                            best
                        })
                        .collect();
                }
            });
        }
    });
    out
}

/// Per-thread buffers of one block: category mismatch counts, distances.
struct Scratch {
    d: [f32; BLOCK],
    count: [u16; BLOCK],
}

/// (queries, query row, references, reference rows, k, columns).
type ScanArgs<'a> = (
    &'a Encoded,
    usize,
    &'a ColumnMajor,
    Range<usize>,
    usize,
    &'a Subset,
);

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// One query's `k` best among the reference rows, block by block, with the
/// running k-th best distance as a pruning bound. Ties keep the lowest
/// index. Uses the AVX2 build of the same code when the CPU has it (the
/// release build targets baseline x86-64, i.e. 128-bit SIMD).
fn scan(args: ScanArgs, avx2: bool, buf: &mut Scratch, best: &mut Vec<(f32, u32)>) {
    #[cfg(target_arch = "x86_64")]
    if avx2 {
        // SAFETY: `scan_avx2` only requires the AVX2 instruction set, and
        // `avx2` is true only when the running CPU reports it.
        unsafe { scan_avx2(args, buf, best) };
        return;
    }
    let _ = avx2;
    scan_generic(args, buf, best);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_avx2(args: ScanArgs, buf: &mut Scratch, best: &mut Vec<(f32, u32)>) {
    scan_generic(args, buf, best);
}

#[inline(always)]
fn scan_generic(args: ScanArgs, buf: &mut Scratch, best: &mut Vec<(f32, u32)>) {
    match &args.2.cat {
        Codes::U16(c) => scan_codes(args, c, |v| v as u16, buf, best),
        Codes::U32(c) => scan_codes(args, c, |v| v, buf, best),
    }
}

#[inline(always)]
fn scan_codes<C: Copy + PartialEq>(
    (queries, q, refs, rows, k, subset): ScanArgs,
    codes: &[C],
    narrow: impl Fn(u32) -> C,
    buf: &mut Scratch,
    best: &mut Vec<(f32, u32)>,
) {
    let qn = queries.num_row(q);
    let qc = queries.cat_row(q);
    let n = refs.n;
    let mut bound = f32::INFINITY;
    let mut base = rows.start;
    while base < rows.end {
        let end = (base + BLOCK).min(rows.end);
        let len = end - base;
        // Category mismatches are whole numbers: counting them exactly and
        // converting once gives the same f32 as adding 1.0s column by column.
        let count = &mut buf.count[..len];
        count.fill(0);
        for &j in &subset.cat {
            let v = narrow(qc[j]);
            let col = &codes[j * n + base..j * n + end];
            for (x, &c) in count.iter_mut().zip(col) {
                // Saturating: only a table with over 65,535 category
                // columns could reach it, and then distances are capped
                // instead of wrapping.
                *x = x.saturating_add(u16::from(c != v));
            }
        }
        // A row whose category mismatches alone exceed the bound cannot
        // qualify (numeric terms are never negative): skip the numbers when
        // no row of the block can.
        let fewest = count.iter().copied().min().unwrap_or(0);
        if f32::from(fewest) > bound {
            base = end;
            continue;
        }
        let d = &mut buf.d[..len];
        for (x, &c) in d.iter_mut().zip(count.iter()) {
            *x = f32::from(c);
        }
        for &j in &subset.num {
            let v = qn[j];
            let col = &refs.num[j * n + base..j * n + end];
            for (x, &r) in d.iter_mut().zip(col) {
                *x += (v - r).abs().min(1.0);
            }
        }
        for (i, &x) in d.iter().enumerate() {
            // `<` on a full list keeps earlier (lower-index) rows on ties.
            if best.len() < k || x < bound {
                let pos = best.partition_point(|&(bd, _)| bd <= x);
                best.insert(pos, (x, (base + i) as u32));
                if best.len() > k {
                    best.pop();
                }
                if best.len() == k {
                    bound = best[k - 1].0;
                }
            }
        }
        base = end;
    }
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

    /// Every query's k best by sorting all distances (ties by index).
    fn naive_knn(q: &Encoded, r: &Encoded, k: usize, s: &Subset) -> Vec<Vec<(f32, u32)>> {
        (0..q.n)
            .map(|i| {
                let mut all: Vec<(f32, u32)> = (0..r.n)
                    .map(|j| {
                        let mut d = 0.0f32;
                        for &c in &s.cat {
                            d += f32::from(u8::from(q.cat_row(i)[c] != r.cat_row(j)[c]));
                        }
                        for &c in &s.num {
                            d += (q.num_row(i)[c] - r.num_row(j)[c]).abs().min(1.0);
                        }
                        (d * (1.0 / s.width() as f32), j as u32)
                    })
                    .collect();
                all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                all.truncate(k);
                all
            })
            .collect()
    }

    proptest::proptest! {
        /// The blocked scan returns exactly the brute-force k best (same
        /// distances to the bit, ties broken by the lower index), for any
        /// column subset and across block boundaries.
        #[test]
        fn blocked_scan_is_exact(seed in 0u64..1000, n_ref in 1usize..700, k in 1usize..4,
                                 use_num in proptest::collection::vec(proptest::bool::ANY, 2),
                                 use_cat in proptest::collection::vec(proptest::bool::ANY, 3)) {
            use rand::{Rng, SeedableRng};
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            // Few distinct values: many ties and many exact matches.
            let mut mk = |n: usize| {
                let num: Vec<f32> = (0..n * 2).map(|_| f32::from(rng.random_range(0u8..4)) * 0.25).collect();
                let cat: Vec<u32> = (0..n * 3).map(|_| rng.random_range(0..3)).collect();
                enc(&num, &cat, 2, 3)
            };
            let q = mk(7);
            let r = mk(n_ref);
            let mut s = Subset {
                num: (0..2).filter(|&j| use_num[j]).collect(),
                cat: (0..3).filter(|&j| use_cat[j]).collect(),
            };
            if s.width() == 0 {
                s = Subset::all(&r);
            }
            proptest::prop_assert_eq!(knn(&q, &r, k, &s), naive_knn(&q, &r, k, &s));
        }
    }

    #[test]
    fn parts_give_the_nearest_of_each_part() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let num: Vec<f32> = (0..600 * 2).map(|_| rng.random::<f32>()).collect();
        let cat: Vec<u32> = (0..600).map(|_| rng.random_range(0..4)).collect();
        let r = enc(&num, &cat, 2, 1);
        let q = r.take(&[3, 400, 599]);
        let split = 300;
        let first = r.take(&(0..split).collect::<Vec<_>>());
        let second = r.take(&(split..600).collect::<Vec<_>>());
        let parts = nearest_in_parts(&q, &r, split);
        let (a, b) = (nearest_distance(&q, &first), nearest_distance(&q, &second));
        for i in 0..3 {
            assert_eq!(parts[i], (a[i], b[i]));
        }
        assert_eq!(parts[0].0, 0.0, "row 3 is in the first part");
        assert_eq!(parts[1].1, 0.0, "row 400 is in the second part");
        // An empty part reports the largest distance.
        assert_eq!(nearest_in_parts(&q, &r, 0)[0].0, 1.0);
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
