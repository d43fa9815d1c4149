//! `kyc audit verify`: walks the whole audit chain; exits 2 on any edited,
//! reordered or deleted entry.

use std::process::ExitCode;

use super::data::{init_logging, open_database, DataArgs};

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; prints the head hash to anchor elsewhere.
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
}

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify { data } = args.command;
    let settings = data.settings()?;
    init_logging(&settings.log_format);
    tokio::runtime::Runtime::new()?.block_on(async move {
        let db = open_database(&settings).await?;
        let report = db.verify_audit_chain().await?;
        db.close().await;
        if report.is_intact() {
            println!(
                "audit chain intact: {} entries, head {}",
                report.entries, report.head_hash
            );
            Ok(ExitCode::SUCCESS)
        } else {
            for problem in &report.problems {
                println!("BROKEN: {problem}");
            }
            println!(
                "audit chain BROKEN: {} problem(s) in {} entries",
                report.problems.len(),
                report.entries
            );
            Ok(ExitCode::from(2))
        }
    })
}
