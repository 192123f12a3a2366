//! The one shape of a config error: `FILE:LINE: what is wrong; what to do`, exit code 3.

use crate::failure::{Failure, Kind};

/// A config failure (exit code 3) saying `file:line: msg`.
pub(super) fn config_error(file: &str, line: usize, msg: impl std::fmt::Display) -> anyhow::Error {
    Failure::new(Kind::Config, format!("{file}:{line}: {msg}")).into()
}
