//! `kyc eval DIR`: scores the checker on a labelled folder.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {}

pub fn run(_args: EvalArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("kyc eval is not implemented yet")
}
