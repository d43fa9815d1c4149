//! `kyc sla report`: how the SLA is kept. Share of cases decided within the
//! target and the deadline, time to decision (p50, p90), and the open
//! backlog by age. Times are working times: pauses for the player excluded.

use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use kyc_core::{SlaClock, SlaPolicy};
use kyc_store::SlaRow;
use serde::Serialize;

use super::data::{init_logging, open_database, DataArgs};

#[derive(Debug, clap::Args)]
pub struct SlaArgs {
    #[command(subcommand)]
    command: SlaCommand,
}

#[derive(Debug, clap::Subcommand)]
enum SlaCommand {
    /// Print the SLA report.
    Report {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Debug, Serialize, PartialEq)]
pub struct SlaReport {
    pub decided: usize,
    pub within_target: f64,
    pub within_deadline: f64,
    pub p50_hours: Option<f64>,
    pub p90_hours: Option<f64>,
    /// Open cases whose clock runs, by working age.
    pub backlog: Vec<(String, usize)>,
}

/// Working time from start to `at`, without the pauses.
fn working(sla: &SlaClock, at: DateTime<Utc>) -> Option<Duration> {
    let start = sla.started_at?;
    let ongoing = sla
        .paused_since
        .map(|p| (at - p).max(Duration::zero()))
        .unwrap_or_else(Duration::zero);
    Some(at - start - Duration::seconds(sla.paused_total_secs) - ongoing)
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

pub fn report(rows: &[SlaRow], policy: &SlaPolicy, now: DateTime<Utc>) -> SlaReport {
    let mut times: Vec<f64> = rows
        .iter()
        .filter_map(|r| working(&r.sla, r.decided_at?))
        .map(|d| d.num_seconds() as f64 / 3600.0)
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    let share = |limit: Duration| {
        if times.is_empty() {
            0.0
        } else {
            let hours = limit.num_seconds() as f64 / 3600.0;
            times.iter().filter(|t| **t <= hours).count() as f64 / times.len() as f64
        }
    };
    let buckets = [(0, 12), (12, 24), (24, 48), (48, 72), (72, i64::MAX)];
    let mut backlog: Vec<(String, usize)> = buckets
        .iter()
        .map(|(lo, hi)| {
            let label = if *hi == i64::MAX {
                format!("{lo}h+")
            } else {
                format!("{lo}-{hi}h")
            };
            (label, 0)
        })
        .collect();
    for row in rows.iter().filter(|r| !r.status.is_final()) {
        if let Some(age) = working(&row.sla, now) {
            let h = age.num_hours();
            if let Some(i) = buckets.iter().position(|(lo, hi)| h >= *lo && h < *hi) {
                backlog[i].1 += 1;
            }
        }
    }
    SlaReport {
        decided: times.len(),
        within_target: share(policy.target),
        within_deadline: share(policy.deadline),
        p50_hours: percentile(&times, 0.5),
        p90_hours: percentile(&times, 0.9),
        backlog,
    }
}

pub fn run(args: SlaArgs) -> anyhow::Result<ExitCode> {
    let SlaCommand::Report { json, data } = args.command;
    let settings = data.settings()?;
    init_logging(&settings.log_format);
    let policy = settings.sla_policy();
    tokio::runtime::Runtime::new()?.block_on(async move {
        let db = open_database(&settings).await?;
        let rows = db.sla_rows().await?;
        db.close().await;
        let r = report(&rows, &policy, Utc::now());
        if json {
            println!("{}", serde_json::to_string_pretty(&r)?);
        } else {
            let hours = |h: Option<f64>| h.map_or("-".to_owned(), |h| format!("{h:.1} h"));
            println!("decided cases:            {}", r.decided);
            println!(
                "decided within {} h:      {:.1}%",
                policy.target.num_hours(),
                r.within_target * 100.0
            );
            println!(
                "decided within {} h:      {:.1}%",
                policy.deadline.num_hours(),
                r.within_deadline * 100.0
            );
            println!("time to decision p50:     {}", hours(r.p50_hours));
            println!("time to decision p90:     {}", hours(r.p90_hours));
            println!("open backlog by age:");
            for (label, n) in &r.backlog {
                println!("  {label:>8}  {n}");
            }
        }
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyc_core::CaseStatus;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::hours(h)
    }

    fn decided(start: i64, paused_h: i64, at: i64) -> SlaRow {
        SlaRow {
            status: CaseStatus::Approved,
            sla: SlaClock {
                started_at: Some(t(start)),
                paused_since: None,
                paused_total_secs: paused_h * 3600,
            },
            decided_at: Some(t(at)),
        }
    }

    #[test]
    fn shares_percentiles_and_backlog_exclude_pauses() {
        let open = SlaRow {
            status: CaseStatus::InReview,
            sla: SlaClock {
                started_at: Some(t(0)),
                ..SlaClock::default()
            },
            decided_at: None,
        };
        // 10 h, 30 h (40 h with 10 h paused), 80 h.
        let rows = vec![
            decided(0, 0, 10),
            decided(0, 10, 40),
            decided(0, 0, 80),
            open,
        ];
        let r = report(&rows, &SlaPolicy::default(), t(30));
        assert_eq!(r.decided, 3);
        assert!((r.within_target - 1.0 / 3.0).abs() < 1e-9);
        assert!((r.within_deadline - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(r.p50_hours, Some(30.0));
        assert_eq!(r.p90_hours, Some(80.0));
        assert_eq!(r.backlog[2], ("24-48h".to_owned(), 1));
        assert_eq!(r.backlog.iter().map(|b| b.1).sum::<usize>(), 1);
    }
}
