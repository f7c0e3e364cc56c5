//! A compact random forest (classification and regression) on binned
//! features.
//!
//! Written here because the crates available do not fit: `smartcore`'s
//! forest re-sorts every feature at every node (minutes for 200 trees on
//! adult), `linfa-trees` has no forest and needs dense ndarray input with
//! categorical columns one-hot encoded. Binning each numeric column into at
//! most 64 quantile bins (as LightGBM/HistGradientBoosting do) makes a node
//! split one histogram pass over its rows; categorical columns keep their
//! levels (up to 255) and are split by sorting levels on the node's target
//! rate, Breiman's optimal rule for two classes. Defaults follow
//! scikit-learn's `RandomForestClassifier`: bootstrap samples, √features per
//! split (all features for regression), Gini / variance reduction, grown
//! until leaves are pure. Trees are built on all cores; each has its own
//! seeded generator, so results do not depend on the thread count.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::EvalError;
use crate::prepare::{Prepared, PreparedData};

/// Most bins per feature (bin 0 = missing or unseen).
const MAX_BINS: usize = 256;
/// Quantile bins for a numeric column.
const NUMERIC_BINS: usize = 64;

/// Maps a prepared column's values to bins, learnt on the fit table.
#[derive(Debug, Clone)]
enum Binner {
    /// Bin = 1 + number of cut points below the value; 0 when missing.
    Numeric { column: usize, cuts: Vec<f64> },
    /// Bin of each code; 0 for codes unseen at fit time.
    Categorical { column: usize, bins: Vec<u8> },
}

/// Binned features of some rows, column-major.
pub(crate) struct Binned {
    pub n: usize,
    pub bins: Vec<Vec<u8>>,
}

/// Learns the binning of `cols` from rows `rows` of table `t`.
pub(crate) struct Binning {
    binners: Vec<Binner>,
}

impl Binning {
    pub fn fit(p: &Prepared, t: usize, rows: &[usize], cols: &[usize]) -> Binning {
        let mut binners = Vec::with_capacity(cols.len());
        for &ci in cols {
            match &p.columns[ci].data {
                PreparedData::Numeric(nd) => {
                    let mut v: Vec<f64> = rows
                        .iter()
                        .map(|&r| nd.values[t][r])
                        .filter(|x| !x.is_nan())
                        .collect();
                    v.sort_unstable_by(f64::total_cmp);
                    let mut distinct = v.clone();
                    distinct.dedup();
                    let cuts: Vec<f64> = if distinct.len() <= NUMERIC_BINS {
                        distinct.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect()
                    } else {
                        let mut c: Vec<f64> = (1..NUMERIC_BINS)
                            .map(|q| v[q * v.len() / NUMERIC_BINS])
                            .collect();
                        c.dedup();
                        c
                    };
                    binners.push(Binner::Numeric { column: ci, cuts });
                }
                PreparedData::Categorical(cd) => {
                    let mut counts = vec![0usize; cd.n_codes()];
                    for &r in rows {
                        counts[cd.codes[t][r] as usize] += 1;
                    }
                    let mut order: Vec<usize> =
                        (0..counts.len()).filter(|&c| counts[c] > 0).collect();
                    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then(a.cmp(&b)));
                    let mut bins = vec![0u8; counts.len()];
                    // The most frequent 254 levels get their own bin; the
                    // rest (and unseen levels) share bin 0.
                    for (rank, &code) in order.iter().take(MAX_BINS - 2).enumerate() {
                        bins[code] = (rank + 1) as u8;
                    }
                    binners.push(Binner::Categorical { column: ci, bins });
                }
            }
        }
        Binning { binners }
    }

    pub fn transform(&self, p: &Prepared, t: usize, rows: &[usize]) -> Binned {
        let bins = self
            .binners
            .iter()
            .map(|b| match b {
                Binner::Numeric { column, cuts } => {
                    let PreparedData::Numeric(nd) = &p.columns[*column].data else {
                        return vec![0; rows.len()];
                    };
                    rows.iter()
                        .map(|&r| {
                            let v = nd.values[t][r];
                            if v.is_nan() {
                                0
                            } else {
                                (1 + cuts.partition_point(|&c| c < v)) as u8
                            }
                        })
                        .collect()
                }
                Binner::Categorical { column, bins } => {
                    let PreparedData::Categorical(cd) = &p.columns[*column].data else {
                        return vec![0; rows.len()];
                    };
                    rows.iter()
                        .map(|&r| bins.get(cd.codes[t][r] as usize).copied().unwrap_or(0))
                        .collect()
                }
            })
            .collect();
        Binned {
            n: rows.len(),
            bins,
        }
    }

    /// Whether feature `f` is categorical (split by level sets).
    fn is_categorical(&self, f: usize) -> bool {
        matches!(self.binners[f], Binner::Categorical { .. })
    }
}

/// What the forest predicts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Task {
    Classify(usize),
    Regress,
}

#[derive(Debug, Clone)]
struct Node {
    feature: u32,
    /// Bins going left, as a 256-bit set.
    left: [u64; 4],
    children: [u32; 2],
    /// Index into `Tree::values` for leaves (`u32::MAX` for split nodes).
    leaf: u32,
}

#[derive(Debug, Clone)]
struct Tree {
    nodes: Vec<Node>,
    /// Leaf outputs: class shares (`n_classes` each) or one mean.
    values: Vec<f64>,
}

/// A fitted forest.
pub(crate) struct Forest {
    trees: Vec<Tree>,
    task: Task,
    /// Mean decrease in impurity per feature, normalised to sum 1.
    pub importance: Vec<f64>,
}

/// Fits `n_trees` trees on binned rows with targets `y` (class index as
/// f64, or the value).
pub(crate) fn fit(
    binning: &Binning,
    x: &Binned,
    y: &[f64],
    task: Task,
    n_trees: usize,
    seed: u64,
) -> Result<Forest, EvalError> {
    let nf = x.bins.len();
    let mtry = match task {
        Task::Classify(_) => ((nf as f64).sqrt().floor() as usize).max(1),
        Task::Regress => nf.max(1),
    };
    let is_cat: Vec<bool> = (0..nf).map(|f| binning.is_categorical(f)).collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, n_trees.max(1));
    let build = |ti: usize| {
        let mut rng =
            ChaCha8Rng::seed_from_u64(seed ^ (ti as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        grow(x, y, task, mtry, &is_cat, &mut rng)
    };
    let mut results: Vec<(Tree, Vec<f64>)> = Vec::with_capacity(n_trees);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                let build = &build;
                s.spawn(move || {
                    (w..n_trees)
                        .step_by(threads)
                        .map(|ti| (ti, build(ti)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(n_trees);
        for h in handles {
            match h.join() {
                Ok(v) => all.extend(v),
                Err(_) => {
                    return Err(EvalError::Internal(
                        "a random-forest worker panicked".into(),
                    ));
                }
            }
        }
        all.sort_by_key(|(ti, _)| *ti);
        results.extend(all.into_iter().map(|(_, t)| t));
        Ok(())
    })?;
    let mut importance = vec![0.0; nf];
    let mut trees = Vec::with_capacity(n_trees);
    for (tree, imp) in results {
        let total: f64 = imp.iter().sum();
        if total > 0.0 {
            for (a, b) in importance.iter_mut().zip(&imp) {
                *a += b / total;
            }
        }
        trees.push(tree);
    }
    let s: f64 = importance.iter().sum();
    if s > 0.0 {
        importance.iter_mut().for_each(|v| *v /= s);
    }
    Ok(Forest {
        trees,
        task,
        importance,
    })
}

impl Forest {
    /// Class probabilities (`n × n_classes`, classification) or one
    /// prediction per row (regression, `n × 1`), averaged over trees.
    pub fn predict(&self, x: &Binned) -> Vec<Vec<f64>> {
        let width = match self.task {
            Task::Classify(k) => k,
            Task::Regress => 1,
        };
        let mut out = vec![vec![0.0; width]; x.n];
        for tree in &self.trees {
            for (i, o) in out.iter_mut().enumerate() {
                let mut node = &tree.nodes[0];
                while node.leaf == u32::MAX {
                    let b = x.bins[node.feature as usize][i] as usize;
                    let left = (node.left[b / 64] >> (b % 64)) & 1 == 1;
                    node = &tree.nodes[node.children[usize::from(!left)] as usize];
                }
                let v = &tree.values[node.leaf as usize * width..(node.leaf as usize + 1) * width];
                for (a, b) in o.iter_mut().zip(v) {
                    *a += b;
                }
            }
        }
        let nt = self.trees.len().max(1) as f64;
        for o in &mut out {
            o.iter_mut().for_each(|v| *v /= nt);
        }
        out
    }
}

/// Sufficient statistics of a set of rows: class counts, or (n, Σy, Σy²).
fn stat_width(task: Task) -> usize {
    match task {
        Task::Classify(k) => k,
        Task::Regress => 3,
    }
}

fn add_stat(task: Task, s: &mut [f64], y: f64) {
    match task {
        Task::Classify(_) => s[y as usize] += 1.0,
        Task::Regress => {
            s[0] += 1.0;
            s[1] += y;
            s[2] += y * y;
        }
    }
}

fn count(task: Task, s: &[f64]) -> f64 {
    match task {
        Task::Classify(_) => s.iter().sum(),
        Task::Regress => s[0],
    }
}

/// `n · impurity` (Gini or variance) of a set with statistics `s`.
fn weighted_impurity(task: Task, s: &[f64]) -> f64 {
    let n = count(task, s);
    if n <= 0.0 {
        return 0.0;
    }
    match task {
        Task::Classify(_) => n - s.iter().map(|c| c * c).sum::<f64>() / n,
        Task::Regress => (s[2] - s[1] * s[1] / n).max(0.0),
    }
}

/// Sort key of a bin for categorical splits: share of class 1 (binary),
/// of the node's majority class (multi-class), or the mean (regression).
fn bin_key(task: Task, s: &[f64], major: usize) -> f64 {
    let n = count(task, s);
    if n <= 0.0 {
        return 0.0;
    }
    match task {
        Task::Classify(2) => s[1] / n,
        Task::Classify(_) => s[major] / n,
        Task::Regress => s[1] / n,
    }
}

struct Split {
    feature: usize,
    left: [u64; 4],
    gain: f64,
}

fn grow(
    x: &Binned,
    y: &[f64],
    task: Task,
    mtry: usize,
    is_cat: &[bool],
    rng: &mut ChaCha8Rng,
) -> (Tree, Vec<f64>) {
    let n = x.n;
    let nf = x.bins.len();
    let w = stat_width(task);
    let mut rows: Vec<u32> = (0..n).map(|_| rng.random_range(0..n) as u32).collect();
    let mut tree = Tree {
        nodes: Vec::new(),
        values: Vec::new(),
    };
    let mut importance = vec![0.0; nf];
    let mut features: Vec<usize> = (0..nf).collect();
    let mut hist = vec![0.0; MAX_BINS * w];
    // (node index, start, end) of nodes still to split.
    tree.nodes.push(Node {
        feature: 0,
        left: [0; 4],
        children: [0; 2],
        leaf: u32::MAX,
    });
    let mut stack = vec![(0usize, 0usize, n)];
    while let Some((id, lo, hi)) = stack.pop() {
        let part = &mut rows[lo..hi];
        let mut total = vec![0.0; w];
        for &r in part.iter() {
            add_stat(task, &mut total, y[r as usize]);
        }
        let parent = weighted_impurity(task, &total);
        let split = if part.len() < 2 || parent <= 1e-12 {
            None
        } else {
            best_split(
                x,
                y,
                task,
                part,
                &total,
                parent,
                mtry,
                is_cat,
                &mut features,
                &mut hist,
                rng,
            )
        };
        match split {
            None => {
                let leaf = (tree.values.len() / leaf_width(task)) as u32;
                match task {
                    Task::Classify(_) => {
                        let s: f64 = total.iter().sum::<f64>().max(1.0);
                        tree.values.extend(total.iter().map(|c| c / s));
                    }
                    Task::Regress => tree.values.push(total[1] / total[0].max(1.0)),
                }
                tree.nodes[id].leaf = leaf;
            }
            Some(s) => {
                importance[s.feature] += s.gain;
                let col = &x.bins[s.feature];
                let goes_left = |r: u32| {
                    let b = col[r as usize] as usize;
                    (s.left[b / 64] >> (b % 64)) & 1 == 1
                };
                // In-place partition: left rows first.
                let mut i = 0;
                for j in 0..part.len() {
                    if goes_left(part[j]) {
                        part.swap(i, j);
                        i += 1;
                    }
                }
                let l = tree.nodes.len();
                tree.nodes.push(Node {
                    feature: 0,
                    left: [0; 4],
                    children: [0; 2],
                    leaf: u32::MAX,
                });
                tree.nodes.push(Node {
                    feature: 0,
                    left: [0; 4],
                    children: [0; 2],
                    leaf: u32::MAX,
                });
                let node = &mut tree.nodes[id];
                node.feature = s.feature as u32;
                node.left = s.left;
                node.children = [l as u32, l as u32 + 1];
                stack.push((l, lo, lo + i));
                stack.push((l + 1, lo + i, hi));
            }
        }
    }
    (tree, importance)
}

fn leaf_width(task: Task) -> usize {
    match task {
        Task::Classify(k) => k,
        Task::Regress => 1,
    }
}

#[allow(clippy::too_many_arguments)]
fn best_split(
    x: &Binned,
    y: &[f64],
    task: Task,
    part: &[u32],
    total: &[f64],
    parent: f64,
    mtry: usize,
    is_cat: &[bool],
    features: &mut [usize],
    hist: &mut [f64],
    rng: &mut ChaCha8Rng,
) -> Option<Split> {
    let w = stat_width(task);
    let major = (0..w)
        .max_by(|&a, &b| total[a].total_cmp(&total[b]))
        .unwrap_or(0);
    features.shuffle(rng);
    let mut best: Option<Split> = None;
    // Scratch buffers reused across features: most nodes are small, so
    // clearing 256 bins or allocating per candidate would dominate.
    let mut order: Vec<usize> = Vec::with_capacity(MAX_BINS);
    let mut keys = [0.0f64; MAX_BINS];
    let mut left = vec![0.0; w];
    let mut right = vec![0.0; w];
    // Like scikit-learn, keep drawing features past `mtry` until one gives
    // a valid split.
    for (tried, &f) in features.iter().enumerate() {
        if tried >= mtry && best.is_some() {
            break;
        }
        let col = &x.bins[f];
        let mut used = [0u64; 4];
        for &r in part {
            let b = col[r as usize] as usize;
            if (used[b / 64] >> (b % 64)) & 1 == 0 {
                used[b / 64] |= 1 << (b % 64);
                hist[b * w..(b + 1) * w].iter_mut().for_each(|v| *v = 0.0);
            }
            add_stat(task, &mut hist[b * w..(b + 1) * w], y[r as usize]);
        }
        order.clear();
        for (word, &bits) in used.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                order.push(word * 64 + bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
        if order.len() < 2 {
            continue;
        }
        if is_cat[f] {
            // Keys computed once per bin, not twice per comparison; the
            // stable sort keeps equal keys in bin order, as before.
            for &b in &order {
                keys[b] = bin_key(task, &hist[b * w..(b + 1) * w], major);
            }
            order.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]));
        }
        left.iter_mut().for_each(|v| *v = 0.0);
        let mut set = [0u64; 4];
        let mut best_here: Option<(f64, [u64; 4])> = None;
        for &b in &order[..order.len() - 1] {
            for (l, h) in left.iter_mut().zip(&hist[b * w..(b + 1) * w]) {
                *l += h;
            }
            set[b / 64] |= 1 << (b % 64);
            for ((r, t), l) in right.iter_mut().zip(total).zip(&left) {
                *r = t - l;
            }
            let child = weighted_impurity(task, &left) + weighted_impurity(task, &right);
            let gain = parent - child;
            if best_here.as_ref().is_none_or(|(g, _)| gain > *g) {
                best_here = Some((gain, set));
            }
        }
        if let Some((gain, set)) = best_here
            && gain > 1e-12
            && best.as_ref().is_none_or(|s| gain > s.gain)
        {
            best = Some(Split {
                feature: f,
                left: set,
                gain,
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_xor_and_interval() {
        // y = 1 when exactly one of two binary features is set: a single
        // split cannot do it, a tree of depth 2 can.
        let n = 400;
        let a: Vec<u8> = (0..n).map(|i| (i % 2) as u8 + 1).collect();
        let b: Vec<u8> = (0..n).map(|i| ((i / 2) % 2) as u8 + 1).collect();
        let y: Vec<f64> = a
            .iter()
            .zip(&b)
            .map(|(x, z)| f64::from(u8::from(x != z)))
            .collect();
        let x = Binned {
            n,
            bins: vec![a, b],
        };
        let binning = Binning {
            binners: vec![
                Binner::Categorical {
                    column: 0,
                    bins: vec![],
                },
                Binner::Categorical {
                    column: 1,
                    bins: vec![],
                },
            ],
        };
        let f = fit(&binning, &x, &y, Task::Classify(2), 20, 7).unwrap();
        let p = f.predict(&x);
        let acc = p
            .iter()
            .zip(&y)
            .filter(|(p, y)| (p[1] > 0.5) == (**y == 1.0))
            .count();
        assert_eq!(acc, n);
        assert!((f.importance.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        // Deterministic given the seed.
        let g = fit(&binning, &x, &y, Task::Classify(2), 20, 7).unwrap();
        assert_eq!(g.predict(&x), p);
    }
}
