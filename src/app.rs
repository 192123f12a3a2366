//! Runs one verb of the command line.

use anyhow::Result;

use crate::cli::Cli;

/// Runs the verb and returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    let _ = cli;
    Ok(0)
}
