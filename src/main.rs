//! The `kyc` command: the service and its operator tools.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

#[derive(Debug, Parser)]
#[command(name = "kyc", version, about = "KYC document verification")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service (SQLite and an encrypted local store in ./data by default).
    Serve(cli::serve::ServeArgs),
    /// Apply the database migrations and exit.
    Migrate(cli::migrate::MigrateArgs),
    /// Measure throughput (see docs/BENCHMARKS.md).
    Bench(cli::bench::BenchArgs),
    /// Check image files without a server (see docs/check-contract.md).
    Check(cli::check::CheckArgs),
    /// Score the checker on a labelled folder with a manifest.jsonl.
    Eval(cli::eval::EvalArgs),
    /// Master key rotation.
    Keys(cli::keys::KeysArgs),
    /// Manage reviewers: add (prints the token once), disable, list.
    Reviewer(cli::reviewer::ReviewerArgs),
    /// Verify the hash-chained audit trail.
    Audit(cli::audit::AuditArgs),
    /// Report on the review SLA.
    Sla(cli::sla::SlaArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cli::serve::run(args),
        Command::Bench(args) => cli::bench::run(args),
        Command::Migrate(args) => cli::migrate::run(args),
        Command::Check(args) => cli::check::run(args),
        Command::Eval(args) => cli::eval::run(args),
        Command::Keys(args) => cli::keys::run(args),
        Command::Reviewer(args) => cli::reviewer::run(args),
        Command::Audit(args) => cli::audit::run(args),
        Command::Sla(args) => cli::sla::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}
