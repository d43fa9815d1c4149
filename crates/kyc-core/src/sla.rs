//! The verification SLA: a target (24 h) and a deadline (72 h) counted from
//! the moment every required document is in, paused while the case waits
//! for the player.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The configured promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlaPolicy {
    pub target: Duration,
    pub deadline: Duration,
    /// A case with this much time or less left before its deadline is at risk.
    pub at_risk_window: Duration,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        Self {
            target: Duration::hours(24),
            deadline: Duration::hours(72),
            at_risk_window: Duration::hours(12),
        }
    }
}

/// The clock of one case, as stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaClock {
    /// When every required document was first in; `None` until then.
    pub started_at: Option<DateTime<Utc>>,
    /// Set while the case waits for the player.
    pub paused_since: Option<DateTime<Utc>>,
    /// Time spent paused before `paused_since`.
    pub paused_total_secs: i64,
}

/// How a case stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaStanding {
    /// The clock has not started: documents are missing.
    NotStarted,
    OnTrack,
    AtRisk,
    Breached,
}

impl SlaStanding {
    pub fn as_str(self) -> &'static str {
        match self {
            SlaStanding::NotStarted => "not_started",
            SlaStanding::OnTrack => "on_track",
            SlaStanding::AtRisk => "at_risk",
            SlaStanding::Breached => "breached",
        }
    }
}

impl SlaClock {
    /// Starts the clock, once; later calls keep the first start.
    pub fn start(&mut self, now: DateTime<Utc>) {
        self.started_at.get_or_insert(now);
    }

    pub fn pause(&mut self, now: DateTime<Utc>) {
        if self.started_at.is_some() && self.paused_since.is_none() {
            self.paused_since = Some(now);
        }
    }

    pub fn resume(&mut self, now: DateTime<Utc>) {
        if let Some(since) = self.paused_since.take() {
            self.paused_total_secs += (now - since).num_seconds().max(0);
        }
    }

    /// Paused time up to `now`, counting a pause still under way.
    fn paused(&self, now: DateTime<Utc>) -> Duration {
        let ongoing = self
            .paused_since
            .map(|since| (now - since).max(Duration::zero()))
            .unwrap_or_else(Duration::zero);
        Duration::seconds(self.paused_total_secs) + ongoing
    }
}

impl SlaPolicy {
    /// When the case should be decided by, given the pauses so far.
    pub fn target_at(&self, clock: &SlaClock, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        clock
            .started_at
            .map(|start| start + self.target + clock.paused(now))
    }

    /// When the case must be decided by.
    pub fn due_at(&self, clock: &SlaClock, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        clock
            .started_at
            .map(|start| start + self.deadline + clock.paused(now))
    }

    /// Time left before the deadline (negative once breached).
    pub fn time_left(&self, clock: &SlaClock, now: DateTime<Utc>) -> Option<Duration> {
        self.due_at(clock, now).map(|due| due - now)
    }

    pub fn standing(&self, clock: &SlaClock, now: DateTime<Utc>) -> SlaStanding {
        match self.time_left(clock, now) {
            None => SlaStanding::NotStarted,
            Some(left) if left <= Duration::zero() => SlaStanding::Breached,
            Some(left) if left <= self.at_risk_window => SlaStanding::AtRisk,
            Some(_) => SlaStanding::OnTrack,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(hours: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(hours)
    }

    #[test]
    fn clock_counts_from_start_and_pauses_for_the_player() {
        let policy = SlaPolicy::default();
        let mut clock = SlaClock::default();
        assert_eq!(policy.standing(&clock, t(0)), SlaStanding::NotStarted);
        assert_eq!(policy.due_at(&clock, t(0)), None);

        clock.start(t(0));
        assert_eq!(policy.target_at(&clock, t(1)), Some(t(24)));
        assert_eq!(policy.due_at(&clock, t(1)), Some(t(72)));
        assert_eq!(policy.standing(&clock, t(59)), SlaStanding::OnTrack);
        assert_eq!(policy.standing(&clock, t(60)), SlaStanding::AtRisk);

        clock.pause(t(10));
        // While paused the deadline moves with the clock: time left is frozen.
        assert_eq!(policy.time_left(&clock, t(30)), Some(Duration::hours(62)));
        clock.resume(t(30));
        assert_eq!(policy.due_at(&clock, t(30)), Some(t(92)));
        assert_eq!(policy.standing(&clock, t(92)), SlaStanding::Breached);
    }

    #[test]
    fn a_second_start_keeps_the_first() {
        let mut clock = SlaClock::default();
        clock.start(t(0));
        clock.start(t(5));
        assert_eq!(clock.started_at, Some(t(0)));
    }

    proptest! {
        /// Whatever the pauses, the deadline never comes before start + 72 h
        /// and time left never grows while the clock runs.
        #[test]
        fn deadline_never_shrinks(pauses in proptest::collection::vec((0i64..50, 0i64..50), 0..6)) {
            let policy = SlaPolicy::default();
            let mut clock = SlaClock::default();
            clock.start(t(0));
            let mut now = t(0);
            for (run, pause) in pauses {
                let before = policy.time_left(&clock, now).unwrap();
                now += Duration::hours(run);
                let after = policy.time_left(&clock, now).unwrap();
                prop_assert!(after <= before);
                clock.pause(now);
                now += Duration::hours(pause);
                prop_assert_eq!(policy.time_left(&clock, now).unwrap(), after);
                clock.resume(now);
                prop_assert!(policy.due_at(&clock, now).unwrap() >= t(72));
            }
        }
    }
}
