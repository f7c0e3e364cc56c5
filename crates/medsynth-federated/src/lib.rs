//! Groundwork for federated training across hospitals: sites train locally
//! and only model parameters (plus a row count and metrics) leave a site.
//!
//! * [`split`](mod@split) — cut one table into K simulated sites (IID, by a column's
//!   value, or label-skewed with Dirichlet(α)).
//! * [`aggregate`] — validate each site's update (names, shapes, finiteness,
//!   norm bound), FedAvg weighted by rows, the FedProx proximal term, and the
//!   "shared generator, site-local critics" selection.
//! * [`round`] — a round driver over [`Site`]s running on threads, with a
//!   deadline, so that a slow or crashing site never stalls the federation.
//!
//! # Usage
//! ```
//! use medsynth_federated::{AggregationRules, SiteMetrics, SiteUpdate, fedavg, split_iid};
//! use medsynth_nn::NamedTensor;
//!
//! // Simulation: 10 rows over 3 sites, deterministic for the seed.
//! let split = split_iid(10, 3, 42)?;
//! assert_eq!(split.sizes(), vec![4, 3, 3]);
//!
//! // Server: FedAvg of two sites' parameters, weighted by their rows.
//! let w = |v: f32| vec![NamedTensor { name: "generator.out.bias".into(), shape: vec![1], data: vec![v] }];
//! let update = |site, rows, v| SiteUpdate { site, rows, params: w(v), metrics: SiteMetrics::default() };
//! let rules = AggregationRules { max_update_norm: Some(10.0), ..AggregationRules::default() };
//! let round = fedavg(&w(0.0), &[update(0, 1, 1.0), update(1, 3, 5.0), update(2, 9, f32::NAN)], &rules)?;
//! assert_eq!(round.params[0].data, vec![4.0]);
//! assert_eq!(round.rejected[0].to_string(), "site 2 rejected: tensor `generator.out.bias` has a non-finite value at index 0");
//! # Ok::<(), medsynth_federated::FederatedError>(())
//! ```
//!
//! * [`domain`] and [`federation`] — the federated encoder: sites agree on
//!   the columns' domain, send mergeable summaries (row count, histograms,
//!   category counts), and the server builds one shared encoder and the
//!   initial parameters from the merged summaries alone.
//! * [`select`] — server-side snapshot selection: sites score the release
//!   candidate on their own rows (without DP only), the server keeps the
//!   round with the best row-weighted mean score.
//! * [`sim`] — the in-process simulation (`medsynth federate simulate`):
//!   site objects own their rows; the server side only sees what a site
//!   would send.
//!
//! * Per-site differential privacy ([`SimOptions::privacy`]): each site
//!   noises its statistics and trains its critic with DP-SGD under its own
//!   budget and ledger (`medsynth_model::dp::site`); the model's manifest
//!   reports every site's ε.

pub mod aggregate;
pub mod domain;
pub mod error;
pub mod federation;
pub mod round;
pub mod select;
pub mod sim;
pub mod split;
pub mod update;

pub use aggregate::{
    Aggregate, AggregationRules, FedProx, RejectReason, Rejected, TensorSelection, fedavg,
    validate_update,
};
pub use error::{FederatedError, Result};
pub use round::{RoundConfig, RoundDriver, RoundRecord, Site, SiteReport, SiteStatus};
pub use select::{BestRound, Selector, combined_score};
pub use split::{SiteSplit, SplitStrategy, split, split_by_label, split_dirichlet, split_iid};
pub use update::{SiteMetrics, SiteScore, SiteUpdate};

pub use domain::{SiteDomain, domain_is_declared, merge_domains, site_domain, undeclared_columns};
pub use federation::{
    Federation, SMALL_FEDERATION_ROWS, SiteSummary, Strategy, default_lr_scale,
    scaled_learning_rates, site_seed, site_training_config, summarize, summarize_dp,
};
pub use medsynth_model::dp::site::{SitePrivacy, SitePrivacyReport};
pub use medsynth_nn::NamedTensor;
pub use sim::{CtganSite, SimOptions, SimOutcome, simulate};
