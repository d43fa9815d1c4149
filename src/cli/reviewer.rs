//! `kyc reviewer add|disable|list`: the people who review cases.

use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use kyc_core::ReviewerRole;
use kyc_server::secrets::{generate_token, hash_token};

use super::data::{init_logging, open_database, DataArgs};

#[derive(Debug, clap::Args)]
pub struct ReviewerArgs {
    #[command(subcommand)]
    command: ReviewerCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ReviewerCommand {
    /// Add a reviewer; prints their token once, alone on the last line.
    Add {
        /// 1 to 64 of a-z, 0-9, '.', '_', '-'
        name: String,
        /// reviewer, supervisor or admin
        #[arg(long, default_value = "reviewer")]
        role: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// Disable a reviewer: their token stops working and their claims are released.
    Disable {
        name: String,
        #[command(flatten)]
        data: DataArgs,
    },
    /// List reviewers.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

pub fn run(args: ReviewerArgs) -> anyhow::Result<ExitCode> {
    let data = match &args.command {
        ReviewerCommand::Add { data, .. }
        | ReviewerCommand::Disable { data, .. }
        | ReviewerCommand::List { data } => data.clone(),
    };
    let settings = data.settings()?;
    init_logging(&settings.log_format);
    tokio::runtime::Runtime::new()?.block_on(async move {
        let db = open_database(&settings).await?;
        let code = match args.command {
            ReviewerCommand::Add { name, role, .. } => {
                let role: ReviewerRole = role
                    .parse()
                    .map_err(|_| anyhow::anyhow!("role must be reviewer, supervisor or admin"))?;
                let token = generate_token("kyc_rv");
                let reviewer = db
                    .add_reviewer(&name, role, &hash_token(&token), "cli", Utc::now())
                    .await
                    .with_context(|| format!("cannot add reviewer {name}"))?;
                println!(
                    "Added {} {} ({}). Their token, shown only now:",
                    reviewer.role, reviewer.name, reviewer.id
                );
                println!("{token}");
                ExitCode::SUCCESS
            }
            ReviewerCommand::Disable { name, .. } => {
                match db.disable_reviewer(&name, "cli", Utc::now()).await? {
                    Some(_) => {
                        println!("Disabled {name}.");
                        ExitCode::SUCCESS
                    }
                    None => {
                        eprintln!("error: no reviewer named {name}");
                        ExitCode::from(1)
                    }
                }
            }
            ReviewerCommand::List { .. } => {
                for r in db.list_reviewers().await? {
                    let state = if r.disabled_at.is_some() {
                        "disabled"
                    } else {
                        "active"
                    };
                    println!("{}\t{}\t{}", r.name, r.role, state);
                }
                ExitCode::SUCCESS
            }
        };
        db.close().await;
        anyhow::Ok(code)
    })
}
