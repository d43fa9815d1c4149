//! The options every data-touching subcommand shares, so that `kyc serve`,
//! `kyc migrate` and the operator tools always open the same data.

use std::path::PathBuf;

use anyhow::Context;
use kyc_server::Settings;

#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Where the embedded database, encrypted objects and generated keys live
    /// [env: KYC_DATA_DIR] [default: ./data]
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// A TOML settings file (see docs/CONFIGURATION.md); `KYC_*` variables override it
    #[arg(long, env = "KYC_CONFIG")]
    pub config: Option<PathBuf>,
}

impl DataArgs {
    /// Settings from the file, then the environment, then these flags.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        let mut settings = Settings::load(self.config.as_deref(), |name| std::env::var(name).ok())
            .context("invalid settings")?;
        if let Some(dir) = &self.data_dir {
            settings.data_dir = dir.clone();
        }
        Ok(settings)
    }
}

/// Logs go to stderr; `RUST_LOG` filters them (default `info`).
pub fn init_logging(format: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// The database alone, migrated: for operator tools that need neither the
/// object store nor the master key (so they never create one).
pub async fn open_database(settings: &Settings) -> anyhow::Result<kyc_store::Database> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create data dir {}", settings.data_dir.display()))?;
    let db = kyc_store::Database::connect(&settings.database_url())
        .await
        .context("cannot connect to the database")?;
    db.migrate().await.context("cannot migrate the database")?;
    Ok(db)
}
