//! Building the application from settings: open the backends, bind the
//! listener, serve until told to stop.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use kyc_checker::Limits;
use kyc_core::{Clock, SystemClock};
use kyc_store::Database;
use kyc_vault::{Keyring, LocalDiskStore, MasterKey, ObjectStore, S3Config, S3Store};
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::secrets::{generate_token, hash_token};
use crate::settings::Settings;
use crate::state::AppState;

/// The database, object store and keys, opened from settings. Every
/// subcommand that touches data opens them the same way.
pub struct Backends {
    pub db: Database,
    pub objects: Arc<dyn ObjectStore>,
    pub keyring: Arc<Keyring>,
}

pub async fn open_backends(settings: &Settings) -> anyhow::Result<Backends> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create data dir {}", settings.data_dir.display()))?;
    restrict_permissions(&settings.data_dir, 0o700);
    // Retired keys beside the key file open envelopes a rotation has not
    // rewrapped yet (see docs/DEPLOYMENT.md).
    let keyring = Arc::new(crate::keyfiles::keyring_with_retired(
        load_master_key(settings)?,
        settings,
    )?);
    let db = Database::connect(&settings.database_url())
        .await
        .context("cannot connect to the database")?;
    db.migrate().await.context("cannot migrate the database")?;
    let objects: Arc<dyn ObjectStore> = match settings.object_store.strip_prefix("s3://") {
        Some(bucket) => Arc::new(
            S3Store::connect(S3Config {
                bucket: bucket.to_owned(),
                endpoint: settings.s3_endpoint.clone(),
                region: settings.s3_region.clone(),
                force_path_style: true,
            })
            .await
            .context("cannot open the S3 object store")?,
        ),
        None => Arc::new(
            LocalDiskStore::open(settings.data_dir.join("objects"))
                .context("cannot open the local object store")?,
        ),
    };
    Ok(Backends {
        db,
        objects,
        keyring,
    })
}

/// The master key from configuration, or from `master.key` in the data
/// dir, generated there (0600) on first start.
fn load_master_key(settings: &Settings) -> anyhow::Result<MasterKey> {
    if let Some(hex) = &settings.master_key {
        return MasterKey::from_hex(hex.expose_secret()).context("KYC_MASTER_KEY is invalid");
    }
    let (path, generate) = match &settings.master_key_file {
        Some(path) => (path.clone(), false),
        None => (settings.data_dir.join("master.key"), true),
    };
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read master key {}", path.display()))?;
        return MasterKey::from_hex(&text)
            .with_context(|| format!("master key {} is invalid", path.display()));
    }
    anyhow::ensure!(
        generate,
        "master key file {} does not exist",
        path.display()
    );
    let key = MasterKey::generate();
    write_private(&path, key.to_hex().as_bytes())?;
    tracing::warn!(
        path = %path.display(),
        "generated a new master key; production must supply its own (KYC_MASTER_KEY_FILE or KYC_MASTER_KEY)"
    );
    Ok(key)
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

fn restrict_permissions(path: &Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// A bound, wired service, ready to run.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    worker: crate::worker::WorkerConfig,
    /// The operator token generated on this first start, to print once.
    pub generated_operator_token: Option<String>,
    pub state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// As `build`, with an injected clock so tests move time instead of sleeping.
    pub async fn build_with_clock(
        settings: Settings,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let backends = open_backends(&settings).await?;
        let (operator_token_hash, generated_operator_token) = match &settings.operator_token {
            Some(token) => (Some(hash_token(token.expose_secret())), None),
            None if backends.db.has_operator_token().await? => (None, None),
            None => {
                let token = generate_token("kyc_op");
                backends
                    .db
                    .add_operator_token(&hash_token(&token), clock.now())
                    .await?;
                (None, Some(token))
            }
        };
        let reader =
            kyc_reader::Reader::with_languages(&settings.tesseract, kyc_reader::DEFAULT_LANGUAGES);
        if !reader.is_available() {
            tracing::warn!("OCR (tesseract) is not available: text checks will go to review");
        }
        let state = AppState {
            db: backends.db,
            objects: backends.objects,
            keyring: backends.keyring,
            clock,
            limits: Limits {
                max_bytes: settings.max_upload_bytes,
                max_pixels: settings.max_pixels,
            },
            sla: settings.sla_policy(),
            upload_token_ttl: chrono::Duration::hours(settings.upload_token_ttl_hours),
            operator_token_hash,
            reader,
            worker_wake: Arc::new(tokio::sync::Notify::new()),
            review: crate::state::ReviewConfig {
                claim_lease: chrono::Duration::minutes(settings.claim_lease_minutes),
                four_eyes_rejection: settings.four_eyes_rejection,
                sweep_interval: std::time::Duration::from_millis(settings.sla_sweep_interval_ms),
            },
        };
        let worker = crate::worker::WorkerConfig::from_settings(&settings);
        let router = crate::routes::router(state.clone()).layer(TraceLayer::new_for_http());
        let listener = TcpListener::bind(settings.listen)
            .await
            .with_context(|| format!("cannot listen on {}", settings.listen))?;
        Ok(Self {
            listener,
            router,
            worker,
            generated_operator_token,
            state,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        // The worker and the SLA sweeper run beside the server and stop with
        // it; jobs the worker cannot finish in the grace period go back to the
        // queue when their lease expires.
        let worker = crate::worker::spawn(self.state.clone(), self.worker);
        let sweeper = tokio::spawn(crate::sweeper::run(self.state.clone()));
        let served = axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await;
        sweeper.abort();
        let _ = sweeper.await;
        if let Some(worker) = worker {
            worker.shutdown(std::time::Duration::from_secs(10)).await;
        }
        served?;
        self.state.db.close().await;
        Ok(())
    }

    /// Serves until SIGINT or SIGTERM.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
