//! The round driver: send the global parameters to every site, let them
//! train on their own threads, collect what comes back before a deadline,
//! aggregate, and record what happened.
//!
//! Why threads and a deadline: in a real federation one hospital's server
//! may be slow, crash or hang, and the others must not wait for it. A site
//! that misses the deadline is left out of the round (its thread cannot be
//! killed, so it keeps its site object; when it finishes, the site rejoins
//! at the next round and its late result is discarded). A site whose
//! `train_round` returns an error is left out of the round and asked again
//! next time; a site that panics is dropped for good, since its state may be
//! half-updated.
//!
//! Determinism: updates are aggregated in site order, never arrival order,
//! so a run with the same seeds and the same participating sites gives the
//! same parameters however threads were scheduled.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

use medsynth_nn::NamedTensor;
use serde::{Deserialize, Serialize};

use crate::aggregate::{AggregationRules, Rejected, fedavg};
use crate::error::{FederatedError, Result};
use crate::update::{SiteMetrics, SiteScore, SiteUpdate};

/// One participant. In the simulation a site wraps a local trainer over its
/// slice of the table; in a deployment it would wrap a remote call.
pub trait Site: Send {
    /// Trains locally starting from `global` and returns the site's new
    /// parameters with the number of rows used. `round` starts at 0.
    fn train_round(&mut self, global: &[NamedTensor], round: usize) -> Result<SiteUpdate>;

    /// Scores `generator`, the release candidate after `round`, on the
    /// site's own rows for the server's snapshot selection
    /// ([`crate::select`]). `None` = the site does not score (the default;
    /// and always under DP, where the score would leak real rows outside
    /// the DP guarantee).
    fn score(&mut self, _generator: &[NamedTensor], _round: usize) -> Result<Option<SiteScore>> {
        Ok(None)
    }
}

/// Scheduling limits of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundConfig {
    /// Wall-clock limit for the whole round; sites not done by then are left
    /// out of it.
    pub timeout: Duration,
    /// How many sites train at once. In-process simulation on a laptop wants
    /// 1–2 (each trainer already uses both cores through the GEMM pool);
    /// sites that have not started when the deadline passes are skipped.
    pub max_concurrent: usize,
}

impl Default for RoundConfig {
    fn default() -> Self {
        RoundConfig {
            timeout: Duration::from_secs(3600),
            max_concurrent: 2,
        }
    }
}

/// What happened to one site in one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum SiteStatus {
    /// Returned an update (it may still be rejected by aggregation).
    Returned { seconds: f64 },
    /// `train_round` returned an error; the site is asked again next round.
    Failed { message: String },
    /// Started but not done by the deadline; it rejoins once it finishes.
    TimedOut,
    /// Never started: the deadline passed while it waited for a free slot.
    NotStarted,
    /// Still busy with an earlier round it missed the deadline of.
    Busy,
    /// Panicked (now or earlier) and has been dropped from the federation.
    Crashed { message: String },
}

/// One site's line in a round record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteReport {
    pub site: usize,
    #[serde(flatten)]
    pub status: SiteStatus,
    /// Rows the site reported, when it returned.
    pub rows: Option<u64>,
    /// Metrics the site reported, when it returned.
    pub metrics: Option<SiteMetrics>,
}

/// Everything worth knowing about one round, serialisable to JSON lines for
/// the run's log and the evaluation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    pub round: usize,
    pub seconds: f64,
    pub sites: Vec<SiteReport>,
    /// Sites whose updates were averaged.
    pub accepted: Vec<usize>,
    /// Updates refused by validation, with reasons.
    pub rejected: Vec<Rejected>,
    /// True when nothing was accepted and the global parameters did not change.
    pub kept_previous: bool,
    /// Rows behind the new global parameters.
    pub rows: u64,
    /// Row-weighted mean of the accepted sites' reported losses, if all reported one.
    pub mean_loss: Option<f64>,
    /// Sites' selection scores of the release candidate after this round
    /// (empty without selection or under DP).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<SiteScore>,
    /// Their row-weighted mean (what the server selects by).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_score: Option<f64>,
    /// Sites that failed to score, with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub score_problems: Vec<String>,
}

impl RoundRecord {
    /// One line per problem (rejections, failures, timeouts), for the CLI's
    /// log; empty when the round was clean.
    pub fn problems(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .sites
            .iter()
            .filter_map(|s| match &s.status {
                SiteStatus::Returned { .. } => None,
                SiteStatus::Failed { message } => {
                    Some(format!("site {} failed: {message}", s.site))
                }
                SiteStatus::TimedOut => Some(format!("site {} timed out", s.site)),
                SiteStatus::NotStarted => {
                    Some(format!("site {} not started before the deadline", s.site))
                }
                SiteStatus::Busy => {
                    Some(format!("site {} still busy with an earlier round", s.site))
                }
                SiteStatus::Crashed { message } => {
                    Some(format!("site {} crashed: {message}", s.site))
                }
            })
            .collect();
        out.extend(self.rejected.iter().map(ToString::to_string));
        out.extend(self.score_problems.iter().cloned());
        if self.kept_previous {
            out.push(format!(
                "round {}: no update accepted, global parameters unchanged",
                self.round
            ));
        }
        out
    }
}

enum Slot {
    Idle(Box<dyn Site>),
    Busy,
    Gone(String),
}

struct Done {
    index: usize,
    round: usize,
    /// `None` when the site panicked.
    site: Option<Box<dyn Site>>,
    result: std::result::Result<Result<SiteUpdate>, String>,
    seconds: f64,
}

/// Runs rounds over a fixed set of sites.
pub struct RoundDriver {
    slots: Vec<Slot>,
    config: RoundConfig,
    tx: Sender<Done>,
    rx: Receiver<Done>,
}

impl RoundDriver {
    /// A driver over `sites`; site `i` of the list is site index `i` in
    /// every update and record.
    pub fn new(sites: Vec<Box<dyn Site>>, config: RoundConfig) -> Result<Self> {
        if sites.is_empty() {
            return Err(FederatedError::NoSites);
        }
        if config.max_concurrent == 0 {
            return Err(FederatedError::InvalidParameter {
                name: "max_concurrent",
                value: 0.0,
                expected: "at least 1",
            });
        }
        let (tx, rx) = mpsc::channel();
        Ok(RoundDriver {
            slots: sites.into_iter().map(Slot::Idle).collect(),
            config,
            tx,
            rx,
        })
    }

    /// Number of sites, including dropped ones.
    pub fn sites(&self) -> usize {
        self.slots.len()
    }

    /// Puts a finished site back; a late result is discarded.
    fn reinstate(&mut self, done: Done) {
        self.slots[done.index] = match (done.site, done.result) {
            (Some(site), _) => Slot::Idle(site),
            (None, Err(msg)) => Slot::Gone(msg),
            (None, Ok(_)) => Slot::Gone("site lost".into()),
        };
    }

    fn spawn(&mut self, index: usize, global: &Arc<Vec<NamedTensor>>, round: usize) {
        let slot = std::mem::replace(&mut self.slots[index], Slot::Busy);
        let Slot::Idle(mut site) = slot else {
            self.slots[index] = slot;
            return;
        };
        let tx = self.tx.clone();
        let global = Arc::clone(global);
        thread::spawn(move || {
            let start = Instant::now();
            let result = catch_unwind(AssertUnwindSafe(|| site.train_round(&global, round)));
            let seconds = start.elapsed().as_secs_f64();
            let done = match result {
                Ok(r) => Done {
                    index,
                    round,
                    site: Some(site),
                    result: Ok(r),
                    seconds,
                },
                Err(payload) => {
                    let msg = panic_message(payload.as_ref());
                    Done {
                        index,
                        round,
                        site: None,
                        result: Err(msg),
                        seconds,
                    }
                }
            };
            // The driver may be gone (run ended): then nobody wants the result.
            let _ = tx.send(done);
        });
    }

    /// Runs one round of local training and returns the updates that came
    /// back in time (sorted by site) and a report per site.
    pub fn collect(
        &mut self,
        global: &[NamedTensor],
        round: usize,
    ) -> (Vec<SiteUpdate>, Vec<SiteReport>) {
        let start = Instant::now();
        let deadline = start + self.config.timeout;
        // Late finishers from earlier rounds rejoin now.
        while let Ok(done) = self.rx.try_recv() {
            self.reinstate(done);
        }
        let n = self.slots.len();
        let mut reports: Vec<Option<SiteReport>> = vec![None; n];
        let mut queue: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
        for (i, slot) in self.slots.iter().enumerate() {
            match slot {
                Slot::Idle(_) => queue.push_back(i),
                Slot::Busy => reports[i] = Some(report(i, SiteStatus::Busy)),
                Slot::Gone(message) => {
                    reports[i] = Some(report(
                        i,
                        SiteStatus::Crashed {
                            message: message.clone(),
                        },
                    ))
                }
            }
        }
        let shared = Arc::new(global.to_vec());
        let mut running = 0;
        let mut updates = Vec::new();
        let mut started = vec![false; n];
        loop {
            while running < self.config.max_concurrent
                && Instant::now() < deadline
                && let Some(i) = queue.pop_front()
            {
                self.spawn(i, &shared, round);
                started[i] = true;
                running += 1;
            }
            if running == 0 {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            match self.rx.recv_timeout(deadline - now) {
                Ok(done) => {
                    if done.round != round {
                        self.reinstate(done);
                        continue;
                    }
                    running -= 1;
                    let i = done.index;
                    let seconds = done.seconds;
                    let status = match &done.result {
                        Ok(Ok(_)) => SiteStatus::Returned { seconds },
                        Ok(Err(e)) => SiteStatus::Failed {
                            message: e.to_string(),
                        },
                        Err(msg) => SiteStatus::Crashed {
                            message: msg.clone(),
                        },
                    };
                    let mut rep = report(i, status);
                    let Done { site, result, .. } = done;
                    self.slots[i] = match (site, &result) {
                        (Some(s), _) => Slot::Idle(s),
                        (None, Err(msg)) => Slot::Gone(msg.clone()),
                        (None, Ok(_)) => Slot::Gone("site lost".into()),
                    };
                    if let Ok(Ok(mut u)) = result {
                        u.site = i;
                        rep.rows = Some(u.rows);
                        rep.metrics = Some(u.metrics.clone());
                        updates.push(u);
                    }
                    reports[i] = Some(rep);
                }
                Err(RecvTimeoutError::Timeout) => break,
                // Unreachable while `self.tx` lives; treat as "nothing more".
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        let reports = reports
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.unwrap_or_else(|| {
                    report(
                        i,
                        if started[i] {
                            SiteStatus::TimedOut
                        } else {
                            SiteStatus::NotStarted
                        },
                    )
                })
            })
            .collect();
        updates.sort_by_key(|u| u.site);
        (updates, reports)
    }

    /// One full round: collect, validate, FedAvg. Returns the new global
    /// parameters (the old ones if nothing was accepted) and the record.
    pub fn run_round(
        &mut self,
        global: &[NamedTensor],
        round: usize,
        rules: &AggregationRules,
    ) -> Result<(Vec<NamedTensor>, RoundRecord)> {
        let start = Instant::now();
        let (updates, sites) = self.collect(global, round);
        let agg = fedavg(global, &updates, rules)?;
        let losses: Option<Vec<(f64, f64)>> = agg
            .accepted
            .iter()
            .map(|&s| {
                updates
                    .iter()
                    .find(|u| u.site == s)
                    .and_then(|u| u.metrics.loss.map(|l| (l, u.rows as f64)))
            })
            .collect();
        let mean_loss = losses.filter(|l| !l.is_empty()).map(|l| {
            let w: f64 = l.iter().map(|x| x.1).sum();
            l.iter().map(|(loss, rows)| loss * rows).sum::<f64>() / w
        });
        let record = RoundRecord {
            round,
            seconds: start.elapsed().as_secs_f64(),
            sites,
            accepted: agg.accepted,
            rejected: agg.rejected,
            kept_previous: agg.kept_previous,
            rows: agg.rows,
            mean_loss,
            scores: Vec::new(),
            selection_score: None,
            score_problems: Vec::new(),
        };
        Ok((agg.params, record))
    }
}

impl RoundDriver {
    /// Asks every idle site to score the release candidate `generator`
    /// after `round`. Runs on the caller's thread, one site after the other:
    /// scoring is a generate-and-count (milliseconds to a second), far
    /// cheaper than a round, so no deadline applies. A site still busy with
    /// a round it missed is skipped. Returns the scores in site order and
    /// one line per site that failed (an error, or a panic, which drops the
    /// site as in a round).
    pub fn score(
        &mut self,
        generator: &[NamedTensor],
        round: usize,
    ) -> (Vec<SiteScore>, Vec<String>) {
        while let Ok(done) = self.rx.try_recv() {
            self.reinstate(done);
        }
        let mut scores = Vec::new();
        let mut problems = Vec::new();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            let Slot::Idle(site) = slot else { continue };
            match catch_unwind(AssertUnwindSafe(|| site.score(generator, round))) {
                Ok(Ok(Some(mut s))) => {
                    s.site = i;
                    scores.push(s);
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => problems.push(format!("site {i} could not score round {round}: {e}")),
                Err(payload) => {
                    let msg = panic_message(payload.as_ref());
                    problems.push(format!("site {i} crashed while scoring: {msg}"));
                    *slot = Slot::Gone(msg);
                }
            }
        }
        (scores, problems)
    }
}

/// The text of a caught panic (what `panic!` was given, when it was a string).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

fn report(site: usize, status: SiteStatus) -> SiteReport {
    SiteReport {
        site,
        status,
        rows: None,
        metrics: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moves every parameter to `target` and reports `rows`.
    struct Fixed {
        target: f32,
        rows: u64,
        sleep: Duration,
    }

    impl Site for Fixed {
        fn train_round(&mut self, global: &[NamedTensor], _round: usize) -> Result<SiteUpdate> {
            thread::sleep(self.sleep);
            Ok(SiteUpdate {
                site: 999, // overwritten by the driver
                rows: self.rows,
                params: global
                    .iter()
                    .map(|t| NamedTensor {
                        data: vec![self.target; t.data.len()],
                        ..t.clone()
                    })
                    .collect(),
                metrics: SiteMetrics {
                    loss: Some(f64::from(self.target)),
                    ledger: None,
                },
            })
        }
    }

    struct Failing;
    impl Site for Failing {
        fn train_round(&mut self, _: &[NamedTensor], round: usize) -> Result<SiteUpdate> {
            Err(FederatedError::SiteFailed(format!(
                "disk full in round {round}"
            )))
        }
    }

    struct Panicking;
    impl Site for Panicking {
        fn train_round(&mut self, _: &[NamedTensor], _: usize) -> Result<SiteUpdate> {
            // `resume_unwind` skips the panic hook: with RUST_BACKTRACE set,
            // the hook's backtrace symbolisation alone can outlast the
            // test's deadline. The unwinding is the same as a `panic!`.
            std::panic::resume_unwind(Box::new("boom"))
        }
    }

    fn fixed(target: f32, rows: u64, ms: u64) -> Box<dyn Site> {
        Box::new(Fixed {
            target,
            rows,
            sleep: Duration::from_millis(ms),
        })
    }

    fn global() -> Vec<NamedTensor> {
        vec![NamedTensor {
            name: "generator.w".into(),
            shape: vec![2],
            data: vec![0.0, 0.0],
        }]
    }

    #[test]
    fn round_averages_by_rows_and_records_sites() {
        let mut d = RoundDriver::new(
            vec![fixed(1.0, 1, 0), fixed(4.0, 2, 0)],
            RoundConfig::default(),
        )
        .unwrap();
        let (p, rec) = d
            .run_round(&global(), 0, &AggregationRules::default())
            .unwrap();
        assert_eq!(p[0].data, vec![3.0, 3.0]);
        assert_eq!(rec.accepted, vec![0, 1]);
        assert_eq!(rec.rows, 3);
        assert_eq!(rec.mean_loss, Some(3.0));
        assert!(rec.problems().is_empty(), "{:?}", rec.problems());
        assert_eq!(rec.sites[1].rows, Some(2));
    }

    #[test]
    fn slow_failing_and_crashing_sites_do_not_stall_the_round() {
        let cfg = RoundConfig {
            timeout: Duration::from_millis(500),
            max_concurrent: 4,
        };
        let sites = vec![
            fixed(2.0, 5, 0),
            fixed(100.0, 5, 3_000),
            Box::new(Failing) as Box<dyn Site>,
            Box::new(Panicking) as Box<dyn Site>,
        ];
        let mut d = RoundDriver::new(sites, cfg).unwrap();
        let start = Instant::now();
        let (p, rec) = d
            .run_round(&global(), 0, &AggregationRules::default())
            .unwrap();
        assert!(
            start.elapsed() < Duration::from_millis(2_500),
            "round stalled: {:?}",
            start.elapsed()
        );
        assert_eq!(p[0].data, vec![2.0, 2.0]);
        assert_eq!(rec.accepted, vec![0]);
        assert!(matches!(rec.sites[1].status, SiteStatus::TimedOut));
        assert!(
            matches!(&rec.sites[2].status, SiteStatus::Failed { message } if message.contains("disk full"))
        );
        assert!(
            matches!(&rec.sites[3].status, SiteStatus::Crashed { message } if message == "boom"),
            "{:?}",
            rec.sites[3]
        );
        assert_eq!(rec.problems().len(), 3);

        // Next round: the slow site is still busy, the failing one is asked
        // again, the crashed one stays gone.
        let (_, rec) = d.run_round(&p, 1, &AggregationRules::default()).unwrap();
        assert!(matches!(rec.sites[1].status, SiteStatus::Busy));
        assert!(
            matches!(&rec.sites[2].status, SiteStatus::Failed { message } if message.contains("round 1"))
        );
        assert!(matches!(rec.sites[3].status, SiteStatus::Crashed { .. }));
    }

    #[test]
    fn a_real_panic_message_is_recorded() {
        struct Formatted;
        impl Site for Formatted {
            fn train_round(&mut self, _: &[NamedTensor], round: usize) -> Result<SiteUpdate> {
                panic!("diverged in round {round}")
            }
        }
        // No deadline pressure: the panic hook may take its time.
        let mut d = RoundDriver::new(vec![Box::new(Formatted)], RoundConfig::default()).unwrap();
        let (_, rec) = d
            .run_round(&global(), 4, &AggregationRules::default())
            .unwrap();
        assert!(
            matches!(&rec.sites[0].status, SiteStatus::Crashed { message } if message == "diverged in round 4"),
            "{:?}",
            rec.sites[0]
        );
        assert!(rec.kept_previous);
    }

    #[test]
    fn late_site_rejoins_and_its_stale_result_is_discarded() {
        let cfg = RoundConfig {
            timeout: Duration::from_millis(300),
            max_concurrent: 2,
        };
        let mut d = RoundDriver::new(vec![fixed(1.0, 1, 0), fixed(50.0, 1, 600)], cfg).unwrap();
        let (p, rec) = d
            .run_round(&global(), 0, &AggregationRules::default())
            .unwrap();
        assert_eq!(rec.accepted, vec![0]);
        assert_eq!(p[0].data, vec![1.0, 1.0]);
        thread::sleep(Duration::from_millis(1_000));
        // Generous timeout now: site 1 is back and takes part.
        d.config.timeout = Duration::from_secs(5);
        let (p, rec) = d.run_round(&p, 1, &AggregationRules::default()).unwrap();
        assert_eq!(rec.accepted, vec![0, 1]);
        assert_eq!(p[0].data, vec![25.5, 25.5]);
    }

    #[test]
    fn sites_waiting_for_a_slot_past_the_deadline_are_not_started() {
        let cfg = RoundConfig {
            timeout: Duration::from_millis(100),
            max_concurrent: 1,
        };
        let mut d = RoundDriver::new(vec![fixed(1.0, 1, 400), fixed(2.0, 1, 0)], cfg).unwrap();
        let (p, rec) = d
            .run_round(&global(), 0, &AggregationRules::default())
            .unwrap();
        assert!(rec.kept_previous);
        assert_eq!(p, global());
        assert!(matches!(rec.sites[0].status, SiteStatus::TimedOut));
        assert!(matches!(rec.sites[1].status, SiteStatus::NotStarted));
        assert!(rec.problems().iter().any(|l| l.contains("unchanged")));
    }

    #[test]
    fn driver_rejects_empty_federations_and_zero_concurrency() {
        assert!(matches!(
            RoundDriver::new(vec![], RoundConfig::default()),
            Err(FederatedError::NoSites)
        ));
        let cfg = RoundConfig {
            max_concurrent: 0,
            ..RoundConfig::default()
        };
        assert!(RoundDriver::new(vec![fixed(1.0, 1, 0)], cfg).is_err());
    }

    #[test]
    fn round_record_serialises_to_json() {
        let mut d = RoundDriver::new(
            vec![fixed(1.0, 1, 0), Box::new(Failing)],
            RoundConfig::default(),
        )
        .unwrap();
        let (_, rec) = d
            .run_round(&global(), 0, &AggregationRules::default())
            .unwrap();
        let json = serde_json::to_string(&rec).unwrap();
        assert!(json.contains("\"status\":\"failed\""), "{json}");
        let back: RoundRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, rec);
    }

    /// Scores `value` (or fails / panics) and trains like `Fixed`.
    struct Scorer(Option<f64>, bool);

    impl Site for Scorer {
        fn train_round(&mut self, global: &[NamedTensor], _round: usize) -> Result<SiteUpdate> {
            fixed(0.0, 1, 0).train_round(global, 0)
        }

        fn score(&mut self, _: &[NamedTensor], round: usize) -> Result<Option<SiteScore>> {
            if self.1 {
                panic!("scoring blew up in round {round}");
            }
            match self.0 {
                Some(score) => Ok(Some(SiteScore {
                    site: 77, // overwritten by the driver
                    rows: 10,
                    score,
                })),
                None => Err(FederatedError::SiteFailed("no rows left".into())),
            }
        }
    }

    #[test]
    fn scoring_collects_site_scores_in_order_and_reports_failures() {
        let mut d = RoundDriver::new(
            vec![
                Box::new(Scorer(Some(0.8), false)),
                fixed(1.0, 1, 0), // does not score (the default, as under DP)
                Box::new(Scorer(None, false)),
                Box::new(Scorer(Some(0.5), true)),
                Box::new(Scorer(Some(0.6), false)),
            ],
            RoundConfig::default(),
        )
        .unwrap();
        let (scores, problems) = d.score(&global(), 3);
        assert_eq!(
            scores.iter().map(|s| (s.site, s.score)).collect::<Vec<_>>(),
            vec![(0, 0.8), (4, 0.6)]
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("site 2") && problems[0].contains("no rows left"));
        assert!(problems[1].contains("site 3") && problems[1].contains("blew up in round 3"));
        // The site that panicked is gone for the next round.
        let (_, rec) = d
            .run_round(&global(), 4, &AggregationRules::default())
            .unwrap();
        assert!(matches!(rec.sites[3].status, SiteStatus::Crashed { .. }));
        assert_eq!(rec.accepted, vec![0, 1, 2, 4]);
    }
}
