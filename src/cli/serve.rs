//! `kyc serve`: the service, on the embedded default unless configured.

use std::net::SocketAddr;
use std::process::ExitCode;

use kyc_server::Application;

use super::data::{init_logging, DataArgs};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [env: KYC_LISTEN] [default: 127.0.0.1:8080]
    #[arg(long)]
    listen: Option<SocketAddr>,
    #[command(flatten)]
    data: DataArgs,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let mut settings = args.data.settings()?;
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    init_logging(&settings.log_format);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let app = Application::build(settings.clone()).await?;
        if let Some(token) = &app.generated_operator_token {
            // Printed once, to stdout, never logged: it is a secret.
            println!("Generated an operator API token. It will not be shown again:");
            println!("KYC_OPERATOR_TOKEN={token}");
        }
        tracing::info!(
            address = %app.local_addr()?,
            data_dir = %settings.data_dir.display(),
            object_store = %settings.object_store,
            "kyc is listening"
        );
        app.run_until_stopped().await
    })?;
    Ok(ExitCode::SUCCESS)
}
