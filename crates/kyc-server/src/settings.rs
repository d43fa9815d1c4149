//! Typed settings from one place: defaults, then an optional TOML file,
//! then `KYC_*` environment variables. Secrets are wrapped so that they
//! never print.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

/// Everything `kyc serve` and the data-touching subcommands need.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on (`KYC_LISTEN`).
    pub listen: SocketAddr,
    /// Where the embedded database, objects and generated keys live (`KYC_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...` (`KYC_DATABASE_URL`); default: SQLite in the data dir.
    pub database_url: Option<String>,
    /// `local` (default: encrypted files in the data dir) or `s3://BUCKET` (`KYC_OBJECT_STORE`).
    pub object_store: String,
    /// S3 endpoint for S3-compatible stores such as Garage (`KYC_S3_ENDPOINT`).
    pub s3_endpoint: Option<String>,
    /// S3 region (`KYC_S3_REGION`).
    pub s3_region: String,
    /// The 32-byte master key as 64 hex digits (`KYC_MASTER_KEY`).
    pub master_key: Option<SecretString>,
    /// A file holding the master key in hex (`KYC_MASTER_KEY_FILE`).
    pub master_key_file: Option<PathBuf>,
    /// The operator API token (`KYC_OPERATOR_TOKEN`); generated on first start if unset.
    pub operator_token: Option<SecretString>,
    /// Largest upload in bytes (`KYC_MAX_UPLOAD_BYTES`).
    pub max_upload_bytes: u64,
    /// Largest image in pixels, checked from the header before decoding (`KYC_MAX_PIXELS`).
    pub max_pixels: u64,
    /// How long a player's upload token stays valid, in hours (`KYC_UPLOAD_TOKEN_TTL_HOURS`).
    pub upload_token_ttl_hours: i64,
    /// SLA target in hours from the moment every document is in (`KYC_SLA_TARGET_HOURS`).
    pub sla_target_hours: i64,
    /// SLA deadline in hours (`KYC_SLA_DEADLINE_HOURS`).
    pub sla_deadline_hours: i64,
    /// `text` or `json` (`KYC_LOG_FORMAT`).
    pub log_format: String,
    /// Background jobs (OCR) run at once in this instance; 0 makes it an
    /// API-only instance (`KYC_WORKERS`); default: one per CPU.
    pub workers: Option<usize>,
    /// Seconds a worker's claim on a job lasts before another instance may
    /// take it over (`KYC_JOB_LEASE_SECS`).
    pub job_lease_secs: u64,
    /// The Tesseract program for OCR (`KYC_TESSERACT`); when it cannot run,
    /// readings record `ocr_unavailable` and go to review.
    pub tesseract: String,
    /// How long a reviewer's claim on a case lasts without activity (`KYC_CLAIM_LEASE_MINUTES`).
    pub claim_lease_minutes: i64,
    /// Whether a final rejection waits for a second supervisor (`KYC_FOUR_EYES_REJECTION`).
    pub four_eyes_rejection: bool,
    /// How often the SLA sweeper runs, in milliseconds (`KYC_SLA_SWEEP_INTERVAL_MS`).
    pub sla_sweep_interval_ms: u64,
    /// A case with this many hours or fewer left is at risk (`KYC_SLA_AT_RISK_HOURS`).
    pub sla_at_risk_hours: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            object_store: "local".into(),
            s3_endpoint: None,
            s3_region: "us-east-1".into(),
            master_key: None,
            master_key_file: None,
            operator_token: None,
            max_upload_bytes: 15 * 1024 * 1024,
            max_pixels: 50_000_000,
            upload_token_ttl_hours: 7 * 24,
            sla_target_hours: 24,
            sla_deadline_hours: 72,
            log_format: "text".into(),
            workers: None,
            job_lease_secs: 60,
            tesseract: "tesseract".into(),
            claim_lease_minutes: 30,
            four_eyes_rejection: true,
            sla_sweep_interval_ms: 60_000,
            sla_at_risk_hours: 12,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value for {name}: {message}")]
    Env { name: &'static str, message: String },
}

impl Settings {
    /// Defaults, then `file` if given, then the environment.
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let mut settings = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| SettingsError::Parse {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                })?
            }
            None => Settings::default(),
        };
        settings.apply_env(env)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Every field has its `KYC_*` variable; secrets come only from here or the file.
    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), SettingsError> {
        fn parsed<T: std::str::FromStr>(
            name: &'static str,
            value: String,
        ) -> Result<T, SettingsError>
        where
            T::Err: std::fmt::Display,
        {
            value
                .trim()
                .parse()
                .map_err(|e: T::Err| SettingsError::Env {
                    name,
                    message: e.to_string(),
                })
        }
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(v) = get("KYC_LISTEN") {
            self.listen = parsed("KYC_LISTEN", v)?;
        }
        if let Some(v) = get("KYC_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("KYC_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = get("KYC_OBJECT_STORE") {
            self.object_store = v;
        }
        if let Some(v) = get("KYC_S3_ENDPOINT") {
            self.s3_endpoint = Some(v);
        }
        if let Some(v) = get("KYC_S3_REGION") {
            self.s3_region = v;
        }
        if let Some(v) = get("KYC_MASTER_KEY") {
            self.master_key = Some(SecretString::from(v));
        }
        if let Some(v) = get("KYC_MASTER_KEY_FILE") {
            self.master_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = get("KYC_OPERATOR_TOKEN") {
            self.operator_token = Some(SecretString::from(v));
        }
        if let Some(v) = get("KYC_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = parsed("KYC_MAX_UPLOAD_BYTES", v)?;
        }
        if let Some(v) = get("KYC_MAX_PIXELS") {
            self.max_pixels = parsed("KYC_MAX_PIXELS", v)?;
        }
        if let Some(v) = get("KYC_UPLOAD_TOKEN_TTL_HOURS") {
            self.upload_token_ttl_hours = parsed("KYC_UPLOAD_TOKEN_TTL_HOURS", v)?;
        }
        if let Some(v) = get("KYC_SLA_TARGET_HOURS") {
            self.sla_target_hours = parsed("KYC_SLA_TARGET_HOURS", v)?;
        }
        if let Some(v) = get("KYC_SLA_DEADLINE_HOURS") {
            self.sla_deadline_hours = parsed("KYC_SLA_DEADLINE_HOURS", v)?;
        }
        if let Some(v) = get("KYC_WORKERS") {
            self.workers = Some(parsed("KYC_WORKERS", v)?);
        }
        if let Some(v) = get("KYC_JOB_LEASE_SECS") {
            self.job_lease_secs = parsed("KYC_JOB_LEASE_SECS", v)?;
        }
        if let Some(v) = get("KYC_TESSERACT") {
            self.tesseract = v;
        }
        if let Some(v) = get("KYC_LOG_FORMAT") {
            self.log_format = v;
        }
        if let Some(v) = get("KYC_CLAIM_LEASE_MINUTES") {
            self.claim_lease_minutes = parsed("KYC_CLAIM_LEASE_MINUTES", v)?;
        }
        if let Some(v) = get("KYC_FOUR_EYES_REJECTION") {
            self.four_eyes_rejection = parsed("KYC_FOUR_EYES_REJECTION", v)?;
        }
        if let Some(v) = get("KYC_SLA_SWEEP_INTERVAL_MS") {
            self.sla_sweep_interval_ms = parsed("KYC_SLA_SWEEP_INTERVAL_MS", v)?;
        }
        if let Some(v) = get("KYC_SLA_AT_RISK_HOURS") {
            self.sla_at_risk_hours = parsed("KYC_SLA_AT_RISK_HOURS", v)?;
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), SettingsError> {
        let bad = |name, message: &str| {
            Err(SettingsError::Env {
                name,
                message: message.to_owned(),
            })
        };
        if self.max_upload_bytes == 0 {
            return bad("max_upload_bytes", "must be positive");
        }
        if self.max_pixels == 0 {
            return bad("max_pixels", "must be positive");
        }
        if self.upload_token_ttl_hours <= 0 {
            return bad("upload_token_ttl_hours", "must be positive");
        }
        if self.sla_target_hours <= 0 || self.sla_deadline_hours < self.sla_target_hours {
            return bad(
                "sla_deadline_hours",
                "target must be positive and the deadline no earlier than the target",
            );
        }
        if self.claim_lease_minutes <= 0 {
            return bad("claim_lease_minutes", "must be positive");
        }
        if self.sla_sweep_interval_ms == 0 {
            return bad("sla_sweep_interval_ms", "must be positive");
        }
        if self.sla_at_risk_hours < 0 || self.sla_at_risk_hours > self.sla_deadline_hours {
            return bad("sla_at_risk_hours", "must be between zero and the deadline");
        }
        if self.object_store != "local" && !self.object_store.starts_with("s3://") {
            return bad("object_store", "must be `local` or `s3://BUCKET`");
        }
        if self.job_lease_secs < 3 {
            return bad("job_lease_secs", "must be at least 3");
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return bad("log_format", "must be `text` or `json`");
        }
        Ok(())
    }

    /// The database URL, defaulting to SQLite in the data dir.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("kyc.db").display()
            )
        })
    }

    pub fn sla_policy(&self) -> kyc_core::SlaPolicy {
        kyc_core::SlaPolicy {
            target: chrono::Duration::hours(self.sla_target_hours),
            deadline: chrono::Duration::hours(self.sla_deadline_hours),
            at_risk_window: chrono::Duration::hours(self.sla_at_risk_hours),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_need_no_configuration() {
        let s = Settings::load(None, |_| None).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.max_upload_bytes, 15 * 1024 * 1024);
        assert!(s.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("kyc-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("kyc.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\nmax_pixels = 1000\n").unwrap();
        let s = Settings::load(
            Some(&file),
            env_of(&[("KYC_MAX_PIXELS", "2000"), ("KYC_OPERATOR_TOKEN", "s3cret")]),
        )
        .unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(s.max_pixels, 2000);
        assert_eq!(s.operator_token.as_ref().unwrap().expose_secret(), "s3cret");
        assert!(!format!("{s:?}").contains("s3cret"), "a secret was printed");
    }

    #[test]
    fn bad_values_are_named() {
        let err = Settings::load(None, env_of(&[("KYC_MAX_PIXELS", "lots")])).unwrap_err();
        assert!(err.to_string().contains("KYC_MAX_PIXELS"));
        let err = Settings::load(None, env_of(&[("KYC_OBJECT_STORE", "ftp://x")])).unwrap_err();
        assert!(err.to_string().contains("object_store"));
    }
}
