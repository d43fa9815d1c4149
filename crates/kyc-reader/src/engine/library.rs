//! Tesseract linked in-process (through `tesseract-plumbing`), with the
//! loaded engines kept in a pool.
//!
//! Why: measured on this machine, starting `tesseract` and loading
//! `eng+rus+tur+kaz+aze` costs 1.5 s of a 2.1 s page; a loaded engine
//! answers the next page without that cost. One engine serves one thread at
//! a time (Tesseract's API is not re-entrant), so each language set keeps a
//! small stack of idle engines and a caller that finds none loads its own.
//!
//! OpenMP reads `OMP_THREAD_LIMIT` when the process starts, so it cannot be
//! set from here: deployments set `OMP_THREAD_LIMIT=1` in the environment
//! (see docs/READER.md); `Pool::new` warns when it is missing.

use std::collections::HashMap;
use std::ffi::CString;
use std::sync::Mutex;

use image::GrayImage;
use tesseract_plumbing::TessBaseApi;

use super::{parse_tsv, EngineError, Line, Pass};

/// Idle engines kept per language set; more callers than this load
/// engines of their own and drop them afterwards.
const IDLE_PER_LANGUAGES: usize = 4;

/// Loaded Tesseract engines, by language set.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<HashMap<String, Vec<TessBaseApi>>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sizes: Vec<(String, usize)> = self
            .idle
            .lock()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.len())).collect())
            .unwrap_or_default();
        f.debug_struct("Pool").field("idle", &sizes).finish()
    }
}

impl Pool {
    pub fn new() -> Self {
        if std::env::var("OMP_THREAD_LIMIT").ok().as_deref() != Some("1") {
            tracing::warn!(
                "OMP_THREAD_LIMIT=1 is not set: in-process Tesseract may start OpenMP threads"
            );
        }
        Self::default()
    }

    /// Loads an engine for `languages` and keeps it idle, so the first
    /// document does not pay for it. Errors when the models do not load.
    pub fn warm(&self, languages: &str) -> Result<(), EngineError> {
        let api = load(languages)?;
        self.give_back(languages, api);
        Ok(())
    }

    fn take(&self, languages: &str) -> Result<TessBaseApi, EngineError> {
        let idle = self
            .idle
            .lock()
            .ok()
            .and_then(|mut m| m.get_mut(languages).and_then(Vec::pop));
        match idle {
            Some(api) => Ok(api),
            None => load(languages),
        }
    }

    fn give_back(&self, languages: &str, api: TessBaseApi) {
        if let Ok(mut m) = self.idle.lock() {
            let stack = m.entry(languages.to_owned()).or_default();
            if stack.len() < IDLE_PER_LANGUAGES {
                stack.push(api);
            }
        }
    }

    /// Recognises `image` with an engine for `pass.languages`.
    pub fn recognise(&self, image: &GrayImage, pass: &Pass<'_>) -> Result<Vec<Line>, EngineError> {
        let mut api = self.take(pass.languages)?;
        let result = run(&mut api, image, pass);
        // An engine whose run failed may hold a half state: drop it.
        if result.is_ok() {
            self.give_back(pass.languages, api);
        }
        result
    }
}

fn cstring(s: &str) -> Result<CString, EngineError> {
    CString::new(s).map_err(|_| EngineError::Library("NUL in a Tesseract argument"))
}

fn load(languages: &str) -> Result<TessBaseApi, EngineError> {
    let mut api = TessBaseApi::create();
    // Tesseract prints resolution guesses and warnings on stderr; the
    // server's logs are tracing's, not the library's.
    set(&mut api, "debug_file", "/dev/null")?;
    api.init_2(None, Some(&cstring(languages)?))
        .map_err(|_| EngineError::Library("models did not load"))?;
    Ok(api)
}

fn set(api: &mut TessBaseApi, name: &str, value: &str) -> Result<(), EngineError> {
    api.set_variable(&cstring(name)?, &cstring(value)?)
        .map_err(|_| EngineError::Library("unknown Tesseract variable"))
}

fn run(
    api: &mut TessBaseApi,
    image: &GrayImage,
    pass: &Pass<'_>,
) -> Result<Vec<Line>, EngineError> {
    // The same settings as the command line: no inverted-line retry, the
    // pass's whitelist (empty resets a previous pass's), its segmentation.
    set(api, "tessedit_do_invert", "0")?;
    set(api, "tessedit_char_whitelist", pass.whitelist)?;
    set(api, "tessedit_pageseg_mode", &pass.psm.to_string())?;
    let (w, h) = image.dimensions();
    let (Ok(wi), Ok(hi)) = (i32::try_from(w), i32::try_from(h)) else {
        return Err(EngineError::Library("image too large"));
    };
    api.set_image(image.as_raw(), wi, hi, 1, wi)
        .map_err(|_| EngineError::Library("image rejected"))?;
    api.recognize()
        .map_err(|_| EngineError::Library("recognition failed"))?;
    let tsv = api
        .get_tsv_text(0)
        .map_err(|_| EngineError::Library("no TSV output"))?;
    let text = tsv.as_ref().to_string_lossy().into_owned();
    Ok(parse_tsv(&text))
}
