//! Tesseract 5, either linked in-process with a pool of loaded engines
//! (`library`, the default) or run as a subprocess (the command line).
//!
//! The command line is kept for the start-up self-test (its stderr is the
//! only place the "aze not last" trap shows) and as the fallback when the
//! library cannot load the models. Loading the models is most of a page's
//! time (1.5 s of 2.1 s for five languages, see docs/READER.md), so the
//! in-process pool is what meets the speed target. Both give words as TSV
//! with their boxes.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use image::GrayImage;
use wait_timeout::ChildExt;

mod library;

/// One recognised word with its box in the pixels of the image given to
/// Tesseract.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub conf: f32,
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// A text line: Tesseract's own grouping, words in reading order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Line {
    pub words: Vec<Word>,
}

impl Line {
    pub fn text(&self) -> String {
        let parts: Vec<&str> = self.words.iter().map(|w| w.text.as_str()).collect();
        parts.join(" ")
    }

    /// The union of the boxes of `words[range]`, as (x, y, w, h).
    pub fn bbox(&self, from: usize, to: usize) -> Option<(u32, u32, u32, u32)> {
        let words = self.words.get(from..to)?;
        let x0 = words.iter().map(|w| w.x).min()?;
        let y0 = words.iter().map(|w| w.y).min()?;
        let x1 = words.iter().map(|w| w.x + w.w).max()?;
        let y1 = words.iter().map(|w| w.y + w.h).max()?;
        Some((x0, y0, x1 - x0, y1 - y0))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("tesseract could not be started: {0}")]
    Spawn(std::io::Error),
    #[error("tesseract i/o failed: {0}")]
    Io(std::io::Error),
    #[error("tesseract timed out")]
    Timeout,
    #[error("tesseract exited with status {0}")]
    Status(i32),
    #[error("tesseract library: {0}")]
    Library(&'static str),
}

/// How to run one recognition.
#[derive(Debug, Clone)]
pub struct Pass<'a> {
    /// `+`-joined Tesseract language codes, `aze` last (see `Engine`).
    pub languages: &'a str,
    /// Page segmentation mode: 3 automatic, 6 one block, 7 one line, 11 sparse.
    pub psm: u8,
    /// Characters Tesseract may output; empty means all.
    pub whitelist: &'a str,
}

impl<'a> Pass<'a> {
    /// A whole page in `languages`: automatic segmentation (psm 3), any
    /// character.
    pub fn page(languages: &'a str) -> Self {
        Pass {
            languages,
            psm: 3,
            whitelist: "",
        }
    }
}

/// The `tesseract` binary (self-test, fallback) and, when loaded, the
/// pool of in-process engines. Clones share the pool.
#[derive(Debug, Clone)]
pub struct Engine {
    program: String,
    timeout: Duration,
    pool: Option<std::sync::Arc<library::Pool>>,
}

impl Engine {
    /// An engine that runs `program` for every pass.
    pub fn new(program: impl Into<String>) -> Self {
        Self {
            program: program.into(),
            timeout: Duration::from_secs(20),
            pool: None,
        }
    }

    /// Switches recognition to in-process Tesseract, loading each of
    /// `language_sets` once so the models are known to load and the first
    /// document does not wait for them. On failure the engine keeps using
    /// the command line and the error is returned for the log.
    pub fn use_library(&mut self, language_sets: &[&str]) -> Result<(), EngineError> {
        let pool = library::Pool::new();
        for languages in language_sets {
            pool.warm(languages)?;
        }
        self.pool = Some(std::sync::Arc::new(pool));
        Ok(())
    }

    /// Whether passes run in-process.
    pub fn in_process(&self) -> bool {
        self.pool.is_some()
    }

    /// The languages installed, from `tesseract --list-langs`; `None` when
    /// the binary cannot be run at all.
    pub fn list_languages(&self) -> Option<Vec<String>> {
        let out = Command::new(&self.program)
            .arg("--list-langs")
            .stdin(Stdio::null())
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        // Debian prints the list on stdout; older builds on stderr.
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        Some(
            text.lines()
                .skip_while(|l| !l.starts_with("List of available"))
                .skip(1)
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .collect(),
        )
    }

    /// Loads `languages` on a small blank page and reports what Tesseract
    /// printed when a model failed to load. This catches the Debian 5.3
    /// trap where a language listed after `aze` fails silently except for a
    /// "Failed loading language" line on stderr (see docs/READER.md).
    pub fn probe(&self, languages: &str) -> Result<(), String> {
        let mut cmd = Command::new(&self.program);
        cmd.args(["stdin", "stdout", "-l", languages, "--psm", "6"])
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start tesseract: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(&encode_pgm(&GrayImage::from_pixel(
                64,
                32,
                image::Luma([255]),
            )));
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("tesseract failed: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Some(line) = stderr
            .lines()
            .find(|l| l.contains("Failed loading language"))
        {
            return Err(line.to_owned());
        }
        if !out.status.success() {
            return Err(format!("tesseract exited with {}", out.status));
        }
        Ok(())
    }

    /// Recognises `image` and returns its lines.
    pub fn recognise(&self, image: &GrayImage, pass: &Pass<'_>) -> Result<Vec<Line>, EngineError> {
        match &self.pool {
            Some(pool) => pool.recognise(image, pass),
            None => self.recognise_cli(image, pass),
        }
    }

    fn recognise_cli(&self, image: &GrayImage, pass: &Pass<'_>) -> Result<Vec<Line>, EngineError> {
        let mut cmd = Command::new(&self.program);
        cmd.args(["stdin", "stdout", "-l", pass.languages, "--psm"])
            .arg(pass.psm.to_string())
            .args(["-c", "tessedit_do_invert=0"]);
        if !pass.whitelist.is_empty() {
            cmd.arg("-c")
                .arg(format!("tessedit_char_whitelist={}", pass.whitelist));
        }
        // One thread per engine: documents run in parallel instead, which
        // is faster than OpenMP inside one page on a loaded machine.
        cmd.arg("tsv")
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().map_err(EngineError::Spawn)?;
        let pgm = encode_pgm(image);
        let mut stdin = child.stdin.take();
        let writer = std::thread::spawn(move || {
            if let Some(s) = stdin.as_mut() {
                // A write error means the child died; its status says why.
                let _ = s.write_all(&pgm);
            }
        });
        let mut stdout = child.stdout.take();
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(s) = stdout.as_mut() {
                let _ = s.read_to_end(&mut buf);
            }
            buf
        });
        let status = match child.wait_timeout(self.timeout).map_err(EngineError::Io)? {
            Some(status) => status,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(EngineError::Timeout);
            }
        };
        let _ = writer.join();
        let out = reader.join().unwrap_or_default();
        if !status.success() {
            return Err(EngineError::Status(status.code().unwrap_or(-1)));
        }
        Ok(parse_tsv(&String::from_utf8_lossy(&out)))
    }
}

fn encode_pgm(image: &GrayImage) -> Vec<u8> {
    let mut out = format!("P5\n{} {}\n255\n", image.width(), image.height()).into_bytes();
    out.extend_from_slice(image.as_raw());
    out
}

/// Parses Tesseract's TSV (level, page, block, par, line, word, left, top,
/// width, height, conf, text) into lines of words; empty words dropped.
/// The header row the command line prints (the library does not) fails the
/// level test like any non-word row.
pub fn parse_tsv(tsv: &str) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    let mut current: Option<(u32, u32, u32)> = None;
    for row in tsv.lines() {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let text = cols[11].trim();
        if text.is_empty() {
            continue;
        }
        let num = |i: usize| cols[i].trim().parse::<u32>().ok();
        let (Some(block), Some(par), Some(line)) = (num(2), num(3), num(4)) else {
            continue;
        };
        let (Some(x), Some(y), Some(w), Some(h)) = (num(6), num(7), num(8), num(9)) else {
            continue;
        };
        let conf = cols[10].trim().parse::<f32>().unwrap_or(-1.0);
        let key = (block, par, line);
        if current != Some(key) {
            lines.push(Line::default());
            current = Some(key);
        }
        if let Some(last) = lines.last_mut() {
            last.words.push(Word {
                text: text.to_owned(),
                conf,
                x,
                y,
                w,
                h,
            });
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext
1\t1\t0\t0\t0\t0\t0\t0\t800\t600\t-1\t
4\t1\t1\t1\t1\t0\t10\t20\t300\t30\t-1\t
5\t1\t1\t1\t1\t1\t10\t20\t100\t30\t91.5\tStatement
5\t1\t1\t1\t1\t2\t120\t22\t60\t28\t90.0\tdate:
5\t1\t1\t1\t1\t3\t190\t21\t120\t29\t88.0\t15.10.2026
5\t1\t1\t1\t2\t1\t10\t60\t50\t30\t80.0\t 
5\t1\t1\t1\t2\t2\t70\t60\t50\t30\t80.0\tTotal
5\t1\t1\t1\t2\t3\tx\t60\t50\t30\t80.0\tbroken
";

    #[test]
    fn tsv_groups_words_into_lines_and_skips_blanks_and_bad_rows() {
        let lines = parse_tsv(TSV);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text(), "Statement date: 15.10.2026");
        assert_eq!(lines[1].text(), "Total");
        assert_eq!(lines[0].bbox(1, 3), Some((120, 21, 190, 29)));
        assert_eq!(lines[0].bbox(2, 5), None);
    }

    #[test]
    fn pgm_header_matches_the_image() {
        let img = GrayImage::from_pixel(3, 2, image::Luma([7]));
        let pgm = encode_pgm(&img);
        assert!(pgm.starts_with(b"P5\n3 2\n255\n"));
        assert_eq!(pgm.len(), 11 + 6);
    }

    #[test]
    fn a_missing_binary_is_an_error_not_a_panic() {
        let engine = Engine::new("/nonexistent/tesseract-binary");
        assert!(engine.list_languages().is_none());
        let img = GrayImage::new(4, 4);
        let pass = Pass {
            languages: "eng",
            psm: 6,
            whitelist: "",
        };
        assert!(matches!(
            engine.recognise(&img, &pass),
            Err(EngineError::Spawn(_))
        ));
    }
}
