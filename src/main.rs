//! `kexec-reboot`: parse the command line, run the verb, print errors on one line.

use std::process::ExitCode;

use clap::Parser;

use kexec_reboot::{app, cli::Cli, failure};

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let cli = Cli::shutdown_fast_path(&args).unwrap_or_else(|| Cli::parse_from(args));
    match app::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("kexec-reboot: error: {err:#}");
            ExitCode::from(failure::exit_code(&err))
        }
    }
}
