//! Server-side aggregation: validate each site's update against the global
//! parameters, then average the accepted ones weighted by rows (FedAvg).
//!
//! Why validate before averaging: one bad site can ruin the global model for
//! everyone — a shape mismatch (a site running another schema), a NaN (a
//! diverged critic), or a huge step (a bug, or poisoning) would propagate to
//! every site at the next round. Each such update is rejected with a reason,
//! the others are kept, and when nothing is left the previous global
//! parameters stay in force.
//!
//! Also here: the FedProx proximal term for local trainers, and
//! [`TensorSelection`] for "shared generator, site-local critics", where only
//! `generator.*` tensors are averaged and every site keeps its own critic.

use std::collections::{HashMap, HashSet};
use std::fmt;

use medsynth_nn::NamedTensor;
use serde::{Deserialize, Serialize};

use crate::error::{FederatedError, Result};
use crate::update::SiteUpdate;

/// Which tensors take part in aggregation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TensorSelection {
    /// Every tensor (plain FedAvg of generator and critic).
    All,
    /// Only tensors whose name starts with the prefix.
    Prefix(String),
}

impl TensorSelection {
    /// Shared generator, site-local critics: a critic trained on one site's
    /// rows is that site's density-ratio estimate, and averaging critics of
    /// very different sites gives a critic of no site at all. The generator,
    /// which never sees rows, is the part that is shared.
    pub fn shared_generator() -> Self {
        TensorSelection::Prefix("generator.".into())
    }

    /// Whether `name` takes part.
    pub fn includes(&self, name: &str) -> bool {
        match self {
            TensorSelection::All => true,
            TensorSelection::Prefix(p) => name.starts_with(p.as_str()),
        }
    }

    /// The selected tensors of `params`, cloned (what a site sends when the
    /// server only aggregates part of the model).
    pub fn select(&self, params: &[NamedTensor]) -> Vec<NamedTensor> {
        params
            .iter()
            .filter(|t| self.includes(&t.name))
            .cloned()
            .collect()
    }
}

/// The server's rules for accepting an update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregationRules {
    /// Upper bound on the L2 norm of (update − global) over the selected
    /// tensors; `None` disables the check. A bound of a few times the typical
    /// honest norm stops divergence and crude poisoning without clipping away
    /// honest non-IID progress.
    pub max_update_norm: Option<f64>,
    /// Which tensors are aggregated.
    pub selection: TensorSelection,
}

impl Default for AggregationRules {
    fn default() -> Self {
        AggregationRules {
            max_update_norm: None,
            selection: TensorSelection::All,
        }
    }
}

/// Why an update was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RejectReason {
    /// The site trained on no rows: its parameters carry no information and
    /// would get zero weight anyway.
    NoRows,
    /// A selected global tensor is absent from the update.
    MissingTensor { name: String },
    /// The update has a selected tensor the global model does not have, or
    /// has the same name twice.
    UnexpectedTensor { name: String },
    /// Same name, different shape (or data length not matching its shape).
    WrongShape {
        name: String,
        expected: Vec<usize>,
        got: Vec<usize>,
        len: usize,
    },
    /// NaN or ±∞ somewhere in the tensor.
    NonFinite { name: String, index: usize },
    /// The update moved the parameters further than the bound allows.
    NormTooLarge { norm: f64, bound: f64 },
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::NoRows => write!(f, "reported 0 training rows"),
            RejectReason::MissingTensor { name } => write!(f, "tensor `{name}` is missing"),
            RejectReason::UnexpectedTensor { name } => {
                write!(f, "tensor `{name}` is unknown or duplicated")
            }
            RejectReason::WrongShape {
                name,
                expected,
                got,
                len,
            } => write!(
                f,
                "tensor `{name}` has shape {got:?} ({len} values), expected {expected:?}"
            ),
            RejectReason::NonFinite { name, index } => {
                write!(f, "tensor `{name}` has a non-finite value at index {index}")
            }
            RejectReason::NormTooLarge { norm, bound } => {
                write!(f, "update norm {norm:.4} exceeds the bound {bound}")
            }
        }
    }
}

/// A refused update: which site and why. Kept in the round record so that
/// operators see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    pub site: usize,
    pub reason: RejectReason,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "site {} rejected: {}", self.site, self.reason)
    }
}

/// The result of aggregating one round.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// New global parameters (same names and order as the old ones;
    /// unselected tensors are carried over unchanged).
    pub params: Vec<NamedTensor>,
    /// Sites whose updates were averaged, ascending.
    pub accepted: Vec<usize>,
    /// Sites whose updates were refused, with reasons.
    pub rejected: Vec<Rejected>,
    /// True when no update was accepted and `params` is the old global.
    pub kept_previous: bool,
    /// Sum of the accepted sites' rows.
    pub rows: u64,
}

fn check_global(global: &[NamedTensor]) -> Result<()> {
    let mut seen = HashSet::new();
    for t in global {
        if !seen.insert(t.name.as_str()) {
            return Err(FederatedError::InvalidGlobal {
                name: t.name.clone(),
                detail: "duplicate name".into(),
            });
        }
        let n: usize = t.shape.iter().product();
        if n != t.data.len() {
            return Err(FederatedError::InvalidGlobal {
                name: t.name.clone(),
                detail: format!("shape {:?} but {} values", t.shape, t.data.len()),
            });
        }
    }
    Ok(())
}

/// Checks one update against the (well-formed) global parameters and returns
/// the L2 norm of its delta over the selected tensors.
///
/// Unselected tensors in the update (a site-local critic) are ignored: they
/// are the site's business. Selected tensors must match the global ones
/// exactly in names and shapes, and be finite.
pub fn validate_update(
    global: &[NamedTensor],
    update: &SiteUpdate,
    rules: &AggregationRules,
) -> std::result::Result<f64, RejectReason> {
    if update.rows == 0 {
        return Err(RejectReason::NoRows);
    }
    let mut by_name: HashMap<&str, &NamedTensor> = HashMap::new();
    for t in update
        .params
        .iter()
        .filter(|t| rules.selection.includes(&t.name))
    {
        if by_name.insert(t.name.as_str(), t).is_some() {
            return Err(RejectReason::UnexpectedTensor {
                name: t.name.clone(),
            });
        }
    }
    let mut sq = 0.0f64;
    let mut matched = 0;
    for g in global.iter().filter(|t| rules.selection.includes(&t.name)) {
        let Some(u) = by_name.get(g.name.as_str()) else {
            return Err(RejectReason::MissingTensor {
                name: g.name.clone(),
            });
        };
        matched += 1;
        if u.shape != g.shape || u.data.len() != g.data.len() {
            return Err(RejectReason::WrongShape {
                name: g.name.clone(),
                expected: g.shape.clone(),
                got: u.shape.clone(),
                len: u.data.len(),
            });
        }
        for (index, (&a, &b)) in u.data.iter().zip(&g.data).enumerate() {
            if !a.is_finite() {
                return Err(RejectReason::NonFinite {
                    name: g.name.clone(),
                    index,
                });
            }
            let d = f64::from(a) - f64::from(b);
            sq += d * d;
        }
    }
    if matched != by_name.len() {
        let known: HashSet<&str> = global.iter().map(|t| t.name.as_str()).collect();
        let name = by_name
            .keys()
            .find(|n| !known.contains(*n))
            .map_or_else(String::new, |n| (*n).to_string());
        return Err(RejectReason::UnexpectedTensor { name });
    }
    let norm = sq.sqrt();
    if let Some(bound) = rules.max_update_norm
        && norm > bound
    {
        return Err(RejectReason::NormTooLarge { norm, bound });
    }
    Ok(norm)
}

/// FedAvg: the row-weighted mean of the accepted updates' selected tensors.
///
/// Updates are processed in ascending site order whatever order they arrive
/// in, and sums are kept in `f64`, so the result is bit-identical however
/// the sites' threads were scheduled. The only error is a malformed `global`
/// (a caller bug); a bad site is a [`Rejected`] entry.
pub fn fedavg(
    global: &[NamedTensor],
    updates: &[SiteUpdate],
    rules: &AggregationRules,
) -> Result<Aggregate> {
    check_global(global)?;
    if let Some(bound) = rules.max_update_norm
        && !(bound.is_finite() && bound > 0.0)
    {
        return Err(FederatedError::InvalidParameter {
            name: "max_update_norm",
            value: bound,
            expected: "finite and > 0",
        });
    }
    let mut order: Vec<&SiteUpdate> = updates.iter().collect();
    order.sort_by_key(|u| u.site);

    let mut accepted: Vec<&SiteUpdate> = Vec::new();
    let mut rejected = Vec::new();
    let mut seen_sites = HashSet::new();
    for u in order {
        if !seen_sites.insert(u.site) {
            // Two updates from one site in one round: count it once.
            rejected.push(Rejected {
                site: u.site,
                reason: RejectReason::UnexpectedTensor {
                    name: "<second update from this site>".into(),
                },
            });
            continue;
        }
        match validate_update(global, u, rules) {
            Ok(_) => accepted.push(u),
            Err(reason) => rejected.push(Rejected {
                site: u.site,
                reason,
            }),
        }
    }
    let rows: u64 = accepted.iter().map(|u| u.rows).sum();
    if accepted.is_empty() {
        return Ok(Aggregate {
            params: global.to_vec(),
            accepted: Vec::new(),
            rejected,
            kept_previous: true,
            rows: 0,
        });
    }
    let total = rows as f64;
    let mut params = Vec::with_capacity(global.len());
    let mut acc: Vec<f64> = Vec::new();
    for g in global {
        if !rules.selection.includes(&g.name) {
            params.push(g.clone());
            continue;
        }
        acc.clear();
        acc.resize(g.data.len(), 0.0);
        for u in &accepted {
            let w = u.rows as f64 / total;
            // Validated above: present exactly once with the right length.
            if let Some(t) = u.params.iter().find(|t| t.name == g.name) {
                for (a, &x) in acc.iter_mut().zip(&t.data) {
                    *a += w * f64::from(x);
                }
            }
        }
        params.push(NamedTensor {
            name: g.name.clone(),
            shape: g.shape.clone(),
            data: acc.iter().map(|&a| a as f32).collect(),
        });
    }
    Ok(Aggregate {
        params,
        accepted: accepted.iter().map(|u| u.site).collect(),
        rejected,
        kept_previous: false,
        rows,
    })
}

/// FedProx's proximal term μ/2·‖w − w_global‖², which keeps a site's local
/// steps near the global model so that non-IID sites do not drift apart
/// (Li et al. 2020). The local trainer adds [`FedProx::add_gradient`] to its
/// gradient before each optimiser step; μ = 0 is plain FedAvg.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FedProx {
    mu: f32,
}

impl FedProx {
    /// μ must be finite and ≥ 0 (typical values 0.001–1).
    pub fn new(mu: f32) -> Result<Self> {
        if !(mu.is_finite() && mu >= 0.0) {
            return Err(FederatedError::InvalidParameter {
                name: "FedProx mu",
                value: f64::from(mu),
                expected: "finite and >= 0",
            });
        }
        Ok(FedProx { mu })
    }

    /// μ.
    pub fn mu(&self) -> f32 {
        self.mu
    }

    /// Adds μ(w − w_global) to `grad` element-wise (flat parameter vectors,
    /// as the engine keeps them).
    pub fn add_gradient(&self, grad: &mut [f32], local: &[f32], global: &[f32]) -> Result<()> {
        if grad.len() != local.len() || local.len() != global.len() {
            return Err(FederatedError::TensorMismatch {
                name: "<flat parameters>".into(),
                detail: format!(
                    "gradient {}, local {}, global {} values",
                    grad.len(),
                    local.len(),
                    global.len()
                ),
            });
        }
        for ((g, &w), &w0) in grad.iter_mut().zip(local).zip(global) {
            *g += self.mu * (w - w0);
        }
        Ok(())
    }

    /// The penalty μ/2·‖w − w_global‖² over named tensors (matched by name;
    /// tensors absent from `global` are site-local and contribute nothing),
    /// for logging next to the training loss.
    pub fn penalty(&self, local: &[NamedTensor], global: &[NamedTensor]) -> Result<f64> {
        let by_name: HashMap<&str, &NamedTensor> =
            global.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut sq = 0.0f64;
        for t in local {
            let Some(g) = by_name.get(t.name.as_str()) else {
                continue;
            };
            if g.data.len() != t.data.len() {
                return Err(FederatedError::TensorMismatch {
                    name: t.name.clone(),
                    detail: format!("local {} values, global {}", t.data.len(), g.data.len()),
                });
            }
            for (&a, &b) in t.data.iter().zip(&g.data) {
                let d = f64::from(a) - f64::from(b);
                sq += d * d;
            }
        }
        Ok(0.5 * f64::from(self.mu) * sq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::update::SiteMetrics;
    use proptest::prelude::*;

    fn t(name: &str, shape: &[usize], data: &[f32]) -> NamedTensor {
        NamedTensor {
            name: name.into(),
            shape: shape.to_vec(),
            data: data.to_vec(),
        }
    }

    fn global() -> Vec<NamedTensor> {
        vec![
            t("generator.out.weight", &[2, 2], &[0.0, 0.0, 0.0, 0.0]),
            t("critic.out.bias", &[1], &[0.0]),
        ]
    }

    fn upd(site: usize, rows: u64, g: f32, c: f32) -> SiteUpdate {
        SiteUpdate {
            site,
            rows,
            params: vec![
                t("generator.out.weight", &[2, 2], &[g, g, g, g]),
                t("critic.out.bias", &[1], &[c]),
            ],
            metrics: SiteMetrics::default(),
        }
    }

    #[test]
    fn weights_are_row_counts() {
        let out = fedavg(
            &global(),
            &[upd(0, 1, 1.0, 4.0), upd(1, 3, 5.0, 0.0)],
            &AggregationRules::default(),
        )
        .unwrap();
        assert_eq!(out.params[0].data, vec![4.0; 4]); // (1·1 + 3·5)/4
        assert_eq!(out.params[1].data, vec![1.0]); // (1·4 + 3·0)/4
        assert_eq!(out.accepted, vec![0, 1]);
        assert_eq!(out.rows, 4);
        assert!(!out.kept_previous);
    }

    #[test]
    fn shared_generator_keeps_the_servers_critic_and_ignores_site_critics() {
        let rules = AggregationRules {
            selection: TensorSelection::shared_generator(),
            ..AggregationRules::default()
        };
        // Site 1 sends a critic of a different shape: irrelevant, it is local.
        let mut odd = upd(1, 1, 3.0, 0.0);
        odd.params[1] = t("critic.out.bias", &[3], &[1.0, 2.0, 3.0]);
        let out = fedavg(&global(), &[upd(0, 1, 1.0, 9.0), odd], &rules).unwrap();
        assert_eq!(out.params[0].data, vec![2.0; 4]);
        assert_eq!(out.params[1].data, vec![0.0]);
        assert!(out.rejected.is_empty());
        // A site may send only the generator.
        let only_gen = SiteUpdate {
            params: rules.selection.select(&upd(2, 1, 6.0, 0.0).params),
            ..upd(2, 1, 0.0, 0.0)
        };
        assert_eq!(only_gen.params.len(), 1);
        let out = fedavg(&global(), &[only_gen], &rules).unwrap();
        assert_eq!(out.params[0].data, vec![6.0; 4]);
    }

    #[test]
    fn bad_updates_are_rejected_with_reasons_and_others_kept() {
        let mut shape = upd(1, 10, 1.0, 1.0);
        shape.params[0].shape = vec![4, 1];
        let mut nan = upd(2, 10, 1.0, 1.0);
        nan.params[1].data[0] = f32::NAN;
        let mut inf = upd(3, 10, 1.0, 1.0);
        inf.params[0].data[2] = f32::INFINITY;
        let mut missing = upd(4, 10, 1.0, 1.0);
        missing.params.pop();
        let mut extra = upd(5, 10, 1.0, 1.0);
        extra.params.push(t("critic.extra", &[1], &[0.0]));
        let mut dup = upd(6, 10, 1.0, 1.0);
        dup.params.push(dup.params[0].clone());
        let big = upd(7, 10, 100.0, 0.0);
        let zero = upd(8, 0, 1.0, 1.0);
        let short = SiteUpdate {
            params: vec![
                t("generator.out.weight", &[2, 2], &[1.0; 3]),
                t("critic.out.bias", &[1], &[0.0]),
            ],
            ..upd(9, 10, 0.0, 0.0)
        };
        let good = upd(0, 10, 1.0, 1.0);
        let rules = AggregationRules {
            max_update_norm: Some(10.0),
            ..AggregationRules::default()
        };
        let ups = [big, nan, shape, good, inf, missing, extra, dup, zero, short];
        let out = fedavg(&global(), &ups, &rules).unwrap();
        assert_eq!(out.accepted, vec![0]);
        assert_eq!(out.params[0].data, vec![1.0; 4]);
        let reasons: Vec<(usize, &RejectReason)> =
            out.rejected.iter().map(|r| (r.site, &r.reason)).collect();
        assert!(matches!(reasons[0], (1, RejectReason::WrongShape { .. })));
        assert!(matches!(
            reasons[1],
            (2, RejectReason::NonFinite { index: 0, .. })
        ));
        assert!(matches!(
            reasons[2],
            (3, RejectReason::NonFinite { index: 2, .. })
        ));
        assert!(matches!(
            reasons[3],
            (4, RejectReason::MissingTensor { .. })
        ));
        assert!(matches!(
            reasons[4],
            (5, RejectReason::UnexpectedTensor { .. })
        ));
        assert!(matches!(
            reasons[5],
            (6, RejectReason::UnexpectedTensor { .. })
        ));
        match reasons[6] {
            (7, RejectReason::NormTooLarge { norm, bound }) => {
                assert!((norm - 200.0).abs() < 1e-9 && *bound == 10.0)
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(reasons[7], (8, RejectReason::NoRows)));
        assert!(matches!(
            reasons[8],
            (9, RejectReason::WrongShape { len: 3, .. })
        ));
        let msg = out.rejected[6].to_string();
        assert!(
            msg.contains("site 7") && msg.contains("exceeds the bound 10"),
            "{msg}"
        );
    }

    #[test]
    fn all_rejected_keeps_previous_global() {
        let mut nan = upd(0, 5, 1.0, 1.0);
        nan.params[0].data[0] = f32::NAN;
        let out = fedavg(&global(), &[nan], &AggregationRules::default()).unwrap();
        assert!(out.kept_previous);
        assert_eq!(out.params, global());
        assert_eq!(out.rejected.len(), 1);
        let none = fedavg(&global(), &[], &AggregationRules::default()).unwrap();
        assert!(none.kept_previous && none.rejected.is_empty());
    }

    #[test]
    fn second_update_from_a_site_is_rejected() {
        let out = fedavg(
            &global(),
            &[upd(0, 1, 1.0, 0.0), upd(0, 1, 3.0, 0.0)],
            &AggregationRules::default(),
        )
        .unwrap();
        assert_eq!(out.accepted, vec![0]);
        assert_eq!(out.rejected.len(), 1);
    }

    #[test]
    fn malformed_global_or_bound_is_a_caller_error() {
        let mut g = global();
        g.push(g[0].clone());
        assert!(matches!(
            fedavg(&g, &[], &AggregationRules::default()),
            Err(FederatedError::InvalidGlobal { .. })
        ));
        let mut g = global();
        g[0].data.pop();
        assert!(fedavg(&g, &[], &AggregationRules::default()).is_err());
        let rules = AggregationRules {
            max_update_norm: Some(f64::NAN),
            ..AggregationRules::default()
        };
        assert!(fedavg(&global(), &[], &rules).is_err());
    }

    #[test]
    fn fedprox_gradient_and_penalty() {
        let p = FedProx::new(0.5).unwrap();
        let mut grad = vec![1.0, 1.0];
        p.add_gradient(&mut grad, &[3.0, -1.0], &[1.0, 1.0])
            .unwrap();
        assert_eq!(grad, vec![2.0, 0.0]);
        assert!(p.add_gradient(&mut grad, &[1.0], &[1.0, 2.0]).is_err());
        let local = vec![t("a", &[2], &[3.0, -1.0]), t("local.only", &[1], &[9.0])];
        let glob = vec![t("a", &[2], &[1.0, 1.0])];
        assert_eq!(p.penalty(&local, &glob).unwrap(), 0.25 * 8.0);
        assert!(FedProx::new(-1.0).is_err() && FedProx::new(f32::NAN).is_err());
        assert_eq!(
            FedProx::new(0.0).unwrap().penalty(&local, &glob).unwrap(),
            0.0
        );
    }

    #[test]
    fn fedprox_gradient_matches_finite_difference_of_penalty() {
        let p = FedProx::new(0.3).unwrap();
        let glob = vec![t("a", &[3], &[0.5, -1.0, 2.0])];
        let w = [1.5f32, 0.25, -0.75];
        let mut grad = vec![0.0; 3];
        p.add_gradient(&mut grad, &w, &glob[0].data).unwrap();
        for i in 0..3 {
            let h = 1e-2f32;
            let mut plus = w;
            plus[i] += h;
            let mut minus = w;
            minus[i] -= h;
            let f = |x: [f32; 3]| p.penalty(&[t("a", &[3], &x)], &glob).unwrap();
            let fd = (f(plus) - f(minus)) / (2.0 * f64::from(h));
            assert!(
                (fd - f64::from(grad[i])).abs() < 1e-4,
                "{fd} vs {}",
                grad[i]
            );
        }
    }

    fn tensors() -> impl Strategy<Value = Vec<NamedTensor>> {
        proptest::collection::vec((1usize..4, 1usize..4), 1..4).prop_flat_map(|shapes| {
            shapes
                .into_iter()
                .enumerate()
                .map(|(i, (r, c))| {
                    proptest::collection::vec(-1e3f32..1e3, r * c)
                        .prop_map(move |data| t(&format!("generator.t{i}"), &[r, c], &data))
                })
                .collect::<Vec<_>>()
        })
    }

    proptest! {
        #[test]
        fn fedavg_of_identical_updates_is_the_identity(
            params in tensors(),
            rows in proptest::collection::vec(1u64..100_000, 1..6),
        ) {
            let zero: Vec<NamedTensor> = params.iter().map(|t| NamedTensor { data: vec![0.0; t.data.len()], ..t.clone() }).collect();
            let ups: Vec<SiteUpdate> = rows.iter().enumerate().map(|(site, &rows)| SiteUpdate {
                site, rows, params: params.clone(), metrics: SiteMetrics::default(),
            }).collect();
            let out = fedavg(&zero, &ups, &AggregationRules::default()).unwrap();
            prop_assert_eq!(out.params, params);
        }

        #[test]
        fn fedavg_is_the_row_weighted_mean_and_order_free(
            a in -100f32..100.0, b in -100f32..100.0, ra in 1u64..1000, rb in 1u64..1000,
        ) {
            let g = vec![t("w", &[1], &[0.0])];
            let ua = SiteUpdate { site: 0, rows: ra, params: vec![t("w", &[1], &[a])], metrics: SiteMetrics::default() };
            let ub = SiteUpdate { site: 1, rows: rb, params: vec![t("w", &[1], &[b])], metrics: SiteMetrics::default() };
            let x = fedavg(&g, &[ua.clone(), ub.clone()], &AggregationRules::default()).unwrap();
            let y = fedavg(&g, &[ub, ua], &AggregationRules::default()).unwrap();
            let want = (f64::from(a) * ra as f64 + f64::from(b) * rb as f64) / (ra + rb) as f64;
            prop_assert!((f64::from(x.params[0].data[0]) - want).abs() <= 1e-4 * (1.0 + want.abs()));
            prop_assert_eq!(&x, &y);
            // The mean lies between the inputs.
            let v = x.params[0].data[0];
            prop_assert!(v >= a.min(b) && v <= a.max(b));
        }

        #[test]
        fn norm_bound_accepts_exactly_updates_within_it(delta in -10f32..10.0, bound in 0.1f64..10.0) {
            let g = vec![t("w", &[1], &[1.0])];
            let u = SiteUpdate { site: 0, rows: 1, params: vec![t("w", &[1], &[1.0 + delta])], metrics: SiteMetrics::default() };
            let rules = AggregationRules { max_update_norm: Some(bound), ..AggregationRules::default() };
            let norm = (f64::from(1.0 + delta) - 1.0).abs();
            let res = validate_update(&g, &u, &rules);
            prop_assert_eq!(res.is_ok(), norm <= bound);
        }
    }
}
