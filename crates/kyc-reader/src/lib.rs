//! Reads what is printed on a document: the issue date of a proof of
//! address, the last four digits of a payment card, an identity MRZ.
//!
//! OCR is Tesseract 5, in-process with a pool of loaded engines or as a
//! subprocess (see `engine`); the text work
//! (dates, labels, card numbers, MRZ check digits) is pure functions in
//! `dates`, `issue`, `card` and `mrz`, tested without Tesseract.

pub mod card;
pub mod dates;
pub mod digits;
pub mod engine;
pub mod glyphs;
pub mod issue;
pub mod mrz;
mod pipeline;
pub mod prep;
pub use prep::Source;
mod stats;
pub mod zone;

#[cfg(test)]
mod testing;

use kyc_checker::{CheckRequest, Reason, Report};
use kyc_core::{DocumentKind, ReasonCode};

use engine::Engine;

/// The languages bills come in, `aze` last: on Debian's Tesseract 5.3 any
/// language listed after `aze` fails to load (silently, bar one stderr
/// line) and Cyrillic text comes back as Latin junk.
pub const DEFAULT_LANGUAGES: &str = "eng+rus+tur+kaz+aze";

/// The language machine print is read in: card numbers, MRZs, and Latin
/// re-reads of dates. Every reader loads it, whatever else it loads.
pub const MACHINE_PRINT: &str = "eng";

/// What the start-up self-test found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfTest {
    /// `tesseract` ran.
    pub engine_found: bool,
    /// Languages asked for but not installed.
    pub missing_languages: Vec<String>,
    /// Why loading the language combination failed, when it did.
    pub load_error: Option<String>,
}

impl SelfTest {
    pub fn passed(&self) -> bool {
        self.engine_found && self.missing_languages.is_empty() && self.load_error.is_none()
    }
}

/// An OCR engine handle. Cheap to clone and share between threads: clones
/// share one pool of loaded engines, and each concurrent `read` takes its
/// own engine from it.
#[derive(Debug, Clone)]
pub struct Reader {
    program: String,
    languages: String,
    /// The engine and what its self-test found, loaded on first use by a
    /// lazy reader (see [`Reader::for_kind`]), at construction otherwise.
    loaded: std::sync::Arc<std::sync::OnceLock<Loaded>>,
}

#[derive(Debug)]
struct Loaded {
    engine: Option<Engine>,
    self_test: SelfTest,
}

impl Default for Reader {
    fn default() -> Self {
        Self::new()
    }
}

impl Reader {
    /// Finds the OCR engine; a reader without one still works and answers
    /// `ocr_unavailable` for the checks that need text.
    pub fn new() -> Self {
        Self::with_languages("tesseract", DEFAULT_LANGUAGES)
    }

    /// A reader that loads only the languages `kind` is read in: bills in
    /// every player language, cards and MRZs in `eng` alone, and only when
    /// a document first needs OCR. For a process that reads one kind
    /// (`kyc check --kind ...`), this skips loading and self-testing models
    /// it never uses (~1 s at start for cards and identity documents), and
    /// a run of identity photos without an MRZ never starts Tesseract.
    pub fn for_kind(program: &str, kind: DocumentKind) -> Self {
        let languages = match kind {
            DocumentKind::Address => DEFAULT_LANGUAGES,
            DocumentKind::Identity | DocumentKind::Card => MACHINE_PRINT,
        };
        Self::lazy(program, languages)
    }

    /// A reader using `program` (path or name of the Tesseract binary) with
    /// `languages` (`+`-joined codes) for proofs of address, self-tested
    /// now (see [`Reader::lazy`] for what the self-test checks). A service
    /// builds its reader this way, so it says at start whether OCR works.
    pub fn with_languages(program: &str, languages: &str) -> Self {
        let reader = Self::lazy(program, languages);
        reader.loaded();
        reader
    }

    /// [`Reader::with_languages`], but the self-test and model loading wait
    /// for the first document that needs text. The self-test: the binary
    /// answers `--list-langs`, every language is installed, and the
    /// combination loads without a "Failed loading language" error. A
    /// failed self-test leaves the reader unavailable rather than silently
    /// reading Cyrillic as junk.
    pub fn lazy(program: &str, languages: &str) -> Self {
        Self {
            program: program.to_owned(),
            languages: languages.to_owned(),
            loaded: Default::default(),
        }
    }

    fn loaded(&self) -> &Loaded {
        self.loaded
            .get_or_init(|| load(&self.program, &self.languages))
    }

    /// The engine, loading it first if this reader is lazy; `None` when the
    /// self-test failed.
    fn engine(&self) -> Option<&Engine> {
        self.loaded().engine.as_ref()
    }

    pub fn is_available(&self) -> bool {
        self.engine().is_some()
    }

    pub fn self_test(&self) -> &SelfTest {
        &self.loaded().self_test
    }

    /// Reads the fields `request.kind` needs from the upright image and
    /// adds them, and any reasons, to `report`.
    pub fn read(&self, image: Source<'_>, request: &CheckRequest, report: &mut Report) {
        // Identity documents need OCR only when an MRZ-like zone is found:
        // their pipeline asks for the engine then (see `Context::engine`).
        if request.kind != DocumentKind::Identity && self.engine().is_none() {
            report.push(Reason::new(ReasonCode::OcrUnavailable, request.locale));
            return;
        }
        let (width, height) = image.dimensions();
        if width < 8 || height < 8 {
            return;
        }
        let ctx = pipeline::Context {
            reader: self,
            languages: &self.languages,
            image,
            request,
        };
        match request.kind {
            DocumentKind::Address => pipeline::read_address(&ctx, report),
            DocumentKind::Card => pipeline::read_card(&ctx, report),
            DocumentKind::Identity => pipeline::read_identity(&ctx, report),
        }
    }
}

/// Runs the self-test and, when it passes, loads the models in-process.
fn load(program: &str, languages: &str) -> Loaded {
    let mut engine = Engine::new(program);
    let mut test = SelfTest {
        engine_found: false,
        missing_languages: Vec::new(),
        load_error: None,
    };
    if let Some(installed) = engine.list_languages() {
        test.engine_found = true;
        test.missing_languages = languages
            .split('+')
            .filter(|l| !installed.iter().any(|i| i == l))
            .map(str::to_owned)
            .collect();
        // The silent-failure trap (languages after `aze` not loading) needs
        // several languages; a single one either loads in-process below or
        // fails there loudly, so it is not probed in a separate process
        // (~80 ms of CPU at every `kyc check` start).
        if test.missing_languages.is_empty() && languages.contains('+') {
            test.load_error = engine.probe(languages).err();
        }
    }
    if test.passed() {
        let mut sets = vec![languages];
        if languages != MACHINE_PRINT {
            sets.push(MACHINE_PRINT);
        }
        if let Err(e) = engine.use_library(&sets) {
            tracing::warn!(error = %e, "in-process OCR unavailable: running tesseract per pass");
            if !languages.contains('+') {
                // Not probed above: probe now, through the command line
                // the engine falls back to.
                test.load_error = engine.probe(languages).err();
            }
        }
    } else {
        tracing::warn!(
            ?test,
            "OCR self-test failed: documents needing text go to review"
        );
    }
    Loaded {
        engine: test.passed().then_some(engine),
        self_test: test,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn without_tesseract_the_reader_is_unavailable_and_asks_for_review() {
        let reader = Reader::with_languages("/nonexistent/tesseract", DEFAULT_LANGUAGES);
        assert!(!reader.is_available());
        assert!(!reader.self_test().engine_found);
        let request = CheckRequest::new(
            DocumentKind::Address,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        );
        let mut report = Report::new(DocumentKind::Address);
        reader.read(
            Source::Rgb(&image::RgbImage::new(32, 32)),
            &request,
            &mut report,
        );
        assert!(report.has(ReasonCode::OcrUnavailable));
        assert_eq!(report.verdict, kyc_core::Verdict::Review);
    }

    #[test]
    fn a_lazy_reader_loads_only_for_a_document_that_needs_text() {
        let reader = Reader::for_kind("/nonexistent/tesseract", DocumentKind::Identity);
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        // A blank identity photo has no MRZ-like zone: no OCR, no load.
        let request = CheckRequest::new(DocumentKind::Identity, day);
        let mut report = Report::new(DocumentKind::Identity);
        reader.read(
            Source::Rgb(&image::RgbImage::from_pixel(
                400,
                300,
                image::Rgb([240, 240, 240]),
            )),
            &request,
            &mut report,
        );
        assert!(reader.loaded.get().is_none(), "loaded with nothing to read");
        assert!(!report.has(ReasonCode::OcrUnavailable));
        // A card always needs text: the self-test runs then, and fails here.
        let request = CheckRequest::new(DocumentKind::Card, day);
        let mut report = Report::new(DocumentKind::Card);
        reader.read(
            Source::Rgb(&image::RgbImage::new(32, 32)),
            &request,
            &mut report,
        );
        assert!(reader.loaded.get().is_some());
        assert!(report.has(ReasonCode::OcrUnavailable));
        assert!(!reader.self_test().engine_found);
    }
}
