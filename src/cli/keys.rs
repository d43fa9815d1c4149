//! `kyc keys rotate` and `kyc keys rewrap`: master key rotation.
//!
//! Rotation never rewrites an object: each document's data key is unwrapped
//! with the old master key and wrapped again under the new one, a 40-byte
//! update of its row. The old key stays beside the key file as
//! `<key file>.retired-<id>` (which every instance loads) until no row
//! needs it, then it is removed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use kyc_server::keyfiles::{
    key_file_path, keyring_with_retired, read_key_file, retired_key_files, retired_path,
    write_key_file,
};
use kyc_store::Database;
use kyc_vault::{Envelope, Keyring, MasterKey};

use super::data::{init_logging, DataArgs};

const BATCH: u32 = 500;

#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
}

#[derive(Debug, clap::Subcommand)]
enum KeysCommand {
    /// Make a new master key active and rewrap every document's data key under it.
    Rotate(RotateArgs),
    /// Rewrap data keys still under retired keys (e.g. written by an instance
    /// that had not restarted yet) and remove retired keys no document needs.
    Rewrap(RewrapArgs),
}

#[derive(Debug, clap::Args)]
struct RotateArgs {
    /// The new key (64 hex digits); default: generate one
    #[arg(long)]
    new_key_file: Option<PathBuf>,
    /// Keep the retired key file even once no document needs it (several
    /// instances: until all have restarted with the new key; see docs/DEPLOYMENT.md)
    #[arg(long)]
    keep_retired: bool,
    #[command(flatten)]
    data: DataArgs,
}

#[derive(Debug, clap::Args)]
struct RewrapArgs {
    /// Keep retired key files even once no document needs them
    #[arg(long)]
    keep_retired: bool,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: KeysArgs) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    match args.command {
        KeysCommand::Rotate(args) => runtime.block_on(rotate(args)),
        KeysCommand::Rewrap(args) => runtime.block_on(rewrap(args.data, None, args.keep_retired)),
    }
}

async fn rotate(args: RotateArgs) -> anyhow::Result<ExitCode> {
    let settings = args.data.settings()?;
    init_logging(&settings.log_format);
    let key_file = key_file_path(&settings).context(
        "the master key comes from KYC_MASTER_KEY, which this command cannot rewrite: \
         move it to a file (KYC_MASTER_KEY_FILE) to rotate",
    )?;
    anyhow::ensure!(
        key_file.exists(),
        "no master key at {}: nothing to rotate",
        key_file.display()
    );
    let old = read_key_file(&key_file)?;
    let new = match &args.new_key_file {
        Some(path) => read_key_file(path)?,
        None => MasterKey::generate(),
    };
    anyhow::ensure!(
        new.id() != old.id(),
        "the new key is the active key ({})",
        old.id()
    );
    // Old key kept first, then the new key installed: a crash in between
    // leaves a keyring that still opens everything.
    write_key_file(&retired_path(&key_file, &old), &old)?;
    write_key_file(&key_file, &new)?;
    println!("active master key: {} (was {})", new.id(), old.id());
    rewrap(args.data, Some(new), args.keep_retired).await
}

/// Rewraps every readable document not under the active key, then removes
/// the retired key files whose keys no row references any more.
async fn rewrap(
    data: DataArgs,
    active: Option<MasterKey>,
    keep_retired: bool,
) -> anyhow::Result<ExitCode> {
    let settings = data.settings()?;
    if active.is_none() {
        init_logging(&settings.log_format);
    }
    let key_file = key_file_path(&settings)
        .context("the master key comes from KYC_MASTER_KEY: no key files to manage")?;
    let active = match active {
        Some(key) => key,
        None => read_key_file(&key_file)?,
    };
    let keyring = keyring_with_retired(active, &settings)?;
    let db = Database::connect(&settings.database_url())
        .await
        .context("cannot connect to the database")?;
    db.migrate().await.context("cannot migrate the database")?;

    let (rewrapped, failed) = rewrap_rows(&db, &keyring).await?;
    let counts = db.wrapped_key_counts().await?;
    db.close().await;
    println!("rewrapped {rewrapped} document keys; {failed} could not be rewrapped");

    let mut removed = 0;
    for path in retired_key_files(&key_file)? {
        let key = read_key_file(&path)?;
        let still_used = counts.get(key.id().as_str()).copied().unwrap_or(0);
        if still_used > 0 || keep_retired || failed > 0 {
            println!(
                "kept retired key {} ({still_used} documents use it)",
                key.id()
            );
            continue;
        }
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
        removed += 1;
        println!("removed retired key {}", key.id());
    }
    println!("removed {removed} retired keys");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Pages through the rows not under the active key, one transaction per
/// page. Returns (rewrapped, failed); a row that cannot be rewrapped (its
/// key is unknown here, its envelope corrupt) is counted and skipped.
async fn rewrap_rows(db: &Database, keyring: &Keyring) -> anyhow::Result<(u64, u64)> {
    let active_id = keyring.active_id().to_string();
    let now = chrono::Utc::now();
    let (mut rewrapped, mut failed) = (0u64, 0u64);
    let mut after = None;
    loop {
        let rows = db.keys_not_under(&active_id, after, BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id);
        let mut updates = Vec::with_capacity(rows.len());
        for row in rows {
            let rewrapped_envelope =
                Envelope::from_parts(&row.key_id, row.wrapped_key.clone(), &row.nonce)
                    .and_then(|envelope| keyring.rewrap(&envelope));
            match rewrapped_envelope {
                Ok(envelope) => {
                    updates.push((row, envelope.key_id.to_string(), envelope.wrapped_key))
                }
                Err(err) => {
                    failed += 1;
                    tracing::error!(document_id = %row.id, key_id = %row.key_id, error = %err, "cannot rewrap");
                }
            }
        }
        rewrapped += db.replace_wrapped_keys(&updates, now).await?;
    }
    Ok((rewrapped, failed))
}
