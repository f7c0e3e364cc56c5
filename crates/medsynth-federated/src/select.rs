//! Server-side snapshot selection for federated training.
//!
//! Centralised CTGAN keeps the best of its EMA snapshots by a fidelity score
//! computed against the training rows. In a federation no party holds all
//! rows, so the work is split: after each round every site scores the
//! generator the server would release (its moving average) on its own rows
//! (`medsynth_model::ctgan::local::LocalTrainer::score`), the server combines
//! the scores by a row-weighted mean and keeps the release candidate of the
//! best round. Only parameters move: the server never sees rows, only one
//! number per site and round.
//!
//! Trust: a site's score decides which round is released, never what the
//! parameters are. A score outside [0, 1] (the score's range) or not finite
//! is ignored, so one site cannot dominate by sending a huge number; within
//! [0, 1] a lying site can still bias the choice between rounds by its
//! row weight.

use medsynth_nn::NamedTensor;

use crate::update::SiteScore;

/// Row-weighted mean of the usable scores (finite, in [0, 1], from a site
/// with at least one row); `None` when no site sent one.
pub fn combined_score(scores: &[SiteScore]) -> Option<f64> {
    let usable = || {
        scores
            .iter()
            .filter(|s| s.rows > 0 && s.score.is_finite() && (0.0..=1.0).contains(&s.score))
    };
    let weight: f64 = usable().map(|s| s.rows as f64).sum();
    (weight > 0.0).then(|| usable().map(|s| s.rows as f64 * s.score).sum::<f64>() / weight)
}

/// The best release candidate seen so far.
#[derive(Debug, Clone, PartialEq)]
pub struct BestRound {
    /// Round (from 0) after which the candidate was the release.
    pub round: usize,
    /// Its combined site score.
    pub score: f64,
    /// The candidate (generator tensors).
    pub params: Vec<NamedTensor>,
}

/// Keeps the release candidate of the round with the best combined score.
/// Ties keep the earlier round (deterministic, and no later snapshot
/// displaces an equally good one without evidence).
#[derive(Debug, Clone, Default)]
pub struct Selector {
    best: Option<BestRound>,
}

impl Selector {
    /// Offers round `round`'s candidate with its combined score (`None` =
    /// no site scored it: never selected). Returns whether it is now the best.
    pub fn offer(&mut self, round: usize, score: Option<f64>, candidate: &[NamedTensor]) -> bool {
        let Some(score) = score.filter(|s| s.is_finite()) else {
            return false;
        };
        if self.best.as_ref().is_some_and(|b| score <= b.score) {
            return false;
        }
        self.best = Some(BestRound {
            round,
            score,
            params: candidate.to_vec(),
        });
        true
    }

    /// The best candidate so far.
    pub fn best(&self) -> Option<&BestRound> {
        self.best.as_ref()
    }

    /// The best candidate, consuming the selector.
    pub fn into_best(self) -> Option<BestRound> {
        self.best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(site: usize, rows: u64, score: f64) -> SiteScore {
        SiteScore { site, rows, score }
    }

    fn candidate(v: f32) -> Vec<NamedTensor> {
        vec![NamedTensor {
            name: "generator.out.bias".into(),
            shape: vec![1],
            data: vec![v],
        }]
    }

    #[test]
    fn scores_are_combined_by_rows_and_bad_ones_ignored() {
        let c = combined_score(&[s(0, 100, 0.9), s(1, 300, 0.5)]).unwrap();
        assert!((c - 0.6).abs() < 1e-12, "{c}");
        // NaN, out-of-range and zero-row scores do not count.
        let c = combined_score(&[
            s(0, 100, 0.9),
            s(1, 300, f64::NAN),
            s(2, 300, 7.0),
            s(3, 0, 0.1),
        ])
        .unwrap();
        assert!((c - 0.9).abs() < 1e-12, "{c}");
        assert_eq!(combined_score(&[]), None);
        assert_eq!(combined_score(&[s(0, 10, -1.0)]), None);
    }

    #[test]
    fn the_server_keeps_the_best_round_not_the_last() {
        let mut sel = Selector::default();
        let fake = [
            Some(0.70),
            Some(0.82),
            None,
            Some(0.79),
            Some(0.82),
            Some(0.60),
        ];
        let kept: Vec<bool> = fake
            .iter()
            .enumerate()
            .map(|(round, &score)| sel.offer(round, score, &candidate(round as f32)))
            .collect();
        assert_eq!(kept, [true, true, false, false, false, false]);
        let best = sel.into_best().unwrap();
        assert_eq!(best.round, 1, "ties keep the earlier round");
        assert_eq!(best.score, 0.82);
        assert_eq!(best.params, candidate(1.0));
    }

    #[test]
    fn nothing_scored_selects_nothing() {
        let mut sel = Selector::default();
        assert!(!sel.offer(0, None, &candidate(0.0)));
        assert!(!sel.offer(1, Some(f64::NAN), &candidate(1.0)));
        assert!(sel.best().is_none());
    }
}
