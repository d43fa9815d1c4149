//! `kyc migrate`: applies the database migrations and exits.

use std::process::ExitCode;

use super::data::{init_logging, DataArgs};

#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: MigrateArgs) -> anyhow::Result<ExitCode> {
    let settings = args.data.settings()?;
    init_logging(&settings.log_format);
    tokio::runtime::Runtime::new()?.block_on(async {
        // Opening the backends migrates the database.
        let backends = kyc_server::open_backends(&settings).await?;
        backends.db.close().await;
        println!("database is up to date");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
