//! Turns outcomes into scores: per-check confusion counts, corner IoU, the
//! reader's fields, and time per image.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use kyc_checker::Corners;
use kyc_core::ReasonCode;
use serde::Serialize;
use serde_json::Value;

use super::{Outcome, Record, Variant};

/// Counts for one binary question.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Confusion {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
    pub tn: u32,
}

impl Confusion {
    fn add(&mut self, truth: bool, predicted: bool) {
        match (truth, predicted) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }
    fn ratio(a: u32, b: u32) -> Option<f64> {
        (b > 0).then(|| f64::from(a) / f64::from(b))
    }
    pub fn precision(&self) -> Option<f64> {
        Self::ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> Option<f64> {
        Self::ratio(self.tp, self.tp + self.fn_)
    }
    pub fn false_alarm(&self) -> Option<f64> {
        Self::ratio(self.fp, self.fp + self.tn)
    }
    pub fn accuracy(&self) -> Option<f64> {
        Self::ratio(self.tp + self.tn, self.tp + self.fp + self.fn_ + self.tn)
    }
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub images: usize,
    pub runs: usize,
    /// Labelled checks on the originals (is_blurry, corners in frame...).
    pub checks: BTreeMap<String, Confusion>,
    /// Share of originals flagged with each code (originals are presumed
    /// fine unless a label says otherwise, so these are false alarms).
    pub flagged_on_originals: BTreeMap<String, f64>,
    /// Recall of the expected code on each kind of degraded copy.
    pub synthetic_recall: BTreeMap<String, f64>,
    pub synthetic_runs: BTreeMap<String, usize>,
    pub corner_iou_mean: Option<f64>,
    pub corners_found: Option<f64>,
    pub issue_date_exact: Option<f64>,
    pub three_month_verdict_accuracy: Option<f64>,
    pub card_last4_accuracy: Option<f64>,
    pub card_masked_accuracy: Option<f64>,
    pub mrz_all_valid_rate: Option<f64>,
    pub ms_per_image_mean: f64,
    pub ms_per_image_p95: u64,
    pub wall_seconds: f64,
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn bool_of(v: &Value, key: &str) -> Option<bool> {
    v.get(key).and_then(Value::as_bool)
}

/// Whether all four corners are in the frame, `None` when unlabelled or
/// borderline. With `corner_margins_px` (how far inside the frame each
/// corner lies), the datasets' own rule applies: 10+ px inside is visible,
/// 15+ px outside is cut off, and a corner in between is too close to call
/// either way, so the image is left out of the edges score.
fn edges_truth(truth: &Value) -> Option<bool> {
    let labelled = bool_of(truth, "all_corners_in_frame")?;
    let Some(margins) = truth.get("corner_margins_px").and_then(Value::as_array) else {
        return Some(labelled);
    };
    let closest = margins
        .iter()
        .filter_map(Value::as_f64)
        .fold(f64::INFINITY, f64::min);
    if closest >= 10.0 {
        Some(true)
    } else if closest <= -15.0 {
        Some(false)
    } else {
        None
    }
}

pub fn summarise(records: &[Record], outcomes: &[Outcome], wall: f64) -> Summary {
    let mut s = Summary {
        images: records.len(),
        runs: outcomes.len(),
        wall_seconds: wall,
        ..Summary::default()
    };
    let (mut ious, mut found) = (Vec::new(), Vec::new());
    let (mut dates, mut verdicts, mut last4, mut masked, mut mrz) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut flagged: BTreeMap<String, u32> = BTreeMap::new();
    let mut originals = 0u32;
    let mut synth: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut ms: Vec<u64> = outcomes.iter().map(|o| o.report.elapsed_ms).collect();
    for o in outcomes {
        let truth = &records[o.record].truth;
        let r = &o.report;
        if let Variant::Degraded(code, _) = o.variant {
            let label = format!("{code} ({})", degradation_name(o.variant));
            let e = synth.entry(label).or_default();
            e.0 += 1;
            e.1 += usize::from(r.reasons.iter().any(|x| x.code.as_str() == code));
            continue;
        }
        originals += 1;
        for reason in &r.reasons {
            *flagged.entry(reason.code.as_str().to_owned()).or_default() += 1;
        }
        if let Some(b) = bool_of(truth, "is_blurry") {
            s.checks
                .entry("blurry".into())
                .or_default()
                .add(b, r.has(ReasonCode::Blurry));
        }
        let visibility = truth.get("visibility_label").and_then(Value::as_str);
        if let Some(in_frame) = edges_truth(truth) {
            let cut = !in_frame || visibility.is_some_and(|v| v != "FULL_VISIBILITY");
            s.checks
                .entry("edges_not_visible".into())
                .or_default()
                .add(cut, r.has(ReasonCode::EdgesNotVisible));
            s.checks
                .entry("edges_not_visible_or_no_document".into())
                .or_default()
                .add(
                    cut,
                    r.has(ReasonCode::EdgesNotVisible) || r.has(ReasonCode::NoDocument),
                );
        }
        if let Some(q) = o.quad {
            found.push(f64::from(u8::from(r.document.corners.is_some())));
            if let Some(c) = r.document.corners {
                ious.push(quad_iou(&q, &c));
            }
        }
        if let Some(d) = truth
            .get("date_iso")
            .and_then(Value::as_str)
            .and_then(|d| d.parse::<NaiveDate>().ok())
        {
            dates.push(f64::from(u8::from(r.extracted.issue_date == Some(d))));
            let limit = o
                .as_of
                .checked_sub_months(Months::new(3))
                .unwrap_or(o.as_of);
            let too_old = d < limit;
            verdicts.push(f64::from(u8::from(
                r.has(ReasonCode::AddressDocumentTooOld) == too_old
                    && r.extracted.issue_date.is_some(),
            )));
        }
        if let Some(l4) = truth.get("last4").and_then(Value::as_str) {
            last4.push(f64::from(u8::from(
                r.extracted.card_last4.as_deref() == Some(l4),
            )));
            if let Some(only) = bool_of(truth, "only_last4_visible") {
                masked.push(f64::from(u8::from(
                    r.extracted.card_number_masked == Some(only),
                )));
            }
        }
        if truth
            .get("expected_mrz_valid_score")
            .and_then(Value::as_u64)
            == Some(100)
        {
            let ok = !r.has(ReasonCode::MrzInvalid) && r.extracted.extra.contains_key("mrz");
            mrz.push(f64::from(u8::from(ok)));
        }
    }
    let positives = |code: &str| -> u32 {
        // Originals labelled as having the defect are not false alarms.
        if code == "blurry" {
            s.checks.get("blurry").map_or(0, |c| c.tp + c.fn_)
        } else {
            0
        }
    };
    for (code, n) in &flagged {
        let base = originals.saturating_sub(positives(code));
        let n = if code == "blurry" {
            s.checks.get("blurry").map_or(*n, |c| c.fp)
        } else {
            *n
        };
        if base > 0 {
            s.flagged_on_originals
                .insert(code.clone(), f64::from(n) / f64::from(base));
        }
    }
    for (label, (n, hit)) in synth {
        s.synthetic_recall
            .insert(label.clone(), hit as f64 / n.max(1) as f64);
        s.synthetic_runs.insert(label, n);
    }
    s.corner_iou_mean = mean(&ious);
    s.corners_found = mean(&found);
    s.issue_date_exact = mean(&dates);
    s.three_month_verdict_accuracy = mean(&verdicts);
    s.card_last4_accuracy = mean(&last4);
    s.card_masked_accuracy = mean(&masked);
    s.mrz_all_valid_rate = mean(&mrz);
    ms.sort_unstable();
    s.ms_per_image_mean = ms.iter().sum::<u64>() as f64 / ms.len().max(1) as f64;
    s.ms_per_image_p95 = ms.get(ms.len() * 95 / 100).copied().unwrap_or(0);
    s
}

fn degradation_name(v: Variant) -> String {
    match v {
        Variant::Original => "original".into(),
        Variant::Degraded(_, d) => {
            let text = format!("{d:?}");
            text.split_whitespace().next().unwrap_or("").to_owned()
        }
    }
}

/// Intersection over union of two quads, by rasterising both on a grid
/// over their common bounding box (exact enough at 256 x 256 cells).
pub fn quad_iou(a: &Corners, b: &Corners) -> f64 {
    let xs = a.iter().chain(b).map(|p| p[0]);
    let ys = a.iter().chain(b).map(|p| p[1]);
    let (x0, x1) = (
        xs.clone().fold(f64::INFINITY, f64::min),
        xs.fold(f64::NEG_INFINITY, f64::max),
    );
    let (y0, y1) = (
        ys.clone().fold(f64::INFINITY, f64::min),
        ys.fold(f64::NEG_INFINITY, f64::max),
    );
    let n = 256;
    let (dx, dy) = ((x1 - x0) / n as f64, (y1 - y0) / n as f64);
    let (mut inter, mut union) = (0u32, 0u32);
    for j in 0..n {
        for i in 0..n {
            let p = [x0 + (i as f64 + 0.5) * dx, y0 + (j as f64 + 0.5) * dy];
            let (ia, ib) = (inside(a, p), inside(b, p));
            inter += u32::from(ia && ib);
            union += u32::from(ia || ib);
        }
    }
    if union == 0 {
        0.0
    } else {
        f64::from(inter) / f64::from(union)
    }
}

/// Point in polygon by ray crossing (works for any simple quad).
fn inside(q: &Corners, p: [f64; 2]) -> bool {
    let mut c = false;
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 3) % 4]);
        if (a[1] > p[1]) != (b[1] > p[1])
            && p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]
        {
            c = !c;
        }
    }
    c
}

pub fn human(s: &Summary) -> String {
    let pct = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{:.1}%", v * 100.0));
    let mut out = format!(
        "{} images, {} runs, {:.1} s wall\n",
        s.images, s.runs, s.wall_seconds
    );
    if !s.checks.is_empty() {
        out +=
            "\ncheck (labelled originals)          n  precision  recall  accuracy  false-alarm\n";
        for (name, c) in &s.checks {
            let n = c.tp + c.fp + c.fn_ + c.tn;
            out += &format!(
                "{name:<34} {n:>3} {:>10} {:>7} {:>9} {:>12}\n",
                pct(c.precision()),
                pct(c.recall()),
                pct(c.accuracy()),
                pct(c.false_alarm())
            );
        }
    }
    if !s.synthetic_recall.is_empty() {
        out += "\ndegraded copies: expected code (degradation)    n  recall\n";
        for (label, r) in &s.synthetic_recall {
            out += &format!(
                "{label:<45} {:>4} {:>7}\n",
                s.synthetic_runs[label],
                pct(Some(*r))
            );
        }
    }
    out += "\nflagged on originals (false alarms unless labelled):\n";
    for (code, r) in &s.flagged_on_originals {
        out += &format!("  {code:<28} {}\n", pct(Some(*r)));
    }
    let rows = [
        ("corners found", s.corners_found),
        ("corner IoU (mean)", s.corner_iou_mean),
        ("issue date exact", s.issue_date_exact),
        ("3-month verdict", s.three_month_verdict_accuracy),
        ("card last4", s.card_last4_accuracy),
        ("card masked", s.card_masked_accuracy),
        ("MRZ all valid", s.mrz_all_valid_rate),
    ];
    for (name, v) in rows.iter().filter(|(_, v)| v.is_some()) {
        let v = if name.contains("IoU") {
            v.map_or("-".into(), |v| format!("{v:.3}"))
        } else {
            pct(*v)
        };
        out += &format!("{name:<20} {v}\n");
    }
    out += &format!(
        "ms per image: mean {:.1}, p95 {}\n",
        s.ms_per_image_mean, s.ms_per_image_p95
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn corners_near_the_frame_edge_are_left_out_of_the_edges_score() {
        let label = |margins: [i32; 4], in_frame: bool| {
            edges_truth(&json!({"all_corners_in_frame": in_frame, "corner_margins_px": margins}))
        };
        assert_eq!(label([40, 12, 10, 90], true), Some(true));
        assert_eq!(label([40, -15, 30, 90], false), Some(false));
        assert_eq!(label([40, -2, 30, 90], false), None);
        assert_eq!(label([40, 9, 30, 90], true), None);
        // Without margins the label stands; without a label there is none.
        assert_eq!(
            edges_truth(&json!({"all_corners_in_frame": false})),
            Some(false)
        );
        assert_eq!(edges_truth(&json!({"visibility_label": "FULL"})), None);
    }
}
