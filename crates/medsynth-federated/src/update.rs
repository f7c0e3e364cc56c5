//! What a site sends to the server after a round of local training.

use medsynth_nn::NamedTensor;
use medsynth_privacy::Ledger;
use serde::{Deserialize, Serialize};

/// One site's contribution to a round. Parameters and a row count travel;
/// rows never do. The row count is itself information about the site (its
/// size), which hospitals usually publish anyway; see `docs/federated.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteUpdate {
    /// Index of the site in the federation. The round driver overwrites it
    /// with the index it assigned, so a site cannot pose as another.
    pub site: usize,
    /// Rows the site trained on this round: the FedAvg weight.
    pub rows: u64,
    /// The site's parameters after local training (not a delta: the server
    /// computes deltas itself so that a site cannot hide a large step).
    pub params: Vec<NamedTensor>,
    /// Site-reported metrics (loss, ledger); never used for aggregation.
    pub metrics: SiteMetrics,
}

/// Metrics a site reports with its update. They are displayed and recorded,
/// never trusted for aggregation decisions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteMetrics {
    /// Mean training loss of the round (e.g. the generator loss), if known.
    pub loss: Option<f64>,
    /// The site's own privacy ledger (cumulative) when it trains with DP-SGD:
    /// each site spends its own budget, and the server reports it per site.
    pub ledger: Option<Ledger>,
}

/// A site's selection score of the server's release candidate (the
/// generator the server would publish after a round), computed on the
/// site's own rows. Only sites training without DP send one: the score
/// reads real rows and DP-SGD's guarantee does not cover it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SiteScore {
    /// Index of the site (overwritten by the round driver).
    pub site: usize,
    /// Rows the score was computed on: its weight in the combined score.
    pub rows: u64,
    /// The centralised snapshot-selection score, in [0, 1], higher is better.
    pub score: f64,
}
