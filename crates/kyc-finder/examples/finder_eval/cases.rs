//! Evaluation cases: labelled photos, synthetic crops made from them
//! (tight, cut-off, and document-free strips), and no-document folders.
//! Crops are cut lazily from the shared source photo, so hundreds of
//! cases do not hold hundreds of full-size copies.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use image::{imageops, RgbImage};
use kyc_finder::Point;

/// Ground truth for "all four edges visible".
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Truth {
    Visible,
    CutOff,
    /// A corner within the tolerance band around the frame edge.
    Ambiguous,
    NoDocument,
}

#[derive(Clone)]
pub struct Case {
    pub name: String,
    /// MIDV document type (e.g. `45_ukr_passport`), for the folds.
    pub doc_type: String,
    pub src: Rc<RgbImage>,
    /// `(x, y, w, h)` of the crop in `src`, or the whole photo.
    pub crop: Option<(u32, u32, u32, u32)>,
    pub quad: Option<[Point; 4]>,
    pub truth: Truth,
}

impl Case {
    pub fn image(&self) -> RgbImage {
        match self.crop {
            Some((x, y, w, h)) => imageops::crop_imm(&*self.src, x, y, w, h).to_image(),
            None => (*self.src).clone(),
        }
    }

    pub fn dims(&self) -> (u32, u32) {
        self.crop
            .map_or(self.src.dimensions(), |(_, _, w, h)| (w, h))
    }

    /// The shape hint a caller knowing the document kind would pass:
    /// passport pages (ID-3) vs ID-1 cards.
    pub fn aspect_hint(&self) -> Option<f64> {
        Some(if self.doc_type.contains("passport") {
            1.42
        } else {
            1.586
        })
    }
}

pub fn truth_from_quad(q: &[Point; 4], w: u32, h: u32) -> Truth {
    let (w, h) = (f64::from(w), f64::from(h));
    let m = q
        .iter()
        .map(|c| c[0].min(c[1]).min(w - 1.0 - c[0]).min(h - 1.0 - c[1]))
        .fold(f64::INFINITY, f64::min);
    if m >= 10.0 {
        Truth::Visible
    } else if m <= -15.0 {
        Truth::CutOff
    } else {
        Truth::Ambiguous
    }
}

fn parse_quad(v: &serde_json::Value) -> Option<[Point; 4]> {
    let a = v.as_array()?;
    let mut q = [[0.0; 2]; 4];
    for (i, p) in a.iter().take(4).enumerate() {
        q[i] = [p.get(0)?.as_f64()?, p.get(1)?.as_f64()?];
    }
    (a.len() == 4).then_some(q)
}

/// Loads a labelled folder. Images without a quad or visibility label are
/// taken as "no document" when `no_document` is set (general scenes).
pub fn load(dir: &Path, no_document: bool) -> Vec<Case> {
    let text = std::fs::read_to_string(dir.join("manifest.jsonl")).expect("manifest.jsonl");
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        let file: PathBuf = dir.join(v["image"].as_str().expect("image"));
        let rgb = match image::open(&file) {
            Ok(i) => i.to_rgb8(),
            Err(e) => {
                eprintln!("skip {}: {e}", file.display());
                continue;
            }
        };
        let quad = parse_quad(&v["quad"]);
        let truth = match (&quad, v["visibility_label"].as_str()) {
            _ if no_document => Truth::NoDocument,
            (Some(q), _) => truth_from_quad(q, rgb.width(), rgb.height()),
            (None, Some("FULL_VISIBILITY")) => Truth::Visible,
            (None, Some("PARTIAL_VISIBILITY")) => Truth::CutOff,
            (None, Some(_)) => Truth::NoDocument,
            (None, None) => continue,
        };
        out.push(Case {
            name: v["id"].as_str().unwrap_or("?").to_string(),
            doc_type: v["doc_type"].as_str().unwrap_or("").to_string(),
            src: Rc::new(rgb),
            crop: None,
            quad,
            truth,
        });
    }
    out
}

fn bounds(q: &[Point; 4]) -> (f64, f64, f64, f64) {
    let f = |i: usize, init: f64, m: fn(f64, f64) -> f64| q.iter().map(|p| p[i]).fold(init, m);
    (
        f(0, f64::INFINITY, f64::min),
        f(1, f64::INFINITY, f64::min),
        f(0, f64::NEG_INFINITY, f64::max),
        f(1, f64::NEG_INFINITY, f64::max),
    )
}

/// Tight crops (document fully in, small margin) and cut-off crops (one side
/// or one corner outside), with the quad moved into the crop's pixels.
pub fn synthetic(cases: &[Case]) -> Vec<Case> {
    let mut out = Vec::new();
    for c in cases {
        let Some(q) = c.quad else { continue };
        let (w, h) = c.src.dimensions();
        let (w, h) = (f64::from(w), f64::from(h));
        let (x0, y0, x1, y1) = bounds(&q);
        let (dw, dh) = (x1 - x0, y1 - y0);
        let pad = 0.05 * dw.max(dh);
        let crops = [
            ("tight", x0 - pad, y0 - pad, x1 + pad, y1 + pad),
            ("cutL", x0 + 0.15 * dw, 0.0, w, h),
            ("cutR", 0.0, 0.0, x1 - 0.2 * dw, h),
            ("cutT", 0.0, y0 + 0.25 * dh, w, h),
            ("cutB", 0.0, 0.0, w, y1 - 0.12 * dh),
            ("cutTL", x0 + 0.1 * dw, y0 + 0.1 * dh, w, h),
        ];
        for (tag, a, b, cc, d) in crops {
            let (a, b) = (a.max(0.0).round(), b.max(0.0).round());
            let (cc, d) = (cc.min(w).round(), d.min(h).round());
            if cc - a < 64.0 || d - b < 64.0 {
                continue;
            }
            let (cw, ch) = ((cc - a) as u32, (d - b) as u32);
            let quad = q.map(|p| [p[0] - a, p[1] - b]);
            out.push(Case {
                name: format!("{}_{tag}", c.name),
                doc_type: c.doc_type.clone(),
                src: Rc::clone(&c.src),
                crop: Some((a as u32, b as u32, cw, ch)),
                quad: Some(quad),
                truth: truth_from_quad(&quad, cw, ch),
            });
        }
    }
    out
}

/// Document-free strips of the labelled photos: the larger of the parts
/// above and below the document (desk, clutter, the sheet it lies on).
pub fn negatives(cases: &[Case]) -> Vec<Case> {
    let mut out = Vec::new();
    for c in cases {
        let Some(q) = c.quad else { continue };
        if c.crop.is_some() {
            continue;
        }
        let (w, h) = c.src.dimensions();
        let (_, y0, _, y1) = bounds(&q);
        let above = (y0 - 20.0).floor();
        let below = (f64::from(h) - y1 - 20.0).floor();
        let (top, height) = if above >= below {
            (0.0, above)
        } else {
            (y1.ceil() + 20.0, below)
        };
        if height < 300.0 {
            continue;
        }
        out.push(Case {
            name: format!("{}_nodoc", c.name),
            doc_type: c.doc_type.clone(),
            src: Rc::clone(&c.src),
            crop: Some((0, top as u32, w, height as u32)),
            quad: None,
            truth: Truth::NoDocument,
        });
    }
    out
}
