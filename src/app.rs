//! Runs one verb of the command line.

use std::io::Write;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, Generate};

/// Runs the verb and returns the exit code.
pub fn run(cli: Cli) -> Result<u8> {
    if let Some(what) = cli.generate {
        return generate(what);
    }
    Ok(0)
}

/// `--generate man|complete-bash`: the man page or completion from the clap definitions.
fn generate(what: Generate) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    match what {
        Generate::Man => {
            let man = clap_mangen::Man::new(cmd).section("8");
            man.render(&mut out).context("writing the man page")?;
        }
        Generate::CompleteBash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, "kexec-reboot", &mut out);
        }
    }
    out.flush().context("writing to stdout")?;
    Ok(0)
}
