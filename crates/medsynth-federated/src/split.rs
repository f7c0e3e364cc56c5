//! Splitting one table's rows into K simulated sites.
//!
//! Why three strategies: federated GANs behave very differently on IID sites
//! (every site sees the whole distribution) and on non-IID ones (a site may
//! hold one ward, one hospital's case mix, or no patient of some class). The
//! in-process simulation needs all three to show which aggregation holds up:
//!
//! * [`split_iid`]: shuffle, then equal parts (sizes differ by at most one).
//! * [`split_by_label`]: one site per value of a column (e.g. `hospital`),
//!   several values per site when there are more values than sites.
//! * [`split_dirichlet`]: for each class, the site shares are drawn from
//!   Dirichlet(α) — the usual label-skew benchmark of the FL literature
//!   (Hsu et al. 2019). Small α (0.1) gives sites dominated by few classes,
//!   large α (100) approaches IID.
//!
//! All are deterministic given the seed, and every row lands in exactly one
//! site. Row indices within a site are sorted so that a site's table keeps
//! the original row order.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};

use crate::error::{FederatedError, Result};

/// How many Dirichlet draws to try before reporting an empty site. Resampling
/// until every site has rows is what the FL benchmarks do; a bound keeps a
/// hopeless request (α = 0.001 with 2 classes and 10 sites) from looping.
const DIRICHLET_ATTEMPTS: usize = 100;

/// The row indices held by each site (sorted ascending, disjoint, covering
/// every row exactly once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteSplit {
    sites: Vec<Vec<usize>>,
}

impl SiteSplit {
    /// Row indices of each site.
    pub fn sites(&self) -> &[Vec<usize>] {
        &self.sites
    }

    /// Takes the row indices out.
    pub fn into_sites(self) -> Vec<Vec<usize>> {
        self.sites
    }

    /// Rows per site (the FedAvg weights of a simulation).
    pub fn sizes(&self) -> Vec<usize> {
        self.sites.iter().map(Vec::len).collect()
    }

    /// Number of sites.
    pub fn len(&self) -> usize {
        self.sites.len()
    }

    /// Always false for a split built by this module (K ≥ 2).
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
    }

    fn finish(mut sites: Vec<Vec<usize>>) -> Result<Self> {
        for (site, rows) in sites.iter_mut().enumerate() {
            if rows.is_empty() {
                return Err(FederatedError::EmptySite {
                    site,
                    hint: "use fewer sites".into(),
                });
            }
            rows.sort_unstable();
        }
        Ok(SiteSplit { sites })
    }
}

/// Which split to make; the CLI's `--split iid|by=COLUMN|dirichlet=ALPHA`.
#[derive(Debug, Clone, PartialEq)]
pub enum SplitStrategy {
    /// Shuffle and cut into equal parts.
    Iid,
    /// Group rows by label value.
    ByLabel,
    /// Per-class site shares from Dirichlet(α).
    Dirichlet { alpha: f64 },
}

/// Splits `rows` rows into `sites` sites with `strategy`; `labels` (one per
/// row) is required by [`SplitStrategy::ByLabel`] and
/// [`SplitStrategy::Dirichlet`] and ignored by [`SplitStrategy::Iid`].
pub fn split(
    strategy: &SplitStrategy,
    rows: usize,
    labels: Option<&[String]>,
    sites: usize,
    seed: u64,
) -> Result<SiteSplit> {
    let need_labels = || labels.ok_or(FederatedError::MissingLabels);
    match strategy {
        SplitStrategy::Iid => split_iid(rows, sites, seed),
        SplitStrategy::ByLabel => {
            let labels = need_labels()?;
            check_label_count(labels, rows)?;
            split_by_label(labels, sites)
        }
        SplitStrategy::Dirichlet { alpha } => {
            let labels = need_labels()?;
            check_label_count(labels, rows)?;
            split_dirichlet(labels, sites, *alpha, seed)
        }
    }
}

fn check_label_count(labels: &[String], rows: usize) -> Result<()> {
    if labels.len() != rows {
        return Err(FederatedError::LabelCount {
            labels: labels.len(),
            rows,
        });
    }
    Ok(())
}

fn check_sites(rows: usize, sites: usize) -> Result<()> {
    if sites < 2 {
        return Err(FederatedError::TooFewSites { sites });
    }
    if sites > rows {
        return Err(FederatedError::TooManySites { sites, rows });
    }
    Ok(())
}

/// IID split: a seeded shuffle cut into `sites` parts whose sizes differ by
/// at most one.
pub fn split_iid(rows: usize, sites: usize, seed: u64) -> Result<SiteSplit> {
    check_sites(rows, sites)?;
    let mut order: Vec<usize> = (0..rows).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let (base, extra) = (rows / sites, rows % sites);
    let mut out = Vec::with_capacity(sites);
    let mut start = 0;
    for s in 0..sites {
        let len = base + usize::from(s < extra);
        out.push(order[start..start + len].to_vec());
        start += len;
    }
    SiteSplit::finish(out)
}

/// Groups row indices by label; a `BTreeMap` so that iteration order (and so
/// every split built on it) does not depend on hashing.
fn classes(labels: &[String]) -> BTreeMap<&str, Vec<usize>> {
    let mut map: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        map.entry(l.as_str()).or_default().push(i);
    }
    map
}

/// Split by a column's value, as when each hospital's rows are tagged with
/// its name. With exactly `sites` distinct values each value is one site (in
/// sorted value order). With more values, values are packed largest-first
/// onto the currently smallest site, which keeps sites balanced while never
/// splitting a value across sites. Fewer values than sites is an error: some
/// site would be empty.
pub fn split_by_label(labels: &[String], sites: usize) -> Result<SiteSplit> {
    check_sites(labels.len(), sites)?;
    let classes = classes(labels);
    if classes.len() < sites {
        return Err(FederatedError::EmptySite {
            site: classes.len(),
            hint: format!(
                "the column has only {} distinct values for {sites} sites",
                classes.len()
            ),
        });
    }
    let mut groups: Vec<(&str, Vec<usize>)> = classes.into_iter().collect();
    if groups.len() > sites {
        // Largest first; ties keep the sorted value order (stable sort).
        groups.sort_by_key(|g| std::cmp::Reverse(g.1.len()));
    }
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); sites];
    for (_, rows) in groups {
        let target = (0..sites).min_by_key(|&s| (out[s].len(), s)).unwrap_or(0);
        out[target].extend(rows);
    }
    SiteSplit::finish(out)
}

/// Label-skewed split: for each class, its rows are shuffled and cut among
/// the sites in proportions drawn from Dirichlet(α) (normalised Gamma(α, 1)
/// draws). Draws that leave a site empty are redrawn, up to a bound; past it
/// the error suggests a larger α or fewer sites.
pub fn split_dirichlet(
    labels: &[String],
    sites: usize,
    alpha: f64,
    seed: u64,
) -> Result<SiteSplit> {
    check_sites(labels.len(), sites)?;
    if !(alpha.is_finite() && alpha > 0.0) {
        return Err(FederatedError::InvalidParameter {
            name: "Dirichlet alpha",
            value: alpha,
            expected: "finite and > 0",
        });
    }
    let gamma = Gamma::new(alpha, 1.0).map_err(|_| FederatedError::InvalidParameter {
        name: "Dirichlet alpha",
        value: alpha,
        expected: "finite and > 0",
    })?;
    let classes = classes(labels);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut shares = vec![0.0f64; sites];
    let mut last_empty = 0;
    for _ in 0..DIRICHLET_ATTEMPTS {
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); sites];
        for rows in classes.values() {
            let mut rows = rows.clone();
            rows.shuffle(&mut rng);
            for s in shares.iter_mut() {
                *s = gamma.sample(&mut rng);
            }
            let total: f64 = shares.iter().sum();
            if !(total.is_finite() && total > 0.0) {
                // Every Gamma draw underflowed (tiny α): the Dirichlet limit is
                // a one-hot vector, so give the whole class to one site.
                let pick = rand::Rng::random_range(&mut rng, 0..sites);
                shares
                    .iter_mut()
                    .enumerate()
                    .for_each(|(i, s)| *s = f64::from(u8::from(i == pick)));
            } else {
                shares.iter_mut().for_each(|s| *s /= total);
            }
            // Cut points at rounded cumulative shares: every row is assigned
            // exactly once whatever the rounding.
            let n = rows.len();
            let mut cum = 0.0;
            let mut start = 0;
            for (s, share) in shares.iter().enumerate() {
                cum += share;
                let end = if s + 1 == sites {
                    n
                } else {
                    ((cum * n as f64).round() as usize).clamp(start, n)
                };
                out[s].extend_from_slice(&rows[start..end]);
                start = end;
            }
        }
        match out.iter().position(Vec::is_empty) {
            None => return SiteSplit::finish(out),
            Some(site) => last_empty = site,
        }
    }
    Err(FederatedError::EmptySite {
        site: last_empty,
        hint: format!(
            "{DIRICHLET_ATTEMPTS} Dirichlet(alpha={alpha}) draws over {} classes all left a site empty; \
             use a larger alpha, fewer sites or a label with more classes",
            classes.len()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(spec: &[(&str, usize)]) -> Vec<String> {
        spec.iter()
            .flat_map(|(l, n)| std::iter::repeat_n(l.to_string(), *n))
            .collect()
    }

    fn assert_partition(split: &SiteSplit, rows: usize) {
        let mut all: Vec<usize> = split.sites().iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..rows).collect::<Vec<_>>());
        assert!(split.sites().iter().all(|s| !s.is_empty()));
    }

    #[test]
    fn iid_is_balanced_deterministic_and_seed_dependent() {
        let a = split_iid(103, 4, 7).unwrap();
        assert_partition(&a, 103);
        assert_eq!(a.sizes(), vec![26, 26, 26, 25]);
        assert_eq!(a, split_iid(103, 4, 7).unwrap());
        assert_ne!(a, split_iid(103, 4, 8).unwrap());
    }

    #[test]
    fn site_count_errors() {
        assert!(matches!(
            split_iid(10, 1, 0),
            Err(FederatedError::TooFewSites { sites: 1 })
        ));
        assert!(matches!(
            split_iid(3, 4, 0),
            Err(FederatedError::TooManySites { sites: 4, rows: 3 })
        ));
        let l = labels(&[("a", 5)]);
        assert!(matches!(
            split_dirichlet(&l, 6, 1.0, 0),
            Err(FederatedError::TooManySites { .. })
        ));
        assert!(matches!(
            split_by_label(&l, 0),
            Err(FederatedError::TooFewSites { .. })
        ));
    }

    #[test]
    fn by_label_one_value_per_site() {
        let l = labels(&[("b", 3), ("a", 2)]);
        let s = split_by_label(&l, 2).unwrap();
        // Sorted value order: site 0 = "a" (rows 3, 4), site 1 = "b".
        assert_eq!(s.sites(), &[vec![3, 4], vec![0, 1, 2]]);
    }

    #[test]
    fn by_label_packs_extra_values_without_splitting_them() {
        let l = labels(&[("a", 50), ("b", 30), ("c", 25), ("d", 10)]);
        let s = split_by_label(&l, 2).unwrap();
        assert_partition(&s, l.len());
        // 50 → site 0, 30 → site 1, 25 → site 1 (55), 10 → site 0 (60).
        assert_eq!(s.sizes(), vec![60, 55]);
        for site in s.sites() {
            let mut values: Vec<&str> = site.iter().map(|&r| l[r].as_str()).collect();
            values.dedup();
            let distinct: std::collections::BTreeSet<_> = values.iter().collect();
            assert_eq!(
                values.len(),
                distinct.len(),
                "a value was split across sites"
            );
        }
    }

    #[test]
    fn by_label_with_too_few_values_names_the_problem() {
        let l = labels(&[("a", 5), ("b", 5)]);
        let err = split_by_label(&l, 3).unwrap_err().to_string();
        assert!(err.contains("only 2 distinct values"), "{err}");
    }

    #[test]
    fn dirichlet_rejects_bad_alpha_and_reports_hopeless_requests() {
        let l = labels(&[("a", 50), ("b", 50)]);
        for alpha in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                split_dirichlet(&l, 2, alpha, 0),
                Err(FederatedError::InvalidParameter { .. })
            ));
        }
        // One class, tiny α, many sites: a draw covering all 20 sites is
        // practically impossible.
        let one = labels(&[("a", 40)]);
        let err = split_dirichlet(&one, 20, 1e-4, 0).unwrap_err().to_string();
        assert!(err.contains("larger alpha"), "{err}");
    }

    #[test]
    fn dirichlet_small_alpha_skews_labels_large_alpha_does_not() {
        let l = labels(&[("a", 500), ("b", 500), ("c", 500), ("d", 500)]);
        // Largest share of one class at a site, averaged over sites.
        let skew = |alpha: f64| {
            let s = split_dirichlet(&l, 4, alpha, 3).unwrap();
            assert_partition(&s, l.len());
            s.sites()
                .iter()
                .map(|rows| {
                    let site_labels: Vec<String> = rows.iter().map(|&r| l[r].clone()).collect();
                    let c = classes(&site_labels);
                    c.values().map(Vec::len).max().unwrap_or(0) as f64 / rows.len() as f64
                })
                .sum::<f64>()
                / 4.0
        };
        let (low, high) = (skew(0.1), skew(1000.0));
        assert!(
            low > 0.6,
            "alpha=0.1 should give label-skewed sites, got {low}"
        );
        assert!(
            high < 0.35,
            "alpha=1000 should be close to IID (0.25), got {high}"
        );
    }

    #[test]
    fn dispatcher_requires_labels_of_the_right_length() {
        let l = labels(&[("a", 5), ("b", 5)]);
        assert!(matches!(
            split(&SplitStrategy::ByLabel, 10, None, 2, 0),
            Err(FederatedError::MissingLabels)
        ));
        assert!(matches!(
            split(&SplitStrategy::ByLabel, 11, Some(&l), 2, 0),
            Err(FederatedError::LabelCount {
                labels: 10,
                rows: 11
            })
        ));
        assert_eq!(
            split(&SplitStrategy::Dirichlet { alpha: 1.0 }, 10, Some(&l), 2, 5).unwrap(),
            split_dirichlet(&l, 2, 1.0, 5).unwrap()
        );
        assert_eq!(
            split(&SplitStrategy::Iid, 10, None, 2, 1).unwrap(),
            split_iid(10, 2, 1).unwrap()
        );
    }

    proptest! {
        #[test]
        fn dirichlet_covers_every_row_exactly_once(
            counts in proptest::collection::vec(1usize..40, 1..6),
            sites in 2usize..6,
            alpha in 0.05f64..50.0,
            seed in any::<u64>(),
        ) {
            let spec: Vec<(String, usize)> = counts.iter().enumerate().map(|(i, &n)| (format!("c{i}"), n)).collect();
            let l: Vec<String> = spec.iter().flat_map(|(c, n)| std::iter::repeat_n(c.clone(), *n)).collect();
            prop_assume!(l.len() >= sites);
            match split_dirichlet(&l, sites, alpha, seed) {
                Ok(s) => {
                    prop_assert_eq!(s.len(), sites);
                    let mut all: Vec<usize> = s.sites().iter().flatten().copied().collect();
                    all.sort_unstable();
                    prop_assert_eq!(all, (0..l.len()).collect::<Vec<_>>());
                    prop_assert!(s.sites().iter().all(|r| !r.is_empty()));
                    prop_assert_eq!(s, split_dirichlet(&l, sites, alpha, seed).unwrap());
                }
                Err(e) => prop_assert!(matches!(e, FederatedError::EmptySite { .. }), "{}", e),
            }
        }

        #[test]
        fn iid_covers_every_row_exactly_once(rows in 2usize..500, sites in 2usize..20, seed in any::<u64>()) {
            prop_assume!(sites <= rows);
            let s = split_iid(rows, sites, seed).unwrap();
            let mut all: Vec<usize> = s.sites().iter().flatten().copied().collect();
            all.sort_unstable();
            prop_assert_eq!(all, (0..rows).collect::<Vec<_>>());
            let sizes = s.sizes();
            prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }
    }
}
